"""`copilot-usage report`: period over period and seat spend sections, with targets and the small-team floor."""

from __future__ import annotations

import json

from copilot_usage import report
from tests.integration import test_report
from tests.integration.test_report import env_for, parse

filled_store = test_report.filled  # the same collected store as the report's own tests

ORG = "organization:sim-org-1"


def _report(capsys, env: dict[str, str], fmt: str = "json") -> dict | str:
    assert report.run(parse(["--format", fmt]), env=env) == 0
    out = capsys.readouterr().out
    return json.loads(out) if fmt == "json" else out


def test_periods_and_seat_spend_are_reported_with_targets(filled_store, engine_url, prefix, es, capsys):
    env = {**env_for(engine_url, prefix), "TARGETS": "acceptance_rate>=99%,org:sim-org-1:active_users>=1",
           "SEAT_PRICE_BUSINESS": "20", "SEAT_PRICE_CURRENCY": "EUR", "MIN_TEAM_SIZE": "1"}
    by_scope = {s["scope"]: s for s in _report(capsys, env)["scopes"]}
    org = by_scope[ORG]
    week = org["period_over_period"]["week"]
    stored = es.search(index=f"{prefix}period_summary", size=1, query={"bool": {"filter": [
        {"term": {"scope": "sim-org-1"}}, {"term": {"period": "week"}}]}})["hits"]["hits"][0]["_source"]
    assert week["metrics"]["acceptance_rate"]["current"] == stored["acceptance_rate"]
    assert week["metrics"]["acceptance_rate"]["target"] == "acceptance_rate >= 99%"
    assert week["metrics"]["acceptance_rate"]["target_met"] is False
    assert week["metrics"]["active_users"]["target"] == "organization:sim-org-1: active_users >= 1"
    assert week["metrics"]["active_users"]["target_met"] is True
    assert week["targets_missed"] == 1
    spend = org["seat_spend"]
    assert spend["currency"] == "EUR"
    assert spend["seat_cost"] == spend["counted_seats"] * 20  # the simulator's org seats are business seats
    assert spend["unused_seat_cost"] == (spend["idle_seats"] + spend["never_used_seats"]) * 20
    assert spend["teams"]
    assert spend["teams_hidden"] == 0
    text = _report(capsys, env, "table")
    assert "period over period: week" in text
    assert "seat spend per month" in text


def test_teams_below_min_team_size_are_left_out_of_the_report(filled_store, engine_url, prefix, capsys):
    env = {**env_for(engine_url, prefix), "MIN_TEAM_SIZE": "1000"}
    org = {s["scope"]: s for s in _report(capsys, env)["scopes"]}[ORG]
    assert org["seat_spend"]["teams"] == []
    assert org["seat_spend"]["teams_hidden"] > 0
    assert "not shown" in _report(capsys, env, "table")
