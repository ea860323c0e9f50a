"""Pieces every shaper shares: the common document fields and the pull-request block."""

from __future__ import annotations

from typing import Any

from copilot_usage.model import Scope
from copilot_usage.schema.indices import DAY, PR_COUNTS, PR_MEDIANS, PR_PREFIX, SCOPE, SCOPE_TYPE
from copilot_usage.shaping.values import count, number


def base(scope: Scope, day: str) -> dict[str, Any]:
    """The fields every document starts with: the Grafana time field and the scope."""
    return {DAY: day, SCOPE_TYPE: scope.type.value, SCOPE: scope.slug}


# GitHub's pull_requests key -> our field (pr_<key>), derived so each field is spelled once.
_PR_COUNT_KEYS = tuple((field.removeprefix(PR_PREFIX), field) for field in PR_COUNTS)
_PR_MEDIAN_KEYS = tuple((field.removeprefix(PR_PREFIX), field) for field in PR_MEDIANS)


def add_pull_requests(doc: dict[str, Any], block: dict[str, Any], where: str) -> None:
    """Flatten a pull_requests block into `doc` (absent values stay absent: no PR data is not zero PRs)."""
    for key, field in _PR_COUNT_KEYS:
        value = count(block.get(key), f"{where}.{key}")
        if value is not None:
            doc[field] = value
    for key, field in _PR_MEDIAN_KEYS:
        median = number(block.get(key), f"{where}.{key}")
        if median is not None:
            doc[field] = median


def put_counts(doc: dict[str, Any], source: dict[str, Any], names: tuple[str, ...], where: str = "") -> None:
    """Copy counters that are present under the same name."""
    for name in names:
        value = count(source.get(name), where + name)
        if value is not None:
            doc[name] = value


def sort_key(values: tuple[Any, ...]) -> tuple[tuple[bool, Any], ...]:
    """Orders tuples that may hold None (None first) deterministically."""
    return tuple((v is not None, "" if v is None else v) for v in values)
