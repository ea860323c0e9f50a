"""Feature engagement (the latest 28-day aggregate report's copilot_feature_engagement): collected once a day
per scope from the simulator into a real engine, imported from 28-day files (two enterprises in one file, as
GitHub documents it), and every number compared with the simulator's own 28-day file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from copilot_usage.cli import main
from copilot_usage.model import Scope, ScopeType, Snapshot
from copilot_usage.planner import Task
from copilot_usage.run import run
from copilot_usage.schema import indices as ix
from copilot_usage.simulator import SimulatorServer, World
from copilot_usage.simulator.faults import Faults
from copilot_usage.store.ingestion_log import IngestionLog
from tests.fixtures.simulator import SIM_TODAY, report_rows, sim_config
from tests.integration.test_collect import ENT, NOW, ORGS, clock, settings_for

DOCS = Path(__file__).parents[1] / "fixtures" / "github_docs"
UNIT = Snapshot.FEATURE_ENGAGEMENT.value
SCOPES = [Scope(ScopeType.ORGANIZATION, o) for o in ORGS] + [Scope(ScopeType.ENTERPRISE, ENT)]
PATHS = {Scope(ScopeType.ORGANIZATION, o): (f"/orgs/{o}", "organization-28-day") for o in ORGS} | {
    Scope(ScopeType.ENTERPRISE, ENT): (f"/enterprises/{ENT}", "enterprise-28-day")}


Stored = dict[tuple[str, str], dict[str, Any]]


def stored(es: Any, prefix: str, scope: Scope, day: dt.date | None = None) -> Stored:
    """The scope's feature_engagement documents (of one window end day when given), by (day, feature)."""
    name = ix.FEATURE_ENGAGEMENT.name(prefix)
    es.indices.refresh(index=name)
    filters = [{"term": {ix.SCOPE_TYPE: scope.type.value}}, {"term": {ix.SCOPE: scope.slug}}]
    if day is not None:
        filters.append({"term": {ix.DAY: day.isoformat()}})
    hits = es.search(index=name, size=500, query={"bool": {"filter": filters}})["hits"]["hits"]
    return {(h["_source"][ix.DAY][:10], h["_source"][ix.FEATURE]): h["_source"] for h in hits}


def expected(wrapper: dict[str, Any]) -> dict[tuple[str, str], tuple[int, int, float | None]]:
    """(window end day, feature) -> (engaged users, active users, share), worked out here from the file."""
    block = wrapper["copilot_feature_engagement"]
    active = block["active_user_count"]
    return {(wrapper["report_end_day"], row["feature"]): (
        row["active_user_count"], active, round(row["active_user_count"] / active, 6) if active else None)
        for row in block["totals_by_feature"]}


def shown(docs: Stored) -> dict[tuple[str, str], tuple[int, int, float | None]]:
    return {key: (d[ix.ENGAGED_USERS], d[ix.ACTIVE_USERS], d[ix.ENGAGED_SHARE]) for key, d in docs.items()}


def latest_requests(server: SimulatorServer) -> int:
    return sum(n for route, n in server.stats()["requests"].items() if route.endswith("/latest"))


def log_entry(es: Any, prefix: str, scope: Scope, day: dt.date) -> Any:
    return IngestionLog(es, prefix).load(scope).get((UNIT, day))


def test_collect_stores_the_latest_window_once_a_day_and_builds_a_history(tmp_path: Path, es: Any, engine_url: str,
                                                                           prefix: str) -> None:
    world = World(sim_config(days=14))
    end = SIM_TODAY - dt.timedelta(days=2)
    with SimulatorServer(world) as server:
        env = {"BACKFILL_START": end.isoformat(), "ARCHIVE_DIR": str(tmp_path / "archive")}
        settings = settings_for(server, engine_url, prefix, **env)
        first = run(settings, es=es, now=clock(NOW))
        assert first.ok, first.errors
        assert latest_requests(server) == len(SCOPES)
        files = {scope: report_rows(server, *PATHS[scope]) for scope in SCOPES}
        for scope in SCOPES:
            [wrapper] = files[scope]
            assert wrapper["report_end_day"] == end.isoformat()
            want = expected(wrapper)
            assert any(share for _, _, share in want.values())
            docs = stored(es, prefix, scope)
            assert shown(docs) == want, scope
            assert all((d[ix.WINDOW_START], d[ix.WINDOW_END], d[ix.WINDOW_DAYS]) == (
                wrapper["report_start_day"], wrapper["report_end_day"], 28) for d in docs.values())
            entry = log_entry(es, prefix, scope, SIM_TODAY)  # logged under the day it was asked
            assert (entry.status, entry.document_count, entry.record_count) == ("complete", len(want), 1)
            # The raw file is archived under the window's end day, for reprocess.
            assert list((tmp_path / "archive" / scope.type.value / scope.slug / UNIT / end.isoformat()).glob(
                "part-*.json.gz"))
        assert first.documents[ix.FEATURE_ENGAGEMENT.key] == sum(len(expected(f[0])) for f in files.values())

        # A second run the same day does not ask GitHub again and changes nothing.
        server.reset_stats()
        before = {scope: stored(es, prefix, scope) for scope in SCOPES}
        again = run(settings, es=es, now=clock(NOW + dt.timedelta(minutes=5)))
        assert again.ok, again.errors
        assert latest_requests(server) == 0
        assert {scope: stored(es, prefix, scope) for scope in SCOPES} == before

        # The next day GitHub's window moves on: a new point per feature, the previous window kept.
        world.set_today(SIM_TODAY + dt.timedelta(days=1))
        next_settings = settings_for(server, engine_url, prefix, **env,
                                     COPILOT_USAGE_TODAY=(SIM_TODAY + dt.timedelta(days=1)).isoformat())
        later = run(next_settings, es=es, now=clock(NOW + dt.timedelta(days=1)))
        assert later.ok, later.errors
        for scope in SCOPES:
            [wrapper] = report_rows(server, *PATHS[scope])
            assert wrapper["report_end_day"] == (end + dt.timedelta(days=1)).isoformat()
            assert shown(stored(es, prefix, scope)) == {**expected(files[scope][0]), **expected(wrapper)}
            assert {day for day, _ in stored(es, prefix, scope)} == {end.isoformat(), wrapper["report_end_day"]}

        # GitHub late with the next window: the same file again is logged unchanged, nothing is written.
        lagging = settings_for(server, engine_url, prefix, **env,
                               COPILOT_USAGE_TODAY=(SIM_TODAY + dt.timedelta(days=2)).isoformat())
        before = {scope: stored(es, prefix, scope) for scope in SCOPES}
        same = run(lagging, es=es, now=clock(NOW + dt.timedelta(days=2)))
        assert same.ok, same.errors
        assert ix.FEATURE_ENGAGEMENT.key not in same.documents
        assert {scope: stored(es, prefix, scope) for scope in SCOPES} == before
        for scope in SCOPES:
            entry = log_entry(es, prefix, scope, SIM_TODAY + dt.timedelta(days=2))
            assert (entry.status, entry.document_count) == ("complete", len(before[scope]) // 2)


def test_a_damaged_download_is_set_aside_and_fetched_again_on_the_next_run(es: Any, engine_url: str,
                                                                            prefix: str) -> None:
    scope = Scope(ScopeType.ORGANIZATION, ORGS[0])
    end = SIM_TODAY - dt.timedelta(days=2)
    with SimulatorServer(World(sim_config(days=14))) as server:
        settings = settings_for(server, engine_url, prefix, ORGANIZATION_SLUGS=ORGS[0], ENTERPRISE_SLUGS="",
                                BACKFILL_START=end.isoformat())
        server.faults = Faults(corrupt_rate=1.0)  # the 28-day file arrives with bytes overwritten
        task = Task(scope, Snapshot.FEATURE_ENGAGEMENT, SIM_TODAY, "snapshot")
        damaged = run(settings, es=es, now=clock(NOW), tasks=lambda logs, at: [task])
        assert damaged.ok, damaged.errors
        assert damaged.rejected_records == 1
        entry = log_entry(es, prefix, scope, SIM_TODAY)
        assert (entry.status, entry.rejected_count) == ("empty", 1)
        assert stored(es, prefix, scope) == {}

        server.faults = Faults()
        server.reset_stats()
        clean = run(settings, es=es, now=clock(NOW + dt.timedelta(hours=1)))
        assert clean.ok, clean.errors
        assert latest_requests(server) == 1
        [wrapper] = report_rows(server, *PATHS[scope])
        assert shown(stored(es, prefix, scope)) == expected(wrapper)
        entry = log_entry(es, prefix, scope, SIM_TODAY)
        assert (entry.status, entry.rejected_count, entry.attempts) == ("complete", 0, 2)


@pytest.mark.parametrize("no_data_answer", ["204", "empty", "404"])
def test_no_28_day_report_does_not_fail_the_run_and_is_asked_once_a_day(es: Any, engine_url: str, prefix: str,
                                                                         no_data_answer: str) -> None:
    # The day after organizations' first report day: GitHub has no 28-day report for them yet.
    today = dt.date(2025, 12, 13)
    world = World(sim_config(today=today, days=30, no_data_answer=no_data_answer))
    with SimulatorServer(world) as server:
        settings = settings_for(server, engine_url, prefix, ENTERPRISE_SLUGS="",
                                COPILOT_USAGE_TODAY=today.isoformat())
        at = dt.datetime(2025, 12, 13, 10, 5, tzinfo=dt.UTC)
        summary = run(settings, es=es, now=clock(at))
        assert summary.ok, summary.errors
        assert latest_requests(server) == len(ORGS)
        for org in ORGS:
            scope = Scope(ScopeType.ORGANIZATION, org)
            entry = log_entry(es, prefix, scope, today)
            assert (entry.status, entry.error, entry.document_count) == ("empty", None, 0)
        server.reset_stats()
        assert run(settings, es=es, now=clock(at + dt.timedelta(hours=1))).ok
        assert latest_requests(server) == 0  # not every run: tomorrow
    assert es.count(index=ix.FEATURE_ENGAGEMENT.name(prefix))["count"] == 0


def test_windows_before_2026_09_17_store_nothing_and_no_error(es: Any, engine_url: str, prefix: str) -> None:
    today = dt.date(2026, 9, 10)
    with SimulatorServer(World(sim_config(today=today, days=40))) as server:
        settings = settings_for(server, engine_url, prefix, COPILOT_USAGE_TODAY=today.isoformat(),
                                BACKFILL_START=(today - dt.timedelta(days=2)).isoformat())
        summary = run(settings, es=es, now=clock(dt.datetime(2026, 9, 10, 10, 5, tzinfo=dt.UTC)))
        assert summary.ok, summary.errors
        [wrapper] = report_rows(server, f"/orgs/{ORGS[0]}", "organization-28-day")
        assert "copilot_feature_engagement" not in wrapper
    for scope in SCOPES:
        entry = log_entry(es, prefix, scope, today)
        assert (entry.status, entry.error, entry.record_count, entry.document_count) == ("complete", None, 1, 0)
    assert es.count(index=ix.FEATURE_ENGAGEMENT.name(prefix))["count"] == 0


# --- import ----------------------------------------------------------------------------------------------------
@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, engine_url: str, prefix: str) -> None:
    monkeypatch.setenv("ELASTICSEARCH_URL", engine_url)
    monkeypatch.setenv("INDEX_PREFIX", prefix)
    for name in ("ORGANIZATION_SLUGS", "ENTERPRISE_SLUGS", "GITHUB_PAT", "ARCHIVE_DIR", "KEY_VAULT_URI"):
        monkeypatch.delenv(name, raising=False)


def documented_style(tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    """GitHub's documented enterprise 28-day example (two enterprises, one file), moved to a window after
    2026-09-17 and given the engagement block GitHub has added since; the numbers are made up here."""
    wrappers = json.loads((DOCS / "enterprise-28-day.json").read_text())
    engagement = {
        "1": {"active_user_count": 4, "totals_by_feature": [
            {"feature": "code_completion", "active_user_count": 3}, {"feature": "agent_edit", "active_user_count": 1},
            {"feature": "copilot_cli", "active_user_count": 2}]},
        "2": {"active_user_count": 5, "totals_by_feature": [
            {"feature": "code_completion", "active_user_count": 5},
            {"feature": "copilot_cli", "active_user_count": 0}]},
    }
    for wrapper in wrappers:
        wrapper.update(report_start_day="2026-10-22", report_end_day="2026-11-18", day_partition="2026-11-18",
                       copilot_feature_engagement=engagement[wrapper["enterprise_id"]])
        for day in wrapper["day_totals"]:
            day["day"] = "2026-11-18"
    path = tmp_path / "enterprise-28-day.json"
    path.write_text(json.dumps(wrappers, indent=2))
    return path, wrappers


def test_import_of_a_two_enterprise_28_day_file_splits_the_engagement_by_id(
        tmp_path: Path, env: None, es: Any, prefix: str, capsys: pytest.CaptureFixture[str]) -> None:
    path, wrappers = documented_style(tmp_path)
    scopes = ["--scope", "enterprise:ent-one=1", "--scope", "enterprise:ent-two=2"]
    assert main(["import", str(path), *scopes]) == 0
    assert "0 rejected, 0 malformed lines" in capsys.readouterr().out
    end = dt.date(2026, 11, 18)
    one, two = Scope(ScopeType.ENTERPRISE, "ent-one"), Scope(ScopeType.ENTERPRISE, "ent-two")
    for scope, wrapper in ((one, wrappers[0]), (two, wrappers[1])):
        docs = stored(es, prefix, scope)
        assert shown(docs) == expected(wrapper), scope
        assert {d[ix.ENTERPRISE_ID] for d in docs.values()} == {wrapper["enterprise_id"]}
        # The days go to the aggregate as before, each in its own scope.
        usage = es.search(index=ix.USAGE_DAILY.name(prefix), query={"bool": {"filter": [
            {"term": {ix.SCOPE: scope.slug}}, {"term": {ix.DAY: end.isoformat()}}]}})["hits"]["hits"]
        assert [h["_source"][ix.ENTERPRISE_ID] for h in usage] == [wrapper["enterprise_id"]]
        assert log_entry(es, prefix, scope, end).status == "complete"
    assert shown(stored(es, prefix, two))[("2026-11-18", "copilot_cli")] == (0, 5, 0.0)
    assert main(["status", "--json"]) == 0  # status lists the new report per scope
    rows = {(r["scope"], r["report"]): r for r in json.loads(capsys.readouterr().out)}
    assert rows[("ent-two", UNIT)]["last_complete_day"] == "2026-11-18"
    assert rows[("ent-one", UNIT)]["complete"] == 1
    # The same file again overwrites, never duplicates.
    assert main(["import", str(path), *scopes]) == 0
    assert es.count(index=ix.FEATURE_ENGAGEMENT.name(prefix))["count"] == 5
    # Without an id per scope the file is refused, engagement included.
    assert main(["import", str(path), "--scope", "enterprise:ent-one"]) == 2
    assert "2 different enterprise_id values (1, 2)" in capsys.readouterr().err


def test_import_of_githubs_own_example_stores_no_engagement(env: None, es: Any, prefix: str) -> None:
    # GitHub's example window (2025-09-04 … 2025-10-01) is older than the engagement block.
    scopes = ["--scope", "enterprise:ent-one=1", "--scope", "enterprise:ent-two=2"]
    assert main(["import", str(DOCS / "enterprise-28-day.json"), *scopes]) == 0
    es.indices.refresh(index=f"{prefix}*")
    assert es.count(index=ix.FEATURE_ENGAGEMENT.name(prefix))["count"] == 0
    assert es.count(index=ix.USAGE_DAILY.name(prefix))["count"] == 2
    logged = IngestionLog(es, prefix).load(Scope(ScopeType.ENTERPRISE, "ent-one"))
    assert {report for report, _ in logged} == {"aggregate"}


def test_import_of_the_simulators_28_day_file_matches_the_file(tmp_path: Path, env: None, es: Any,
                                                                prefix: str) -> None:
    with SimulatorServer(World(sim_config(days=40))) as server:
        rows = report_rows(server, f"/orgs/{ORGS[0]}", "organization-28-day")
    path = tmp_path / "org-28.json"
    path.write_text(json.dumps(rows[0]))
    assert main(["import", str(path), "--scope", f"org:{ORGS[0]}"]) == 0
    scope = Scope(ScopeType.ORGANIZATION, ORGS[0])
    assert shown(stored(es, prefix, scope)) == expected(rows[0])
    end = dt.date.fromisoformat(rows[0]["report_end_day"])
    assert log_entry(es, prefix, scope, end).document_count == len(expected(rows[0]))
