"""The "Original" dashboard: the classic three rows, rebuilt on the report data."""

from __future__ import annotations

from typing import Any

from copilot_usage.schema import indices as ix
from dashboards.build import build_dashboard, variable
from dashboards.main import ACC, ADDED, GEN, RATE_TEXT, SUGG, breakdown, rate_of
from dashboards.panels import latest, rate_series, series, table, top
from dashboards.spec import Metric, RowSpec

UID = "copilot-usage-original"
U, B, SS, UD = ix.USAGE_DAILY, ix.USAGE_BREAKDOWN, ix.SEAT_SUMMARY, ix.USER_DAILY
LANG_Q = breakdown(ix.BREAKDOWN_LANGUAGE_FEATURE)


def rows() -> list[RowSpec]:
    return [
        RowSpec("Copilot seat info & top languages", (
            latest("Total seats", "seat_total of the latest snapshot in the range.", SS,
                   (Metric("1", "max", ix.SEAT_TOTAL, label="Total seats"),), width=6),
            latest("Active seats this cycle", "seat_active_this_cycle of the latest snapshot in the range.", SS,
                   (Metric("1", "max", ix.SEAT_ACTIVE_THIS_CYCLE, label="Active seats this cycle"),), width=6),
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
            # GitHub reports no language × IDE rows; each user-day names its top language and top IDE.
            table("Breakdown by top language and top editor", "Per top_language × top_ide of each user-day (a "
                  "user's day counted once, under its top pair): sums of generations, acceptances, lines; "
                  f"{RATE_TEXT}.", UD, (GEN, ACC, SUGG, ADDED), (ix.TOP_LANGUAGE, ix.TOP_IDE),
                  query=f"{ix.ACTIVE}:true", extra=(rate_of("11", "10", "31", ACC, GEN),)),
            table("Breakdown by editor", f"Per IDE (ide rows): sums of generations, acceptances, lines; {RATE_TEXT}.",
                  B, (GEN, ACC, SUGG, ADDED), (ix.IDE,), variables=("scope", "ide"),
                  query=breakdown(ix.BREAKDOWN_IDE), extra=(rate_of("11", "10", "31", ACC, GEN),)),
        )),
    ]


def dashboard() -> dict[str, Any]:
    return build_dashboard(
        UID, "Copilot Usage (Original)", "The classic three rows on the usage-metrics report data.",
        rows(), [variable("scope_type"), variable("scope", ("scope_type",)),
                 variable("language", ("scope_type", "scope")), variable("ide", ("scope_type", "scope"))],
        ["copilot", "usage", "original"],
    )
