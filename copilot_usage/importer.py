"""Ingest report files exported from GitHub's UI or downloaded earlier (`copilot-usage import`).

The report kind is inferred from the first record when not given. 28-day files are split into their days.
Each imported (report, day) is logged like a collected one, so the collector does not fetch it again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from copilot_usage.github.records import Malformed, iter_records
from copilot_usage.model import Report, Scope
from copilot_usage.schema.indices import Doc
from copilot_usage.shaping.aggregate import shape_aggregate
from copilot_usage.shaping.errors import RecordError
from copilot_usage.shaping.users import UsersShaper, membership_from_user_teams
from copilot_usage.store.ingestion_log import IngestionLog, LogEntry
from copilot_usage.store.writer import BulkWriter, make_searchable

KINDS = (
    "organization-1-day",
    "enterprise-1-day",
    "organization-28-day",
    "enterprise-28-day",
    "users-1-day",
    "users-28-day",
    "user-teams-1-day",
)


def infer_kind(record: dict[str, Any]) -> str:
    """Recognise a report from one of its records."""
    if "day_totals" in record:
        return "enterprise-28-day" if "organization_id" not in record else "organization-28-day"
    if "team_id" in record and "user_id" in record:
        return "user-teams-1-day"
    if "user_id" in record or "user_login" in record:
        return "users-28-day" if "report_start_day" in record else "users-1-day"
    if "daily_active_users" in record or "totals_by_ide" in record:
        return "enterprise-1-day" if "organization_id" not in record else "organization-1-day"
    raise ValueError("cannot tell which report this file is: pass --report")


@dataclass
class ImportResult:
    files: int = 0
    records: int = 0
    rejected: int = 0
    malformed: int = 0
    documents: int = 0
    days: set[tuple[str, dt.date]] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)


def _read(paths: Iterable[Path], result: ImportResult) -> Iterator[dict[str, Any]]:
    for path in paths:
        result.files += 1
        with path.open("rb") as handle:
            for item in iter_records(handle):
                if isinstance(item, Malformed):
                    result.malformed += 1
                    continue
                yield item


def _day_of(record: dict[str, Any]) -> dt.date:
    try:
        return dt.date.fromisoformat(str(record["day"])[:10])
    except (KeyError, ValueError):
        raise RecordError("record has no valid 'day'") from None


def import_files(
    es: Any,
    prefix: str,
    scope: Scope,
    paths: list[Path],
    kind: str | None = None,
    *,
    teams_paths: list[Path] | None = None,
    now: dt.datetime | None = None,
) -> ImportResult:
    result = ImportResult()
    records = _read(paths, result)
    first = next(records, None)
    if first is None:
        return result
    kind = kind or infer_kind(first)
    if kind not in KINDS:
        raise ValueError(f"unknown report kind {kind!r}; one of {', '.join(KINDS)}")

    def all_records() -> Iterator[dict[str, Any]]:
        yield first
        yield from records

    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    writer = BulkWriter(es, prefix)
    docs: Iterator[Doc]
    if kind.endswith("-28-day") and not kind.startswith("users"):
        docs = _aggregates(scope, (day for rec in all_records() for day in rec.get("day_totals") or []), result)
    elif kind in ("organization-1-day", "enterprise-1-day"):
        docs = _aggregates(scope, all_records(), result)
    elif kind == "user-teams-1-day":
        # Membership alone makes no documents: it only means something joined with that day's users.
        raise ValueError("a user-teams file is imported with its users file: import USERS_FILE --teams TEAMS_FILE")
    else:
        teams = group_by_day(_read(teams_paths or [], ImportResult()))
        docs = _users(scope, all_records(), teams, result)
    write = writer.write(docs)
    result.documents = write.written
    result.errors.extend(f"{e.index} {e.doc_id[:12]}: {e.reason}" for e in write.errors)
    if not write.errors:
        log = IngestionLog(es, prefix)
        stamp = now or dt.datetime.now(dt.UTC)
        previous = log.load(scope)
        entries = []
        for report_name, day in sorted(result.days):
            before = previous.get((report_name, day))
            entries.append(
                LogEntry(
                    scope_type=scope.type.value,
                    scope=scope.slug,
                    report=report_name,
                    day=day,
                    status="complete",
                    record_count=result.records,
                    rejected_count=result.rejected,
                    document_count=result.documents,
                    content_hash="import:" + digest.hexdigest(),
                    attempts=(before.attempts if before else 0) + 1,
                    error=None,
                    fetched_at=stamp,
                    first_fetched_at=before.first_fetched_at if before and before.first_fetched_at else stamp,
                )
            )
        log.record_many(entries)
    make_searchable(es, prefix)
    return result


def _aggregates(scope: Scope, records: Iterable[dict[str, Any]], result: ImportResult) -> Iterator[Doc]:
    for record in records:
        result.records += 1
        try:
            day = _day_of(record)
            docs = shape_aggregate(scope, day, record)
        except RecordError:
            result.rejected += 1
            continue
        result.days.add((Report.AGGREGATE.value, day))
        yield from docs


def _users(
    scope: Scope,
    records: Iterable[dict[str, Any]],
    teams: dict[dt.date, list[dict[str, Any]]],
    result: ImportResult,
) -> Iterator[Doc]:
    """Users rows by day; one shaper per day so team and summary totals stay per day (28-day files span many)."""
    shapers: dict[dt.date, UsersShaper] = {}
    for record in records:
        result.records += 1
        try:
            day = _day_of(record)
            shaper = shapers.get(day)
            if shaper is None:
                membership, rejected = membership_from_user_teams(teams.get(day, ()), scope, day)
                result.rejected += len(rejected)
                shaper = shapers[day] = UsersShaper(scope, day, membership)
            doc = shaper.add(record)
        except RecordError:
            result.rejected += 1
            continue
        result.days.add((Report.USERS.value, day))
        if day in teams:
            result.days.add((Report.USER_TEAMS.value, day))
        yield doc
    for shaper in shapers.values():
        yield from shaper.finish()


def group_by_day(records: Iterable[dict[str, Any]]) -> dict[dt.date, list[dict[str, Any]]]:
    """Membership rows by day (a few per user: small enough to hold)."""
    grouped: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        try:
            grouped[_day_of(record)].append(record)
        except RecordError:
            continue
    return grouped
