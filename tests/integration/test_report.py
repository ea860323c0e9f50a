"""`copilot-usage report` against a store filled by a real run (simulator + engine on loopback)."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json

import pytest

from copilot_usage import report
from copilot_usage.model import Scope
from copilot_usage.run import run
from copilot_usage.simulator import SimulatorServer, World
from tests.fixtures.simulator import SIM_TODAY, report_rows, sim_config
from tests.integration.test_collect import ENT, NOW, ORGS, clock, settings_for

LAST_DAY = SIM_TODAY - dt.timedelta(days=2)  # the newest day GitHub serves
START = SIM_TODAY - dt.timedelta(days=6)


@pytest.fixture
def filled(es, engine_url, prefix):
    """A store holding 5 days of the three simulated scopes; yields the running simulator."""
    with SimulatorServer(World(sim_config(days=10, users=30, teams=3))) as server:
        summary = run(settings_for(server, engine_url, prefix, BACKFILL_START=START.isoformat()), es=es,
                      now=clock(NOW))
        assert summary.ok, summary.errors
        yield server


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    report.add_arguments(parser)
    return parser.parse_args(argv)


def env_for(engine_url: str, prefix: str) -> dict[str, str]:
    # No GitHub credential on purpose: reading the store must not need one.
    return {"ELASTICSEARCH_URL": engine_url, "INDEX_PREFIX": prefix}


def test_summary_numbers_match_the_simulators_own_files(filled, es, prefix):
    summary = report.summarize(es, prefix)
    by_scope = {s["scope"]: s for s in summary["scopes"]}
    assert set(by_scope) == {f"organization:{ORGS[0]}", f"organization:{ORGS[1]}", f"enterprise:{ENT}"}

    org = by_scope[f"organization:{ORGS[0]}"]
    assert org["until"] == LAST_DAY.isoformat()
    assert org["since"] == (LAST_DAY - dt.timedelta(days=27)).isoformat()
    days = [START + dt.timedelta(days=i) for i in range((LAST_DAY - START).days + 1)]
    aggregates = [report_rows(filled, f"/orgs/{ORGS[0]}", "organization-1-day", d)[0] for d in days]
    generated = sum(a["code_generation_activity_count"] for a in aggregates)
    accepted = sum(a["code_acceptance_activity_count"] for a in aggregates)
    adoption = org["adoption"]
    assert adoption["days_reported"] == len(days)
    assert adoption["code_generations"] == generated > 0
    assert adoption["code_acceptances"] == accepted > 0
    assert adoption["acceptance_rate"] == round(accepted / generated, 4)
    # IDE and CLI shares from the files: Σ totals_by_ide and the copilot_cli rows, with no double counting.
    ide = sum(r["code_generation_activity_count"] for a in aggregates for r in a["totals_by_ide"])
    cli = sum(f["code_generation_activity_count"] for a in aggregates for f in a["totals_by_feature"]
              if f["feature"] == "copilot_cli")
    assert (adoption["ide_generations"], adoption["cli_generations"]) == (ide, cli)
    assert cli > 0
    assert ide + cli <= generated
    assert adoption["ide_share"] == round(ide / generated, 4)
    assert adoption["cli_share"] == round(cli / generated, 4)
    assert 0 <= adoption["completion_lines_acceptance_rate"] <= 1
    assert 0 < adoption["agent_lines_share"] < 1
    assert adoption["monthly_active_users"] == aggregates[-1]["monthly_active_users"] > 0
    users = {r["user_id"] for d in days for r in report_rows(filled, f"/orgs/{ORGS[0]}", "users-1-day", d)}
    assert 0 < adoption["engaged_users"] <= len(users)

    ide_totals: dict[str, int] = {}
    for a in aggregates:
        for row in a["totals_by_ide"]:
            ide_totals[row["ide"]] = ide_totals.get(row["ide"], 0) + row["code_generation_activity_count"]
    expected = sorted(ide_totals.items(), key=lambda kv: -kv[1])[: report.TOP_N]
    assert [(i["name"], i["code_generations"]) for i in org["top_ides"]] == expected
    for section in ("top_languages", "top_models"):
        values = [i["code_generations"] for i in org[section]]
        assert values, section
        assert values == sorted(values, reverse=True), section
        assert values[0] > 0, section

    seats = org["seat_waste"]
    assert seats["counted_seats"] > 0
    assert 0 <= seats["never_used_seats"] <= seats["inactive_28d_seats"] <= seats["counted_seats"]
    cli = org["ai_credits_and_cli"]
    assert cli["ai_credits_used"] > 0
    assert cli["cli_sessions"] > 0
    assert cli["peak_daily_cli_users"] > 0
    fresh = {f["report"]: f for f in org["freshness"]}
    assert fresh["aggregate"]["last_complete_day"] == LAST_DAY.isoformat()
    assert fresh["aggregate"]["failed_days"] == 0


def test_since_and_scope_narrow_the_window(filled, es, prefix):
    since = LAST_DAY - dt.timedelta(days=2)
    scope = Scope.parse(f"enterprise:{ENT}")
    narrow = report.summarize(es, prefix, [scope], since)["scopes"]
    wide = report.summarize(es, prefix, [scope])["scopes"]
    assert [s["scope"] for s in narrow] == [str(scope)]
    assert narrow[0]["since"] == since.isoformat()
    assert narrow[0]["adoption"]["days_reported"] == 3
    assert 0 < narrow[0]["adoption"]["code_generations"] < wide[0]["adoption"]["code_generations"]


def test_cli_json_csv_and_table_without_a_github_credential(filled, engine_url, prefix, capsys):
    env = env_for(engine_url, prefix)
    assert report.run(parse(["--format", "json", "--scope", f"org:{ORGS[1]}"]), env) == 0
    data = json.loads(capsys.readouterr().out)
    assert [s["scope"] for s in data["scopes"]] == [f"organization:{ORGS[1]}"]
    assert data["scopes"][0]["adoption"]["code_generations"] > 0

    assert report.run(parse(["--format", "csv", "--since", START.isoformat()]), env) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["scope"] for r in rows} == {f"organization:{ORGS[0]}", f"organization:{ORGS[1]}", f"enterprise:{ENT}"}
    assert {r["since"] for r in rows} == {START.isoformat()}
    sections = {r["section"] for r in rows}
    assert sections == {"adoption", "seat_waste", "ai_credits_and_cli", "top_languages", "top_ides", "top_models",
                        "freshness",
                        # period over period and seat spend (copilot_usage/report_extras.py)
                        "period_week", "period_28d", "period_month", "seat_spend", "seat_spend_team"}

    assert report.run(parse([]), env) == 0
    table = capsys.readouterr().out
    for text in (f"== enterprise:{ENT}", "acceptance_rate", "top ides:", "inactive_28d_seats"):
        assert text in table


def test_empty_store_and_bad_arguments_say_what_is_wrong(es, engine_url, prefix, capsys):
    assert report.summarize(es, prefix) == {"scopes": []}
    missing = report.summarize(es, prefix, [Scope.parse("org:nobody")])
    assert missing == {"scopes": [{"scope": "organization:nobody", "since": None, "until": None,
                                   "error": "no usage stored"}]}
    assert "no usage stored" in report.render(missing, "table")
    assert report.render(missing, "csv").splitlines() == ["scope,since,until,section,metric,value"]
    assert report.run(parse([]), env_for(engine_url, prefix)) == 1
    assert "run `copilot-usage collect` first" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        parse(["--since", "last week"])
    assert "--since must be a date" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse(["--scope", "team:x"])
    assert "--scope" in capsys.readouterr().err
    assert report.run(parse([]), {"ELASTICSEARCH_URL": engine_url, "INDEX_PREFIX": "Bad Prefix"}) == 2
    assert "INDEX_PREFIX" in capsys.readouterr().err
