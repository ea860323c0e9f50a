"""The ingestion log: one document per (scope, report, day) saying what the collector knows of that day.

The planner loads a scope's entries to decide what to fetch; a run records an entry only after the
store acknowledged every document of that day. `record` keeps the history that matters (how many
attempts, when the day was first fetched) so callers only say what happened this time.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from elasticsearch import AuthorizationException, Elasticsearch, NotFoundError

from copilot_usage.model import Scope
from copilot_usage.schema.indices import (
    ATTEMPTS,
    CONTENT_HASH,
    DAY,
    DOCUMENT_COUNT,
    ERROR,
    FETCHED_AT,
    FIRST_FETCHED_AT,
    INGESTION_LOG,
    NEW_FIELDS,
    RECORD_COUNT,
    REJECTED_COUNT,
    REPORT,
    SCOPE,
    SCOPE_TYPE,
    STATUS,
    STATUS_COMPLETE,
    STATUSES,
    Doc,
)
from copilot_usage.store.errors import StoreError, translated
from copilot_usage.store.naming import check_prefix
from copilot_usage.store.writer import BulkWriter

log = logging.getLogger(__name__)

ERROR_LIMIT = 500  # the error's keyword sub-field indexes up to 512 characters
PAGE_SIZE = 1000
_MGET_BATCH = 1000


@dataclass(frozen=True)
class LogEntry:
    """What is known about one (scope, report, day). Times are UTC, kept to the millisecond."""

    scope_type: str
    scope: str
    report: str
    day: dt.date
    status: str
    record_count: int = 0
    rejected_count: int = 0
    document_count: int = 0
    content_hash: str | None = None
    attempts: int = 0
    error: str | None = None
    fetched_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    first_fetched_at: dt.datetime | None = None
    new_fields: tuple[str, ...] = ()  # fields of the day's records this collector does not know yet

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"ingestion log status must be one of {', '.join(STATUSES)}, got {self.status!r}")
        if not isinstance(self.day, dt.date) or isinstance(self.day, dt.datetime):
            raise ValueError(f"ingestion log day must be a date, got {type(self.day).__name__}")
        for name in ("record_count", "rejected_count", "document_count", "attempts"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"ingestion log {name} must be a whole number >= 0, got {value!r}")
        # Normalised here so an entry compares equal to itself after a round trip through the index.
        object.__setattr__(self, "scope_type", str(self.scope_type))
        object.__setattr__(self, "fetched_at", _utc_millis(self.fetched_at, "fetched_at"))
        if self.first_fetched_at is not None:
            object.__setattr__(self, "first_fetched_at", _utc_millis(self.first_fetched_at, "first_fetched_at"))
        if self.error is not None and len(self.error) > ERROR_LIMIT:
            object.__setattr__(self, "error", self.error[: ERROR_LIMIT - 3] + "...")

    @property
    def key(self) -> tuple[str, dt.date]:
        return (self.report, self.day)

    def to_source(self) -> dict[str, Any]:
        return {
            SCOPE_TYPE: self.scope_type,
            SCOPE: self.scope,
            REPORT: self.report,
            DAY: self.day.isoformat(),
            STATUS: self.status,
            RECORD_COUNT: self.record_count,
            REJECTED_COUNT: self.rejected_count,
            DOCUMENT_COUNT: self.document_count,
            CONTENT_HASH: self.content_hash,
            ATTEMPTS: self.attempts,
            ERROR: self.error,
            FETCHED_AT: _iso(self.fetched_at),
            FIRST_FETCHED_AT: _iso(self.first_fetched_at) if self.first_fetched_at else None,
            NEW_FIELDS: sorted(self.new_fields),
        }

    def doc_id(self) -> str:
        return INGESTION_LOG.doc_id(self.to_source())

    @classmethod
    def from_source(cls, source: Mapping[str, Any]) -> LogEntry:
        """Parse a stored entry; raises ValueError naming the field that is missing or malformed."""
        try:
            return cls(
                scope_type=_text(source, SCOPE_TYPE),
                scope=_text(source, SCOPE),
                report=_text(source, REPORT),
                day=dt.date.fromisoformat(_text(source, DAY)[:10]),
                status=_text(source, STATUS),
                record_count=int(source.get(RECORD_COUNT) or 0),
                rejected_count=int(source.get(REJECTED_COUNT) or 0),
                document_count=int(source.get(DOCUMENT_COUNT) or 0),
                content_hash=source.get(CONTENT_HASH),
                attempts=int(source.get(ATTEMPTS) or 0),
                error=source.get(ERROR),
                fetched_at=_parse_time(_text(source, FETCHED_AT)),
                first_fetched_at=_parse_time(source[FIRST_FETCHED_AT]) if source.get(FIRST_FETCHED_AT) else None,
                new_fields=tuple(str(f) for f in (source.get(NEW_FIELDS) or ())),
            )
        except (TypeError, ValueError) as e:
            raise ValueError(f"malformed ingestion log entry: {e}") from None


def next_entry(entry: LogEntry, previous: LogEntry | None) -> LogEntry:
    """The entry to store for a new attempt (pure): attempts counted on, first fetch time kept."""
    if previous is None:
        return replace(entry, attempts=1, first_fetched_at=entry.first_fetched_at or entry.fetched_at)
    return replace(
        entry,
        attempts=previous.attempts + 1,
        first_fetched_at=previous.first_fetched_at or previous.fetched_at,
    )


class IngestionLog:
    def __init__(self, es: Elasticsearch, prefix: str, *, sleep: Callable[[float], None] = time.sleep):
        self._es = es
        self.index = INGESTION_LOG.name(check_prefix(prefix))
        # No refresh per write: `load` refreshes the log before reading it, so a later load (the next
        # scope, the next run, a run after a crash) sees every acknowledged entry. `refresh=wait_for` did
        # that too, but hangs for good on an index whose periodic refresh is off (refresh_interval -1,
        # the usual setting during a large backfill).
        self._writer = BulkWriter(es, prefix, sleep=sleep)
        self.last_load_skipped = 0  # malformed entries set aside by the last load

    def load(self, scope: Scope) -> dict[tuple[str, dt.date], LogEntry]:
        """Every entry of `scope`, keyed by (report, day). A missing index means no entries yet."""
        entries: dict[tuple[str, dt.date], LogEntry] = {}
        skipped = 0
        self.refresh()
        query = {"bool": {"filter": [{"term": {SCOPE_TYPE: scope.type.value}}, {"term": {SCOPE: scope.slug}}]}}
        for source in self._scan(query):
            try:
                entry = LogEntry.from_source(source)
            except ValueError as e:
                skipped += 1
                log.warning("%s: %s (set aside; that day will be fetched again)", self.index, e)
                continue
            entries[entry.key] = entry
        self.last_load_skipped = skipped
        return entries

    def refresh(self) -> None:
        """Make every acknowledged entry searchable (a missing index is fine: nothing logged yet)."""
        with translated(self._es, f"refresh {self.index}"):
            self._es.indices.refresh(index=self.index, ignore_unavailable=True, allow_no_indices=True)

    def record(self, entry: LogEntry) -> LogEntry:
        """Store `entry` as the latest attempt for its day; returns what was stored."""
        return self.record_many([entry])[0]

    def record_many(self, entries: Iterable[LogEntry]) -> list[LogEntry]:
        """Store several entries with one lookup and one bulk write; returns what was stored, in order.

        Raises StoreError if the engine refuses any entry (the log is ours: that is a bug, not data).
        """
        batch = list(entries)
        if not batch:
            return []
        latest = self._previous({e.doc_id() for e in batch})
        stored: list[LogEntry] = []
        for entry in batch:
            new = next_entry(entry, latest.get(entry.doc_id()))
            latest[entry.doc_id()] = new  # the same day twice in one call counts twice
            stored.append(new)
        result = self._writer.write(Doc(INGESTION_LOG, e.to_source()) for e in stored)
        if result.errors:
            first = result.errors[0]
            raise StoreError(
                f"could not record {len(result.errors)} ingestion log entries in {self.index}: "
                f"{first.status} {first.type} {first.reason}"
            )
        return stored

    def _previous(self, ids: set[str]) -> dict[str, LogEntry]:
        found: dict[str, LogEntry] = {}
        ordered = sorted(ids)
        for start in range(0, len(ordered), _MGET_BATCH):
            with translated(self._es, f"GET {self.index}/_mget"):
                try:
                    docs = self._es.mget(index=self.index, ids=ordered[start : start + _MGET_BATCH]).body["docs"]
                except NotFoundError:
                    return {}
            for doc in docs:
                if not doc.get("found"):
                    continue
                try:
                    found[doc["_id"]] = LogEntry.from_source(doc.get("_source") or {})
                except ValueError as e:
                    log.warning("%s: %s (attempts restart at 1)", self.index, e)
        return found

    def _scan(self, query: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Every matching source, page by page with search_after ((report, day) is unique per scope)."""
        after: list[Any] | None = None
        while True:
            with translated(self._es, f"GET {self.index}/_search"):
                try:
                    hits = self._es.search(
                        index=self.index,
                        query=query,
                        sort=[{REPORT: "asc"}, {DAY: "asc"}],
                        size=PAGE_SIZE,
                        search_after=after,
                        track_total_hits=False,
                    ).body["hits"]["hits"]
                except NotFoundError:
                    return
            for hit in hits:
                yield hit.get("_source") or {}
            if len(hits) < PAGE_SIZE:
                return
            after = hits[-1]["sort"]


def _refresh_if_allowed(es: Elasticsearch, index: str) -> None:
    """Refresh the log before a status read, so entries written moments ago (by a run still going, or one
    that died before its closing refresh) are counted. A read-only user may not refresh: it then reads
    what the engine's own refresh has made visible, at most a second old on a default index."""
    with translated(es, f"refresh {index}"):
        try:
            es.indices.refresh(index=index, ignore_unavailable=True, allow_no_indices=True)
        except AuthorizationException:
            log.debug("not allowed to refresh %s; reading what is already searchable", index)


def freshness(es: Elasticsearch, prefix: str) -> list[dict[str, Any]]:
    """Per (scope_type, scope, report): last complete day, entries per status, latest error.

    For `copilot-usage status`; sorted by scope type, scope and report. Empty if nothing was logged yet.
    Row keys: scope_type, scope, report, last_complete_day, one count per status (complete, not_ready,
    empty, failed), total, last_fetched_at, latest_error, latest_error_day, new_fields (fields of the
    report this collector does not know yet, seen on any logged day).
    """
    index = INGESTION_LOG.name(check_prefix(prefix))
    _refresh_if_allowed(es, index)
    rows: list[dict[str, Any]] = []
    after: dict[str, Any] | None = None
    while True:
        composite: dict[str, Any] = {
            "size": 500,
            "sources": [
                {SCOPE_TYPE: {"terms": {"field": SCOPE_TYPE}}},
                {SCOPE: {"terms": {"field": SCOPE}}},
                {REPORT: {"terms": {"field": REPORT}}},
            ],
        }
        if after is not None:
            composite["after"] = after
        aggs = {
            "groups": {
                "composite": composite,
                "aggs": {
                    "statuses": {"terms": {"field": STATUS, "size": len(STATUSES) + 5}},
                    "complete": {
                        "filter": {"term": {STATUS: STATUS_COMPLETE}},
                        "aggs": {"last_day": {"max": {"field": DAY}}},
                    },
                    "last_fetched": {"max": {"field": FETCHED_AT}},
                    "new_fields": {"terms": {"field": NEW_FIELDS, "size": 50}},
                    "errors": {
                        "filter": {"exists": {"field": ERROR}},
                        "aggs": {
                            "latest": {
                                "top_hits": {
                                    "size": 1,
                                    "sort": [{FETCHED_AT: "desc"}],
                                    "_source": {"includes": [ERROR, DAY, FETCHED_AT]},
                                }
                            }
                        },
                    },
                },
            }
        }
        with translated(es, f"GET {index}/_search"):
            try:
                body = es.search(index=index, size=0, aggs=aggs).body
            except NotFoundError:
                return []
        groups = body.get("aggregations", {}).get("groups", {})
        buckets = groups.get("buckets", [])
        rows.extend(_freshness_row(b) for b in buckets)
        after = groups.get("after_key")
        if not buckets or after is None:
            break
    return sorted(rows, key=lambda r: (r["scope_type"], r["scope"], r["report"]))


def _freshness_row(bucket: Mapping[str, Any]) -> dict[str, Any]:
    counts = dict.fromkeys(STATUSES, 0)
    for b in bucket["statuses"]["buckets"]:
        counts[str(b["key"])] = int(b["doc_count"])
    last_day = bucket["complete"]["last_day"].get("value")
    last_fetched = bucket["last_fetched"].get("value")
    hits = bucket["errors"]["latest"]["hits"]["hits"]
    latest = hits[0].get("_source", {}) if hits else {}
    # Flat, so the row prints as one line of a table; the status counts are one column each.
    return {
        "scope_type": bucket["key"][SCOPE_TYPE],
        "scope": bucket["key"][SCOPE],
        "report": bucket["key"][REPORT],
        "last_complete_day": _from_millis(last_day).date() if last_day is not None else None,
        **counts,
        "total": int(bucket["doc_count"]),
        "last_fetched_at": _from_millis(last_fetched) if last_fetched is not None else None,
        "latest_error": latest.get(ERROR),
        "latest_error_day": dt.date.fromisoformat(latest[DAY][:10]) if latest.get(DAY) else None,
        "new_fields": ", ".join(sorted(str(b["key"]) for b in bucket["new_fields"]["buckets"])),
    }


def _text(source: Mapping[str, Any], name: str) -> str:
    value = source.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} is missing or not text")
    return value


def _utc_millis(value: dt.datetime, name: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise ValueError(f"ingestion log {name} must be a timezone-aware datetime, got {value!r}")
    value = value.astimezone(dt.UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _iso(value: dt.datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_time(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _from_millis(value: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(value / 1000, dt.UTC)
