"""The "Original" dashboard: the classic three rows, rebuilt on the report data."""

from __future__ import annotations

from typing import Any

from copilot_usage.schema import indices as ix
from dashboards.build import build_dashboard, variable
from dashboards.main import ACC, ADDED, GEN, RATE_TEXT, SUGG, breakdown
from dashboards.panels import rate_metrics, rate_series, series, table, top, total
from dashboards.spec import RowSpec

UID = "copilot-usage-original"
U, B, SS = ix.USAGE_DAILY, ix.USAGE_BREAKDOWN, ix.SEAT_SUMMARY
LANG_Q = breakdown(ix.BREAKDOWN_LANGUAGE_FEATURE)


def rows() -> list[RowSpec]:
    return [
        RowSpec("Copilot seat info & top languages", (
            total("Total seats", "seat_total of the latest snapshot.", SS, ix.SEAT_TOTAL, agg="max",
                  reduce="lastNotNull", width=6),
            total("Active seats this cycle", "seat_active_this_cycle, latest snapshot.", SS,
                  ix.SEAT_ACTIVE_THIS_CYCLE, agg="max", reduce="lastNotNull", width=6),
            top("Top languages by acceptances", "sum(code_acceptance_activity_count) per language "
                "(language_feature rows), top 10.", B, ix.LANGUAGE, ACC, variables=("scope", "language"),
                query=LANG_Q, width=12),
        )),
        RowSpec("Usage total insight", (
            series("Total suggestions & acceptances", "sum(code_generation_activity_count) and "
                   "sum(code_acceptance_activity_count) per day.", U, (GEN, ACC)),
            series("Total lines suggested & accepted", "sum(loc_suggested_to_add_sum) and sum(loc_added_sum) per "
                   "day.", U, (SUGG, ADDED)),
            rate_series("Acceptance rate", f"{RATE_TEXT}, per day.", U, ACC, GEN),
            series("Total active users", "daily_active_users per day (max).", U, (ix.DAILY_ACTIVE_USERS,),
                   agg="max"),
        )),
        RowSpec("Usage breakdown insight", (
            table("Breakdown by language and editor", "Per language × feature (language_feature rows): sums of "
                  f"generations, acceptances, lines; {RATE_TEXT}.", B, (GEN, ACC, SUGG, ADDED),
                  (ix.LANGUAGE, ix.FEATURE), variables=("scope", "language"), query=LANG_Q,
                  extra=rate_metrics(ACC, GEN)),
            table("Breakdown by editor", f"Per IDE (ide rows): sums of generations, acceptances, lines; {RATE_TEXT}.",
                  B, (GEN, ACC, SUGG, ADDED), (ix.IDE,), variables=("scope", "ide"),
                  query=breakdown(ix.BREAKDOWN_IDE), extra=rate_metrics(ACC, GEN)),
        )),
    ]


def dashboard() -> dict[str, Any]:
    return build_dashboard(
        UID, "Copilot Usage (Original)", "The classic three rows on the usage-metrics report data.",
        rows(), [variable("scope"), variable("language", ("scope",)), variable("ide", ("scope",))],
        ["copilot", "usage", "original"],
    )
