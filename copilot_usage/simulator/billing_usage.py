"""`GET /organizations/{org}/settings/billing/usage`: the enhanced billing platform's usage report.

Per day and organization: the Copilot seat licences (a day's share of the monthly seat price), the AI credits
the org's users spent that day (the sum of `ai_credits_used` in that day's users report, so the two agree),
and Actions minutes on one repository (a line that names `repositoryName`). Only full UTC days are served:
today and later answer no lines. `hour` is accepted and ignored (the collector never asks per hour).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from typing import Any

from copilot_usage.simulator.activity import AI_CREDITS_SINCE
from copilot_usage.simulator.seeding import stable_rng
from copilot_usage.simulator.snapshots import seat_refs
from copilot_usage.simulator.world import SimScope, World

SEAT_PRODUCT = "Copilot"
SEAT_SKU = "Copilot Business"
SEAT_PRICE = 19.0  # per user and month
CREDITS_SKU = "Copilot AI Credits"
CREDIT_PRICE = 0.01
ACTIONS_PRODUCT = "Actions"
ACTIONS_SKU = "Actions Linux"
ACTIONS_PRICE = 0.008  # per minute


class BadQuery(ValueError):
    """A query parameter GitHub would answer 400 for; the message names it."""


def _int_param(query: Mapping[str, list[str]], name: str, lo: int, hi: int) -> int | None:
    values = query.get(name)
    if not values:
        return None
    raw = values[0]
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise BadQuery(f"Invalid value for {name!r}: use a whole number between {lo} and {hi}.")
    return int(raw)


def requested_days(query: Mapping[str, list[str]], today: dt.date) -> list[dt.date]:
    """The days a query selects: GitHub's defaults are the current year, and the current month when only
    `day` is given; without `day` the whole month (or year) is selected."""
    year = _int_param(query, "year", 1, 9999) or today.year
    month = _int_param(query, "month", 1, 12)
    day = _int_param(query, "day", 1, 31)
    _int_param(query, "hour", 0, 23)
    if day is not None:
        month = month or today.month
        try:
            return [dt.date(year, month, day)]
        except ValueError:
            raise BadQuery(f"Invalid value for 'day': {year}-{month:02d} has no day {day}.") from None
    months = [month] if month is not None else list(range(1, 13))
    return [dt.date(year, m, d) for m in months for d in range(1, calendar.monthrange(year, m)[1] + 1)]


def _money(value: float) -> float:
    return round(value, 4)


def _line(day: dt.date, product: str, sku: str, quantity: float, unit: str, price: float, org: str,
          repository: str | None = None, discount: float = 0.0) -> dict[str, Any]:
    gross = _money(quantity * price)
    discount = _money(discount)
    line: dict[str, Any] = {
        "date": day.isoformat(), "product": product, "sku": sku, "quantity": quantity, "unitType": unit,
        "pricePerUnit": price, "grossAmount": gross, "discountAmount": discount,
        "netAmount": _money(gross - discount), "organizationName": org,
    }
    if repository is not None:
        line["repositoryName"] = repository
    return line


def ai_credits(world: World, scope: SimScope, day: dt.date) -> float:
    """The org's AI credits that day: the sum over its users report rows."""
    return round(float(sum(r.get("ai_credits_used", 0.0) for r in world.user_records(scope, day))), 2)


def day_lines(world: World, scope: SimScope, day: dt.date) -> list[dict[str, Any]]:
    """Every usage line of one organization and one day (none for today, the future, or before history)."""
    first = world.today - dt.timedelta(days=world.config.days - 1)
    if not first <= day < world.today:
        return []
    org = scope.slug
    seats = len(seat_refs(world, scope))
    seat_days = round(seats / calendar.monthrange(day.year, day.month)[1], 4)
    lines = [_line(day, SEAT_PRODUCT, SEAT_SKU, seat_days, "UserMonths", SEAT_PRICE, org)]
    if day >= AI_CREDITS_SINCE:
        credits = ai_credits(world, scope, day)
        if credits > 0:
            lines.append(_line(day, SEAT_PRODUCT, CREDITS_SKU, credits, "Credits", CREDIT_PRICE, org))
    repos = world.population.repos[scope.index]
    if repos:
        minutes = stable_rng(world.config.seed, "actions-minutes", scope.index, day).randint(0, 400)
        # The first 2,000 minutes a month are included: discounted in full here, as GitHub shows them.
        lines.append(_line(day, ACTIONS_PRODUCT, ACTIONS_SKU, float(minutes), "Minutes", ACTIONS_PRICE, org,
                           repos[0].full_name, discount=minutes * ACTIONS_PRICE))
    return lines


def usage_report(world: World, scope: SimScope, query: Mapping[str, list[str]]) -> dict[str, Any]:
    """The response body; raises BadQuery for parameters GitHub answers 400."""
    items = [line for day in requested_days(query, world.today) for line in day_lines(world, scope, day)]
    return {"usageItems": items}
