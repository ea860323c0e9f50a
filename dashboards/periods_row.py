"""The "Period over period and seat spend" row (issue 18): the collector's period_summary and team_seat_spend.

Both indices hold only the latest state (one document per scope and period, per scope and team), so `max`
over the dashboard's time range shows that document's value.
"""

from __future__ import annotations

from dataclasses import replace

from copilot_usage.schema import indices as ix
from dashboards.panels import table, total
from dashboards.spec import RowSpec

P, T = ix.PERIOD_SUMMARY, ix.TEAM_SEAT_SPEND
WEEK = f"{ix.PERIOD}:week"
_COMPARED = (ix.ACTIVE_USERS, ix.ACCEPTANCE_RATE, ix.ADOPTION)


def _columns() -> tuple[str, ...]:
    out: list[str] = []
    for name in _COMPARED:
        out += [name, ix.PREVIOUS_PREFIX + name, ix.DELTA_PREFIX + name]
    return (*out, ix.TARGET_PREFIX + ix.ADOPTION, ix.IDE_SHARE, ix.AGENT_SHARE, ix.TARGETS_MISSED)


def periods_and_spend() -> RowSpec:
    stat_missed = total("Targets missed (week)", "targets_missed of the latest week: how many TARGETS the scope "
                        "misses (0 = every target met).", P, ix.TARGETS_MISSED, agg="max", reduce="lastNotNull",
                        query=WEEK)
    stat_missed = replace(stat_missed, thresholds=((0, "green"), (1, "red")))  # a missed target shows red
    return RowSpec("Period over period and seat spend", (
        table("This period vs the previous one", "Per period (week, 28d, month; docs/metrics.md §7): active_users, "
              "acceptance_rate and adoption now, in the previous period and the delta (rates as fractions); "
              "the adoption target (TARGETS), IDE and agent shares, and how many targets are missed.", P,
              _columns(), (ix.PERIOD,), agg="max", width=24),
        total("Unused seat cost per month", "unused_seat_cost: idle (≥ 28 days) and never-used counted seats × the "
              "seat price of their plan (SEAT_PRICE_*; in SEAT_PRICE_CURRENCY), newest seat snapshot.", P,
              ix.UNUSED_SEAT_COST, agg="max", reduce="lastNotNull", query=WEEK),
        total("Never-used seat cost per month", "never_used_seat_cost: never-used counted seats × their plan's "
              "price, newest seat snapshot.", P, ix.NEVER_USED_SEAT_COST, agg="max", reduce="lastNotNull",
              query=WEEK),
        total("Seat cost per month", "seat_cost: every counted seat × its plan's price, newest seat snapshot.", P,
              ix.SEAT_COST, agg="max", reduce="lastNotNull", query=WEEK),
        stat_missed,
        table("Unused seat cost by team", "Per assigning team (and \"(no team)\" for direct assignments) with at "
              "least MIN_TEAM_SIZE seats: unused_seat_cost (idle and never used), never-used seats, counted seats "
              "(team_seat_spend, newest snapshot).", T,
              (ix.UNUSED_SEAT_COST, ix.NEVER_USED_SEATS, ix.COUNTED_SEATS), (ix.ASSIGNING_TEAM,),
              agg="max", width=8),
    ))
