"""Recomputes adoption scores from stored `user_daily` documents (the reading and writing; the windows and
the scores are computed in shaping/adoption.py).

Scores are kept per (scope, user, window end). Window ends are every Sunday (a weekly history that charts
well and stays small: 52 documents per user and year) plus the latest stored day (the current leaderboard).
A run recomputes only the windows that include a day it wrote. Documents are read one user at a time,
sorted by user and day, so memory is bounded by one user's window, not by the scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from copilot_usage.model import Scope
from copilot_usage.schema.indices import DAY, SCOPE, SCOPE_TYPE, USER_ID, index_by_key
from copilot_usage.shaping.adoption import score_user_windows, window_ends
from copilot_usage.store.errors import translated
from copilot_usage.store.writer import BulkWriter, make_searchable

PAGE_SIZE = 1000


def _scope_filter(scope: Scope, start: dt.date, end: dt.date) -> dict[str, Any]:
    return {
        "bool": {
            "filter": [
                {"term": {SCOPE_TYPE: scope.type.value}},
                {"term": {SCOPE: scope.slug}},
                {"range": {DAY: {"gte": start.isoformat(), "lte": end.isoformat()}}},
            ]
        }
    }


def latest_user_day(es: Any, prefix: str, scope: Scope) -> dt.date | None:
    index = index_by_key("user_daily").name(prefix)
    with translated(es, f"GET {index}/_search"):
        response = es.search(
            index=index,
            size=0,
            query=_scope_filter(scope, dt.date(2000, 1, 1), dt.date(2100, 1, 1)),
            aggs={"latest": {"max": {"field": DAY, "format": "yyyy-MM-dd"}}},
        )
    value = response["aggregations"]["latest"].get("value_as_string")
    return dt.date.fromisoformat(value[:10]) if value else None


def _user_days(es: Any, prefix: str, scope: Scope, start: dt.date, end: dt.date) -> Iterator[list[dict[str, Any]]]:
    """Yield each user's documents in [start, end], sorted by day, one user at a time."""
    index = index_by_key("user_daily").name(prefix)
    after: list[Any] | None = None
    current: list[dict[str, Any]] = []
    while True:
        kwargs: dict[str, Any] = {"search_after": after} if after else {}
        with translated(es, f"GET {index}/_search"):
            response = es.search(
                index=index,
                size=PAGE_SIZE,
                query=_scope_filter(scope, start, end),
                sort=[{USER_ID: "asc"}, {DAY: "asc"}],
                **kwargs,
            )
        hits = response["hits"]["hits"]
        for hit in hits:
            source = hit["_source"]
            if current and current[0].get(USER_ID) != source.get(USER_ID):
                yield current
                current = []
            current.append(source)
        if len(hits) < PAGE_SIZE:
            break
        after = hits[-1]["sort"]
    if current:
        yield current


def refresh_adoption(es: Any, prefix: str, scope: Scope, touched: Iterable[dt.date], window_days: int) -> int:
    """Rewrite the adoption documents of every window containing a touched day; returns documents written."""
    # The scores read the users days the caller has just written: make them searchable first.
    make_searchable(es, prefix, "user_daily")
    latest = latest_user_day(es, prefix, scope)
    if latest is None:
        return 0
    ends = window_ends(touched, latest, window_days)
    if not ends:
        return 0
    start = ends[0] - dt.timedelta(days=window_days - 1)

    docs = (doc for days in _user_days(es, prefix, scope, start, ends[-1])
            for doc in score_user_windows(scope, days, ends, window_days))
    result = BulkWriter(es, prefix).write(docs)
    make_searchable(es, prefix, "user_adoption")
    _drop_superseded_latest(es, prefix, scope, latest)
    return result.written


def _drop_superseded_latest(es: Any, prefix: str, scope: Scope, latest: dt.date) -> int:
    """A window ending on the then-latest day (not a Sunday) was the leaderboard of its moment; once a later
    day exists it is neither current nor part of the weekly history, so it goes (a fresh collection of the
    same days would never have written it)."""
    index = index_by_key("user_adoption").name(prefix)
    with translated(es, f"GET {index}/_search"):
        response = es.search(
            index=index,
            size=0,
            query=_scope_filter(scope, dt.date(2000, 1, 1), latest - dt.timedelta(days=1)),
            aggs={"ends": {"terms": {"field": DAY, "size": 1000, "format": "yyyy-MM-dd"}}},
        )
    ends = [b["key_as_string"][:10] for b in response["aggregations"]["ends"]["buckets"]]
    stale = [e for e in ends if dt.date.fromisoformat(e).weekday() != 6]
    if not stale:
        return 0
    query = {"bool": {"filter": [{"term": {SCOPE_TYPE: scope.type.value}}, {"term": {SCOPE: scope.slug}},
                                 {"terms": {DAY: stale}}]}}
    with translated(es, f"POST {index}/_delete_by_query"):
        response = es.delete_by_query(index=index, query=query, conflicts="proceed", refresh=True)
    return int(response.get("deleted", 0))
