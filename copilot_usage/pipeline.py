"""The one day pipeline: shape → write → remove stale documents → log, for every report and every command.

`collect`, `import` and `reprocess` differ only in where a day's records come from (GitHub, files, the raw
archive): each builds a `DayRecords` and calls `DayPipeline.run`. A day is logged complete only after the
store acknowledged every one of its documents; any rejected document makes it failed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from copilot_usage.model import Report, Scope, Snapshot, Status
from copilot_usage.privacy import PrivacySettings, protect
from copilot_usage.registry import Joined, ReportSpec
from copilot_usage.schema.indices import Doc
from copilot_usage.shaping.errors import RecordError
from copilot_usage.shaping.known_fields import new_fields
from copilot_usage.store.adoption import refresh_adoption
from copilot_usage.store.cleanup import delete_stale
from copilot_usage.store.ingestion_log import IngestionLog, LogEntry
from copilot_usage.store.writer import DEFAULT_MAX_DOCS, BulkWriter, make_searchable

logger = logging.getLogger("copilot_usage.pipeline")

REASON_LIMIT = 120  # a reason names a field, never data; cut long ones so a summary stays readable
PreviousLog = Mapping[tuple[str, dt.date], LogEntry]


@dataclass
class DayRecords:
    """One day's input, from whichever source: the records, the data joined to them, and what the source
    could not read (malformed lines; known only once the records have been read, hence a callable)."""

    records: Iterable[Any]
    joined: Iterable[Any] = ()
    unreadable: Callable[[], Iterable[str]] = lambda: ()
    content_hash: str | None = None
    # The joined report's content hash; None when the day has no joined report (logged not_ready).
    joined_hash: str | None = None
    # Where a record came from, for the example of a reason it was set aside for (import: file and user).
    example: Callable[[Any], str] | None = None


@dataclass
class DayResult:
    status: Status
    documents: Counter[str] = field(default_factory=Counter)  # per index key
    records: int = 0
    rejected: int = 0
    deleted: int = 0
    error: str | None = None
    reasons: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)  # reason -> where one record set aside for it was
    new_fields: dict[str, set[str]] = field(default_factory=dict)  # report -> fields not known yet

    def note(self, report: str, record: Any) -> None:
        """Remember the fields of a report record this collector does not know (they stay in the archive)."""
        unknown = new_fields(report, record) if isinstance(record, Mapping) else set()
        if unknown:
            self.new_fields.setdefault(report, set()).update(unknown)

    def set_aside(self, reasons: Iterable[str], example: str | None = None) -> None:
        for reason in reasons:
            self.rejected += 1
            key = reason[:REASON_LIMIT]
            self.reasons[key] += 1
            if example is not None:
                self.examples.setdefault(key, example)


class DayLog:
    """Writes a day's ingestion-log entries, carrying over what the previous entry of each report knew."""

    def __init__(self, log: IngestionLog, previous: Mapping[Scope, PreviousLog], now: Callable[[], dt.datetime]):
        self.log = log
        self.previous = previous
        self.now = now

    def entry(self, scope: Scope, report: Report | Snapshot, day: dt.date) -> LogEntry | None:
        return self.previous.get(scope, {}).get((report.value, day))

    def record(
        self,
        scope: Scope,
        day: dt.date,
        reports: Sequence[Report | Snapshot],
        status: Status,
        *,
        content_hash: str | None = None,
        error: str | None = None,
        records: int = 0,
        rejected: int = 0,
        documents: int = 0,
        new_fields: Mapping[str, set[str]] | None = None,
        carried: LogEntry | None = None,
    ) -> None:
        """Log `status` for each report; UNCHANGED is logged as complete with the previous counts (those of
        `carried` when given: the same content logged under another day, as a rolling report's is)."""
        stamp = self.now()
        unchanged = status is Status.UNCHANGED
        logged = Status.COMPLETE if unchanged else status
        entries = []
        for report in reports:
            before = self.entry(scope, report, day)
            counts = carried or before
            entries.append(LogEntry(
                scope_type=scope.type.value,
                scope=scope.slug,
                report=report.value,
                day=day,
                status=logged.value,
                record_count=(counts.record_count if counts else 0) if unchanged else records,
                rejected_count=(counts.rejected_count if counts else 0) if unchanged else rejected,
                document_count=(counts.document_count if counts else 0) if unchanged else documents,
                content_hash=content_hash if logged is Status.COMPLETE else (before.content_hash if before else None),
                attempts=(before.attempts if before else 0) + 1,
                error=error,
                fetched_at=stamp,
                first_fetched_at=before.first_fetched_at if before and before.first_fetched_at else stamp,
                new_fields=(counts.new_fields if counts else ()) if unchanged
                else tuple(sorted((new_fields or {}).get(report.value, ()))),
            ))
        self.log.record_many(entries)


class DayPipeline:
    """Shapes, writes, cleans and logs one (spec, scope, day) at a time; one instance per command run."""

    def __init__(self, es: Any, prefix: str, *, log: DayLog | None, privacy: PrivacySettings,
                 max_docs: int = DEFAULT_MAX_DOCS, sleep: Callable[[float], None] | None = None):
        self.es = es
        self.prefix = prefix
        # Every document on its way to the store passes privacy.protect (pseudonyms, the small-team flag),
        # whichever command's records it came from; a required argument so no source can forget it.
        self.privacy = privacy
        self.log = log  # None: the ingestion log is left alone (reprocess changes no fetch decision)
        self.max_docs = max_docs
        self._writer_options: dict[str, Any] = {} if sleep is None else {"sleep": sleep}

    def run(self, spec: ReportSpec, scope: Scope, day: dt.date, source: DayRecords, *, replace: bool,
            log_day: dt.date | None = None) -> DayResult:
        """`replace`: the day may hold documents from an earlier version of it, which go when not written
        again. Only a day with nothing set aside removes anything: a fetch with damaged lines would otherwise
        delete the documents of records that an earlier, cleaner fetch stored. `log_day`: the day the ingestion
        log keys this unit by when it is not the documents' day (a rolling report, logged by its fetch day)."""
        logged_day = day if log_day is None else log_day
        result = DayResult(Status.COMPLETE)
        joined = Joined(_noting(source.joined, spec.joined[0].value, result) if spec.joined else source.joined)
        shaper = spec.shaper(scope, day, joined)
        result.set_aside(joined.set_aside)
        written: dict[str, set[str]] = {}
        docs = _tracked(protect(_shaped(shaper, source, result, spec.logged[0].value), self.privacy), written, spec)
        write = BulkWriter(self.es, self.prefix, max_docs=self.max_docs, **self._writer_options).write(docs)
        result.set_aside(source.unreadable())
        if result.rejected:
            top = ", ".join(f"{reason} ({n})" for reason, n in result.reasons.most_common(3))
            logger.warning("%s %s %s: %d record(s) set aside: %s", scope, spec.unit.value, day, result.rejected, top)
        # Counted by index key (usage_daily, ...), the same names the summaries use everywhere.
        result.documents = Counter({k.removeprefix(self.prefix): v for k, v in write.per_index.items()})
        if write.errors:
            first = write.errors[0]
            result.status = Status.FAILED
            result.error = f"{len(write.errors)} documents rejected by the store, first: {first.index} {first.reason}"
            if self.log is not None:
                self.log.record(scope, logged_day, spec.logged, Status.FAILED, error=result.error,
                                records=result.records, rejected=result.rejected)
            return result
        if replace and not result.rejected:
            for index_key, ids in written.items():
                result.deleted += delete_stale(self.es, self.prefix, index_key, scope, day, ids)
        if not result.records and not spec.empty_is_complete:
            result.status = Status.EMPTY
        if self.log is not None:
            self.log.record(scope, logged_day, spec.logged[:1], result.status, content_hash=source.content_hash,
                            records=result.records, rejected=result.rejected,
                            documents=sum(result.documents.values()), new_fields=result.new_fields)
            if spec.joined:
                joined_status = Status.NOT_READY if source.joined_hash is None else Status.COMPLETE
                self.log.record(scope, logged_day, spec.joined, joined_status, content_hash=source.joined_hash,
                                new_fields=result.new_fields)
        return result

    def refresh_adoption(self, days: Mapping[Scope, Iterable[dt.date]], window_days: int) -> int:
        """Make what was written searchable, then recompute the adoption windows of the users days written."""
        make_searchable(self.es, self.prefix)
        written = 0
        for scope, touched in days.items():
            written += refresh_adoption(self.es, self.prefix, scope, touched, window_days)
        return written


def _noting(records: Iterable[Any], report: str, result: DayResult) -> Iterator[Any]:
    for record in records:
        result.note(report, record)
        yield record


def _shaped(shaper: Any, source: DayRecords, result: DayResult, report: str) -> Iterator[Doc]:
    """Feed records one by one; a record that cannot be shaped is counted and set aside, the rest kept.
    Fields of `report` the collector does not know are noted on the way."""
    for record in source.records:
        result.records += 1
        result.note(report, record)
        try:
            docs = list(shaper.add(record))
        except RecordError as exc:
            result.set_aside([str(exc)], source.example(record) if source.example else None)
            continue
        yield from docs
    try:
        finished = list(shaper.finish())
    except RecordError as exc:  # the data joined for the whole day (a billing summary) was unusable
        result.set_aside([str(exc)])
        return
    yield from finished


def _tracked(docs: Iterable[Doc], written: dict[str, set[str]], spec: ReportSpec) -> Iterator[Doc]:
    for doc in docs:
        if doc.index.key not in spec.index_keys:  # the registry must say where a report writes (cleanup relies on it)
            raise ValueError(f"the {spec.unit.value} shaper made a {doc.index.key} document, not in its spec")
        written.setdefault(doc.index.key, set()).add(doc.id)
        yield doc
