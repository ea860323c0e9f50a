"""What a digest says, per scope, read from the store: the period against the previous one, the biggest
changes, seat spend, and the assigning teams with the most unused seat cost (small teams left out)."""

from __future__ import annotations

from typing import Any

from copilot_usage.model import Scope
from copilot_usage.periods import biggest_changes, period_over_period
from copilot_usage.settings import Settings
from copilot_usage.spend import scope_spend

TOP_TEAMS = 3


def build_digest(es: Any, settings: Settings, scopes: list[Scope], period: str | None = None) -> dict[str, Any]:
    kind = period or settings.digest.period
    prefix = settings.store.index_prefix
    out: list[dict[str, Any]] = []
    for scope in scopes:
        comparison = period_over_period(es, prefix, scope, kind, settings.targets)
        if comparison is None:
            out.append({"scope": str(scope), "error": "no usage stored"})
            continue
        spend = scope_spend(es, prefix, scope, settings.seat_prices, settings.privacy.min_team_size)
        out.append({
            "scope": str(scope),
            **comparison,
            "biggest_changes": [name for name, _ in biggest_changes(comparison)],
            "seat_spend": {k: v for k, v in spend.items() if k != "teams"},
            "teams": [t for t in spend.get("teams", []) if t["unused_seat_cost"] > 0][:TOP_TEAMS],
        })
    return {"period": kind, "link": settings.digest.link_url, "scopes": out}
