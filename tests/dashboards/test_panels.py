"""The main dashboard has the rows, variables and leaderboard colours the product promises."""

from __future__ import annotations

from typing import Any

from copilot_usage.shaping.adoption import ADOPTION_SCORE_BANDS
from dashboards.inspect import panels

MAIN = "copilot-usage-advanced.json"
ORIGINAL = "copilot-usage-original.json"
ROWS = ("Organization", "Teams", "Languages", "Editors", "Models", "Copilot Chat and agents", "Seat Analysis",
        "Period over period and seat spend",
        "Breakdown Heatmap", "User Metrics Analytics", "Pull requests and code review", "CLI and AI credits",
        "Data Freshness")


def row_titles(model: dict[str, Any]) -> list[str]:
    return [p["title"] for p in model["panels"] if p["type"] == "row"]


def test_main_rows_in_order(generated: dict[str, dict[str, Any]]) -> None:
    assert tuple(row_titles(generated[MAIN])) == ROWS


def test_original_has_the_three_classic_rows(generated: dict[str, dict[str, Any]]) -> None:
    assert row_titles(generated[ORIGINAL]) == [
        "Copilot seat info & top languages", "Usage total insight", "Usage breakdown insight"]


def test_variables(generated: dict[str, dict[str, Any]]) -> None:
    variables = {v["name"]: v for v in generated[MAIN]["templating"]["list"]}
    assert set(variables) == {"scope", "team", "language", "ide", "model", "feature", "user"}
    assert variables["scope"]["multi"] is False  # scopes are never added together
    for name, v in variables.items():
        if name != "scope":
            assert (v["multi"], v["includeAll"], v["allValue"]) == (True, True, "*"), name
            assert "$scope" in v["query"], name  # dependent on the chosen scope


def test_leaderboard_uses_the_adoption_bands(generated: dict[str, dict[str, Any]]) -> None:
    [board] = [p for p in panels(generated[MAIN]) if p["title"] == "Top 10 adoption leaderboard"]
    defaults = board["fieldConfig"]["defaults"]
    steps = [(s["value"], s["color"]) for s in defaults["thresholds"]["steps"]]
    assert steps == [(b.low, b.color) for b in ADOPTION_SCORE_BANDS]
    assert [c for _, c in steps] == ["red", "orange", "yellow", "green", "blue"]
    assert defaults["color"]["mode"] == "thresholds"
    assert (defaults["min"], defaults["max"]) == (0, 100)
    [terms] = board["targets"][0]["bucketAggs"]
    assert terms["settings"]["size"] == "10"
