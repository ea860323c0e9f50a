"""Teams listing -> teams snapshot documents (fixture: GitHub's documented example §8.4)."""

import datetime as dt
import json
from pathlib import Path

import pytest

from copilot_usage.model import Scope, ScopeType
from copilot_usage.schema import indices as ix
from copilot_usage.shaping.errors import RecordError
from copilot_usage.shaping.teams import shape_team

DATA = Path(__file__).parent / "data"
ORG = Scope(ScopeType.ORGANIZATION, "octo-org")
SNAPSHOT = dt.date(2026, 11, 20)
COMMON = {"day": "2026-11-20", "scope_type": "organization", "scope": "octo-org"}


def teams() -> list[dict]:
    return json.loads((DATA / "teams.json").read_text())


def test_teams_golden():
    league, frontend = (shape_team(ORG, SNAPSHOT, t) for t in teams())
    assert league.index is ix.TEAMS_SNAPSHOT
    assert league.source == {**COMMON, "team_id": 1, "team": "justice-league", "name": "Justice League",
                             "description": "A great team.", "type": "organization"}
    assert frontend.source == {**COMMON, "team_id": 2, "team": "frontend", "name": "Frontend",
                               "type": "organization", "parent_slug": "justice-league", "parent_name": "Justice League"}
    assert league.id != frontend.id
    assert league.id != shape_team(ORG, SNAPSHOT + dt.timedelta(days=1), teams()[0]).id


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda t: t.pop("slug"), "team slug is missing"),
        (lambda t: t.pop("id"), "team id is missing"),
        (lambda t: t.update(id="1"), "team id is not a number"),
        (lambda t: t.update(parent=[1]), "parent is not an object"),
        (lambda t: t.update(name={"x": 1}), "team name is not a string"),
    ],
)
def test_bad_teams_raise_record_error(mutate, reason):
    team = teams()[1]
    mutate(team)
    with pytest.raises(RecordError) as caught:
        shape_team(ORG, SNAPSHOT, team)
    assert caught.value.reason == reason
