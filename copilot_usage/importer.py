"""Ingest report files exported from GitHub's UI or downloaded earlier (`copilot-usage import`).

Files are taken the way people export them (import_plan.py): each file's kind is recognised from its own
first record (registry.FILE_KINDS) unless given; a users file and a user-teams file of the same day given in
one call are joined (the old `--teams` still works); 28-day files are split into their days; a file holding
several organizations or enterprises is split by id into the scopes the ids map to, or refused. Records are
split into their (scope, report, day) on local disk first (memory stays bounded by one record), then every
day goes through the same day pipeline as a collected one (privacy protection included) and is logged like
one, so the collector does not fetch it again. A 28-day aggregate file's wrappers also go, without their days,
to the units that store a part of them (the feature engagement of each window, under its end day). Records
that cannot be used are counted per reason, with one example each.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from copilot_usage import registry
from copilot_usage.import_plan import (
    KINDS,
    TEAMS_KIND,
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
from copilot_usage.model import Scope
from copilot_usage.pipeline import DayLog, DayPipeline, DayRecords
from copilot_usage.privacy import PrivacySettings
from copilot_usage.progress import Tracker
from copilot_usage.shaping.adoption import ADOPTION_WINDOW_DAYS
from copilot_usage.store.ingestion_log import IngestionLog
from copilot_usage.store.writer import make_searchable

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
    adoption_documents: int = 0
    errors: list[str] = field(default_factory=list)

    def logged(self, scope: Scope, report: registry.Unit, day: dt.date) -> None:
        self.days.add((report.value, day))
        self.scope_days.setdefault(scope, set()).add((report.value, day))


DayKey = tuple[Scope, registry.Unit, dt.date]


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

    content_hash = "import:" + _digest(all_paths)
    stamp = now or dt.datetime.now(dt.UTC)
    log = IngestionLog(es, prefix)
    previous = {target.scope: log.load(target.scope) for target in targets}
    pipeline = DayPipeline(es, prefix, log=DayLog(log, previous, lambda: stamp),
                           privacy=privacy or PrivacySettings())
    adoption_days: dict[Scope, list[dt.date]] = {}
    with tempfile.TemporaryDirectory(prefix="copilot-usage-import-") as workdir:
        if progress is not None:
            progress.set_planned(len(data_files))
        days = _split_by_day(_file_by_file(data_files, kinds, result, progress), targets, Path(workdir), result)
        for (scope_, unit, day), path in sorted(days.items(), key=lambda kv: (str(kv[0][0]), kv[0][1].value,
                                                                                kv[0][2])):
            spec = registry.spec_for(unit)
            joined = membership_rows.get((scope_, day)) if spec.joined else None
            where: list[str] = [""]
            source = DayRecords(
                records=_spilled(path, where),
                joined=joined or (),
                content_hash=content_hash,
                joined_hash=content_hash if joined is not None else None,
                example=_example_at(where),
            )
            # Nothing is removed: an imported file may hold only part of a day that a collection stored whole.
            outcome = pipeline.run(spec, scope_, day, source, replace=False)
            result.records += outcome.records
            result.documents += sum(outcome.documents.values())
            for reason, n in outcome.reasons.items():
                example = outcome.examples.get(reason, f"{spec.unit.value} {scope_} {day}")
                for _ in range(n):
                    result.rejections.add(reason, example)
            if outcome.error:
                result.errors.append(f"{scope_} {spec.unit.value} {day}: {outcome.error}")
                continue
            result.logged(scope_, spec.unit, day)
            if joined is not None:
                for report in spec.joined:
                    result.logged(scope_, report, day)
            if spec.feeds_adoption:
                adoption_days.setdefault(scope_, []).append(day)
    result.malformed = result.rejections.malformed
    result.rejected = result.rejections.total - result.malformed
    if adoption_days:
        result.adoption_documents = pipeline.refresh_adoption(adoption_days, ADOPTION_WINDOW_DAYS)
    make_searchable(es, prefix)
    return result


def _file_by_file(paths: list[Path], kinds: dict[Path, str], result: ImportResult,
                  progress: Tracker | None) -> Iterator[Item]:
    """The records of `paths`, one file after another, with a progress step as each file is read through."""
    for path in paths:
        read = 0
        for item in items([path], kinds, result.rejections):
            read += 1
            yield item
        if progress is not None:
            # Files are split into days before any is written; records read stand in for documents here.
            progress.step(documents=read)


def _place(item: Item, targets: list[Target], result: ImportResult) -> tuple[Target | None, dt.date | None]:
    target = route(item, targets)
    if target is None:
        result.rejections.add(f"record names no {' or '.join(sorted({t.id_key for t in targets}))} of a --scope",
                              item.where)
        return None, None
    day = day_of(item.record, item.day_key)
    if day is None:
        result.rejections.add(f"record has no valid '{item.day_key}'", item.where)
    return target, day


def _unit(item: Item) -> registry.Unit:
    if item.unit is not None:
        return item.unit
    return registry.unit_of(registry.file_kind(item.kind).report).unit


def _split_by_day(records: Iterator[Item], targets: list[Target], workdir: Path,
                  result: ImportResult) -> dict[DayKey, Path]:
    """Write each record to its (scope, unit, day) file; records that go to no scope or have no usable day
    are counted as read and set aside."""
    files: dict[DayKey, Path] = {}
    with contextlib.ExitStack() as stack:
        handles: dict[DayKey, IO[str]] = {}
        for item in records:
            target, day = _place(item, targets, result)
            if target is None or day is None:
                result.records += 1
                continue
            key = (target.scope, _unit(item), day)
            handle = handles.get(key)
            if handle is None:
                files[key] = workdir / f"{len(files)}.ndjson"
                handle = handles[key] = stack.enter_context(files[key].open("w", encoding="utf-8"))
            handle.write(json.dumps([item.where, item.record]) + "\n")
    return files


def _spilled(path: Path, where: list[str]) -> Iterator[Any]:
    """The day's records; `where[0]` names the current record's file while the pipeline shapes it."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            where[0], record = json.loads(line)
            yield record


def _example_at(where: list[str]) -> Callable[[Any], str]:
    """An example maker reading the current file position from `where` (updated as the spill is read)."""
    return lambda record: _example(where[0], record)


def _example(where: str, record: Any) -> str:
    user = record.get("user_id") if isinstance(record, dict) else None
    return f"{where}" + (f" user_id {user}" if isinstance(user, int) else "")


def _digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()
