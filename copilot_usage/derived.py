"""The derived documents the dashboards chart: period_summary and team_seat_spend, rewritten after each run.

Both hold only the latest state (their ids have no day): one document per scope and period kind, and one per
scope and assigning team with at least MIN_TEAM_SIZE seats. Team documents no longer produced (a team that
shrank below the floor or lost its seats) are deleted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from copilot_usage.model import Scope
from copilot_usage.periods import PERIODS, period_over_period
from copilot_usage.schema import indices as ix
from copilot_usage.settings import Settings
from copilot_usage.spend import scope_spend
from copilot_usage.store.errors import StoreError, translated
from copilot_usage.store.writer import BulkWriter, make_searchable


def period_doc(scope: Scope, comparison: Mapping[str, Any], spend: Mapping[str, Any],
               targets: Mapping[str, Any]) -> ix.Doc:
    """A period_summary document from a comparison (periods.compare) and the scope's seat spend (pure)."""
    source: dict[str, Any] = {
        ix.SCOPE_TYPE: scope.type.value, ix.SCOPE: scope.slug, ix.DAY: comparison["end"],
        ix.PERIOD: comparison["period"], ix.PERIOD_START: comparison["start"],
        ix.PREVIOUS_START: comparison["previous_start"], ix.PREVIOUS_END: comparison["previous_end"],
        ix.TARGETS_MISSED: comparison["targets_missed"],
    }
    for name, m in comparison["metrics"].items():
        for prefix, key in (("", "current"), (ix.PREVIOUS_PREFIX, "previous"), (ix.DELTA_PREFIX, "delta")):
            if m[key] is not None:
                source[prefix + name] = m[key]
        if name in targets:
            source[ix.TARGET_PREFIX + name] = targets[name].value
    source.update({k: v for k, v in spend.items() if k in ix.SEAT_SPEND_FIELDS})
    return ix.Doc(ix.PERIOD_SUMMARY, source)


def team_doc(scope: Scope, snapshot_day: str, team: Mapping[str, Any]) -> ix.Doc:
    """A team_seat_spend document from one team of `spend.scope_spend` (pure)."""
    return ix.Doc(ix.TEAM_SEAT_SPEND, {ix.SCOPE_TYPE: scope.type.value, ix.SCOPE: scope.slug, ix.DAY: snapshot_day,
                                       **team})


def _docs(es: Any, settings: Settings, scope: Scope) -> Iterator[ix.Doc]:
    from copilot_usage.periods import targets_for

    prefix = settings.store.index_prefix
    spend = scope_spend(es, prefix, scope, settings.seat_prices, settings.privacy.min_team_size)
    targets = targets_for(settings.targets, scope)
    for kind in PERIODS:
        comparison = period_over_period(es, prefix, scope, kind, settings.targets)
        if comparison is not None:
            yield period_doc(scope, comparison, spend, targets)
    if spend.get("snapshot_day"):
        for team in spend["teams"]:
            yield team_doc(scope, spend["snapshot_day"], team)


def write_derived(es: Any, settings: Settings, scopes: tuple[Scope, ...] | None = None) -> int:
    """Rewrite both derived indices for `scopes` (default: the configured ones); returns documents written."""
    prefix = settings.store.index_prefix
    written = 0
    for scope in scopes or settings.scopes:
        docs = list(_docs(es, settings, scope))
        result = BulkWriter(es, prefix).write(docs)
        if result.errors:
            first = result.errors[0].reason
            raise StoreError(f"{scope}: {len(result.errors)} derived documents refused, first: {first}")
        written += result.written
        _drop_other_teams(es, prefix, scope, [d.id for d in docs if d.index is ix.TEAM_SEAT_SPEND])
    make_searchable(es, prefix, ix.PERIOD_SUMMARY.key)
    make_searchable(es, prefix, ix.TEAM_SEAT_SPEND.key)
    return written


def _drop_other_teams(es: Any, prefix: str, scope: Scope, keep: list[str]) -> None:
    name = ix.TEAM_SEAT_SPEND.name(prefix)
    query: dict[str, Any] = {"bool": {"filter": [{"term": {ix.SCOPE_TYPE: scope.type.value}},
                                                 {"term": {ix.SCOPE: scope.slug}}]}}
    if keep:
        query["bool"]["must_not"] = [{"ids": {"values": keep}}]
    with translated(es, f"POST {name}/_delete_by_query"):
        es.delete_by_query(index=name, query=query, conflicts="proceed", refresh=True, ignore_unavailable=True)

