"""The benchmark scenarios. Each returns a result dict: what ran, what was measured, targets met or missed.

Every figure comes from a real run: the simulator over HTTP, osmem-server as the engine, the collector
as shipped. Nothing here is estimated except where a key says `extrapolated`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import harness
import requests

from copilot_usage import defaults
from copilot_usage.model import Scope, ScopeType
from copilot_usage.schema.indices import (
    FEATURE_ENGAGEMENT,
    INGESTION_LOG,
    SEAT_SUMMARY,
    SEATS,
    STATUS_COMPLETE,
    STATUS_EMPTY,
    STATUS_FAILED,
    TEAMS_SNAPSHOT,
    Doc,
)
from copilot_usage.simulator import SimConfig, SimulatorServer, World

Result = dict[str, Any]
SIM_HEADERS = {"Authorization": f"Bearer {harness.TOKEN}", "X-GitHub-Api-Version": defaults.GITHUB_API_VERSION}


def engine_label() -> str:
    info = harness.ENGINE_INFO
    return f"{info.get('kind', harness.ENGINE)} {info.get('version', '')}".strip()


def target(name: str, measured: float, limit: float, unit: str, *, at_most: bool) -> dict[str, Any]:
    """One target row (pure); `miss` says by how much it was missed, as a factor of the limit."""
    met = measured <= limit if at_most else measured >= limit
    miss = None if met else round(measured / limit if at_most else limit / max(measured, 1e-9), 2)
    return {"name": name, "measured": measured, "target": f"{'≤' if at_most else '≥'} {limit:,} {unit}",
            "met": met, "missed_by_factor": miss}


def _collect_once(github: SimulatorServer, engine_url: str, backfill_days: int, workdir: Path, label: str,
                  extra: dict[str, str] | None = None) -> Result:
    """One collector process against the two endpoints: wall, RSS, requests and documents it caused."""
    github.reset_stats()
    es = harness.engine_client(engine_url)
    try:
        before = harness.data_docs(harness.count_docs(es))
        env = harness.collector_env(github.url, engine_url, github.world, backfill_days, extra)
        proc = harness.run_collector(env, workdir / f"{label}.log")
        stats = harness.simulator_stats(github)
        counts = harness.count_docs(es)
        engine_rss = harness.engine_peak_rss_mb(engine_url)
    finally:
        es.close()
    docs = harness.data_docs(counts)
    return {
        "exit_code": proc.exit_code,
        "wall_seconds": proc.wall_seconds,
        "peak_rss_mb": proc.peak_rss_mb,
        "engine_peak_rss_mb": engine_rss,
        "cpu_seconds": round(proc.user_cpu_seconds + proc.system_cpu_seconds, 2),
        "github_api_requests": stats["api_requests"],
        "downloads": stats["downloads"],
        "requests_by_route": stats["requests"],
        "documents_in_store": docs,
        "documents_new": docs - before,
        "documents_by_index": counts,
        "docs_per_second": round((docs - before) / proc.wall_seconds, 1) if proc.wall_seconds else None,
        "api_requests_per_second": round(stats["api_requests"] / proc.wall_seconds, 1),
    }


# --- 1. steady hourly run ---------------------------------------------------------------------------------
def steady(quick: bool, workdir: Path) -> Result:
    """Backfill (untimed), then hourly runs with the same simulated day: what one more hour costs.

    The hourly runs are in-process because only `run(now=...)` can put the collector an hour later
    without waiting an hour; the collector code is the same.
    """
    from copilot_usage.run import run
    from copilot_usage.settings import Settings

    days = 30 if quick else 120
    hours = 6 if quick else 24
    config = SimConfig(orgs=2, enterprises=1, users=300, teams=12, days=days, today=harness.TODAY)
    with harness.endpoints(config, latency_ms=50) as (github, engine_url):
        settings = Settings.from_env(harness.collector_env(github.url, engine_url, github.world, days))
        es = harness.engine_client(engine_url)
        try:
            start = dt.datetime.combine(github.world.today, dt.time(6, 0), tzinfo=dt.UTC)
            backfill_started = time.perf_counter()
            first = run(settings, es=es, now=lambda: start)
            backfill_wall = time.perf_counter() - backfill_started
            backfill_stats = harness.simulator_stats(github)
            runs = []
            for hour in range(1, hours + 1):
                github.reset_stats()
                at = start + dt.timedelta(hours=hour)
                began = time.perf_counter()
                summary = run(settings, es=es, now=lambda at=at: at)
                wall = time.perf_counter() - began
                stats = harness.simulator_stats(github)
                runs.append(_hour_row(str(hour), summary, wall, stats))
            # The run after midnight UTC: a new report day appears and seats/teams get their daily snapshot.
            next_day = github.world.today + dt.timedelta(days=1)
            github.set_today(next_day)
            settings = Settings.from_env(harness.collector_env(github.url, engine_url, github.world, days + 1))
            github.reset_stats()
            at = dt.datetime.combine(next_day, dt.time(0, 30), tzinfo=dt.UTC)
            began = time.perf_counter()
            summary = run(settings, es=es, now=lambda: at)
            rollover = _hour_row("next day 00:30", summary, time.perf_counter() - began,
                                 harness.simulator_stats(github))
        finally:
            es.close()
    first_hour = runs[0]
    worst = max(r["github_api_requests"] for r in runs)
    return {
        "config": {"orgs": 2, "enterprises": 1, "users": 300, "days": days, "latency_ms": 50,
                   "hourly_runs": hours},
        "backfill": {"ok": first.ok, "wall_seconds": round(backfill_wall, 2),
                     "github_api_requests": backfill_stats["api_requests"],
                     "downloads": backfill_stats["downloads"],
                     "documents_written": first.to_dict()["documents_total"]},
        "hourly_runs": [*runs, rollover],
        "summary": {"first_hour_requests": first_hour["github_api_requests"],
                    "first_hour_wall_seconds": first_hour["wall_seconds"],
                    "worst_hour_requests": worst,
                    "requests_over_all_hours": sum(r["github_api_requests"] for r in runs),
                    "worst_hour_wall_seconds": max(r["wall_seconds"] for r in runs)},
        "targets": [target("GitHub API requests, first hourly run", first_hour["github_api_requests"], 30,
                           "requests", at_most=True),
                    target(f"GitHub API requests, worst of {hours} hourly runs", worst, 30, "requests",
                           at_most=True),
                    target("GitHub API requests, first run of the next day", rollover["github_api_requests"], 30,
                           "requests", at_most=True)],
    }


def _hour_row(label: str, summary: Any, wall: float, stats: dict[str, Any]) -> dict[str, Any]:
    return {"hour": label, "ok": summary.ok, "wall_seconds": round(wall, 2),
            "github_api_requests": stats["api_requests"], "downloads": stats["downloads"],
            "documents_written": summary.to_dict()["documents_total"], "requests_by_route": stats["requests"]}


# --- 2. a year's backfill ---------------------------------------------------------------------------------
def year_backfill(quick: bool, workdir: Path) -> Result:
    days = 90 if quick else 365
    # No teams: with 50 teams a 90-day run wrote 176,296 documents (2,000 a day), so a year would be about
    # 680,000, some 20 GB in the in-memory engine (about 30 KB each, see large). Teams cost no API request
    # here (user-teams is fetched either way), only engine memory.
    config = SimConfig(orgs=1, enterprises=0, users=1000, teams=0, days=days, today=harness.TODAY)
    with harness.endpoints(config, latency_ms=50) as (github, engine_url):
        scope = github.world.scopes()[0]
        served = (github.world.today - dt.timedelta(days=harness.NEWEST_REPORT_LAG_DAYS)
                  - github.world.floor(scope)).days + 1
        measured = _collect_once(github, engine_url, days, workdir, f"year_backfill_{days}d")
        latency, disk = _after_collection(engine_url, scope.slug, measured)
    return {
        "config": {"orgs": 1, "enterprises": 0, "users": 1000, "teams": 0, "days_requested": days,
                   "report_days_served": served, "latency_ms": 50},
        "run": measured,
        "disk": disk,
        "panel_latency": latency,
        "targets": [
            target("GitHub API requests", measured["github_api_requests"], 1500, "requests", at_most=True),
            target("wall time", measured["wall_seconds"], 600, "s", at_most=True),
            target("collector peak RSS", measured["peak_rss_mb"], 300, "MB", at_most=True),
            *_latency_targets(latency),
        ],
    }


def _after_collection(engine_url: str, scope_slug: str, run: Result) -> tuple[Result | None, Result | None]:
    """Panel query latency over the collected range and the store's size on disk (real engines only: the
    in-memory engine has no disk and its latency says nothing about a cluster)."""
    if harness.ENGINE == "osmem":
        return None, None
    es = harness.engine_client(engine_url)
    try:
        newest = harness.TODAY - dt.timedelta(days=harness.NEWEST_REPORT_LAG_DAYS)
        time_to = int(dt.datetime.combine(newest, dt.time(23, 59), tzinfo=dt.UTC).timestamp() * 1000)
        time_from = time_to - 365 * 86_400_000
        latency = harness.panel_latency(es, harness.PREFIX, scope_slug, time_from, time_to)
        size = harness.store_bytes(es)
    finally:
        es.close()
    user_days = run["documents_by_index"].get("user_daily", 0)
    disk = {"store_bytes": size, "store_mb": round(size / 1e6, 1), "user_daily_documents": user_days,
            "bytes_per_user_day": round(size / user_days) if user_days else None,
            "documents": run["documents_in_store"]}
    return latency, disk


def _latency_targets(latency: Result | None) -> list[dict[str, Any]]:
    if latency is None:
        return []
    return [target("panel query p95, worst panel", latency["worst_p95_ms"], 300, "ms", at_most=True)]


# --- 3. shaping alone -------------------------------------------------------------------------------------
def _rows(github: SimulatorServer, path: str, report: str, day: dt.date) -> list[dict[str, Any]]:
    import json

    answer = requests.get(f"{github.url}{path}/copilot/metrics/reports/{report}", params={"day": day.isoformat()},
                          headers=SIM_HEADERS, timeout=30)
    answer.raise_for_status()
    rows: list[dict[str, Any]] = []
    for link in answer.json()["download_links"]:
        body = requests.get(link, timeout=30)  # signed links take no Authorization header
        body.raise_for_status()
        rows.extend(json.loads(line) for line in body.text.splitlines() if line.strip())
    return rows


def _best_of(repeats: int, work: Callable[[], int]) -> tuple[float, float, int]:
    """(best wall seconds, CPU seconds of that repeat, items) over `repeats` runs of `work`."""
    best = (float("inf"), 0.0, 0)
    for _ in range(repeats):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        items = work()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        if wall < best[0]:
            best = (wall, cpu, items)
    return best


def shaping(quick: bool, workdir: Path) -> Result:
    """UsersShaper and shape_aggregate over records already in memory, one thread (= one core)."""
    from copilot_usage.shaping.aggregate import shape_aggregate
    from copilot_usage.shaping.users import UsersShaper, membership_from_user_teams

    users, days = (2000, 5) if quick else (5000, 10)
    config = SimConfig(orgs=1, enterprises=0, users=users, teams=100, days=days + 5, today=harness.TODAY)
    with SimulatorServer(World(config)) as github:
        sim_scope = github.world.scopes()[0]
        path = f"/orgs/{sim_scope.slug}"
        newest = github.world.today - dt.timedelta(days=harness.NEWEST_REPORT_LAG_DAYS)
        day_list = [newest - dt.timedelta(days=i) for i in range(days)]
        data = [(d, _rows(github, path, "users-1-day", d), _rows(github, path, "user-teams-1-day", d),
                 _rows(github, path, "organization-1-day", d)) for d in day_list]
    scope = Scope(ScopeType.ORGANIZATION, sim_scope.slug)
    user_records = sum(len(u) for _, u, _, _ in data)

    def users(with_teams: bool) -> int:
        docs = 0
        for day, user_rows, team_rows, _ in data:
            membership = membership_from_user_teams(team_rows, scope, day)[0] if with_teams else None
            shaper = UsersShaper(scope, day, membership)
            for record in user_rows:
                shaper.add(record)
                docs += 1
            docs += len(shaper.finish())
        return docs

    def aggregates() -> int:
        docs = 0
        for day, _, _, agg in data:
            for record in agg:
                docs += len(shape_aggregate(scope, day, record))
        return docs

    repeats = 3
    results = {}
    for name, work, records in (("UsersShaper with team membership", lambda: users(True), user_records),
                                ("UsersShaper without teams", lambda: users(False), user_records),
                                ("shape_aggregate", aggregates, sum(len(a) for _, _, _, a in data))):
        wall, cpu, docs = _best_of(repeats, work)
        results[name] = {"records": records, "documents": docs, "wall_seconds": round(wall, 3),
                         "cpu_seconds": round(cpu, 3),
                         "records_per_second_per_core": round(records / cpu if cpu else records / wall),
                         "documents_per_second_per_core": round(docs / cpu if cpu else docs / wall)}
    return {
        "config": {"users": users, "teams": 100, "days": days, "user_day_records": user_records,
                   "repeats": repeats, "measure": "best wall of repeats; rate = records / CPU seconds"},
        "stages": results,
        # Both ways: with teams each user row also feeds every team it belongs to (4x the documents).
        "targets": [target(f"user-day records/s/core ({name})", results[name]["records_per_second_per_core"],
                           20000, "records/s", at_most=False)
                    for name in ("UsersShaper with team membership", "UsersShaper without teams")],
    }


# --- 4. ingestion ----------------------------------------------------------------------------------------
def _shaped_docs(users: int, days: int) -> list[Doc]:
    from copilot_usage.shaping.users import UsersShaper, membership_from_user_teams

    config = SimConfig(orgs=1, enterprises=0, users=users, teams=30, days=days + 5, today=harness.TODAY)
    docs: list[Doc] = []
    with SimulatorServer(World(config)) as github:
        sim_scope = github.world.scopes()[0]
        scope = Scope(ScopeType.ORGANIZATION, sim_scope.slug)
        path = f"/orgs/{sim_scope.slug}"
        newest = github.world.today - dt.timedelta(days=harness.NEWEST_REPORT_LAG_DAYS)
        for i in range(days):
            day = newest - dt.timedelta(days=i)
            membership, _ = membership_from_user_teams(_rows(github, path, "user-teams-1-day", day), scope, day)
            shaper = UsersShaper(scope, day, membership)
            docs.extend(shaper.user(r) for r in _rows(github, path, "users-1-day", day))
            docs.extend(shaper.finish())
    return docs


BULK_SIZES = (500, 1000, 2000, 4000)


def ingestion(quick: bool, workdir: Path) -> Result:
    """End to end (collector process, no latency); then, in a fresh engine, BulkWriter alone at several bulk
    sizes and one document at a time with a read before each write."""
    from elasticsearch import NotFoundError

    from copilot_usage.store.templates import ensure_indices
    from copilot_usage.store.writer import DEFAULT_MAX_DOCS, BulkWriter

    days = 20 if quick else 45
    config = SimConfig(orgs=1, enterprises=0, users=1000, teams=50, days=days, today=harness.TODAY)
    bulk_n, single_n = (6_000, 1_000) if quick else (12_000, 3_000)
    docs = _shaped_docs(1500, max(2, -(-bulk_n // 1500)))[:bulk_n]
    with harness.endpoints(config) as (github, engine_url):
        e2e = _collect_once(github, engine_url, days, workdir, f"ingestion_e2e_{days}d")
    sizes = {}
    with harness.engine_only() as engine_url:
        es = harness.engine_client(engine_url)
        try:
            for size in BULK_SIZES:
                prefix = f"bulk{size}_"
                ensure_indices(es, prefix)
                started = time.perf_counter()
                written = BulkWriter(es, prefix, max_docs=size, max_bytes=50_000_000).write(docs)
                wall = time.perf_counter() - started
                sizes[size] = {"documents": written.written, "refused": len(written.errors),
                               "requests": written.requests, "wall_seconds": round(wall, 2),
                               "docs_per_second": round(written.written / wall, 1)}
            ensure_indices(es, "one_")
            started = time.perf_counter()
            for doc in docs[:single_n]:
                name = doc.index.name("one_")
                with contextlib.suppress(NotFoundError):  # a missing document is the common case
                    es.get(index=name, id=doc.id)
                es.index(index=name, id=doc.id, document=doc.source)
            single_wall = time.perf_counter() - started
        finally:
            es.close()
    bulk_rate = sizes[DEFAULT_MAX_DOCS]["docs_per_second"]
    single_rate = round(single_n / single_wall, 1)
    return {
        "config": {"end_to_end": {"orgs": 1, "users": 1000, "days": days, "latency_ms": 0},
                   "bulk_docs": len(docs), "one_at_a_time_docs": single_n, "document_kind": "user_daily etc.",
                   "default_bulk_size": DEFAULT_MAX_DOCS},
        "end_to_end": e2e,
        "bulk_writer": {"default_size": DEFAULT_MAX_DOCS, **sizes[DEFAULT_MAX_DOCS]},
        "bulk_sizes": {str(size): row for size, row in sizes.items()},
        "one_at_a_time_read_then_write": {"documents": single_n, "wall_seconds": round(single_wall, 2),
                                          "docs_per_second": single_rate},
        "bulk_speedup_over_one_at_a_time": round(bulk_rate / single_rate, 1),
        "targets": [target(f"end-to-end docs/s into {engine_label()}", e2e["docs_per_second"], 5000, "docs/s",
                           at_most=False),
                    target(f"BulkWriter alone docs/s into {engine_label()}", bulk_rate, 5000, "docs/s",
                           at_most=False),
                    target("bulk over one-at-a-time (read then write)", round(bulk_rate / single_rate, 1), 20, "×",
                           at_most=False)],
    }


# --- 5. large world, bounded slice -----------------------------------------------------------------------
def large(quick: bool, workdir: Path) -> Result:
    """50 orgs x 20,000 users x 2,000 teams; only the newest few report days are collected."""
    slice_days = 3
    backfill_days = slice_days + harness.NEWEST_REPORT_LAG_DAYS
    config = SimConfig(orgs=50, enterprises=0, users=20000, teams=2000, days=90, today=harness.TODAY)
    built = time.perf_counter()
    with harness.endpoints(config, latency_ms=50) as (github, engine_url):
        world_seconds = time.perf_counter() - built
        run = _collect_once(github, engine_url, backfill_days, workdir, "large_slice")
    report_days_90 = 90 - harness.NEWEST_REPORT_LAG_DAYS
    return {
        "config": {"orgs": 50, "enterprises": 0, "users": 20000, "teams": 2000, "days_in_world": 90,
                   "report_days_collected": slice_days, "backfill_start_days_back": backfill_days - 1,
                   "latency_ms": 50},
        "concurrency": concurrency(run, 50),
        "world_build_and_engine_start_seconds": round(world_seconds, 2),
        "run": run,
        "extrapolated_90_days": extrapolate(run, slice_days, report_days_90),
        "targets": [],
    }


def large_full(quick: bool, workdir: Path) -> Result:
    """The large world's whole 90 days in one collection (a real engine keeps it on disk, not in RAM)."""
    days = 20 if quick else 90
    config = SimConfig(orgs=50, enterprises=0, users=20000, teams=2000, days=days, today=harness.TODAY)
    built = time.perf_counter()
    with harness.endpoints(config, latency_ms=50) as (github, engine_url):
        world_seconds = time.perf_counter() - built
        scope = github.world.scopes()[0]
        run = _collect_once(github, engine_url, days, workdir, "large_full")
        latency, disk = _after_collection(engine_url, scope.slug, run)
    budget = PAT_BUDGET - 100  # the default RATE_LIMIT_RESERVE
    return {
        "config": {"orgs": 50, "enterprises": 0, "users": 20000, "teams": 2000, "days_in_world": days,
                   "latency_ms": 50},
        "concurrency": concurrency(run, 50),
        "world_build_and_engine_start_seconds": round(world_seconds, 2),
        "run": run,
        "disk": disk,
        "hourly_pat_runs_needed": -(-run["github_api_requests"] // budget),
        "panel_latency": latency,
        "targets": _latency_targets(latency),
    }


# --- 6. a backfill larger than a PAT's hourly budget ---------------------------------------------------------
PAT_BUDGET = 5000  # primary rate limit per hour of a personal access token


class _SimClock:
    """The simulator's wall clock, moved on an hour between runs so each run gets a fresh budget window."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def done_days(es: Any, prefix: str) -> dict[tuple[str, str], dict[str, int]]:
    """Ingestion-log entries per (scope, report) and status, read back from the engine."""
    from copilot_usage.schema.indices import REPORT, SCOPE, STATUS

    es.indices.refresh(index=INGESTION_LOG.name(prefix))
    # Nested terms, not multi_terms: Elasticsearch has multi_terms only from 7.12 and the test node is 7.10.2.
    body = es.search(index=INGESTION_LOG.name(prefix), size=0, aggs={"scope": {
        "terms": {"field": SCOPE, "size": 10_000},
        "aggs": {"report": {"terms": {"field": REPORT, "size": 100},
                            "aggs": {"status": {"terms": {"field": STATUS, "size": 10}}}}}}})
    out: dict[tuple[str, str], dict[str, int]] = {}
    for by_scope in body["aggregations"]["scope"]["buckets"]:
        for by_report in by_scope["report"]["buckets"]:
            out[(by_scope["key"], by_report["key"])] = {
                b["key"]: b["doc_count"] for b in by_report["status"]["buckets"]}
    return out


def budget_spread(quick: bool, workdir: Path) -> Result:
    """Many small organizations, so the first backfill needs more API requests than one hour of a PAT allows
    while the documents stay within what the in-memory engine can hold. Runs an hour apart (the simulator's
    clock moves on 3,601 s) until a run finishes its plan; every run must stop cleanly at the reserve."""
    from copilot_usage.github.client import GitHubClient
    from copilot_usage.model import Report
    from copilot_usage.run import run
    from copilot_usage.settings import Settings
    from copilot_usage.simulator.faults import Faults

    orgs, days = (12, 110) if quick else (25, 120)
    config = SimConfig(orgs=orgs, enterprises=0, users=orgs * 5, teams=0, days=days, today=harness.TODAY)
    clock = _SimClock()
    with harness.endpoints(config, latency_ms=0, clock=clock, faults=Faults(rate_limit=PAT_BUDGET)) as (
        github, engine_url,
    ):
        env = harness.collector_env(github.url, engine_url, github.world, days,
                                    {"RATE_LIMIT_MAX_WAIT_SECONDS": "0"})
        settings = Settings.from_env(env)
        es = harness.engine_client(engine_url)
        runs = []
        try:
            start = dt.datetime.combine(github.world.today, dt.time(6, 5), tzinfo=dt.UTC)
            for n in range(12):
                clock.now += 3601
                github.reset_stats()
                began = time.perf_counter()
                summary = run(settings, github=GitHubClient.from_settings(settings), es=es,
                              now=lambda n=n: start + dt.timedelta(hours=n))
                stats = harness.simulator_stats(github)
                runs.append({"run": n + 1, "ok": summary.ok, "stopped": summary.stopped or "",
                             "wall_seconds": round(time.perf_counter() - began, 2),
                             "github_api_requests": stats["api_requests"],
                             "rate_limited_answers": stats["primary_limit_refusals"],
                             "documents_written": summary.to_dict()["documents_total"],
                             "days_failed": summary.days["failed"], "errors": len(summary.errors)})
                if summary.stopped is None:
                    break
            log = done_days(es, harness.PREFIX)
            counts = harness.count_docs(es)
        finally:
            es.close()
        newest = github.world.newest_day()
        first = github.world.today - dt.timedelta(days=days - 1)
        expected_days = {s.slug: (newest - max(first, github.world.floor(s))).days + 1 for s in github.world.scopes()}
        engine_rss = harness.engine_peak_rss_mb(engine_url)
    reports = [r.value for r in Report]
    gaps = sum(max(0, expected_days[slug] - sum(log.get((slug, report), {}).get(status, 0)
                                                for status in (STATUS_COMPLETE, STATUS_EMPTY)))
               for slug in expected_days for report in reports)
    failed = sum(statuses.get(STATUS_FAILED, 0) for statuses in log.values())
    total_requests = sum(r["github_api_requests"] for r in runs)
    return {
        "config": {"orgs": orgs, "users": orgs * 5, "teams": 0, "days": days, "latency_ms": 0,
                   "primary_limit_per_hour": PAT_BUDGET, "rate_limit_reserve": settings.github.rate_limit_reserve},
        "runs": runs,
        "summary": {"runs": len(runs), "github_api_requests": total_requests,
                    "report_days_expected": sum(expected_days.values()) * len(reports),
                    "report_days_missing": gaps, "report_days_failed": failed,
                    "documents_in_store": harness.data_docs(counts), "engine_peak_rss_mb": engine_rss},
        "targets": [
            target("API requests of the whole backfill (must exceed one hour's budget)", total_requests,
                   PAT_BUDGET + 1, "requests", at_most=False),
            target("most API requests in one run", max(r["github_api_requests"] for r in runs), PAT_BUDGET,
                   "requests", at_most=True),
            target("rate-limited answers", sum(r["rate_limited_answers"] for r in runs), 0, "answers",
                   at_most=True),
            target("report days missing or failed at the end", gaps + failed, 0, "days", at_most=True),
            target("runs that failed", sum(not r["ok"] for r in runs), 0, "runs", at_most=True),
        ],
    }


# --- the demo as a newcomer runs it ------------------------------------------------------------------------
def demo(quick: bool, workdir: Path) -> Result:
    """`copilot-usage demo --once` with its defaults; its own report of what the collection cost."""
    import json
    import os

    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    out = workdir / "demo.json"
    arguments = ["demo", "--once", "--format", "json", "--today", harness.TODAY.isoformat()]
    proc = harness.run_command(arguments, env, workdir / "demo.log", out)
    meta = json.loads(out.read_text())["demo"] if proc.exit_code == 0 else {}
    return {
        "config": {"command": "python -m copilot_usage " + " ".join(arguments), "days": meta.get("days")},
        "run": {"exit_code": proc.exit_code, "wall_seconds": proc.wall_seconds,
                "collect_seconds": meta.get("collect_seconds"), "summary_seconds": meta.get("summary_seconds"),
                "github_api_requests": meta.get("github_requests"),
                "documents_written": meta.get("documents_written"),
                # The demo process: simulator and collector; the engine is its own process, not included.
                "peak_rss_mb_demo_process": proc.peak_rss_mb},
        "targets": [],
    }


def concurrency(run: Result, latency_ms: float) -> dict[str, Any]:
    """The configured limit and a lower bound of the average number of requests in flight (pure): each
    request spent at least `latency_ms` in the simulator, so their summed latency over the wall time."""
    requests_total = run["github_api_requests"] + run["downloads"]
    return {"max_concurrency_setting": defaults.MAX_CONCURRENCY,
            "average_in_flight_at_least": round(requests_total * latency_ms / 1000 / run["wall_seconds"], 2)}


# Snapshot indices get one document set per run, whatever the number of report days.
# Not scaled with report days: among them the snapshots (feature engagement: one 28-day window per run).
PER_RUN_INDICES = (SEATS.key, SEAT_SUMMARY.key, TEAMS_SNAPSHOT.key, FEATURE_ENGAGEMENT.key, INGESTION_LOG.key)


def extrapolate(run: Result, slice_days: int, days: int) -> dict[str, Any]:
    """Scale a slice's per-day costs to `days` report days (pure): report requests and day-keyed documents
    grow with days; seats, teams and billing requests and snapshot documents are paid once per run."""
    per_day_requests = sum(n for route, n in run["requests_by_route"].items() if route.endswith("-1-day"))
    per_run_requests = run["github_api_requests"] - per_day_requests
    counts = run["documents_by_index"]
    per_run_docs = sum(n for key, n in counts.items() if key in PER_RUN_INDICES)
    per_day_docs = sum(n for key, n in counts.items() if key not in PER_RUN_INDICES)
    return {
        "method": (f"report requests and day-keyed documents scaled by {days}/{slice_days}; seats, teams, billing "
                   "requests and snapshot documents once per run (user_adoption scaled: an upper bound)"),
        "report_route_requests_in_slice": per_day_requests,
        "per_run_requests": per_run_requests,
        "github_api_requests": per_run_requests + round(per_day_requests / slice_days * days),
        "documents": per_run_docs + round(per_day_docs / slice_days * days),
    }


SCENARIOS: dict[str, Callable[[bool, Path], Result]] = {
    "steady": steady,
    "year-backfill": year_backfill,
    "shaping": shaping,
    "ingestion": ingestion,
    "large": large,
    "large-full": large_full,
    "budget-spread": budget_spread,
    "demo": demo,
}
