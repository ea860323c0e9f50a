"""Adoption scores and per-scope AI-credit sums after a run on the simulator, checked against the simulator's
users reports (fetched here) and with direct queries, including the one-query leaderboard."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from copilot_usage.model import Scope, ScopeType
from copilot_usage.run import run
from copilot_usage.schema import indices as ix
from copilot_usage.shaping.adoption import ADOPTION_WINDOW_DAYS, score_window
from copilot_usage.simulator import SimulatorServer, World
from copilot_usage.store.adoption import refresh_adoption
from copilot_usage.store.client import make_client
from tests.fixtures.simulator import SIM_TODAY, report_rows, row_is_active, sim_config
from tests.integration.test_collect import ENT, NOW, ORGS, clock, settings_for

PREFIX = "adoption_"
FIRST_DAY = SIM_TODAY - dt.timedelta(days=9)  # a week of reports: enough users and days, and quick
LATEST = SIM_TODAY - dt.timedelta(days=2)  # the newest day GitHub serves: the current leaderboard's window end
SCORE_POINTS = (ix.ACTIVE_DAYS_POINTS, ix.FEATURE_BREADTH_POINTS, ix.INTERACTIONS_POINTS, ix.ACCEPTANCES_POINTS,
                ix.ACCEPTANCE_RATE_POINTS)


def leaderboard_query(scope_type: str, scope: str, window_end: dt.date, size: int = 10) -> dict[str, Any]:
    """The adoption leaderboard: one terms aggregation over user_adoption, ordered by score (docs/operations.md)."""
    return {
        "size": 0,
        "query": {"bool": {"filter": [{"term": {ix.SCOPE_TYPE: scope_type}}, {"term": {ix.SCOPE: scope}},
                                      {"term": {ix.DAY: window_end.isoformat()}}]}},
        "aggs": {"users": {"terms": {"field": ix.USER_LOGIN, "size": size,
                                     "order": [{"score": "desc"}, {"_key": "asc"}]},
                           "aggs": {"score": {"max": {"field": ix.ADOPTION_SCORE}}}}},
    }


def adoption_docs(es: Any, prefix: str, scope_type: str, scope: str, day: dt.date) -> dict[str, dict[str, Any]]:
    query = leaderboard_query(scope_type, scope, day)["query"]
    hits = es.search(index=ix.USER_ADOPTION.name(prefix), size=10_000, query=query)["hits"]["hits"]
    return {h["_source"][ix.USER_LOGIN]: h["_source"] for h in hits}


@pytest.fixture(scope="module")
def world() -> World:
    return World(sim_config(days=14))


@pytest.fixture(scope="module")
def engine(search_engine: Any) -> Iterator[tuple[str, Elasticsearch]]:
    """One engine for the module: a full collection takes seconds, and these tests only read (the one that
    rewrites user_adoption restores identical documents)."""
    clone = search_engine.space()
    client = make_client(str(clone.url), compat="auto")
    yield str(clone.url), client
    client.close()
    clone.close()


@pytest.fixture(scope="module")
def collected(world, engine) -> Iterator[SimulatorServer]:
    engine_url, client = engine
    with SimulatorServer(world) as server:
        settings = settings_for(server, engine_url, PREFIX, BACKFILL_START=FIRST_DAY.isoformat())
        summary = run(settings, es=client, now=clock(NOW))
        assert summary.ok, summary.errors
        yield server


@pytest.fixture
def es(engine) -> Elasticsearch:
    return engine[1]


@pytest.fixture
def prefix() -> str:
    return PREFIX


def test_leaderboard_is_one_terms_query_sorted_by_score(collected, es, prefix):
    docs = adoption_docs(es, prefix, "organization", ORGS[0], LATEST)
    assert len(docs) > 10
    response = es.search(index=ix.USER_ADOPTION.name(prefix), **leaderboard_query("organization", ORGS[0], LATEST))
    board = [(b["key"], b["score"]["value"]) for b in response["aggregations"]["users"]["buckets"]]
    want = sorted(((login, d[ix.ADOPTION_SCORE]) for login, d in docs.items()), key=lambda p: (-p[1], p[0]))[:10]
    assert [(k, round(v, 2)) for k, v in board] == want  # max over one document per user: the score itself
    assert board[0][1] > board[-1][1]  # the world's users differ: the order means something


def test_score_components_equal_the_simulators_rows_and_the_score_is_bounded(world, collected, es, prefix):
    server = collected
    floor = max(FIRST_DAY, world.floor(world.scope("organization", ORGS[0])))
    start = LATEST - dt.timedelta(days=ADOPTION_WINDOW_DAYS - 1)
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    day = start
    while day <= LATEST:
        for row in report_rows(server, f"/orgs/{ORGS[0]}", "users-1-day", day) if day >= floor else []:
            user = sums[row["user_login"]]
            user[ix.ACTIVE_DAYS] += row_is_active(row)  # a row without activity is not an active day
            for field in (ix.USER_INITIATED_INTERACTION_COUNT, ix.CODE_GENERATION_ACTIVITY_COUNT,
                          ix.CODE_ACCEPTANCE_ACTIVITY_COUNT, ix.LOC_ADDED_SUM):
                user[field] += row[field]
        day += dt.timedelta(days=1)
    docs = adoption_docs(es, prefix, "organization", ORGS[0], LATEST)
    assert set(docs) == set(sums)
    for login, doc in docs.items():
        assert {k: doc[k] for k in sums[login]} == sums[login], login
        assert 0 <= doc[ix.ADOPTION_SCORE] <= 100
        assert doc[ix.ADOPTION_SCORE] == pytest.approx(sum(doc[p] for p in SCORE_POINTS), abs=0.01)
        assert doc[ix.WINDOW_START] == start.isoformat()


def test_recomputing_the_scores_reproduces_every_document(collected, es, prefix):
    scopes = [Scope(ScopeType.ORGANIZATION, org) for org in ORGS] + [Scope(ScopeType.ENTERPRISE, ENT)]
    index = ix.USER_ADOPTION.name(prefix)
    before = {s: adoption_docs(es, prefix, s.type.value, s.slug, LATEST) for s in scopes}
    total = es.count(index=index)["count"]
    es.delete_by_query(index=index, query={"match_all": {}}, refresh=True)
    written = 0
    for scope in scopes:  # every stored day was touched: the same windows as the run, all rewritten
        days = [LATEST - dt.timedelta(days=n) for n in range(ADOPTION_WINDOW_DAYS)]
        written += refresh_adoption(es, prefix, scope, days, ADOPTION_WINDOW_DAYS)
    es.indices.refresh(index=index)
    assert written == total
    assert es.count(index=index)["count"] == total
    for scope in scopes:
        assert adoption_docs(es, prefix, scope.type.value, scope.slug, LATEST) == before[scope]


def test_a_user_without_activity_in_the_window_scores_zero(collected, es, prefix):
    # Real stored rows of one user, scored for a window that ends before any of them: nothing counts.
    login, doc = next(iter(adoption_docs(es, prefix, "organization", ORGS[1], LATEST).items()))
    rows = [h["_source"] for h in es.search(index=ix.USER_DAILY.name(prefix), size=100, query={"bool": {"filter": [
        {"term": {ix.SCOPE: ORGS[1]}}, {"term": {ix.USER_LOGIN: login}}]}})["hits"]["hits"]]
    assert rows
    assert doc[ix.ADOPTION_SCORE] > 0
    earliest = min(dt.date.fromisoformat(r[ix.DAY][:10]) for r in rows)
    idle = score_window(Scope(ScopeType.ORGANIZATION, ORGS[1]), doc[ix.USER_ID], login,
                        earliest - dt.timedelta(days=1), rows).source
    assert idle[ix.ADOPTION_SCORE] == 0
    assert idle[ix.ACTIVE_DAYS] == 0
    assert all(idle[p] == 0 for p in SCORE_POINTS)


def test_per_scope_ai_credit_sums_equal_the_sum_over_user_daily(collected, es, prefix):
    checked = 0
    for scope_type, slug in (("organization", ORGS[0]), ("organization", ORGS[1]), ("enterprise", ENT)):
        per_day = es.search(
            index=ix.USER_DAILY.name(prefix), size=0,
            query={"bool": {"filter": [{"term": {ix.SCOPE_TYPE: scope_type}}, {"term": {ix.SCOPE: slug}}]}},
            aggs={"d": {"terms": {"field": ix.DAY, "size": 100, "format": "yyyy-MM-dd"},
                        "aggs": {"c": {"sum": {"field": ix.AI_CREDITS_USED}}}}},
        )["aggregations"]["d"]["buckets"]
        for bucket in per_day:
            [summary] = es.search(index=ix.USER_SUMMARY_DAILY.name(prefix), query={"bool": {"filter": [
                {"term": {ix.SCOPE_TYPE: scope_type}}, {"term": {ix.SCOPE: slug}},
                {"term": {ix.DAY: bucket["key_as_string"]}}]}})["hits"]["hits"]
            assert summary["_source"].get(ix.AI_CREDITS_USED, 0) == pytest.approx(bucket["c"]["value"], abs=1e-4)
            checked += summary["_source"].get(ix.AI_CREDITS_USED, 0) > 0
    assert checked > 0  # the world spends credits: the comparison is not 0 == 0 everywhere
