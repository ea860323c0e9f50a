"""`status --json` and `report --format json/csv` are for scripts: their fields are pinned here, literally, and
listed in docs/operations.md. Adding a field means adding it to both; renaming or removing one fails this test."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest

from copilot_usage.cli import main
from copilot_usage.run import run
from copilot_usage.simulator import SimulatorServer, World
from tests.fixtures.simulator import SIM_TODAY, sim_config
from tests.integration.test_collect import NOW, clock, settings_for

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
STATUS_KEYS = ["scope_type", "scope", "report", "last_complete_day", "complete", "not_ready", "empty", "failed",
               "total", "last_fetched_at", "latest_error", "latest_error_day", "new_fields"]
REPORT_SCOPE_KEYS = ["scope", "since", "until", "adoption", "top_languages", "top_ides", "top_models", "seat_waste",
                     "ai_credits_and_cli", "freshness", "period_over_period", "seat_spend"]
REPORT_SECTION_KEYS = {
    "adoption": ["days_reported", "monthly_active_users", "average_daily_active_users", "engaged_users",
                 "interactions", "code_generations", "code_acceptances", "acceptance_rate", "ide_generations",
                 "cli_generations", "ide_share", "cli_share", "lines_added", "agent_lines_share",
                 "completion_lines_acceptance_rate"],
    "seat_waste": ["snapshot_day", "counted_seats", "never_used_seats", "inactive_28d_seats", "unused_share"],
    "ai_credits_and_cli": ["ai_credits_used", "peak_daily_ai_credit_users", "peak_daily_cli_users", "cli_sessions",
                           "cli_requests"],
}
TOP_KEYS = ["name", "code_generations", "code_acceptances"]
FRESHNESS_KEYS = ["report", "last_complete_day", "complete_days", "failed_days"]
CSV_COLUMNS = ["scope", "since", "until", "section", "metric", "value"]
CSV_SECTIONS = {"adoption", "seat_waste", "ai_credits_and_cli", "top_languages", "top_ides", "top_models", "freshness",
                "period_week", "period_28d", "period_month", "seat_spend", "seat_spend_team"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


@pytest.fixture
def filled(es, engine_url, prefix, monkeypatch):
    with SimulatorServer(World(sim_config(days=6, users=15, teams=2))) as server:
        start = SIM_TODAY - dt.timedelta(days=4)
        summary = run(settings_for(server, engine_url, prefix, BACKFILL_START=start.isoformat()), es=es,
                      now=clock(NOW))
        assert summary.ok, summary.errors
    for name in ("ORGANIZATION_SLUGS", "ENTERPRISE_SLUGS", "GITHUB_PAT", "KEY_VAULT_URI", "ELASTICSEARCH_USERNAME",
                 "ELASTICSEARCH_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ELASTICSEARCH_URL", engine_url)
    monkeypatch.setenv("INDEX_PREFIX", prefix)


def test_status_json_fields_are_pinned(filled, capsys):
    assert main(["status", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows
    for row in rows:
        assert list(row) == STATUS_KEYS
        assert DATE.match(row["last_complete_day"])
        assert TIMESTAMP.match(row["last_fetched_at"]), row["last_fetched_at"]
        assert all(isinstance(row[k], int) for k in ("complete", "not_ready", "empty", "failed", "total"))
    assert [(r["scope_type"], r["scope"], r["report"]) for r in rows] == sorted(
        (r["scope_type"], r["scope"], r["report"]) for r in rows)


def test_report_json_fields_are_pinned(filled, capsys):
    assert main(["report", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["scopes"]
    assert len(data["scopes"]) == 3
    for scope in data["scopes"]:
        assert list(scope) == REPORT_SCOPE_KEYS
        for section, keys in REPORT_SECTION_KEYS.items():
            assert list(scope[section]) == keys, section
        for section in ("top_languages", "top_ides", "top_models"):
            assert scope[section], section
            assert all(list(item) == TOP_KEYS for item in scope[section]), section
        assert all(list(f) == FRESHNESS_KEYS for f in scope["freshness"])
        assert DATE.match(scope["since"])
        assert DATE.match(scope["until"])


def test_report_csv_columns_and_sections_are_pinned(filled, capsys):
    assert main(["report", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows
    assert list(rows[0]) == CSV_COLUMNS
    assert {r["section"] for r in rows} == CSV_SECTIONS
    metrics = {(r["section"], r["metric"]) for r in rows}
    for section, keys in REPORT_SECTION_KEYS.items():
        assert {(section, k) for k in keys} <= metrics
    assert any(r["section"] == "top_languages" and re.match(r"^1:\S", r["metric"]) for r in rows)


def test_the_documentation_lists_every_pinned_field():
    text = OPERATIONS.read_text(encoding="utf-8")
    section = text.split("## Output for scripts", 1)[1].split("\n## ", 1)[0]
    fields = set(re.findall(r"`([a-z_0-9]+)`", section))
    pinned = {*STATUS_KEYS, *REPORT_SCOPE_KEYS, *TOP_KEYS, *FRESHNESS_KEYS, *CSV_COLUMNS,
              *(k for keys in REPORT_SECTION_KEYS.values() for k in keys)}
    assert pinned <= fields, sorted(pinned - fields)
