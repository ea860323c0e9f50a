"""Every panel and alert query, translated the way Grafana's backend does (dashboards/translate.py models
grafana-elasticsearch-datasource v12.4.2), runs on a real engine loaded by a simulator collection, and shows
the numbers computed here independently from the simulator's own data (its report rows and seat listing).

One collection per module: the simulator's world on 2026-11-19, then a day later on 2026-11-20 (two seat
snapshots, report days 11-15 … 11-18). An enterprise with the same slug as the shown organization is then
added (copies of the real enterprise's documents), so a panel that ignores `scope_type` adds it in.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from typing import Any

import pytest
from elasticsearch import Elasticsearch, helpers

from copilot_usage.model import Report
from copilot_usage.run import run
from copilot_usage.schema import indices as ix
from copilot_usage.settings import Settings
from copilot_usage.simulator import SimulatorServer, World
from copilot_usage.simulator.faults import Faults
from copilot_usage.simulator.snapshots import billing, seats_page
from copilot_usage.store.client import make_client
from dashboards.alerts import Rule, es_model, rules
from dashboards.inspect import index_of, panels
from dashboards.provisioning import datasources
from dashboards.registry import rendered
from dashboards.translate import (
    Answer,
    Table,
    UnsupportedTarget,
    answer,
    display_names,
    expand,
    organize,
    reduce,
    script_of,
    search_body,
)
from tests.fixtures.simulator import SIM_TODAY, sim_config

PREFIX = "dash_"
ORG = "sim-org-1"
VALUES = {"scope_type": "organization", "scope": f'"{ORG}"', "seat_price": "19"}
FIRST_NOW = dt.datetime(2026, 11, 19, 10, 5, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 20, 10, 5, tzinfo=dt.UTC)
TIME_FROM = int(dt.datetime(2026, 10, 21, tzinfo=dt.UTC).timestamp() * 1000)  # now-30d/d
TIME_TO = int(NOW.timestamp() * 1000)
# Ten report days (11-09 … 11-18, today − 2): the latest week and part of the one before, so the period row
# has a previous period to compare with.
BACKFILL_START = SIM_TODAY - dt.timedelta(days=11)
REPORT_DAYS = [BACKFILL_START + dt.timedelta(days=i) for i in range(10)]
REPORT_INDICES = {i.key for i in (ix.USAGE_DAILY, ix.USAGE_BREAKDOWN, ix.USER_DAILY, ix.TEAM_DAILY,
                                  ix.TEAM_BREAKDOWN, ix.USER_SUMMARY_DAILY, ix.REPO_DAILY, ix.FEATURE_ENGAGEMENT)}
TIME_FIELDS = {d["uid"]: d["jsonData"]["timeField"] for d in datasources()["datasources"]}
FAULTS = Faults(forbidden_paths=[
    "/orgs/sim-org-1/teams",  # a snapshot that fails: the Failures panel
    "/orgs/sim-org-2/copilot/metrics/reports/repos-1-day",  # past report days that fail: the failures alert
])


def _all_panels() -> list[tuple[str, dict[str, Any]]]:
    return [(f"{name}:{p['title']}", p) for name, text in rendered().items() for p in panels(json.loads(text))]


PANELS = _all_panels()
MAIN = {p["title"]: p for n, p in PANELS if n.startswith("copilot-usage-advanced")}
ORIGINAL = {p["title"]: p for n, p in PANELS if n.startswith("copilot-usage-original")}


def _collect(world: World, es: Elasticsearch, url: str, now: dt.datetime) -> None:
    with SimulatorServer(world, faults=FAULTS) as server:
        settings = Settings.from_env({
            "GITHUB_PAT": "sim-token", "GITHUB_API_URL": server.url,
            "ORGANIZATION_SLUGS": "sim-org-1,sim-org-2", "ENTERPRISE_SLUGS": "sim-enterprise-1",
            "ELASTICSEARCH_URL": url, "INDEX_PREFIX": PREFIX, "COPILOT_USAGE_TODAY": now.date().isoformat(),
            "BACKFILL_START": BACKFILL_START.isoformat(), "MAX_CONCURRENCY": "4",
            "TARGETS": "acceptance_rate>=99%,adoption>=50%",  # one to miss, for the period row's targets
        })
        summary = run(settings, es=es, now=lambda: now)
        assert summary.days["complete"] > 0


def _add_enterprise_twin(es: Elasticsearch) -> None:
    """Copies of the enterprise's documents under the organization's slug (scope_type stays enterprise)."""
    for index in ix.all_indices():
        name = index.name(PREFIX)
        if not es.indices.exists(index=name):
            continue
        query = {"query": {"bool": {"filter": [{"term": {ix.SCOPE_TYPE: "enterprise"}}]}}}
        copies = [{"_index": name, "_id": "twin-" + hit["_id"], "_source": {**hit["_source"], ix.SCOPE: ORG}}
                  for hit in helpers.scan(es, index=name, query=query)]
        helpers.bulk(es, copies, refresh=True)


@pytest.fixture(scope="module")
def loaded(search_engine: Any) -> Iterator[tuple[Elasticsearch, World]]:
    space = search_engine.space()
    es = make_client(str(space.url), compat="auto")
    try:
        world = World(sim_config(users=40, teams=3, days=14, today=FIRST_NOW.date()))
        _collect(world, es, str(space.url), FIRST_NOW)
        world.set_today(NOW.date())
        _collect(world, es, str(space.url), NOW)
        _add_enterprise_twin(es)
        yield es, world
    finally:
        es.close()
        space.close()


# --- running a panel -----------------------------------------------------------------------------------
def run_target(es: Elasticsearch, target: dict[str, Any], values: dict[str, str] = VALUES,
               time_from: int = TIME_FROM, time_to: int = TIME_TO) -> Answer:
    uid = target["datasource"]["uid"]
    body = search_body(target, time_from, time_to, values, time_field=TIME_FIELDS[uid])
    result = es.search(index=index_of(target["datasource"]).name(PREFIX), **body)
    return answer(target, result["aggregations"])


def shown_table(es: Elasticsearch, panel: dict[str, Any]) -> Table:
    got = run_target(es, panel["targets"][0])
    assert got.table is not None, panel["title"]
    return organize(panel, got.table)


def shown_series(es: Elasticsearch, panel: dict[str, Any]) -> dict[str, list[tuple[int, float | None]]]:
    names = display_names(panel)
    return {names.get(s.name, s.name): s.points for s in run_target(es, panel["targets"][0]).series}


def stat_value(es: Elasticsearch, panel: dict[str, Any]) -> float | None:
    calc = panel["options"]["reduceOptions"]["calcs"][0]
    got = run_target(es, panel["targets"][0])
    if got.table is not None:
        table = organize(panel, got.table)
        numeric = [c for c in table.columns if all(isinstance(r.get(c), int | float | type(None)) for r in table.rows)]
        assert len(numeric) == 1, (panel["title"], table)
        assert len(table.rows) == 1, (panel["title"], table)
        return table.rows[0][numeric[0]]
    [series] = got.series
    return reduce(calc, [v for _, v in series.points])


def close(a: float | None, b: float) -> bool:
    return a is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


# --- independent numbers from the simulator -------------------------------------------------------------
def org_scope(world: World) -> Any:
    return world.scope("organization", ORG)


def aggregates(world: World) -> list[dict[str, Any]]:
    return [world.aggregate(org_scope(world), d) for d in REPORT_DAYS]


def user_rows(world: World) -> list[dict[str, Any]]:
    return [r for d in REPORT_DAYS for r in world.user_records(org_scope(world), d)]


_NOT_ACTIVITY = frozenset({"user_id", "user_login", "day", "enterprise_id", "organization_id", "ai_adoption_phase"})


def has_activity(record: dict[str, Any]) -> bool:
    """A users-report row that shows any use (worked out here, not by the shaper): a non-zero count, a used_*
    flag, or a non-empty breakdown. GitHub also lists seated users with nothing at all."""
    for key, value in record.items():
        if key in _NOT_ACTIVITY:
            continue
        if isinstance(value, bool):
            if value:
                return True
        elif isinstance(value, int | float):
            if value > 0:
                return True
        elif isinstance(value, list | dict) and value:
            return True
    return False


def seat_rows(world: World, scope: Any) -> list[dict[str, Any]]:
    """The scope's seat listing today, one entry per counted seat: login (None unassigned), days idle."""
    _, _, listing = seats_page(world, scope, "http://sim.invalid", 0, None)
    seen: set[str] = set()
    out = []
    for seat in listing:
        login = seat["assignee"]["login"] if seat["assignee"] else None
        if login is not None:
            if login.lower() in seen:
                continue
            seen.add(login.lower())
        last = seat["last_activity_at"]
        days = None if last is None else (world.today - dt.datetime.fromisoformat(last).astimezone(dt.UTC).date()).days
        out.append({"login": login, "days": days, "last": last})
    return out


def idle(seat: dict[str, Any], days: int) -> bool:
    return seat["days"] is None or seat["days"] >= days


# --- every panel -------------------------------------------------------------------------------------------
RAW_NAMES = ("Sum", "Max", "Min", "Average", "Unique Count", "Count", "Bucket Script", "params.")


@pytest.mark.parametrize(("name", "panel"), PANELS, ids=[n for n, _ in PANELS])
def test_panel_shows_named_data(loaded: tuple[Elasticsearch, World], name: str, panel: dict[str, Any]) -> None:
    es, _ = loaded
    for target in panel["targets"]:
        got = run_target(es, target)
        if got.table is not None:
            assert not got.table.collisions, f"{name}: columns {got.table.collisions} collide"
            table = organize(panel, got.table)
            assert table.rows, f"{name}: no rows"
            raw = [c for c in table.columns if c.startswith(RAW_NAMES) or c in ix.USER_DAILY.fields() | {ix.DAY}]
            assert not raw, f"{name}: columns {raw} carry Grafana's generated names or helper keys"
            empty = [c for c in table.columns if not any(r.get(c) not in (None, 0) for r in table.rows)]
            assert not empty, f"{name}: columns {empty} have no value in {len(table.rows)} rows"
        else:
            assert got.series, f"{name}: no series"
            split = any(b["type"] == "terms" for b in target["bucketAggs"])
            names = display_names(panel)
            for s in got.series:
                assert split or s.name in names, f"{name}: series {s.name!r} has no display name"
            assert any(v for s in got.series for _, v in s.points), f"{name}: no non-zero value"


def test_variables_expand_to_all_unless_given() -> None:
    assert expand("scope:$scope AND team:${team}", {"team": '"red"'}) == 'scope:* AND team:"red"'


def test_unsupported_metric_is_named() -> None:
    target = {"query": "", "bucketAggs": [{"id": "2", "type": "date_histogram", "field": "day"}],
              "metrics": [{"id": "1", "type": "moving_fn", "field": "x"}]}
    with pytest.raises(UnsupportedTarget, match="moving_fn"):
        search_body(target, 0, 1, time_field="day")


# --- Fix 3: ratios of sums over the range; Fix 4: the enterprise twin is never added -----------------------
def test_rates_are_one_ratio_of_sums_over_the_range(loaded: tuple[Elasticsearch, World]) -> None:
    es, world = loaded
    agg, users = aggregates(world), user_rows(world)
    acc = sum(a[ix.CODE_ACCEPTANCE_ACTIVITY_COUNT] for a in agg)
    gen = sum(a[ix.CODE_GENERATION_ACTIVITY_COUNT] for a in agg)
    added = sum(a[ix.LOC_ADDED_SUM] for a in agg)
    suggested = sum(a[ix.LOC_SUGGESTED_TO_ADD_SUM] for a in agg)
    user_acc = sum(r[ix.CODE_ACCEPTANCE_ACTIVITY_COUNT] for r in users)
    user_gen = sum(r[ix.CODE_GENERATION_ACTIVITY_COUNT] for r in users)
    assert close(stat_value(es, MAIN["Acceptance rate (count)"]), acc / gen * 100)
    assert close(stat_value(es, MAIN["Acceptance rate (lines)"]), added / suggested * 100)
    assert close(stat_value(es, MAIN["User acceptance rate"]), user_acc / user_gen * 100)
    assert close(stat_value(es, MAIN["Generations"]), gen)


def test_rate_scripts_return_no_value_without_a_denominator(generated: dict[str, dict[str, Any]]) -> None:
    for model in generated.values():
        for panel in panels(model):
            for metric in panel["targets"][0]["metrics"]:
                if metric["type"] == "bucket_script" and "/" in script_of(metric):
                    assert script_of(metric).endswith(": null"), panel["title"]


# --- Fix 5: distinct counts over the range ----------------------------------------------------------------
def test_distinct_counts_cover_the_whole_range(loaded: tuple[Elasticsearch, World]) -> None:
    es, world = loaded
    agg = aggregates(world)
    scope = org_scope(world)
    users = {r["user_id"] for r in user_rows(world) if has_activity(r)}
    team_rows = [r for d in REPORT_DAYS for r in world.user_team_rows(scope, d)]
    teams = {r["slug"] for r in team_rows}
    languages = {row["language"] for a in agg for row in a["totals_by_language_feature"]}
    ides = {row["ide"] for a in agg for row in a["totals_by_ide"]}
    models = {row["model"] for a in agg for row in a["totals_by_model_feature"]}
    busiest = max(sum(1 for r in world.user_records(scope, d) if has_activity(r)) for d in REPORT_DAYS)
    assert len(users) > busiest  # the range holds more users than its busiest day: the two readings differ
    assert stat_value(es, MAIN["Total users"]) == len(users)
    assert stat_value(es, MAIN["Number of teams"]) == len(teams)
    assert stat_value(es, MAIN["Number of languages"]) == len(languages)
    assert stat_value(es, MAIN["Number of editors"]) == len(ides)
    assert stat_value(es, MAIN["Number of models"]) == len(models)


def test_every_query_and_alert_is_qualified_by_scope_type(generated: dict[str, dict[str, Any]]) -> None:
    for model in generated.values():
        for panel in panels(model):
            query = panel["targets"][0]["query"]
            assert "scope_type:$scope_type" in query, panel["title"]
            assert "scope:$scope" in query, panel["title"]
        variables = {v["name"]: v for v in model["templating"]["list"]}
        assert "$scope_type" in variables["scope"]["query"]
    for rule in rules():
        fields = [b["field"] for b in es_model(rule)["bucketAggs"]]
        assert fields[:2] == [ix.SCOPE_TYPE, ix.SCOPE], rule.uid


# --- Fix 2: rate panels show only the rate, sorted; no colliding scripts ---------------------------------
def test_top_rate_panels_show_only_the_rate_sorted(loaded: tuple[Elasticsearch, World]) -> None:
    es, world = loaded
    for title in ("Top teams by acceptance rate", "Top languages by acceptance rate",
                  "Top editors by acceptance rate", "Top models by acceptance rate"):
        table = shown_table(es, MAIN[title])
        assert len(table.columns) == 2, (title, table.columns)
        assert table.columns[1] == "Acceptance rate", (title, table.columns)
        rates = [r["Acceptance rate"] for r in table.rows if r["Acceptance rate"] is not None]
        assert rates == sorted(rates, reverse=True), title
    # Languages: one ratio of sums per language over the range, of the 10 with most generations.
    per: dict[str, list[int]] = {}
    for a in aggregates(world):
        for row in a["totals_by_language_feature"]:
            sums = per.setdefault(row["language"], [0, 0])
            sums[0] += row[ix.CODE_ACCEPTANCE_ACTIVITY_COUNT]
            sums[1] += row[ix.CODE_GENERATION_ACTIVITY_COUNT]
    languages = shown_table(es, MAIN["Top languages by acceptance rate"])
    shown = {r["Language"]: r["Acceptance rate"] for r in languages.rows}
    top = sorted(per, key=lambda k: -per[k][1])[:10]
    assert set(shown) == set(top)
    for language, rate in shown.items():
        acc, gen = per[language]
        assert (rate is None and gen == 0) or close(rate, acc / gen * 100), language


def test_no_query_has_two_identical_bucket_scripts(generated: dict[str, dict[str, Any]]) -> None:
    for model in generated.values():
        for panel in panels(model):
            scripts = [script_of(m) for m in panel["targets"][0]["metrics"] if m["type"] == "bucket_script"]
            assert len(scripts) == len(set(scripts)), panel["title"]


# --- Fix 6: seats on the latest snapshot -------------------------------------------------------------------
def test_seat_panels_read_the_latest_snapshot(loaded: tuple[Elasticsearch, World]) -> None:
    es, world = loaded
    seats = seat_rows(world, org_scope(world))
    assigned = [s for s in seats if s["login"] is not None]
    table = shown_table(es, MAIN["All assigned seats"])
    got = {r["User"]: r["Days since last activity"] for r in table.rows}
    assert got == {s["login"]: s["days"] for s in assigned}  # never-used seats included, with no days
    assert any(s["days"] is None for s in assigned)
    lasts = {r["User"]: r["Last activity"] for r in table.rows}
    for s in assigned:
        expected = None if s["last"] is None else dt.datetime.fromisoformat(s["last"]).timestamp() * 1000
        assert lasts[s["login"]] == expected, s["login"]
    ranking = shown_table(es, MAIN["Inactive users ranking (≥ 2 days)"])
    assert {r["User"] for r in ranking.rows} == {s["login"] for s in assigned if idle(s, 2)}
    days = [r["Days since last activity"] for r in ranking.rows if r["Days since last activity"] is not None]
    assert days == sorted(days, reverse=True)
    reclaim = shown_table(es, MAIN["Seats to reclaim"])
    assert {r["User"] for r in reclaim.rows} == {s["login"] for s in assigned if idle(s, 7)}
    for r in reclaim.rows:
        seat = next(s for s in assigned if s["login"] == r["User"])
        assert (r["Idle ≥ 14 days"], r["Idle ≥ 28 days"]) == (int(idle(seat, 14)), int(idle(seat, 28))), r
    assert stat_value(es, MAIN["Assigned but never used"]) == sum(s["days"] is None for s in seats)
    inactive = sum(idle(s, 28) for s in seats)
    assert stat_value(es, MAIN["Inactive ≥ 28 days"]) == inactive
    assert close(stat_value(es, MAIN["Seat utilization"]), (len(seats) - inactive) / len(seats) * 100)
    assert close(stat_value(es, MAIN["Monthly cost of idle seats"]), inactive * 19)
    assert stat_value(es, MAIN["Total seats"]) == billing(world, org_scope(world))["seat_breakdown"]["total"]


def test_plan_type_shows_the_plan(loaded: tuple[Elasticsearch, World]) -> None:
    es, world = loaded
    table = shown_table(es, MAIN["Plan type"])
    assert table.columns == ["Plan"]
    assert [r["Plan"] for r in table.rows] == [billing(world, org_scope(world))["plan_type"]]


# --- Fix 7: the leaderboard ranks the latest 28-day window --------------------------------------------------
def _score(rows: list[dict[str, Any]]) -> float:
    """docs/metrics.md §5, written out from the formula."""
    interactions = sum(r[ix.USER_INITIATED_INTERACTION_COUNT] for r in rows)
    acceptances = sum(r[ix.CODE_ACCEPTANCE_ACTIVITY_COUNT] for r in rows)
    generations = sum(r[ix.CODE_GENERATION_ACTIVITY_COUNT] for r in rows)
    features = (("used_chat",), ("used_agent",), ("used_cli",), ("used_copilot_code_review_active",),
                ("used_copilot_coding_agent", "used_copilot_cloud_agent"))
    breadth = sum(any(r.get(f) is True for r in rows for f in names) for names in features)
    active_days = sum(1 for r in rows if has_activity(r))  # a listed day without any use is not an active day
    points = 35 * min(1, active_days / 20) + 25 * min(1, breadth / 4)
    points += 15 * min(1, math.log1p(interactions) / math.log1p(200))
    points += 15 * min(1, math.log1p(acceptances) / math.log1p(150))
    if generations:
        points += 10 * min(1, acceptances / generations / 0.35) * min(1, generations / 20)
    return round(min(100.0, points), 2)


def test_leaderboard_ranks_the_latest_window(loaded: tuple[Elasticsearch, World]) -> None:
    es, world = loaded
    panel = MAIN["Top 10 adoption leaderboard"]
    assert panel["type"] == "table"
    by_user: dict[str, list[dict[str, Any]]] = {}
    for r in user_rows(world):  # the window ending on the newest report day holds every collected day
        by_user.setdefault(r["user_login"], []).append(r)
    scores = {login: _score(rows) for login, rows in by_user.items()}
    table = shown_table(es, panel)
    got = [(r["User"], r["Adoption score"]) for r in table.rows]
    assert [s for _, s in got] == sorted(scores.values(), reverse=True)[:10]
    for login, score in got:
        assert math.isclose(score, scores[login], abs_tol=0.011), login
    override = next(o for o in panel["fieldConfig"]["overrides"] if o["matcher"]["options"] == "Adoption score")
    assert {"id": "custom.cellOptions", "value": {"type": "color-background"}} in override["properties"]


# --- Fix 8: series end at the last reported day -------------------------------------------------------------
def test_report_series_end_at_the_last_complete_day(loaded: tuple[Elasticsearch, World]) -> None:
    es, _ = loaded
    last = int(dt.datetime.combine(REPORT_DAYS[-1], dt.time(), dt.UTC).timestamp() * 1000)
    checked = 0
    for name, panel in PANELS:
        target = panel["targets"][0]
        if panel["type"] != "timeseries" or index_of(target["datasource"]).key not in REPORT_INDICES:
            continue
        for s in run_target(es, target).series:
            assert max(t for t, _ in s.points) <= last, (name, s.name)
            checked += 1
    assert checked > 20


def test_dashboards_cover_whole_days(generated: dict[str, dict[str, Any]]) -> None:
    for model in generated.values():
        assert model["time"]["from"].endswith("/d"), model["title"]


# --- Fix 9: cross-tab titles --------------------------------------------------------------------------------
def test_top_dimension_cross_tabs_say_so(generated: dict[str, dict[str, Any]]) -> None:
    for model in generated.values():
        for panel in panels(model):
            fields = {b.get("field") for b in panel["targets"][0]["bucketAggs"]}
            if fields & {ix.TOP_LANGUAGE, ix.TOP_IDE}:
                assert "top" in panel["title"].lower(), panel["title"]


# --- Fix 10: alerts -----------------------------------------------------------------------------------------
def evaluate(es: Elasticsearch, rule: Rule, end: int = TIME_TO, window_seconds: int | None = None
             ) -> dict[tuple[str, str], float]:
    """Per scope: the rule's query over its window ending at `end`, reduced as its reduce expression does.

    The engine's `now` is the wall clock; the collection ran at the simulated NOW, so date math in the
    query is anchored there instead (`<instant>||-24h`, Elasticsearch's syntax for the same offset)."""
    model = es_model(rule)
    instant = dt.datetime.fromtimestamp(end / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    model["query"] = model["query"].replace("now-", f"{instant}||-").replace("TO now]", f"TO {instant}]")
    window = rule.window_seconds if window_seconds is None else window_seconds
    body = search_body(model, end - window * 1000, end, {},
                       time_field=TIME_FIELDS[f"es-{rule.query.index.key}"])
    result = es.search(index=rule.query.index.name(PREFIX), **body)
    out = {}
    for s in answer(model, result["aggregations"]).series:
        values = [v or 0 for _, v in s.points]
        out[(s.labels[ix.SCOPE_TYPE], s.labels[ix.SCOPE])] = {"sum": sum, "max": max}[rule.reducer](values)
    return out


def fires(rule: Rule, value: float) -> bool:
    return value > rule.threshold if rule.comparison == "gt" else value < rule.threshold


def test_failures_alert_counts_recent_fetches_of_past_days(loaded: tuple[Elasticsearch, World]) -> None:
    es, _ = loaded
    rule = next(r for r in rules() if r.uid == "copilot-ingestion-failures")
    got = evaluate(es, rule)
    # sim-org-2's repos report is refused: the collector records the first refused report day of the run as
    # failed (and skips the rest). That day is older than 24 h, its fetch is not.
    assert fires(rule, got[("organization", "sim-org-2")])
    assert ("organization", "sim-org-2") not in evaluate(es, rule, window_seconds=86400)
    assert fires(rule, got[("organization", ORG)])  # its teams listing failed today
    assert not fires(rule, got.get(("enterprise", "sim-enterprise-1"), 0))
    assert "fetched_at:[now-24h TO now]" in es_model(rule)["query"]


def test_stale_alert_counts_report_days_per_scope(loaded: tuple[Elasticsearch, World]) -> None:
    es, _ = loaded
    rule = next(r for r in rules() if r.uid == "copilot-data-stale")
    assert rule.window_seconds >= 4 * 86400
    now = evaluate(es, rule)
    assert {k: fires(rule, v) for k, v in now.items()} == {k: False for k in now}
    assert ("organization", "sim-org-2") in now
    assert ("enterprise", "sim-enterprise-1") in now
    # GitHub's newest day is normally 4 days old, 5 after a weekend (github-copilot-api.md §11.5): the collection's
    # newest day (REPORT_DAYS[-1]) seen 2, 3 and 4 days on is 4, 5 and 6 days old, which is GitHub being GitHub.
    day_ms = 86400 * 1000
    assert (NOW.date() - REPORT_DAYS[-1]).days == 2
    for days_on in (2, 3, 4):
        quiet = evaluate(es, rule, TIME_TO + days_on * day_ms)
        assert quiet, days_on
        assert not any(fires(rule, v) for v in quiet.values()), days_on
    # One day more with nothing new: the seat and team snapshots of the last days are in the window, reports are
    # not, so every scope is stale (no series at all: Grafana's no-data state, which is Alerting).
    later = evaluate(es, rule, TIME_TO + 5 * day_ms)
    assert all(fires(rule, v) for v in later.values())
    assert rule.no_data == "Alerting"
    for kind in Report:
        assert f'"{kind.value}"' in es_model(rule)["query"], kind


def test_seats_alert_counts_counted_idle_seats_per_scope(loaded: tuple[Elasticsearch, World]) -> None:
    es, world = loaded
    rule = next(r for r in rules() if r.uid == "copilot-seats-inactive")
    got = evaluate(es, rule)
    for scope in world.scopes():
        expected = sum(1 for s in seat_rows(world, scope) if s["login"] is not None and idle(s, 28))
        assert got.get((scope.kind, scope.slug), 0) == expected, scope.slug
    assert any(v > 0 for v in got.values())


# --- Fix 11: formats and units ----------------------------------------------------------------------------
def _override(panel: dict[str, Any], name: str, prop: str) -> Any:
    for o in panel["fieldConfig"].get("overrides", []):
        if o["matcher"]["options"] == name:
            for p in o["properties"]:
                if p["id"] == prop:
                    return p["value"]
    return None


def test_freshness_shows_dates(loaded: tuple[Elasticsearch, World]) -> None:
    es, _ = loaded
    panel = MAIN["Last complete day per scope and report"]
    assert _override(panel, "Last complete day", "unit") == "time:YYYY-MM-DD"
    rows = {r["Report"]: r["Last complete day"] for r in shown_table(es, panel).rows}
    newest = dt.datetime.combine(REPORT_DAYS[-1], dt.time(), dt.UTC).timestamp() * 1000
    assert rows["aggregate"] == newest


def test_units(generated: dict[str, dict[str, Any]]) -> None:
    assert MAIN["Billing usage (net amount)"]["fieldConfig"]["defaults"]["unit"] == "currencyUSD"
    assert MAIN["Monthly cost of idle seats"]["fieldConfig"]["defaults"]["unit"] == "currencyUSD"
    for model in generated.values():
        for panel in panels(model):
            for m in panel["targets"][0]["metrics"]:
                if m["type"] != "bucket_script" or m.get("hide") or "* 100" not in script_of(m):
                    continue
                label = next(v for k, v in panel["transformations"][0]["options"]["renameByName"].items()
                             if k in (script_of(m), "Bucket Script")) if panel.get("transformations") else None
                unit = _override(panel, label, "unit") if label else None
                assert "percent" in (unit, panel["fieldConfig"]["defaults"].get("unit")), panel["title"]


def test_original_language_and_editor_is_language_by_editor(loaded: tuple[Elasticsearch, World]) -> None:
    es, _ = loaded
    [panel] = [p for t, p in ORIGINAL.items() if "language" in t.lower() and "editor" in t.lower()]
    fields = [b["field"] for b in panel["targets"][0]["bucketAggs"]]
    assert fields == [ix.TOP_LANGUAGE, ix.TOP_IDE]
    assert shown_table(es, panel).columns[:2] == ["Top language", "Top IDE"]


def test_panels_fit_the_grid_and_have_ids(generated: dict[str, dict[str, Any]]) -> None:
    for model in generated.values():
        ids = [p.get("id") for p in model["panels"]]
        assert None not in ids, model["title"]
        assert len(ids) == len(set(ids)), model["title"]
        for p in model["panels"]:
            assert p["gridPos"]["x"] + p["gridPos"]["w"] <= 24, p["title"]


# --- Fix 12: variables and filter descriptions --------------------------------------------------------------
def test_scope_variables_come_from_the_ingestion_log_on_load(generated: dict[str, dict[str, Any]]) -> None:
    for model in generated.values():
        variables = {v["name"]: v for v in model["templating"]["list"]}
        for name in ("scope_type", "scope"):
            assert variables[name]["datasource"]["uid"] == f"es-{ix.INGESTION_LOG.key}", name
            assert variables[name]["refresh"] == 1, name  # on dashboard load


def test_scope_variable_has_values_for_every_scope(loaded: tuple[Elasticsearch, World]) -> None:
    es, world = loaded
    result = es.search(index=ix.INGESTION_LOG.name(PREFIX), size=0,
                       aggs={"s": {"terms": {"field": ix.SCOPE, "size": 50}}})
    assert {b["key"] for b in result["aggregations"]["s"]["buckets"]} == {s.slug for s in world.scopes()}


def test_descriptions_name_the_filters_a_panel_honours(generated: dict[str, dict[str, Any]]) -> None:
    names = {"scope_type": "scope type", "ide": "IDE"}
    for model in generated.values():
        for panel in panels(model):
            query = panel["targets"][0]["query"]
            used = [names.get(v, v) for v in _variables(query)]
            assert panel["description"].endswith(f" Filters: {', '.join(used)}."), panel["title"]


def _variables(query: str) -> list[str]:
    import re

    return re.findall(r"\$(\w+)", query)


# --- added panels on the late-2026 fields: each number recomputed from the simulator's own rows ------------
def test_cli_customization_counts_interactions_per_kind(loaded: tuple[Elasticsearch, World]) -> None:
    es, world = loaded
    want = {kind: 0 for kind in ix.CUSTOMIZATION_KINDS}
    for record in user_rows(world):
        for kind in ix.CUSTOMIZATION_KINDS:
            for row in record.get(f"totals_by_{kind}") or []:
                # GitHub has used two names for the count; whichever the row carries.
                want[kind] += next(v for k, v in row.items() if k.endswith("interaction_count"))
    assert sum(want.values()) > 0
    got = shown_series(es, MAIN["CLI customization"])
    names = dict(zip(ix.CUSTOMIZATION_KINDS, ("Skills", "Custom agents", "MCP servers", "Slash commands", "Plugins"),
                     strict=True))
    for kind, total in want.items():
        assert sum(v or 0 for _, v in got[names[kind]]) == total, kind


def test_review_times_are_the_mean_of_githubs_daily_medians_per_repository(loaded: tuple[Elasticsearch, World]) -> None:
    es, world = loaded
    timed: dict[str, list[dict[str, Any]]] = {}
    for day in REPORT_DAYS:
        for row in world.repo_rows(org_scope(world), day):
            for entry in row.get("pull_request_review_times") or []:
                if (entry.get("authored_by"), entry.get("reviewed_by")) == ("human", "human") and entry["total_merged"]:
                    timed.setdefault(f"{row['repo_owner_name']}/{row['repo_name']}", []).append(entry)
    assert timed, "the simulator's repos report should carry review times for some repositories"
    table = shown_table(es, MAIN["Review times by repository"])
    shown = {r[table.columns[0]]: r for r in table.rows}  # the repository column, under its label
    assert set(shown) == set(timed)
    for repo, entries in timed.items():
        for key, column in (("median_minutes_ready_to_first_review", "Ready to first review (min)"),
                            ("median_minutes_first_to_final_review", "First to final review (min)"),
                            ("median_minutes_final_review_to_merge", "Final review to merge (min)")):
            assert math.isclose(shown[repo][column], sum(e[key] for e in entries) / len(entries)), (repo, key)
        assert shown[repo]["Merged PRs timed"] == sum(e["total_merged"] for e in entries)


def test_daily_users_by_feature_include_the_vscode_agents_window(loaded: tuple[Elasticsearch, World]) -> None:
    es, world = loaded
    got = dict(shown_series(es, MAIN["Daily users by feature"])["VS Code Agents window"])
    for day in REPORT_DAYS:
        users = sum(1 for r in world.user_records(org_scope(world), day) if r.get(ix.USED_VSCODE_AGENT) is True)
        key = int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp() * 1000)
        assert (got.get(key) or 0) == users, day


def _engagement(world: World, end: dt.date) -> dict[str, tuple[int, float]]:
    """feature -> (engaged users, share) of the 28-day window ending on `end`, from the simulator's own 28-day
    file: users who used the feature on two days or more, of the users active in the window."""
    block = world.aggregate_28(org_scope(world), end)["copilot_feature_engagement"]
    active = block["active_user_count"]
    assert active > 0
    return {row["feature"]: (row["active_user_count"], row["active_user_count"] / active)
            for row in block["totals_by_feature"]}


def test_feature_engagement_shows_the_latest_windows_share_per_feature(loaded: tuple[Elasticsearch, World]) -> None:
    es, world = loaded
    first_end, latest_end = FIRST_NOW.date() - dt.timedelta(days=2), NOW.date() - dt.timedelta(days=2)
    assert world.latest_window(org_scope(world)) == (latest_end - dt.timedelta(days=27), latest_end)
    want = _engagement(world, latest_end)
    panel = MAIN["Feature engagement (28-day)"]
    assert _override(panel, "Share of active users", "unit") == "percentunit"
    table = shown_table(es, panel)
    assert table.columns == ["Feature", "Engaged users", "Active users (window)", "Share of active users"]
    got = {r["Feature"]: (r["Engaged users"], r["Share of active users"]) for r in table.rows}
    assert set(got) == set(want)
    for feature, (engaged, share) in want.items():
        assert got[feature][0] == engaged, feature
        assert math.isclose(got[feature][1], share, abs_tol=1e-6), feature
    shares = [r["Share of active users"] for r in table.rows]
    assert shares == sorted(shares, reverse=True)
    assert _engagement(world, first_end) != want  # the older window (first run) is not what the table shows
    # Over time: one point per collected window end day, each that window's share.
    series = shown_series(es, MAIN["Feature engagement share over time"])
    assert MAIN["Feature engagement share over time"]["fieldConfig"]["defaults"]["unit"] == "percentunit"
    for end in (first_end, latest_end):
        key = int(dt.datetime.combine(end, dt.time(), dt.UTC).timestamp() * 1000)
        for feature, (_, share) in _engagement(world, end).items():
            assert math.isclose(dict(series[feature])[key], share, abs_tol=1e-6), (end, feature)
