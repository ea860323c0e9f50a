"""Convergence harness: run the collector against the simulator with faults, then compare stored content.

A reference collection (no faults) and a faulty one go to separate index prefixes of a real engine; the
faulty one is repeated, faults off for the last runs, until a run finishes clean. Then every index must
hold exactly the same documents (ids and sources) under both prefixes. Ingestion-log fields that record
*how* a day was fetched (times, attempts, last error) differ by design and are left out of the comparison.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from copilot_usage.github.client import GitHubClient
from copilot_usage.run import RunSummary, run
from copilot_usage.schema import indices as ix
from copilot_usage.settings import Settings
from copilot_usage.simulator import SimulatorServer, World
from tests.fixtures.engine import Forward, ProxyRequest, ProxyResponse
from tests.fixtures.simulator import SIM_TODAY, sim_config

ORGS = ("sim-org-1", "sim-org-2")
ENT = "sim-enterprise-1"
NOW = dt.datetime(2026, 11, 20, 10, 5, tzinfo=dt.UTC)
BACKFILL_DAYS = 4
# How a day was fetched, not what was stored: differs between a clean and a faulty history on purpose.
LOG_TIMING_FIELDS = frozenset({ix.FETCHED_AT, ix.FIRST_FETCHED_AT, ix.ATTEMPTS, ix.ERROR})
PAGE = 10_000

Snapshot = dict[str, dict[str, dict[str, Any]]]  # index key -> id -> source


HARNESS_DAYS = 14  # days the simulated GitHub serves; the collection backfills only the last few


def harness_world() -> World:
    """The world every reliability case collects: deterministic, so one reference serves them all."""
    return World(sim_config(days=HARNESS_DAYS))


def no_sleep(_seconds: float) -> None:
    """Retry waits are policy under test, not time to spend: the simulator answers retry-after 0 anyway."""


class ManualClock:
    """A settable wall clock for the simulator (rate-limit windows, link expiry)."""

    def __init__(self, start: float | None = None):
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def settings_for(api_url: str, engine_url: str, prefix: str, **env: str) -> Settings:
    base = {
        "GITHUB_PAT": "sim-token",
        "GITHUB_API_URL": api_url,
        "ORGANIZATION_SLUGS": ",".join(ORGS),
        "ENTERPRISE_SLUGS": ENT,
        "ELASTICSEARCH_URL": engine_url,
        "INDEX_PREFIX": prefix,
        "COPILOT_USAGE_TODAY": SIM_TODAY.isoformat(),
        "BACKFILL_START": (SIM_TODAY - dt.timedelta(days=BACKFILL_DAYS)).isoformat(),
        "MAX_CONCURRENCY": "4",
        "RATE_LIMIT_MAX_WAIT_SECONDS": "0",
        "RATE_LIMIT_RESERVE": "0",
    }
    return Settings.from_env({**base, **env})


def collect(settings: Settings, es: Any, at: dt.datetime, **kwargs: Any) -> RunSummary:
    """One run as the Function does it, with retry waits skipped and a fixed clock."""
    github = GitHubClient.from_settings(settings, sleep=no_sleep)
    return run(settings, github=github, es=es, now=lambda: at, **kwargs)


def snapshot(es: Any, prefix: str) -> Snapshot:
    """Every document of every index under `prefix`, by id; ingestion-log timing fields dropped."""
    out: Snapshot = {}
    for index in ix.all_indices():
        name = index.name(prefix)
        if not es.indices.exists(index=name):
            out[index.key] = {}
            continue
        es.indices.refresh(index=name)
        hits = es.search(index=name, size=PAGE, query={"match_all": {}}, sort=["_doc"])["hits"]["hits"]
        assert len(hits) < PAGE, f"{name}: more documents than one page; keep the harness world small"
        docs: dict[str, dict[str, Any]] = {}
        for hit in hits:
            source = dict(hit["_source"])
            if index is ix.INGESTION_LOG:
                source = {k: v for k, v in source.items() if k not in LOG_TIMING_FIELDS}
            assert hit["_id"] not in docs, f"duplicate id {hit['_id']} in {name}"
            docs[hit["_id"]] = source
        out[index.key] = docs
    return out


def stale_adoption_windows(snap: Snapshot) -> set[str]:
    """Adoption documents for a window that ended on a weekday before the latest one stored.

    Window ends are Sundays plus the latest stored day; when the latest day moves on (a run that stopped
    early, or simply the next day), the previous "latest" window stays behind. That depends on the run
    history, not on the data, so convergence is judged without them; test_adoption_stale_windows tracks it.
    """
    docs = snap.get(ix.USER_ADOPTION.key, {})
    latest: dict[tuple[str, str], str] = {}
    for source in docs.values():
        key = (source[ix.SCOPE_TYPE], source[ix.SCOPE])
        latest[key] = max(latest.get(key, ""), str(source[ix.DAY])[:10])
    stale = set()
    for doc_id, source in docs.items():
        end = str(source[ix.DAY])[:10]
        if end < latest[(source[ix.SCOPE_TYPE], source[ix.SCOPE])] and dt.date.fromisoformat(end).weekday() != 6:
            stale.add(doc_id)
    return stale



def differences(expected: Snapshot, actual: Snapshot, limit: int = 10) -> list[str]:
    """Human-readable differences, at most `limit` of them (empty when identical)."""
    found: list[str] = []
    for key in sorted(set(expected) | set(actual)):
        want, got = expected.get(key, {}), actual.get(key, {})
        for doc_id in sorted(set(want) - set(got)):
            found.append(f"{key}: missing {doc_id}")
        for doc_id in sorted(set(got) - set(want)):
            found.append(f"{key}: unexpected {doc_id}")
        for doc_id in sorted(set(want) & set(got)):
            if want[doc_id] != got[doc_id]:
                changed = sorted(k for k in set(want[doc_id]) | set(got[doc_id])
                                 if want[doc_id].get(k) != got[doc_id].get(k))
                found.append(f"{key}: {doc_id} differs in {changed}")
    return found[:limit]


def failed_log_entries(es: Any, prefix: str) -> list[dict[str, Any]]:
    name = ix.INGESTION_LOG.name(prefix)
    es.indices.refresh(index=name)
    query = {"term": {ix.STATUS: ix.STATUS_FAILED}}
    return [h["_source"] for h in es.search(index=name, size=PAGE, query=query)["hits"]["hits"]]


@dataclass
class BulkRejecter:
    """EngineProxy handler: the engine refuses a share of bulk items for their content (status 400).

    Refused items are taken out of the request before it is forwarded, so the engine really does not
    store them, and put back into the answer as errors, the way a real cluster reports them.
    """

    rate: float
    seed: int
    enabled: bool = True
    rejected: int = 0
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def __call__(self, request: ProxyRequest, forward: Forward) -> ProxyResponse:
        if not self.enabled or request.method not in ("POST", "PUT") or "/_bulk" not in request.path:
            return forward(request)
        lines = [line for line in request.body.splitlines() if line.strip()]
        pairs = list(zip(lines[0::2], lines[1::2], strict=True))
        keep = [self._rng.random() >= self.rate for _ in pairs]
        if all(keep):
            return forward(request)
        kept_body = b"".join(a + b"\n" + s + b"\n" for (a, s), k in zip(pairs, keep, strict=True) if k)
        kept_items: Iterator[dict[str, Any]] = iter(())
        if kept_body:
            answer = forward(ProxyRequest(request.method, request.path, request.headers, kept_body))
            if answer.status != 200:
                return answer
            kept_items = iter(answer.json().get("items", []))
        items = []
        for (action, _), k in zip(pairs, keep, strict=True):
            if k:
                items.append(next(kept_items))
                continue
            op, meta = next(iter(json.loads(action).items()))
            self.rejected += 1
            items.append({op: {"_index": meta.get("_index"), "_id": meta.get("_id"), "status": 400,
                               "error": {"type": "document_parsing_exception",
                                         "reason": "injected rejection by the reliability harness"}}})
        return ProxyResponse.of_json(200, {"took": 1, "errors": True, "items": items})


def run_until_clean(settings: Settings, es: Any, start: dt.datetime, max_runs: int = 6,
                    before_each: Callable[[int], None] | None = None) -> list[RunSummary]:
    """Runs an hour apart until one finishes with nothing failed and nothing left over."""
    summaries: list[RunSummary] = []
    for n in range(max_runs):
        if before_each is not None:
            before_each(n)
        summary = collect(settings, es, start + dt.timedelta(hours=n))
        summaries.append(summary)
        if summary.ok and summary.stopped is None:
            return summaries
    raise AssertionError(f"no clean run after {max_runs}: last errors {summaries[-1].errors[:3]}")


def reference(server: SimulatorServer, engine_url: str, es: Any, prefix: str) -> Snapshot:
    summary = collect(settings_for(server.url, engine_url, prefix), es, NOW)
    assert summary.ok, summary.errors
    assert summary.stopped is None
    return snapshot(es, prefix)


def scope_day(source: dict[str, Any]) -> tuple[str, str, str] | None:
    if ix.SCOPE not in source or ix.DAY not in source:
        return None
    return str(source.get(ix.SCOPE_TYPE)), str(source[ix.SCOPE]), str(source[ix.DAY])[:10]


def unfinished_complete_days(expected: Snapshot, actual: Snapshot) -> list[str]:
    """Days the ingestion log of `actual` calls done although their documents differ from `expected`.

    A (scope, day) counts as done when every log entry the reference has for it is complete or empty in
    `actual`; then its documents in every data index must equal the reference's, and each entry must
    report the same document count. Indices derived across days (ix.DERIVED_INDICES: adoption, periods,
    seat spend) are checked by the convergence tests instead.
    """
    want_log = expected[ix.INGESTION_LOG.key]
    got_log = actual[ix.INGESTION_LOG.key]
    groups: dict[tuple[str, str, str], list[str]] = {}
    for doc_id, source in want_log.items():
        key = (str(source[ix.SCOPE_TYPE]), str(source[ix.SCOPE]), str(source[ix.DAY])[:10])
        groups.setdefault(key, []).append(doc_id)
    problems = []
    for key, ids in sorted(groups.items()):
        done = [i for i in ids if got_log.get(i, {}).get(ix.STATUS) in (ix.STATUS_COMPLETE, ix.STATUS_EMPTY)]
        for doc_id in done:
            if got_log[doc_id].get(ix.DOCUMENT_COUNT) != want_log[doc_id].get(ix.DOCUMENT_COUNT):
                problems.append(f"{key} {want_log[doc_id][ix.REPORT]}: document count differs")
        if len(done) < len(ids):
            continue
        for index_key, docs in expected.items():
            if index_key == ix.INGESTION_LOG.key or index_key in {i.key for i in ix.DERIVED_INDICES}:
                continue
            want = {i: s for i, s in docs.items() if scope_day(s) == key}
            got = {i: s for i, s in actual.get(index_key, {}).items() if scope_day(s) == key}
            if want != got:
                problems.append(f"{key} marked done but {index_key} holds {len(got)} of {len(want)} documents")
    return problems


def complete_entries(snap: Snapshot) -> int:
    return sum(1 for s in snap[ix.INGESTION_LOG.key].values() if s.get(ix.STATUS) == ix.STATUS_COMPLETE)
