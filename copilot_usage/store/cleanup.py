"""Removes documents a revised day no longer has.

Ids are deterministic, so re-writing a day replaces every document it still has; only rows GitHub dropped
in a revision (a user or repository that disappeared from the day) would linger. After a changed day is
written, this deletes that day's documents whose ids were not written again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from copilot_usage.model import Scope
from copilot_usage.schema.indices import DAY, SCOPE, SCOPE_TYPE, index_by_key
from copilot_usage.store.errors import translated


def delete_stale(es: Any, prefix: str, index_key: str, scope: Scope, day: dt.date, keep_ids: Collection[str]) -> int:
    index = index_by_key(index_key)
    query = {
        "bool": {
            "filter": [
                {"term": {SCOPE_TYPE: scope.type.value}},
                {"term": {SCOPE: scope.slug}},
                {"term": {DAY: day.isoformat()}},
            ],
            "must_not": [{"ids": {"values": sorted(keep_ids)}}],
        }
    }
    name = index.name(prefix)
    with translated(es, f"POST {name}/_delete_by_query"):
        response = es.delete_by_query(index=name, query=query, conflicts="proceed", refresh=True)
    return int(response.get("deleted", 0))
