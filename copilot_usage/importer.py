"""Ingest report files exported from GitHub's UI or downloaded earlier (`copilot-usage import`).

Files are taken the way people export them (import_plan.py): each file's kind is inferred from its own
first record; a users file and a user-teams file of the same day given in one call are joined (the old
`--teams` still works); 28-day files are split into their days; a file holding several organizations or
enterprises is split by id into the scopes the ids map to, or refused. Each imported (scope, report, day)
is logged like a collected one, so the collector does not fetch it again. Records that cannot be used are
counted per reason, with one example each.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from copilot_usage.import_plan import (
    AGGREGATE_KINDS,
    KINDS,
    TEAMS_KIND,
    USER_KINDS,
    Item,
    Rejections,
    Target,
    check_routing,
    day_of,
    file_kind,
    infer_kind,
    items,
    route,
)
from copilot_usage.model import Report, Scope
from copilot_usage.privacy import PrivacySettings, protect
from copilot_usage.progress import Tracker
from copilot_usage.shaping.aggregate import shape_aggregate
from copilot_usage.shaping.errors import RecordError
from copilot_usage.shaping.users import UsersShaper, membership_from_user_teams
from copilot_usage.store.indices import Doc
from copilot_usage.store.ingestion_log import IngestionLog, LogEntry
from copilot_usage.store.writer import BulkWriter, make_searchable

__all__ = ["KINDS", "ImportResult", "import_files", "infer_kind"]


@dataclass
class ImportResult:
    files: int = 0
    records: int = 0
    rejected: int = 0
    malformed: int = 0
    documents: int = 0
    days: set[tuple[str, dt.date]] = field(default_factory=set)  # (report, day) over every scope
    scope_days: dict[Scope, set[tuple[str, dt.date]]] = field(default_factory=dict)
    rejections: Rejections = field(default_factory=Rejections)
    errors: list[str] = field(default_factory=list)

    def logged(self, scope: Scope, report: Report, day: dt.date) -> None:
        self.days.add((report.value, day))
        self.scope_days.setdefault(scope, set()).add((report.value, day))


def import_files(
    es: Any,
    prefix: str,
    scope: Scope | Target | list[Target],
    paths: list[Path],
    kind: str | None = None,
    *,
    teams_paths: list[Path] | None = None,
    now: dt.datetime | None = None,
    privacy: PrivacySettings | None = None,
    progress: Tracker | None = None,
) -> ImportResult:
    """Import `paths` (and `teams_paths`) into the target scope(s); ValueError when the call is refused.

    `progress` counts data files read (planned: every data file of the call)."""
    targets = scope if isinstance(scope, list) else [scope if isinstance(scope, Target) else Target(scope)]
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown report kind {kind!r}; one of {', '.join(KINDS)}")
    all_paths = [*paths, *(teams_paths or [])]
    kinds = {p: k for p in all_paths if (k := file_kind(p, None if p in (teams_paths or []) else kind))}
    result = ImportResult(files=len(all_paths))
    check_routing(targets, items(all_paths, kinds, None))
    teams_files = [p for p in all_paths if kinds.get(p) == TEAMS_KIND]
    data_files = [p for p in all_paths if p in kinds and p not in teams_files]
    if teams_files and not data_files:
        # Membership alone makes no documents: it only means something joined with that day's users.
        raise ValueError("a user-teams file is imported together with that day's users file: "
                         "import USERS_FILE TEAMS_FILE (or USERS_FILE --teams TEAMS_FILE)")

    membership_rows: dict[tuple[Scope, dt.date], list[dict[str, Any]]] = defaultdict(list)
    for item in items(teams_files, kinds, result.rejections):
        target, day = _place(item, targets, result)
        if target is not None and day is not None:
            membership_rows[(target.scope, day)].append(item.record)

    writer = BulkWriter(es, prefix)
    if progress is not None:
        progress.set_planned(len(data_files))
    docs = _docs(_file_by_file(data_files, kinds, result, progress), targets, membership_rows, result)
    write = writer.write(protect(docs, privacy or PrivacySettings()))
    result.malformed = result.rejections.malformed
    result.rejected = result.rejections.total - result.malformed
    result.documents = write.written
    result.errors.extend(f"{e.index} {e.doc_id[:12]}: {e.reason}" for e in write.errors)
    if not write.errors:
        _log(es, prefix, result, _digest(all_paths), now or dt.datetime.now(dt.UTC))
    make_searchable(es, prefix)
    return result


def _file_by_file(paths: list[Path], kinds: dict[Path, str], result: ImportResult,
                  progress: Tracker | None) -> Iterator[Item]:
    """The records of `paths`, one file after another, with a progress step as each file is read through."""
    for path in paths:
        before = result.records
        yield from items([path], kinds, result.rejections)
        if progress is not None:
            # Documents are written in bulk batches across files; records read stand in for them here.
            progress.step(documents=result.records - before)


def _place(item: Item, targets: list[Target], result: ImportResult) -> tuple[Target | None, dt.date | None]:
    target = route(item, targets)
    if target is None:
        result.rejections.add(f"record names no {' or '.join(sorted({t.id_key for t in targets}))} of a --scope",
                              item.where)
        return None, None
    day = day_of(item.record)
    if day is None:
        result.rejections.add("record has no valid 'day'", item.where)
    return target, day


def _docs(
    records: Iterator[Item],
    targets: list[Target],
    membership_rows: dict[tuple[Scope, dt.date], list[dict[str, Any]]],
    result: ImportResult,
) -> Iterator[Doc]:
    shapers: dict[tuple[Scope, dt.date], UsersShaper] = {}
    for item in records:
        result.records += 1
        target, day = _place(item, targets, result)
        if target is None or day is None:
            continue
        scope = target.scope
        try:
            if item.kind in AGGREGATE_KINDS:
                docs = shape_aggregate(scope, day, item.record)
                result.logged(scope, Report.AGGREGATE, day)
                yield from docs
                continue
            if item.kind not in USER_KINDS:
                continue
            shaper = shapers.get((scope, day))
            if shaper is None:
                membership, rejected = membership_from_user_teams(membership_rows.get((scope, day), ()), scope, day)
                for reason in rejected:
                    result.rejections.add(reason, f"user-teams {scope} {day}")
                shaper = shapers[(scope, day)] = UsersShaper(scope, day, membership)
            doc = shaper.add(item.record)
        except RecordError as exc:
            result.rejections.add(exc.reason, _example(item))
            continue
        result.logged(scope, Report.USERS, day)
        if (scope, day) in membership_rows:
            result.logged(scope, Report.USER_TEAMS, day)
        yield doc
    for shaper in shapers.values():
        yield from shaper.finish()


def _example(item: Item) -> str:
    user = item.record.get("user_id") if isinstance(item.record, dict) else None
    return f"{item.where}" + (f" user_id {user}" if isinstance(user, int) else "")


def _digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def _log(es: Any, prefix: str, result: ImportResult, digest: str, stamp: dt.datetime) -> None:
    log = IngestionLog(es, prefix)
    for scope, days in result.scope_days.items():
        previous = log.load(scope)
        entries = []
        for report_name, day in sorted(days):
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
                    content_hash="import:" + digest,
                    attempts=(before.attempts if before else 0) + 1,
                    error=None,
                    fetched_at=stamp,
                    first_fetched_at=before.first_fetched_at if before and before.first_fetched_at else stamp,
                )
            )
        log.record_many(entries)
