"""Ingest report files exported from GitHub's UI or downloaded earlier (`copilot-usage import`).

The file kind is recognised from the first record when not given (registry.FILE_KINDS). Records are split
into their days on local disk first (a 28-day file holds 28 of them; memory stays bounded by one record),
then every day goes through the same day pipeline as a collected one and is logged like one, so the
collector does not fetch it again. A user-teams file is imported with its users file (`--teams`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import json
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from copilot_usage import registry
from copilot_usage.github.records import Malformed, iter_records
from copilot_usage.model import Report, Scope
from copilot_usage.pipeline import DayLog, DayPipeline, DayRecords
from copilot_usage.shaping.adoption import ADOPTION_WINDOW_DAYS
from copilot_usage.shaping.errors import RecordError
from copilot_usage.store.ingestion_log import IngestionLog
from copilot_usage.store.writer import make_searchable

KINDS = registry.KINDS


def infer_kind(record: dict[str, Any]) -> str:
    """Recognise a report from one of its records."""
    return registry.recognise(record).name


@dataclass
class ImportResult:
    files: int = 0
    records: int = 0
    rejected: int = 0
    malformed: int = 0
    documents: int = 0
    days: set[tuple[str, dt.date]] = field(default_factory=set)
    adoption_documents: int = 0
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


def _day_of(record: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(str(record["day"])[:10])
    except (KeyError, ValueError, TypeError):
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
    file_kind = registry.file_kind(kind) if kind else registry.recognise(first)
    if file_kind.report is Report.USER_TEAMS:
        # Membership alone makes no documents: it only means something joined with that day's users.
        raise ValueError("a user-teams file is imported with its users file: import USERS_FILE --teams TEAMS_FILE")
    spec = registry.unit_of(file_kind.report)
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    content_hash = "import:" + digest.hexdigest()
    teams = group_by_day(_read(teams_paths or [], ImportResult()))
    stamp = now or dt.datetime.now(dt.UTC)
    log = IngestionLog(es, prefix)
    pipeline = DayPipeline(es, prefix, log=DayLog(log, {scope: log.load(scope)}, lambda: stamp))
    written: list[dt.date] = []
    with tempfile.TemporaryDirectory(prefix="copilot-usage-import-") as workdir:
        days = _split_by_day(itertools.chain([first], records), file_kind, Path(workdir), result)
        for day, path in sorted(days.items()):
            source = DayRecords(records=_spilled(path), joined=teams.get(day, ()), content_hash=content_hash,
                                joined_hash=content_hash if day in teams else None)
            # Nothing is removed: an imported file may hold only part of a day that a collection stored whole.
            outcome = pipeline.run(spec, scope, day, source, replace=False)
            result.records += outcome.records
            result.rejected += outcome.rejected
            result.documents += sum(outcome.documents.values())
            if outcome.error:
                result.errors.append(f"{spec.unit.value} {day}: {outcome.error}")
                continue
            written.append(day)
            result.days.add((spec.unit.value, day))
            if day in teams:
                result.days.update((report.value, day) for report in spec.joined)
    if spec.feeds_adoption and written:
        result.adoption_documents = pipeline.refresh_adoption({scope: written}, ADOPTION_WINDOW_DAYS)
    make_searchable(es, prefix)
    return result


def _split_by_day(
    records: Iterable[Any], kind: registry.FileKind, workdir: Path, result: ImportResult
) -> dict[dt.date, Path]:
    """Write each record (a 28-day aggregate record: each of its days) to its day's file; count the
    records without a usable day as read and set aside."""
    files: dict[dt.date, Path] = {}
    with contextlib.ExitStack() as stack:
        handles: dict[dt.date, IO[str]] = {}
        for record in records:
            for item in kind.split(record):
                try:
                    day = _day_of(item)
                except RecordError:
                    result.records += 1
                    result.rejected += 1
                    continue
                handle = handles.get(day)
                if handle is None:
                    files[day] = workdir / f"{day.isoformat()}.ndjson"
                    handle = handles[day] = stack.enter_context(files[day].open("w", encoding="utf-8"))
                handle.write(json.dumps(item) + "\n")
    return files


def _spilled(path: Path) -> Iterator[Any]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def group_by_day(records: Iterable[dict[str, Any]]) -> dict[dt.date, list[dict[str, Any]]]:
    """Membership rows by day (a few per user: small enough to hold)."""
    grouped: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        try:
            grouped[_day_of(record)].append(record)
        except RecordError:
            continue
    return grouped
