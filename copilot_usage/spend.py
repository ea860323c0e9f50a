"""Seat spend in currency: what idle and never-used Copilot seats cost per month, per scope and team.

Prices per plan are settings with GitHub's list prices as defaults (Copilot Business 19, Copilot Enterprise
39 US dollars per user and month); override them with what you pay. Counts come from the newest seat
snapshot and only counted seats (a user granted a seat twice in an enterprise pays once). A seat is
**never used** when GitHub has no activity for it, **idle** when it was used but not in the last 28 days.
Teams are the seats' assigning teams, plus "(no team)" for seats assigned directly; groups with fewer than
MIN_TEAM_SIZE seats are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import NotFoundError

from copilot_usage.envparts import EnvPart, quote
from copilot_usage.model import Scope
from copilot_usage.schema import indices as ix
from copilot_usage.store.errors import translated

PLAN_BUSINESS = "business"
PLAN_ENTERPRISE = "enterprise"
LIST_PRICES = {PLAN_BUSINESS: 19.0, PLAN_ENTERPRISE: 39.0}  # USD per user and month, GitHub's list prices
UNKNOWN_PLAN = "unknown"  # a seat without plan_type is priced as Business, the lower list price
NO_TEAM = "(no team)"  # seats assigned to users directly, and unassigned seats
_CURRENCY_RE = r"[A-Z]{3}"


@dataclass(frozen=True)
class SeatPrices:
    business: float = LIST_PRICES[PLAN_BUSINESS]
    enterprise: float = LIST_PRICES[PLAN_ENTERPRISE]
    currency: str = "USD"

    def of(self, plan: str | None) -> float:
        return self.enterprise if (plan or "").lower() == PLAN_ENTERPRISE else self.business

    def __str__(self) -> str:
        return f"business={self.business:g} enterprise={self.enterprise:g} {self.currency} per seat and month"


def read_seat_prices(env: Mapping[str, str], problems: list[str]) -> SeatPrices:
    """SEAT_PRICE_BUSINESS, SEAT_PRICE_ENTERPRISE (per seat and month), SEAT_PRICE_CURRENCY (ISO 4217)."""
    import re

    part = EnvPart(env, problems)
    currency = (part.text("SEAT_PRICE_CURRENCY", "USD") or "USD").upper()
    if not re.fullmatch(_CURRENCY_RE, currency):
        problems.append(f"SEAT_PRICE_CURRENCY must be a three-letter code like USD or EUR, got {quote(currency)}")
        currency = "USD"
    return SeatPrices(
        business=part.number("SEAT_PRICE_BUSINESS", LIST_PRICES[PLAN_BUSINESS], 0, 100_000),
        enterprise=part.number("SEAT_PRICE_ENTERPRISE", LIST_PRICES[PLAN_ENTERPRISE], 0, 100_000),
        currency=currency,
    )


@dataclass
class SeatCounts:
    """Counted seats of one group (a scope or a team), by plan."""

    seats: dict[str, int] = field(default_factory=dict)
    idle: dict[str, int] = field(default_factory=dict)
    never_used: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.seats.values())


def spend(counts: SeatCounts, prices: SeatPrices) -> dict[str, Any]:
    """Monthly cost of the seats, the idle ones and the never-used ones (pure)."""

    def cost(by_plan: Mapping[str, int]) -> float:
        return round(sum(n * prices.of(plan) for plan, n in by_plan.items()), 2)

    idle, never = cost(counts.idle), cost(counts.never_used)
    return {
        ix.CURRENCY: prices.currency,
        ix.COUNTED_SEATS: counts.total,
        ix.IDLE_SEATS: sum(counts.idle.values()),
        ix.NEVER_USED_SEATS: sum(counts.never_used.values()),
        ix.SEAT_COST: cost(counts.seats),
        ix.IDLE_SEAT_COST: idle,
        ix.NEVER_USED_SEAT_COST: never,
        ix.UNUSED_SEAT_COST: round(idle + never, 2),
    }


# --- queries ---------------------------------------------------------------------------------------------
def _by_plan() -> dict[str, Any]:
    return {
        "terms": {"field": ix.PLAN_TYPE, "size": 20, "missing": UNKNOWN_PLAN},
        "aggs": {
            "never": {"filter": {"term": {ix.NEVER_USED: True}}},
            "idle": {"filter": {"bool": {"filter": [{"term": {ix.INACTIVE_28D: True}},
                                                    {"term": {ix.NEVER_USED: False}}]}}},
        },
    }


def _counts(plan_buckets: list[dict[str, Any]]) -> SeatCounts:
    out = SeatCounts()
    for b in plan_buckets:
        plan = str(b["key"])
        out.seats[plan] = int(b["doc_count"])
        out.idle[plan] = int(b["idle"]["doc_count"])
        out.never_used[plan] = int(b["never"]["doc_count"])
    return out


def latest_snapshot_day(es: Any, prefix: str, scope: Scope, until: dt.date | None = None) -> dt.date | None:
    name = ix.SEATS.name(prefix)
    filters: list[dict[str, Any]] = [{"term": {ix.SCOPE_TYPE: scope.type.value}}, {"term": {ix.SCOPE: scope.slug}}]
    if until is not None:
        filters.append({"range": {ix.DAY: {"lte": until.isoformat()}}})
    with translated(es, f"GET {name}/_search"):
        try:
            body = es.search(index=name, size=0, query={"bool": {"filter": filters}},
                             aggs={"last": {"max": {"field": ix.DAY}}})
        except NotFoundError:
            return None
    value = body["aggregations"]["last"]["value"]
    return None if value is None else dt.datetime.fromtimestamp(value / 1000, dt.UTC).date()


def seat_counts(es: Any, prefix: str, scope: Scope, day: dt.date) -> tuple[SeatCounts, dict[str, SeatCounts]]:
    """Counted seats of the snapshot `day`: the scope's, and per assigning team."""
    name = ix.SEATS.name(prefix)
    query = {"bool": {"filter": [{"term": {ix.SCOPE_TYPE: scope.type.value}}, {"term": {ix.SCOPE: scope.slug}},
                                 {"term": {ix.DAY: day.isoformat()}}, {"term": {ix.COUNTED: True}}]}}
    with translated(es, f"GET {name}/_search"):
        body = es.search(index=name, size=0, query=query, aggs={
            "plans": _by_plan(),
            "teams": {"terms": {"field": ix.ASSIGNING_TEAM, "size": 10_000, "missing": NO_TEAM},
                      "aggs": {"plans": _by_plan()}},
        })
    aggs = body["aggregations"]
    teams = {str(t["key"]): _counts(t["plans"]["buckets"]) for t in aggs["teams"]["buckets"]}
    return _counts(aggs["plans"]["buckets"]), teams


def scope_spend(es: Any, prefix: str, scope: Scope, prices: SeatPrices, min_team_size: int,
                until: dt.date | None = None) -> dict[str, Any]:
    """{snapshot_day, scope spend, teams: [team spend, most unused cost first]}; empty without seats."""
    day = latest_snapshot_day(es, prefix, scope, until)
    if day is None:
        return {"snapshot_day": None}
    total, teams = seat_counts(es, prefix, scope, day)
    shown = [{ix.ASSIGNING_TEAM: team, **spend(c, prices)} for team, c in teams.items() if c.total >= min_team_size]
    shown.sort(key=lambda t: (-t[ix.UNUSED_SEAT_COST], t[ix.ASSIGNING_TEAM]))
    return {"snapshot_day": day.isoformat(), **spend(total, prices), "teams": shown,
            "teams_hidden": sum(1 for c in teams.values() if c.total < min_team_size)}
