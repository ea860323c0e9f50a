"""Period over period: the latest week, 28 days or calendar month of a scope against the one before it.

Periods end on the scope's newest usage day (reports lag 4–5 days):
- `week`: the 7 days ending on it, against the 7 days before;
- `28d`: the 28 days ending on it, against the 28 days before;
- `month`: the newest complete calendar month, against the month before it.

Every metric comes from aggregate indices (kept by USER_RETENTION_DAYS), per scope, never summed across scopes:

- active_users: GitHub's rolling active users on the period's last day (weekly_active_users for a week,
  monthly_active_users for 28 days and months); average_daily_active_users: mean of daily_active_users;
- code_generation_activity_count, code_acceptance_activity_count: sums; acceptance_rate: their ratio;
- adoption: active_users / counted seats of the newest seat snapshot up to the period's end;
- ide_share, agent_share, cli_share: shares of the feature rows' interactions + generations in the feature
  groups completion and chat (the IDE), agent, and cli.

Targets (`TARGETS`) are minimums or maximums per metric, optionally per scope, shown next to the numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from elasticsearch import NotFoundError

from copilot_usage.envparts import quote
from copilot_usage.model import Scope
from copilot_usage.schema import indices as ix
from copilot_usage.store.errors import translated

WEEK, DAYS_28, MONTH = "week", "28d", "month"
PERIODS = (WEEK, DAYS_28, MONTH)
_RATES = frozenset(ix.PERIOD_RATE_METRICS)
_IDE_GROUPS = (ix.FEATURE_GROUP_COMPLETION, ix.FEATURE_GROUP_CHAT)


# --- windows (pure) ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Window:
    kind: str
    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date


def window(kind: str, newest: dt.date) -> Window:
    if kind in (WEEK, DAYS_28):
        days = 7 if kind == WEEK else 28
        start = newest - dt.timedelta(days=days - 1)
        return Window(kind, start, newest, start - dt.timedelta(days=days), start - dt.timedelta(days=1))
    if kind == MONTH:
        end = newest if (newest + dt.timedelta(days=1)).day == 1 else newest.replace(day=1) - dt.timedelta(days=1)
        start = end.replace(day=1)
        previous_end = start - dt.timedelta(days=1)
        return Window(kind, start, end, previous_end.replace(day=1), previous_end)
    raise ValueError(f"unknown period {kind!r}; one of {', '.join(PERIODS)}")


# --- targets ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    metric: str
    op: str  # ">=" or "<="
    value: float
    scope: Scope | None = None

    def met(self, actual: float | None) -> bool | None:
        if actual is None:
            return None
        return actual >= self.value if self.op == ">=" else actual <= self.value

    def __str__(self) -> str:
        shown = f"{self.value * 100:g}%" if self.metric in _RATES else f"{self.value:g}"
        where = f"{self.scope}: " if self.scope else ""
        return f"{where}{self.metric} {self.op} {shown}"


_TARGET_RE = re.compile(r"^(?:(org|organization|enterprise):([A-Za-z0-9_-]+):)?([a-z0-9_]+)\s*(>=|<=)\s*"
                        r"(-?\d+(?:\.\d+)?)\s*(%?)$")


def read_targets(env: Mapping[str, str], problems: list[str]) -> tuple[Target, ...]:
    """TARGETS: comma-separated `[org:NAME:|enterprise:NAME:]metric>=value[%]` (or `<=`)."""
    text = env.get("TARGETS", "").strip()
    out: list[Target] = []
    for item in filter(None, (i.strip() for i in text.split(","))):
        m = _TARGET_RE.match(item)
        if not m:
            problems.append(f"TARGETS has an entry {quote(item)} that is not [org:NAME:]metric>=number[%] "
                            "(or <=), for example adoption>=70%")
            continue
        kind, slug, metric, op, number, percent = m.groups()
        if metric not in ix.PERIOD_METRICS:
            problems.append(f"TARGETS names an unknown metric {quote(metric)}; one of {', '.join(ix.PERIOD_METRICS)}")
            continue
        value = float(number) / 100 if percent else float(number)
        if metric in _RATES and percent == "" and value > 1:
            problems.append(f"TARGETS: {metric} is a share; write {number}% or a fraction like 0.7, got {quote(item)}")
            continue
        scope = Scope.parse(f"{'organization' if kind == 'org' else kind}:{slug}") if kind else None
        out.append(Target(metric, op, value, scope))
    return tuple(out)


def targets_for(targets: tuple[Target, ...], scope: Scope) -> dict[str, Target]:
    """One target per metric: the scope's own, else the one for every scope."""
    chosen: dict[str, Target] = {t.metric: t for t in targets if t.scope is None}
    chosen.update({t.metric: t for t in targets if t.scope == scope})
    return chosen


# --- comparison (pure) -------------------------------------------------------------------------------------
def delta(current: float | None, previous: float | None) -> float | None:
    if current is None or previous is None:
        return None
    return round(current - previous, 6)


def relative_change(current: float | None, previous: float | None) -> float | None:
    if current is None or not previous:
        return None
    return round((current - previous) / previous, 4)


def compare(win: Window, current: Mapping[str, float | None], previous: Mapping[str, float | None],
            targets: Mapping[str, Target]) -> dict[str, Any]:
    """Per metric: current, previous, delta (percentage points as fractions for rates), change, target."""
    metrics = {}
    for name in ix.PERIOD_METRICS:
        cur, prev = current.get(name), previous.get(name)
        target = targets.get(name)
        metrics[name] = {
            "current": cur, "previous": prev, "delta": delta(cur, prev), "change": relative_change(cur, prev),
            "target": str(target) if target else None, "target_met": target.met(cur) if target else None,
        }
    return {
        "period": win.kind, "start": win.start.isoformat(), "end": win.end.isoformat(),
        "previous_start": win.previous_start.isoformat(), "previous_end": win.previous_end.isoformat(),
        "metrics": metrics,
        "targets_missed": sum(1 for m in metrics.values() if m["target_met"] is False),
    }


def biggest_changes(comparison: Mapping[str, Any], n: int = 3) -> list[tuple[str, dict[str, Any]]]:
    """The metrics that moved most: rates by percentage points, counts by relative change."""

    def size(item: tuple[str, dict[str, Any]]) -> float:
        name, m = item
        moved = m["delta"] if name in _RATES else m["change"]
        return abs(moved) if moved is not None else -1.0

    moved = [i for i in comparison["metrics"].items() if size(i) > 0]
    return sorted(moved, key=lambda i: (-size(i), i[0]))[:n]


# --- queries ---------------------------------------------------------------------------------------------
def _filters(scope: Scope, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    return [{"term": {ix.SCOPE_TYPE: scope.type.value}}, {"term": {ix.SCOPE: scope.slug}},
            {"range": {ix.DAY: {"gte": start.isoformat(), "lte": end.isoformat()}}}]


def _search(es: Any, index: ix.IndexDef, prefix: str, **body: Any) -> dict[str, Any] | None:
    name = index.name(prefix)
    with translated(es, f"GET {name}/_search"):
        try:
            return dict(es.search(index=name, size=body.pop("size", 0), **body))
        except NotFoundError:
            return None


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 6) if a is not None and b else None


def measure(es: Any, prefix: str, scope: Scope, kind: str, start: dt.date, end: dt.date,
            counted_seats: int | None) -> dict[str, float | None]:
    """The period metrics of one scope over [start, end]; None where nothing is stored."""
    usage = _search(es, ix.USAGE_DAILY, prefix, query={"bool": {"filter": _filters(scope, start, end)}},
                    sort=[{ix.DAY: "desc"}], size=1, aggs={
                        "days": {"value_count": {"field": ix.DAY}},
                        "dau": {"avg": {"field": ix.DAILY_ACTIVE_USERS}},
                        "gen": {"sum": {"field": ix.CODE_GENERATION_ACTIVITY_COUNT}},
                        "acc": {"sum": {"field": ix.CODE_ACCEPTANCE_ACTIVITY_COUNT}}})
    aggs = (usage or {}).get("aggregations") or {}
    if not aggs or not aggs["days"]["value"]:
        return {}
    hits = usage["hits"]["hits"] if usage else []
    last = hits[0]["_source"] if hits and str(hits[0]["_source"].get(ix.DAY, ""))[:10] == end.isoformat() else {}
    rolling = last.get(ix.WEEKLY_ACTIVE_USERS if kind == WEEK else ix.MONTHLY_ACTIVE_USERS)
    gen, acc = aggs["gen"]["value"], aggs["acc"]["value"]
    dau = aggs["dau"]["value"]
    shares = _shares(es, prefix, scope, start, end)
    return {
        ix.ACTIVE_USERS: rolling,
        ix.AVERAGE_DAILY_ACTIVE_USERS: round(dau, 2) if dau is not None else None,
        ix.CODE_GENERATION_ACTIVITY_COUNT: gen,
        ix.CODE_ACCEPTANCE_ACTIVITY_COUNT: acc,
        ix.ACCEPTANCE_RATE: _ratio(acc, gen),
        ix.ADOPTION: _ratio(rolling, counted_seats),
        **shares,
    }


def _shares(es: Any, prefix: str, scope: Scope, start: dt.date, end: dt.date) -> dict[str, float | None]:
    query = {"bool": {"filter": [*_filters(scope, start, end), {"term": {ix.BREAKDOWN: ix.BREAKDOWN_FEATURE}}]}}
    body = _search(es, ix.USAGE_BREAKDOWN, prefix, query=query, aggs={"g": {
        "terms": {"field": ix.FEATURE_GROUP, "size": 20},
        "aggs": {"i": {"sum": {"field": ix.USER_INITIATED_INTERACTION_COUNT}},
                 "c": {"sum": {"field": ix.CODE_GENERATION_ACTIVITY_COUNT}}}}})
    activity = {b["key"]: (b["i"]["value"] or 0) + (b["c"]["value"] or 0)
                for b in ((body or {}).get("aggregations") or {}).get("g", {}).get("buckets", [])}
    total = sum(activity.values())
    return {
        ix.IDE_SHARE: _ratio(sum(activity.get(g, 0) for g in _IDE_GROUPS), total),
        ix.AGENT_SHARE: _ratio(activity.get(ix.FEATURE_GROUP_AGENT, 0), total),
        ix.CLI_SHARE: _ratio(activity.get(ix.FEATURE_GROUP_CLI, 0), total),
    }


def newest_usage_day(es: Any, prefix: str, scope: Scope) -> dt.date | None:
    body = _search(es, ix.USAGE_DAILY, prefix, query={"bool": {"filter": _filters(scope, dt.date(2000, 1, 1),
                                                                                  dt.date(2999, 1, 1))}},
                   aggs={"last": {"max": {"field": ix.DAY}}})
    value = ((body or {}).get("aggregations") or {}).get("last", {}).get("value")
    return None if value is None else dt.datetime.fromtimestamp(value / 1000, dt.UTC).date()


def period_over_period(es: Any, prefix: str, scope: Scope, kind: str, targets: tuple[Target, ...],
                       newest: dt.date | None = None) -> dict[str, Any] | None:
    """The comparison of one period kind for a scope; None when the scope has no usage stored."""
    from copilot_usage.spend import latest_snapshot_day, seat_counts

    newest = newest or newest_usage_day(es, prefix, scope)
    if newest is None:
        return None
    win = window(kind, newest)

    def seats_at(day: dt.date) -> int | None:
        snapshot = latest_snapshot_day(es, prefix, scope, day)
        return seat_counts(es, prefix, scope, snapshot)[0].total if snapshot else None

    # A period's adoption uses the seats of its own end; today's snapshot stands in for periods ending before
    # the first snapshot (GitHub keeps no seat history), so adoption is comparable from the first run on.
    seats_now = seats_at(dt.date(2999, 1, 1))
    current = measure(es, prefix, scope, kind, win.start, win.end, seats_at(win.end) or seats_now)
    previous = measure(es, prefix, scope, kind, win.previous_start, win.previous_end,
                       seats_at(win.previous_end) or seats_now)
    return compare(win, current, previous, targets_for(targets, scope))
