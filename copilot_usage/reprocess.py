"""Re-shape archived raw reports into Elasticsearch without GitHub (`copilot-usage reprocess`).

Use after a shaping fix or a mapping change, or to rebuild deleted indices. The archive holds the latest
content of every day collected with ARCHIVE_DIR/ARCHIVE_CONTAINER_URL set, so each archived (scope, report,
day) is shaped exactly as a collection run shapes it (users joined with that day's user-teams file), written
with deterministic ids, and that day's documents no longer produced are removed. The latest 28-day aggregate
files the collector fetched for feature engagement are archived under their window's end day and reprocessed
the same way. The ingestion log is left
alone: reprocessing changes no fetch decision. Adoption scores are recomputed for the days rewritten.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from copilot_usage.archive import Archive, ArchiveError, archive_from_settings
from copilot_usage.github.records import Malformed, iter_records
from copilot_usage.model import Scope
from copilot_usage.pipeline import DayPipeline, DayRecords
from copilot_usage.privacy import PrivacySettings
from copilot_usage.progress import Tracker
from copilot_usage.registry import SPECS, ReportSpec, Unit
from copilot_usage.settings import COMMAND_PARTS, ConfigError, Part, Settings
from copilot_usage.shaping.adoption import ADOPTION_WINDOW_DAYS
from copilot_usage.store.writer import make_searchable

COMMAND = "reprocess"
MAX_ERRORS_KEPT = 50


@dataclass
class ReprocessResult:
    days: Counter[str] = field(default_factory=Counter)  # days re-shaped, per report
    documents: Counter[str] = field(default_factory=Counter)  # per index key
    records: int = 0
    rejected: int = 0  # records that could not be shaped (set aside, the rest kept)
    malformed: int = 0  # parts of a file that were not JSON objects
    deleted_stale: int = 0
    adoption_documents: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, message: str) -> None:
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(message)


def in_range(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or day >= start) and (end is None or day <= end)


def _records(archive: Archive, scope: Scope, report: Unit, day: dt.date,
             result: ReprocessResult) -> Iterator[dict[str, Any]]:
    """Every record of an archived day over its parts, counting malformed entries instead of failing."""
    for part in archive.iter_parts(scope, report.value, day):
        with part.open() as handle:
            for item in iter_records(handle):
                if isinstance(item, Malformed):
                    result.malformed += 1
                    continue
                yield item


def reprocess(
    es: Any,
    prefix: str,
    archive: Archive,
    scopes: Sequence[Scope],
    start: dt.date | None = None,
    end: dt.date | None = None,
    privacy: PrivacySettings | None = None,
    progress: Tracker | None = None,
) -> ReprocessResult:
    """Re-shape every archived day of `scopes` in [start, end] (open ends: everything archived).

    `progress` counts (scope, report, day) units done of those the archive holds in the range."""
    result = ReprocessResult()
    # log=None: reprocessing changes no fetch decision. Documents pass privacy.protect like a collection's.
    pipeline = DayPipeline(es, prefix, log=None, privacy=privacy or PrivacySettings())
    adoption_days: dict[Scope, list[dt.date]] = {}
    # The whole plan first, so progress knows the total before the first day is written.
    plan: list[tuple[Scope, list[tuple[ReportSpec, list[dt.date]]]]] = []
    for scope in scopes:
        per_spec = []
        for spec in (s for s in SPECS if s.archived and scope.type in s.scope_types):
            try:
                days = [d for d in archive.list_days(scope, spec.unit.value) if in_range(d, start, end)]
            except ArchiveError as exc:
                result.add_error(f"{scope} {spec.unit}: {exc}")
                continue
            per_spec.append((spec, days))
        plan.append((scope, per_spec))
    if progress is not None:
        progress.set_planned(sum(len(days) for _, per_spec in plan for _, days in per_spec))
    for scope, per_spec in plan:
        for spec, days in per_spec:
            for day in days:
                # That day's joined files (user-teams), never today's: teams as they were.
                joined = (record for report in spec.joined for record in _records(archive, scope, report, day, result))
                source = DayRecords(records=_records(archive, scope, spec.unit, day, result), joined=joined)
                try:
                    # The archive is the truth for this day: what it no longer produces goes.
                    outcome = pipeline.run(spec, scope, day, source, replace=True)
                except ArchiveError as exc:
                    result.add_error(f"{scope} {spec.unit} {day}: {exc}")
                    if progress is not None:
                        progress.step(documents=0)
                    continue
                if progress is not None:
                    progress.step(documents=sum(outcome.documents.values()))
                result.records += outcome.records
                result.rejected += outcome.rejected
                result.deleted_stale += outcome.deleted
                result.documents.update(outcome.documents)
                if outcome.error:
                    result.add_error(f"{scope} {spec.unit} {day}: {outcome.error}")
                    continue
                result.days[spec.unit.value] += 1
                if spec.feeds_adoption:
                    adoption_days.setdefault(scope, []).append(day)
    if adoption_days:
        result.adoption_documents = pipeline.refresh_adoption(adoption_days, ADOPTION_WINDOW_DAYS)
    make_searchable(es, prefix)
    return result


# --- command line ----------------------------------------------------------------------------------------------


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-01-31, got {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scope", action="append", default=[], metavar="SCOPE",
                        help="org:NAME or enterprise:NAME (repeatable; default: every configured scope)")
    parser.add_argument("--from", dest="start", type=_date, metavar="DAY", help="first day (default: oldest archived)")
    parser.add_argument("--to", dest="end", type=_date, metavar="DAY", help="last day (default: newest archived)")


def _settings(explicit_scopes: bool) -> Settings:
    """The store, the archive and privacy; the configured scopes only when none are given (`--scope`). No GitHub
    call is made, so no credential is needed."""
    from copilot_usage.secrets import read_settings

    parts = COMMAND_PARTS[COMMAND]
    return read_settings(parts if explicit_scopes else parts | {Part.SCOPES})


def run(args: argparse.Namespace) -> int:
    from copilot_usage.secrets import SecretError
    from copilot_usage.store.client import client_from_settings
    from copilot_usage.store.templates import ensure_indices

    try:
        scopes = [Scope.parse(text) for text in args.scope]
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if args.start and args.end and args.start > args.end:
        print(f"--from {args.start} is after --to {args.end}", file=sys.stderr)
        return 2
    try:
        settings = _settings(bool(scopes))
    except (ConfigError, SecretError) as exc:
        print(f"configuration: {exc}", file=sys.stderr)
        return 2
    archive = archive_from_settings(settings.archive)
    if archive is None:
        print("reprocess reads the raw archive: set ARCHIVE_DIR or ARCHIVE_CONTAINER_URL", file=sys.stderr)
        return 2
    es = client_from_settings(settings.store)
    prefix = settings.store.index_prefix
    ensure_indices(es, prefix)  # a deleted or upgraded index comes back with today's mapping
    tracker = Tracker("reprocess")
    try:
        result = reprocess(es, prefix, archive, scopes or settings.scopes, args.start, args.end,
                           privacy=settings.privacy, progress=tracker)
    finally:
        tracker.close()
    days = ", ".join(f"{k} {v}" for k, v in sorted(result.days.items())) or "none"
    docs = ", ".join(f"{k} {v}" for k, v in sorted(result.documents.items())) or "none"
    print(f"reprocess {'OK' if result.ok else 'FAILED'}: days {days}")
    print(f"  records: {result.records} read, {result.rejected} set aside, {result.malformed} malformed")
    print(f"  documents written: {docs}; stale removed {result.deleted_stale}; "
          f"adoption {result.adoption_documents}")
    for error in result.errors:
        print(f"  error: {error}", file=sys.stderr)
    return 0 if result.ok else 1
