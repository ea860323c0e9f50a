"""The teams listing (`GET /orgs/{org}/teams`) -> one teams document per team and snapshot day.

It gives names and the hierarchy for the slugs the user-teams report uses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from copilot_usage.model import Scope
from copilot_usage.schema.indices import (
    PARENT_NAME,
    PARENT_SLUG,
    TEAM,
    TEAM_DESCRIPTION,
    TEAM_ID,
    TEAM_NAME,
    TEAM_TYPE,
    TEAMS_SNAPSHOT,
    Doc,
)
from copilot_usage.shaping import source_keys as src
from copilot_usage.shaping.common import base
from copilot_usage.shaping.errors import RecordError
from copilot_usage.shaping.values import obj, required_id, required_text, text


def shape_team(scope: Scope, snapshot_day: dt.date, team: dict[str, Any]) -> Doc:
    if type(team) is not dict:
        raise RecordError("team is not an object")
    doc = base(scope, snapshot_day.isoformat())
    doc[TEAM_ID] = required_id(team.get(src.ID), "team id")
    doc[TEAM] = required_text(team.get(src.SLUG), "team slug")
    parent = obj(team.get(src.PARENT), src.PARENT)
    for name, value in (
        (TEAM_NAME, text(team.get(src.NAME), "team name")),
        (TEAM_DESCRIPTION, text(team.get(src.DESCRIPTION), "team description")),
        (TEAM_TYPE, text(team.get(src.TYPE), "team type")),
        (PARENT_SLUG, text(parent.get(src.SLUG), "parent slug")),
        (PARENT_NAME, text(parent.get(src.NAME), "parent name")),
    ):
        if value is not None:
            doc[name] = value
    return Doc(TEAMS_SNAPSHOT, doc)
