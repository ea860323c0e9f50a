"""Every panel's query, translated as Grafana would send it, returns data from a simulator collection.

One collection per module (simulator on loopback -> `run` -> a module-scoped osmem clone); each panel test
then runs its target's search against the index its datasource names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from copilot_usage.run import run
from copilot_usage.settings import Settings
from copilot_usage.simulator import SimulatorServer, World
from copilot_usage.simulator.faults import Faults
from copilot_usage.store.client import make_client
from dashboards.alerts import Rule, es_model, rules
from dashboards.inspect import index_of, panels
from dashboards.registry import rendered
from dashboards.translate import UnsupportedTarget, expand, rows, search_body
from tests.fixtures.simulator import SIM_TODAY, sim_config

PREFIX = "dash_"
SCOPE = {"scope": '"sim-org-1"'}  # the scope variable is single-valued; the others stay on All
NOW = dt.datetime(2026, 11, 20, 10, 5, tzinfo=dt.UTC)
TIME_FROM = int((NOW - dt.timedelta(days=30)).timestamp() * 1000)
TIME_TO = int(NOW.timestamp() * 1000)


def _all_panels() -> list[tuple[str, dict[str, Any]]]:
    import json

    return [(f"{name}:{p['title']}", p) for name, text in rendered().items() for p in panels(json.loads(text))]


PANELS = _all_panels()


@pytest.fixture(scope="module")
def loaded(search_engine: Any) -> Iterator[Elasticsearch]:
    clone = search_engine.space()
    es = make_client(str(clone.url), compat="auto")
    try:
        # The shown org's teams listing (a snapshot no panel charts) is forbidden, so the ingestion log holds
        # failures for the Failures panel and the failures alert.
        faults = Faults(forbidden_paths=["/orgs/sim-org-1/teams"])
        with SimulatorServer(World(sim_config(users=20, teams=3, days=10)), faults=faults) as server:
            settings = Settings.from_env({
                "GITHUB_PAT": "sim-token",
                "GITHUB_API_URL": server.url,
                "ORGANIZATION_SLUGS": "sim-org-1,sim-org-2",
                "ENTERPRISE_SLUGS": "sim-enterprise-1",
                "ELASTICSEARCH_URL": str(clone.url),
                "INDEX_PREFIX": PREFIX,
                "COPILOT_USAGE_TODAY": SIM_TODAY.isoformat(),
                # Ten days: the latest week and part of the one before, for the period-over-period row.
                "BACKFILL_START": (SIM_TODAY - dt.timedelta(days=10)).isoformat(),
                "MAX_CONCURRENCY": "4",
                "TARGETS": "acceptance_rate>=99%,adoption>=50%",  # one to miss, for the period row's targets
            })
            summary = run(settings, es=es, now=lambda: NOW)
            assert summary.days["failed"] > 0
            assert summary.days["complete"] > 0
        yield es
    finally:
        es.close()
        clone.close()


@pytest.mark.parametrize(("name", "panel"), PANELS, ids=[n for n, _ in PANELS])
def test_panel_returns_data(loaded: Elasticsearch, name: str, panel: dict[str, Any]) -> None:
    for target in panel["targets"]:
        index = index_of(target["datasource"]).name(PREFIX)
        body = search_body(target, TIME_FROM, TIME_TO, SCOPE)
        answer = loaded.search(index=index, **body)
        got = rows(target, answer["aggregations"])
        assert got, f"{name}: no buckets"
        visible = [m["id"] for m in target["metrics"] if not m.get("hide")]
        empty = [m for m in visible if not any(r.get(m) for r in got)]
        assert not empty, f"{name}: metrics {empty} have no non-zero value in {len(got)} rows"


def test_variables_expand_to_all_unless_given() -> None:
    assert expand("scope:$scope AND team:${team}", {"team": '"red"'}) == 'scope:* AND team:"red"'


def test_unsupported_metric_is_named() -> None:
    target = {"timeField": "day", "query": "", "bucketAggs": [{"id": "2", "type": "date_histogram", "field": "day"}],
              "metrics": [{"id": "1", "type": "moving_fn", "field": "x"}]}
    with pytest.raises(UnsupportedTarget, match="moving_fn"):
        search_body(target, 0, 1)


def _evaluate(loaded: Elasticsearch, rule: Rule) -> float:
    """The rule's query over its window ending at NOW, reduced as the rule's reduce expression does."""
    model = es_model(rule)
    start = TIME_TO - rule.window_seconds * 1000
    answer = loaded.search(index=rule.query.index.name(PREFIX), **search_body(model, start, TIME_TO, SCOPE))
    values = [r["1"] or 0 for r in rows(model, answer["aggregations"])]
    assert values, rule.uid
    return {"sum": sum, "max": max}[rule.reducer](values)


def _fires(rule: Rule, value: float) -> bool:
    return value > rule.threshold if rule.comparison == "gt" else value < rule.threshold


def test_alert_queries_run_and_fire_only_on_what_the_collection_holds(loaded: Elasticsearch) -> None:
    by_uid = {r.uid: r for r in rules()}
    stale = by_uid["copilot-data-stale"]
    assert not _fires(stale, _evaluate(loaded, stale))  # days up to SIM_TODAY-2 are complete
    failures = by_uid["copilot-ingestion-failures"]
    assert _fires(failures, _evaluate(loaded, failures))  # the forbidden teams listing failed
    seats = by_uid["copilot-seats-inactive"]
    assert _evaluate(loaded, seats) >= 0


def test_stale_rule_fires_when_nothing_recent_is_complete(loaded: Elasticsearch) -> None:
    stale = next(r for r in rules() if r.uid == "copilot-data-stale")
    model = es_model(stale)
    later = TIME_TO + 10 * 86400 * 1000  # ten days on, with no new collection
    answer = loaded.search(index=stale.query.index.name(PREFIX),
                           **search_body(model, later - stale.window_seconds * 1000, later))
    assert _fires(stale, sum(r["1"] or 0 for r in rows(model, answer["aggregations"])))

