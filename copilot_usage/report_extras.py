"""The report's period-over-period and seat-spend sections (issue 18), kept apart from report.py.

`sections` adds, per scope, `period_over_period` (week, 28 days, month: current, previous, delta, target) and
`seat_spend` (the scope's and each assigning team's idle and never-used seat cost; teams below MIN_TEAM_SIZE
left out). `table_lines` and `csv_rows` render them next to the report's own sections.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from copilot_usage.digest.render import change, money, number
from copilot_usage.model import Scope
from copilot_usage.periods import PERIODS, period_over_period
from copilot_usage.schema import indices as ix
from copilot_usage.spend import scope_spend


def sections(es: Any, prefix: str, scope: Scope, settings: Any) -> dict[str, Any]:
    if settings is None:
        return {}
    periods = {kind: period_over_period(es, prefix, scope, kind, settings.targets) for kind in PERIODS}
    spend = scope_spend(es, prefix, scope, settings.seat_prices, settings.privacy.min_team_size)
    return {"period_over_period": {k: v for k, v in periods.items() if v is not None}, "seat_spend": spend}


def table_lines(s: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    for kind, p in s.get("period_over_period", {}).items():
        before = f"{p['previous_start']}..{p['previous_end']}"
        lines.append(f"  period over period: {kind} {p['start']}..{p['end']} vs {before}")
        for name, m in p["metrics"].items():
            target = f"  target {m['target'].split(': ')[-1]}: {'met' if m['target_met'] else 'missed'}" \
                if m["target"] else ""
            lines.append(f"    {name:<32} {number(name, m['current']):>10}  {change(name, m) or '-'}{target}")
    spend = s.get("seat_spend") or {}
    if spend.get("snapshot_day"):
        c = spend[ix.CURRENCY]
        lines.append(f"  seat spend per month (seats of {spend['snapshot_day']})")
        lines.append(f"    {'scope':<32} seats {spend[ix.COUNTED_SEATS]}, cost {money(spend[ix.SEAT_COST], c)}, "
                     f"idle {spend[ix.IDLE_SEATS]} = {money(spend[ix.IDLE_SEAT_COST], c)}, never used "
                     f"{spend[ix.NEVER_USED_SEATS]} = {money(spend[ix.NEVER_USED_SEAT_COST], c)}")
        for t in spend["teams"]:
            lines.append(f"    team {t[ix.ASSIGNING_TEAM]:<27} seats {t[ix.COUNTED_SEATS]}, unused "
                         f"{t[ix.IDLE_SEATS] + t[ix.NEVER_USED_SEATS]} = {money(t[ix.UNUSED_SEAT_COST], c)}")
        if spend["teams_hidden"]:
            lines.append(f"    ({spend['teams_hidden']} team(s) with fewer seats than MIN_TEAM_SIZE not shown)")
    return lines


def csv_rows(s: Mapping[str, Any], base: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for kind, p in s.get("period_over_period", {}).items():
        for name, m in p["metrics"].items():
            for key in ("current", "previous", "delta"):
                rows.append({**base, "section": f"period_{kind}", "metric": f"{name}:{key}", "value": m[key]})
    spend = s.get("seat_spend") or {}
    for key in ix.SEAT_SPEND_FIELDS:
        if key in spend:
            rows.append({**base, "section": "seat_spend", "metric": key, "value": spend[key]})
    for t in spend.get("teams", []):
        rows.append({**base, "section": "seat_spend_team", "metric": f"{t[ix.ASSIGNING_TEAM]}:{ix.UNUSED_SEAT_COST}",
                     "value": t[ix.UNUSED_SEAT_COST]})
    return rows
