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
    assert set(variables) == {"scope_type", "scope", "team", "language", "ide", "model", "feature", "user",
                              "seat_price"}
    assert variables["scope"]["multi"] is False  # scopes are never added together
    assert variables["scope_type"]["multi"] is False
    assert variables["seat_price"]["query"] == "19,39"  # Business, Enterprise list prices; the first is default
    for name, v in variables.items():
        if name not in ("scope", "scope_type", "seat_price"):
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
    latest, users = board["targets"][0]["bucketAggs"]
    assert (latest["field"], latest["settings"]["size"], latest["settings"]["orderBy"]) == ("day", "1", "_key")
    assert (users["field"], users["settings"]["size"]) == ("user_login", "10")


def test_breakdown_heatmap_row_charts_dimensions_over_time(generated: dict[str, dict[str, Any]]) -> None:
    row: list[dict[str, Any]] = []
    current = ""
    for p in generated[MAIN]["panels"]:
        if p["type"] == "row":
            current = p["title"]
        elif current == "Breakdown Heatmap":
            row.append(p)
    heatmaps = [p for p in row if p["type"] == "heatmap"]
    split = {b["field"] for p in heatmaps for b in p["targets"][0]["bucketAggs"] if b["type"] == "terms"}
    assert split == {"language", "ide", "model"}
    for p in heatmaps:
        assert p["targets"][0]["bucketAggs"][-1]["type"] == "date_histogram", p["title"]
        assert p["options"]["calculate"] is False, p["title"]
