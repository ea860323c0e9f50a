"""A whole collection through the same `run` the Function calls: simulator on loopback + a real engine."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from copilot_usage.model import Report, Scope, ScopeType
from copilot_usage.planner import EDGE_DAYS, EXPIRING_SOON_DAYS, FIRST_ORGANIZATION_DAY
from copilot_usage.run import run
from copilot_usage.schema import indices as ix
from copilot_usage.settings import Settings
from copilot_usage.simulator import SimulatorServer, World
from copilot_usage.store.ingestion_log import IngestionLog
from tests.fixtures.simulator import SIM_TODAY, report_rows, sim_config

ORGS = ("sim-org-1", "sim-org-2")
ENT = "sim-enterprise-1"
NOW = dt.datetime(2026, 11, 20, 10, 5, tzinfo=dt.UTC)


def settings_for(server: SimulatorServer, engine_url: str, prefix: str, **env: str) -> Settings:
    return Settings.from_env(
        {
            "GITHUB_PAT": "sim-token",
            "GITHUB_API_URL": server.url,
            "ORGANIZATION_SLUGS": ",".join(ORGS),
            "ENTERPRISE_SLUGS": ENT,
            "ELASTICSEARCH_URL": engine_url,
            "INDEX_PREFIX": prefix,
            "COPILOT_USAGE_TODAY": SIM_TODAY.isoformat(),
            "MAX_CONCURRENCY": "4",
            **env,
        }
    )


def clock(at: dt.datetime):
    return lambda: at


def count(es, prefix: str, index: ix.IndexDef, **terms: str) -> int:
    query = {"bool": {"filter": [{"term": {k: v}} for k, v in terms.items()]}} if terms else {"match_all": {}}
    return es.count(index=index.name(prefix), query=query)["count"]


def total(es, prefix: str, index: ix.IndexDef, field: str, **terms: str) -> float:
    query = {"bool": {"filter": [{"term": {k: v}} for k, v in terms.items()]}}
    result = es.search(index=index.name(prefix), size=0, query=query, aggs={"s": {"sum": {"field": field}}})
    return result["aggregations"]["s"]["value"]


def all_counts(es, prefix: str) -> dict[str, int]:
    return {i.key: count(es, prefix, i) for i in ix.all_indices()}


@pytest.fixture
def world() -> World:
    return World(sim_config())


@pytest.fixture
def server(world):
    with SimulatorServer(world) as s:
        yield s


@pytest.mark.parametrize("no_data_answer", ["204", "empty", "404"])
def test_first_run_backfills_every_available_day_and_a_second_run_changes_nothing(es, engine_url, prefix,
                                                                                   no_data_answer):
    # GitHub serves 14 days: the whole history is backfilled. Older days answer "no report" in one of GitHub's
    # three spellings; each one teaches the data start, and none blocks the scope's days that have data.
    world = World(sim_config(days=14, no_data_answer=no_data_answer))
    with SimulatorServer(world) as server:
        _backfill_then_rerun(world, server, es, engine_url, prefix)


def _backfill_then_rerun(world, server, es, engine_url, prefix):
    settings = settings_for(server, engine_url, prefix)
    first = run(settings, es=es, now=clock(NOW))
    assert first.ok, first.errors
    assert first.stopped is None
    # GitHub serves 14 days but the planner's floor is months earlier: walking back, the run learns where
    # the data starts after EDGE_DAYS 204s instead of asking for every older day (slack: 4 tasks in flight).
    units_times_scopes = 3 * 3
    assert first.days["not_ready"] <= (EXPIRING_SOON_DAYS + EDGE_DAYS + 4) * units_times_scopes
    log = IngestionLog(es, prefix)
    last = SIM_TODAY - dt.timedelta(days=2)
    for scope in settings.scopes:
        entries = log.load(scope)
        floor = world.floor(world.scope(scope.type.value, scope.slug))
        expected_days = (last - max(floor, FIRST_ORGANIZATION_DAY if scope.type is ScopeType.ORGANIZATION
                                    else floor)).days + 1
        for report in ("aggregate", "users", "user-teams", "repos"):
            statuses = Counter(e.status for (r, _), e in entries.items() if r == report)
            assert statuses["failed"] == 0, (scope, report, statuses)
            assert statuses["complete"] + statuses["empty"] == expected_days, (scope, report, statuses)
    counts = all_counts(es, prefix)
    for key in ("usage_daily", "usage_breakdown", "user_daily", "team_daily", "seats", "seat_summary", "teams",
                "user_adoption"):
        assert counts[key] > 0, key

    server.reset_stats()
    second = run(settings, es=es, now=clock(NOW + dt.timedelta(minutes=5)))
    assert second.ok, second.errors
    stats = server.stats()
    assert stats["api_requests"] == 0  # everything is complete and recently fetched
    assert all_counts(es, prefix) == counts


def test_totals_equal_sums_computed_independently_from_the_simulators_files(server, es, engine_url, prefix):
    start = (SIM_TODAY - dt.timedelta(days=6)).isoformat()
    settings = settings_for(server, engine_url, prefix, BACKFILL_START=start)
    summary = run(settings, es=es, now=clock(NOW))
    assert summary.ok, summary.errors
    day = SIM_TODAY - dt.timedelta(days=4)
    for scope_type, slug, path in (("organization", ORGS[0], f"/orgs/{ORGS[0]}"),
                                   ("enterprise", ENT, f"/enterprises/{ENT}")):
        rows = report_rows(server, path, "users-1-day", day)
        terms = {"scope_type": scope_type, "scope": slug, "day": day.isoformat()}
        assert count(es, prefix, ix.USER_DAILY, **terms) == len(rows)
        for field in ("code_generation_activity_count", "code_acceptance_activity_count", "loc_added_sum",
                      "user_initiated_interaction_count"):
            assert total(es, prefix, ix.USER_DAILY, field, **terms) == sum(r[field] for r in rows), field
        [aggregate] = report_rows(server, path, f"{scope_type}-1-day", day)
        [doc] = es.search(index=ix.USAGE_DAILY.name(prefix), query={"bool": {"filter": [
            {"term": {k: v}} for k, v in terms.items()]}})["hits"]["hits"]
        for field in ("daily_active_users", "weekly_active_users", "monthly_active_users",
                      "code_generation_activity_count", "loc_added_sum"):
            assert doc["_source"][field] == aggregate[field], field
        # Repository rows use GitHub's repo_* naming; every row is stored under its owner/name.
        repos = report_rows(server, path, "repos-1-day", day)
        assert repos
        assert count(es, prefix, ix.REPO_DAILY, **terms) == len(repos)
        assert total(es, prefix, ix.REPO_DAILY, ix.PR_TOTAL_CREATED, **terms) == sum(
            r["pull_requests"]["total_created"] for r in repos)
        stored = es.search(index=ix.REPO_DAILY.name(prefix), size=1000, query={"bool": {"filter": [
            {"term": {k: v}} for k, v in terms.items()]}})["hits"]["hits"]
        assert {h["_source"][ix.REPOSITORY] for h in stored} == {
            f"{r['repo_owner_name']}/{r['repo_name']}" for r in repos}


def test_a_revision_inside_the_late_window_replaces_the_old_values(server, es, engine_url, prefix):
    env = {"BACKFILL_START": (SIM_TODAY - dt.timedelta(days=10)).isoformat(), "LATE_REFRESH_HOURS": "1"}
    settings = settings_for(server, engine_url, prefix, **env)
    assert run(settings, es=es, now=clock(NOW)).ok
    day = SIM_TODAY - dt.timedelta(days=3)  # inside the 7-day window
    old_day = SIM_TODAY - dt.timedelta(days=9)  # outside it: GitHub does not revise it
    terms = {"scope_type": "organization", "scope": ORGS[0], "day": day.isoformat()}
    before = total(es, prefix, ix.USER_DAILY, "code_generation_activity_count", **terms)
    old_terms = {**terms, "day": old_day.isoformat()}
    old_before = total(es, prefix, ix.USER_DAILY, "code_generation_activity_count", **old_terms)
    documents_before = all_counts(es, prefix)

    server.set_revision(1)
    later = run(settings, es=es, now=clock(NOW + dt.timedelta(hours=2)))
    assert later.ok, later.errors
    assert later.days["complete"] > 0
    rows = report_rows(server, f"/orgs/{ORGS[0]}", "users-1-day", day)
    after = total(es, prefix, ix.USER_DAILY, "code_generation_activity_count", **terms)
    assert after == sum(r["code_generation_activity_count"] for r in rows)
    assert after != before
    assert total(es, prefix, ix.USER_DAILY, "code_generation_activity_count", **old_terms) == old_before
    assert count(es, prefix, ix.USER_DAILY, **terms) == len(rows)
    counts = all_counts(es, prefix)
    assert counts["usage_daily"] == documents_before["usage_daily"]  # replaced, not duplicated


def test_not_ready_days_become_complete_on_a_later_run(es, engine_url, prefix):
    # GitHub is a day behind the collector: the newest day answers 204 until GitHub catches up.
    lagging = World(sim_config(today=SIM_TODAY - dt.timedelta(days=1)))
    with SimulatorServer(lagging) as server:
        start = (SIM_TODAY - dt.timedelta(days=4)).isoformat()
        settings = settings_for(server, engine_url, prefix, BACKFILL_START=start)
        first = run(settings, es=es, now=clock(NOW))
        assert first.ok, first.errors
        assert first.days["not_ready"] > 0
        newest = SIM_TODAY - dt.timedelta(days=2)
        scope = Scope(ScopeType.ORGANIZATION, ORGS[0])
        assert IngestionLog(es, prefix).load(scope)[("aggregate", newest)].status == "not_ready"
        assert count(es, prefix, ix.USAGE_DAILY, scope="sim-org-1", day=newest.isoformat()) == 0

        server.set_today(SIM_TODAY)
        second = run(settings, es=es, now=clock(NOW + dt.timedelta(hours=1)))
        assert second.ok, second.errors
        entry = IngestionLog(es, prefix).load(scope)[("aggregate", newest)]
        assert entry.status == "complete"
        assert entry.attempts == 2
        assert count(es, prefix, ix.USAGE_DAILY, scope="sim-org-1", day=newest.isoformat()) == 1


def test_githubs_late_2026_latency_over_a_weekend_loses_nothing_and_fails_nothing(es, engine_url, prefix):
    """§11.5: a day is ready about 3 full UTC days after it ends, 4 over a weekend. The collector asks for
    newer days anyway (planner.READY_LAG_DAYS = 2); those answer "no report" and must stay `not_ready`, never
    `empty` or `failed`, and turn complete on the run after GitHub publishes them, day after day."""
    from copilot_usage.simulator.config import GITHUB_2026_LAG_DAYS, GITHUB_2026_WEEKEND_EXTRA_DAYS

    friday = dt.date(2026, 12, 4)
    world = World(sim_config(today=friday, days=20, report_lag_days=GITHUB_2026_LAG_DAYS,
                             weekend_extra_days=GITHUB_2026_WEEKEND_EXTRA_DAYS, no_data_answer="404"))
    scopes = [Scope(ScopeType.ORGANIZATION, o) for o in ORGS] + [Scope(ScopeType.ENTERPRISE, ENT)]
    newest_seen = []
    with SimulatorServer(world) as server:
        for offset in range(6):  # Friday to Wednesday, one run a day at 10:05
            today = friday + dt.timedelta(days=offset)
            server.set_today(today)
            settings = settings_for(server, engine_url, prefix, COPILOT_USAGE_TODAY=today.isoformat(),
                                    BACKFILL_START=(friday - dt.timedelta(days=8)).isoformat())
            summary = run(settings, es=es, now=clock(dt.datetime.combine(today, dt.time(10, 5), dt.UTC)))
            assert summary.ok, (today, summary.errors)
            newest = world.newest_day()
            newest_seen.append((today - newest).days)
            for scope in scopes:
                log = IngestionLog(es, prefix).load(scope)
                for (report, day), entry in log.items():
                    if report not in {r.value for r in Report}:
                        continue
                    # Published days are stored; the days GitHub has not published yet wait, nothing else.
                    # (A published day may be empty: no repository had a pull request that Saturday.)
                    expected = {ix.STATUS_COMPLETE, ix.STATUS_EMPTY} if day <= newest else {ix.STATUS_NOT_READY}
                    assert entry.status in expected, (today, scope, report, day, entry.status)
                assert log[(Report.AGGREGATE.value, newest)].status == ix.STATUS_COMPLETE
                rows = world.user_records(world.scope(scope.type.value, scope.slug), newest)
                terms = {ix.SCOPE: scope.slug, ix.SCOPE_TYPE: scope.type.value, ix.DAY: newest.isoformat()}
                assert count(es, prefix, ix.USER_DAILY, **terms) == len(rows)
    # Friday's and Saturday's newest day is 4 days old; from Sunday on, a weekend sits in the wait: 5.
    assert newest_seen == [4, 4, 5, 5, 5, 5]


def test_teams_use_the_membership_of_that_day_and_scopes_stay_separate(server, es, engine_url, prefix):
    start = (SIM_TODAY - dt.timedelta(days=20)).isoformat()
    settings = settings_for(server, engine_url, prefix, BACKFILL_START=start)
    assert run(settings, es=es, now=clock(NOW)).ok
    # Every user_daily document's teams equal that day's user-teams rows for that user, day by day.
    checked = 0
    for offset in (3, 10, 19):
        day = SIM_TODAY - dt.timedelta(days=offset)
        rows = report_rows(server, f"/orgs/{ORGS[0]}", "user-teams-1-day", day)
        expected: dict[int, set[str]] = {}
        for row in rows:
            expected.setdefault(row["user_id"], set()).add(row["slug"])
        hits = es.search(index=ix.USER_DAILY.name(prefix), size=1000, query={"bool": {"filter": [
            {"term": {"scope": ORGS[0]}}, {"term": {"day": day.isoformat()}}]}})["hits"]["hits"]
        for hit in hits:
            source = hit["_source"]
            assert set(source.get("teams") or []) == expected.get(source["user_id"], set())
            checked += 1
    assert checked > 0
    # Organization and enterprise documents are kept apart; a user counts in each org they belong to.
    day = (SIM_TODAY - dt.timedelta(days=5)).isoformat()
    per_org = sum(count(es, prefix, ix.USER_DAILY, scope=o, day=day) for o in ORGS)
    enterprise = count(es, prefix, ix.USER_DAILY, scope_type="enterprise", scope=ENT, day=day)
    assert per_org >= enterprise > 0


def test_every_stored_rate_is_a_fraction_and_ide_and_cli_parts_never_double_count(server, es, engine_url, prefix):
    # The simulator serves what real exports look like: lines added far above lines suggested (agent edits,
    # CLI), CLI work inside the totals but not in totals_by_ide.
    start = (SIM_TODAY - dt.timedelta(days=6)).isoformat()
    assert run(settings_for(server, engine_url, prefix, BACKFILL_START=start), es=es, now=clock(NOW)).ok
    day = SIM_TODAY - dt.timedelta(days=4)
    [aggregate] = report_rows(server, f"/orgs/{ORGS[0]}", "organization-1-day", day)
    assert aggregate["loc_added_sum"] > aggregate["loc_suggested_to_add_sum"]  # a naive rate would exceed 100 %
    checked = 0
    for index in ix.all_indices():
        for field in sorted(f for f in index.fields() if f.endswith(("_rate", "_share"))):
            result = es.search(index=index.name(prefix), size=0, aggs={
                "lo": {"min": {"field": field}}, "hi": {"max": {"field": field}},
                "n": {"value_count": {"field": field}}})
            aggs = result["aggregations"]
            if aggs["n"]["value"]:
                assert 0 <= aggs["lo"]["value"] <= aggs["hi"]["value"] <= 1, (index.key, field)
                checked += 1
    assert checked >= 10
    # IDE and CLI parts, computed here from the file: Σ totals_by_ide and the copilot_cli feature row; with the
    # Copilot app row they make up the top-level totals exactly (nothing counted twice).
    terms = {"scope_type": "organization", "scope": ORGS[0], "day": day.isoformat()}
    [hit] = es.search(index=ix.USAGE_DAILY.name(prefix), query={"bool": {"filter": [
        {"term": {k: v}} for k, v in terms.items()]}})["hits"]["hits"]
    doc = hit["_source"]
    features = {f["feature"]: f for f in aggregate["totals_by_feature"]}
    for counter in ("user_initiated_interaction_count", "code_generation_activity_count", "loc_added_sum"):
        ide = sum(row[counter] for row in aggregate["totals_by_ide"])
        cli = features["copilot_cli"][counter]
        app = features.get("copilot_app", {}).get(counter, 0)
        assert doc[f"ide_{counter}"] == ide
        assert doc[f"cli_{counter}"] == cli > 0
        assert ide + cli + app == aggregate[counter] == doc[counter]
    assert doc[ix.CLI_GENERATION_SHARE] == round(
        features["copilot_cli"]["code_generation_activity_count"] / aggregate["code_generation_activity_count"], 6)
