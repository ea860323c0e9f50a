"""Which report fields count as new: GitHub's documented examples and the simulator's late-2026 records
hold nothing new except the one field the simulator adds on purpose."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from copilot_usage.shaping.known_fields import KNOWN_FIELDS, new_fields
from copilot_usage.simulator import World
from copilot_usage.simulator.activity import UNKNOWN_FIELD
from tests.fixtures.simulator import sim_config

DOCS = Path(__file__).resolve().parents[1] / "fixtures" / "github_docs"


def _records(path: Path) -> list[dict]:
    text = path.read_text()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = [json.loads(line) for line in text.splitlines() if line.strip()]
    return data if isinstance(data, list) else [data]


@pytest.mark.parametrize(("name", "report"), [
    ("users-1-day.json", "users"),
    ("organization-users-1-day.ndjson", "users"),
    ("organization-user-teams-1-day.ndjson", "user-teams"),
    ("enterprise-28-day.json", "feature_engagement"),
])
def test_githubs_documented_examples_hold_no_new_field(name: str, report: str) -> None:
    for record in _records(DOCS / name):
        assert new_fields(report, record) == set(), name
        for day in record.get("day_totals") or []:  # a 28-day wrapper's days are aggregate records
            assert new_fields("aggregate", day) == set(), name


def test_the_simulators_records_are_known_but_for_its_deliberate_newcomer() -> None:
    world = World(sim_config(users=60, teams=4, days=20, today=dt.date(2026, 11, 20)))
    seen: dict[str, set[str]] = {"aggregate": set(), "users": set(), "user-teams": set(), "repos": set(),
                                 "feature_engagement": set()}
    for scope in world.scopes():
        wrapper = world.aggregate_28(scope, dt.date(2026, 11, 18))
        assert "copilot_feature_engagement" in wrapper
        seen["feature_engagement"] |= new_fields("feature_engagement", wrapper)
        for back in range(3, 18):
            day = dt.date(2026, 11, 20) - dt.timedelta(days=back)
            seen["aggregate"] |= new_fields("aggregate", world.aggregate(scope, day))
            for record in world.user_records(scope, day):
                seen["users"] |= new_fields("users", record)
            for row in world.user_team_rows(scope, day):
                seen["user-teams"] |= new_fields("user-teams", row)
            for row in world.repo_rows(scope, day):
                seen["repos"] |= new_fields("repos", row)
    assert seen == {"aggregate": set(), "users": {UNKNOWN_FIELD}, "user-teams": set(), "repos": set(),
                    "feature_engagement": set()}


def test_a_field_not_listed_is_new_and_snapshots_are_not_tracked() -> None:
    assert new_fields("users", {"user_id": 1, "day": "2026-11-01", "totals_by_hologram": []}) == {"totals_by_hologram"}
    assert new_fields("seats", {"anything": 1}) == set()
    assert set(KNOWN_FIELDS) == {"aggregate", "users", "user-teams", "repos", "feature_engagement"}
    # The 28-day wrapper's engagement is stored now (feature_engagement), so a day record never carries it.
    assert new_fields("aggregate", {"day": "2026-11-01", "copilot_feature_engagement": {}}) == {
        "copilot_feature_engagement"}
