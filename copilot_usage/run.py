"""One collection run: plan, fetch, archive, shape, store, log. The CLI and the Azure Function both call `run`.

A day is marked complete in the ingestion log only after the store acknowledged every one of its documents;
anything else leaves it failed (or untouched when the run stops first), so the next run fetches it again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from copilot_usage import planner
from copilot_usage.aftercare import run_aftercare
from copilot_usage.archive import Archive, archive_from_settings
from copilot_usage.github.client import GitHubClient
from copilot_usage.github.errors import (
    AuthenticationError,
    BudgetExhausted,
    ForbiddenError,
    GitHubError,
    NotFoundError,
    RateLimitError,
)
from copilot_usage.github.reports import ReportDownload
from copilot_usage.model import Report, Scope, Status
from copilot_usage.pipeline import DayLog, DayPipeline, DayRecords, DayResult
from copilot_usage.planner import (
    BILLING_RETRY_DAYS,
    NOT_ACCESSIBLE_ERROR,
    PlanOptions,
    RunProgress,
    Task,
    plan,
)
from copilot_usage.registry import ReportSpec, spec_for
from copilot_usage.settings import Settings
from copilot_usage.shaping.adoption import ADOPTION_WINDOW_DAYS
from copilot_usage.store.client import client_from_settings
from copilot_usage.store.errors import StoreError
from copilot_usage.store.ingestion_log import IngestionLog, LogEntry
from copilot_usage.store.templates import ensure_indices
from copilot_usage.store.writer import make_searchable

logger = logging.getLogger("copilot_usage.run")

MAX_ERRORS_KEPT = 50


@dataclass
class RunSummary:
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    tasks_planned: int = 0
    tasks_run: int = 0
    days: Counter[str] = field(default_factory=Counter)  # complete / unchanged / not_ready / empty / failed
    documents: Counter[str] = field(default_factory=Counter)  # per index key
    records: int = 0
    rejected_records: int = 0
    # reason -> records set aside for it this run, and one example (scope, report, day) of where
    rejected_reasons: Counter[str] = field(default_factory=Counter)
    rejected_examples: dict[str, str] = field(default_factory=dict)
    deleted_stale: int = 0
    errors: list[str] = field(default_factory=list)
    stopped: str | None = None  # why the run stopped before finishing its plan
    github: dict[str, Any] = field(default_factory=dict)
    mapping_changes: list[str] = field(default_factory=list)
    # report -> fields its records carried that this collector does not know (kept in the raw archive)
    new_fields: dict[str, set[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and self.days["failed"] == 0 and self.stopped not in ("store", "auth")

    @property
    def duration_seconds(self) -> float:
        end = self.finished_at or dt.datetime.now(dt.UTC)
        return (end - self.started_at).total_seconds()

    def add_error(self, message: str) -> None:
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "started_at": self.started_at.isoformat(),
            "duration_seconds": round(self.duration_seconds, 3),
            "tasks_planned": self.tasks_planned,
            "tasks_run": self.tasks_run,
            "days": dict(self.days),
            "documents": dict(self.documents),
            "documents_total": sum(self.documents.values()),
            "records": self.records,
            "rejected_records": self.rejected_records,
            "rejected_reasons": {reason: {"count": n, "example": self.rejected_examples.get(reason)}
                                 for reason, n in self.rejected_reasons.most_common()},
            "deleted_stale": self.deleted_stale,
            "stopped": self.stopped,
            "github": self.github,
            "mapping_changes": self.mapping_changes,
            "new_fields": {report: sorted(fields) for report, fields in sorted(self.new_fields.items())},
            "errors": self.errors,
        }

    def log_line(self) -> str:
        """One structured line with every counter, for Application Insights and log search."""
        return "copilot-usage run " + json.dumps(self.to_dict(), sort_keys=True, default=str)


class _Stop(Exception):
    """The run must stop: budget spent, rate limited, credential rejected or store unreachable."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


class Collector:
    """Turns planned tasks into day pipeline runs with GitHub as the source; one instance per run.

    What is GitHub's alone stays here: downloads and snapshot requests (a rolling 28-day report among them),
    204 as not ready, unchanged content, the raw archive, and which errors stop the run. Everything else is the
    day pipeline's.
    """

    def __init__(
        self,
        settings: Settings,
        github: GitHubClient,
        es: Any,
        archive: Archive | None,
        workdir: Path,
        now: Callable[[], dt.datetime],
    ):
        self.github = github
        self.es = es
        self.archive = archive
        self.workdir = workdir
        self.prefix = settings.store.index_prefix
        self.ingestion_log = IngestionLog(es, self.prefix)
        self.previous: dict[Scope, dict[tuple[str, dt.date], LogEntry]] = {}
        self.log = DayLog(self.ingestion_log, self.previous, now)
        self.pipeline = DayPipeline(es, self.prefix, log=self.log, max_docs=settings.store.bulk_max_docs,
                                    privacy=settings.privacy)
        self.progress = RunProgress({})

    def load_log(self, scopes: Iterable[Scope]) -> None:
        for scope in scopes:
            self.previous[scope] = self.ingestion_log.load(scope)
        self.progress = RunProgress(self.previous)

    def execute(self, task: Task) -> DayResult | None:
        if self.progress.skip(task):
            return None  # blocked, or before this scope's data: left unrecorded, the planner knows from the log
        spec = spec_for(task.unit)
        try:
            if spec.daily:
                result = self._daily(spec, task)
            elif spec.latest is not None:
                result = self._latest(spec, task)
            else:
                result = self._snapshot(spec, task)
        except (BudgetExhausted, RateLimitError) as exc:
            raise _Stop("github_budget", str(exc)) from None
        except AuthenticationError as exc:  # a rejected PAT, or a GitHub App token that cannot be minted
            raise _Stop("auth", str(exc)) from None
        except StoreError as exc:  # unreachable, or refusing the ingestion log: no day can be recorded
            raise _Stop("store", str(exc)) from None
        except ForbiddenError as exc:
            self.progress.block(task)
            if spec.not_accessible_is_empty:
                # Most tokens may not read billing: record it once as done, with the reason, and not as a run
                # error; the planner reads the entry and skips this report for BILLING_RETRY_DAYS.
                logger.warning("%s: %s %s; not asked again for %d days", task.scope, task.unit.value,
                               NOT_ACCESSIBLE_ERROR, BILLING_RETRY_DAYS)
                self.log.record(task.scope, task.day, spec.logged, Status.EMPTY, error=NOT_ACCESSIBLE_ERROR)
                return DayResult(Status.EMPTY)
            return self._failed(spec, task, str(exc))
        except NotFoundError as exc:
            # The scope or this report is not accessible: every other day would fail the same way.
            self.progress.block(task)
            return self._failed(spec, task, str(exc))
        except GitHubError as exc:
            return self._failed(spec, task, str(exc))
        self.progress.observe(task, result.status)
        return result

    def _daily(self, spec: ReportSpec, task: Task) -> DayResult:
        with contextlib.ExitStack() as stack:
            downloads: list[ReportDownload | None] = []
            for report in reversed(spec.logged):  # joined reports first: their rows are read before the main's
                assert isinstance(report, Report)
                download = self.github.report(task.scope, report, task.day, self.workdir)
                if download is not None:
                    stack.enter_context(download)
                downloads.insert(0, download)
            main, joined = downloads[0], downloads[1:]
            if main is None:
                # Without the main report there is nothing to shape (or join); keep all for a later run.
                self.log.record(task.scope, task.day, spec.logged, Status.NOT_READY)
                return DayResult(Status.NOT_READY)
            content_hash = ":".join(d.sha256 if d is not None else "-" for d in downloads)
            if all(d is not None for d in joined) and self._unchanged(spec, task, content_hash):
                self.log.record(task.scope, task.day, spec.logged, Status.UNCHANGED, content_hash=content_hash)
                return DayResult(Status.UNCHANGED)
            for report, download in zip(spec.logged, downloads, strict=True):
                if download is not None and self.archive is not None:
                    # put_day replaces the whole day, so a revision with fewer files leaves no stale parts behind.
                    self.archive.put_day(task.scope, report.value, task.day, download.files)
            present = [d for d in downloads if d is not None]
            first_joined = joined[0] if joined else None
            source = DayRecords(
                records=main.iter_records(),
                joined=first_joined.iter_records() if first_joined is not None else (),
                unreadable=lambda: [entry.reason for d in present for _, entry in d.malformed],
                content_hash=content_hash,
                joined_hash=first_joined.sha256 if first_joined is not None else None,
            )
            return self.pipeline.run(spec, task.scope, task.day, source, replace=self._previously_complete(spec, task))

    def _snapshot(self, spec: ReportSpec, task: Task) -> DayResult:
        assert spec.fetch is not None
        fetched = spec.fetch(self.github, task.scope, task.day)
        source = DayRecords(records=fetched.records, joined=fetched.joined)
        return self.pipeline.run(spec, task.scope, task.day, source, replace=self._previously_complete(spec, task))

    def _latest(self, spec: ReportSpec, task: Task) -> DayResult:
        """GitHub's latest 28-day report, asked once on the task's day (the ingestion log's key). Its documents
        (and archived files) are for the window's end day, which only the answer names; the same content as
        the last window stored is logged unchanged without writing."""
        assert spec.latest is not None
        download = self.github.latest_28_day(task.scope, spec.latest, self.workdir)
        if download is None:
            # No 28-day report (204, an empty 200 or a 404: github/reports.py): done for today, asked tomorrow.
            self.log.record(task.scope, task.day, spec.logged, Status.EMPTY)
            return DayResult(Status.EMPTY)
        with download:
            last = self._last_stored(spec, task.scope)
            if last is not None and last.content_hash == download.sha256:
                self.log.record(task.scope, task.day, spec.logged, Status.UNCHANGED, content_hash=download.sha256,
                                carried=last)
                return DayResult(Status.UNCHANGED)
            if self.archive is not None:
                self.archive.put_day(task.scope, spec.unit.value, download.day, download.files)
            source = DayRecords(
                records=download.iter_records(),
                unreadable=lambda: [entry.reason for _, entry in download.malformed],
                content_hash=download.sha256,
            )
            # A window's documents are all this unit's: what its newest file no longer holds goes.
            return self.pipeline.run(spec, task.scope, download.day, source, replace=True, log_day=task.day)

    def _last_stored(self, spec: ReportSpec, scope: Scope) -> LogEntry | None:
        """The unit's newest complete log entry with content: what the last fetch stored."""
        stored = [e for (report, _), e in self.previous.get(scope, {}).items()
                  if report == spec.unit.value and e.status == Status.COMPLETE and e.content_hash]
        return max(stored, key=lambda e: e.day, default=None)

    def _unchanged(self, spec: ReportSpec, task: Task, content_hash: str) -> bool:
        entries = [self.log.entry(task.scope, report, task.day) for report in spec.logged]
        return (
            entries[0] is not None
            and entries[0].content_hash == content_hash
            and all(e is not None and e.status == Status.COMPLETE for e in entries)
        )

    def _previously_complete(self, spec: ReportSpec, task: Task) -> bool:
        entry = self.log.entry(task.scope, spec.unit, task.day)
        return entry is not None and entry.status == Status.COMPLETE

    def _failed(self, spec: ReportSpec, task: Task, error: str) -> DayResult:
        self.log.record(task.scope, task.day, spec.logged, Status.FAILED, error=error)
        return DayResult(Status.FAILED, error=error)


def _github_client(settings: Settings) -> GitHubClient:
    provider = None
    if settings.github.uses_app:
        # Imported only here: it needs the `azure` extra (PyJWT, cryptography), which a PAT user may not have.
        from copilot_usage.github.app_auth import InstallationTokenProvider

        provider = InstallationTokenProvider.from_settings(settings)
    return GitHubClient.from_settings(settings, token_provider=provider)


@dataclass(frozen=True)
class Backfill:
    """`backfill --from --to [--force]`: an explicit range instead of the planner's own choice."""

    start: dt.date
    end: dt.date
    force: bool = False


PreviousLogs = Mapping[Scope, Mapping[tuple[str, dt.date], LogEntry]]


def build_tasks(
    settings: Settings, logs: PreviousLogs, now: dt.datetime, backfill: Backfill | None = None
) -> list[Task]:
    """The run's tasks: the planner's choice, or the explicit `backfill` range (tracked_run and run use it)."""
    if backfill is not None:
        return planner.backfill(settings.scopes, logs, backfill.start, backfill.end, force=backfill.force)
    schedule = settings.schedule
    options = PlanOptions(
        today=schedule.today(),
        now=now,
        late_window_days=schedule.late_window_days,
        late_refresh_hours=schedule.late_refresh_hours,
        backfill_start=schedule.backfill_start,
        run_interval_hours=schedule.interval_hours,
    )
    return plan(settings.scopes, logs, options)


def run(
    settings: Settings,
    *,
    github: GitHubClient | None = None,
    es: Any = None,
    archive: Archive | None = None,
    backfill: Backfill | None = None,
    tasks: Callable[[PreviousLogs, dt.datetime], list[Task]] | None = None,
    now: Callable[[], dt.datetime] | None = None,
    on_task: Callable[[Task, DayResult | None], None] | None = None,
) -> RunSummary:
    """Run one collection. Never raises for data problems: they are in the summary (and the log).

    `tasks` replaces the planner (tests use it to run chosen tasks); `backfill` asks the planner for a range.
    """
    clock = now or (lambda: dt.datetime.now(dt.UTC))
    summary = RunSummary(started_at=clock())
    started = time.monotonic()
    try:
        github = github or _github_client(settings)
    except AuthenticationError as exc:  # e.g. a GitHub App private key that is not usable
        summary.stopped = "auth"
        summary.add_error(str(exc))
        summary.finished_at = clock()
        logger.info(summary.log_line())
        return summary
    archive = archive if archive is not None else archive_from_settings(settings.archive)
    try:
        # Inside the try: detecting the engine talks to it, and an engine down at start is a summary, not a crash.
        es = es if es is not None else client_from_settings(settings.store)
        report = ensure_indices(es, settings.store.index_prefix)
        summary.mapping_changes = list(report.changes) + [f"problem: {p}" for p in report.problems]
        for problem in report.problems:
            summary.add_error(f"index mapping: {problem}")
        with tempfile.TemporaryDirectory(prefix="copilot-usage-") as workdir:
            collector = Collector(settings, github, es, archive, Path(workdir), clock)
            collector.load_log(settings.scopes)
            choose = tasks or (lambda logs, at: build_tasks(settings, logs, at, backfill))
            planned = choose(collector.previous, clock())
            summary.tasks_planned = len(planned)
            _execute(collector, planned, settings.github.max_concurrency, summary, on_task)
            if summary.stopped != "store":
                # Everything below, and every reader after the run, sees what this run acknowledged.
                make_searchable(es, settings.store.index_prefix)
            if summary.stopped not in ("store", "auth"):
                _refresh_adoption(collector, planned, summary)
                make_searchable(es, settings.store.index_prefix, "user_adoption")
                run_aftercare(es, settings, summary)  # retention, small-team flags, derived summaries
    except StoreError as exc:
        summary.stopped = "store"
        summary.add_error(f"Elasticsearch unavailable: {exc}")
    summary.github = dict(github.stats)
    summary.finished_at = clock()
    for report_name, fields in sorted(summary.new_fields.items()):
        for name in sorted(fields):
            # Once per run and field: news for whoever maintains the collector, not an error.
            logger.warning("new field seen: %s in report %s (kept in the raw archive; stored once the collector "
                           "knows it: upgrade, then `copilot-usage reprocess`)", name, report_name)
    logger.info(summary.log_line())
    logger.debug("run took %.1f s", time.monotonic() - started)
    return summary


def _execute(
    collector: Collector,
    planned: list[Task],
    concurrency: int,
    summary: RunSummary,
    on_task: Callable[[Task, DayResult | None], None] | None,
) -> None:
    stop = threading.Event()
    lock = threading.Lock()

    def work(task: Task) -> None:
        if stop.is_set():
            return
        try:
            outcome = collector.execute(task)
        except _Stop as exc:
            with lock:
                if not stop.is_set():
                    summary.stopped = exc.reason
                    if exc.reason == "github_budget":
                        logger.warning("stopping early, the rest continues next run: %s", exc)
                    else:
                        summary.add_error(str(exc))
                stop.set()
            return
        except Exception as exc:  # a bug or an unexpected failure must not lose the other tasks' work
            logger.exception("task %s failed unexpectedly", task)
            with lock:
                summary.add_error(f"{task}: unexpected {type(exc).__name__}: {str(exc)[:200]}")
                summary.days[Status.FAILED] += 1
            return
        with lock:
            if outcome is not None:
                summary.tasks_run += 1
                summary.days[outcome.status.value] += 1
                summary.documents.update(outcome.documents)
                summary.records += outcome.records
                summary.rejected_records += outcome.rejected
                for reason, n in outcome.reasons.items():
                    summary.rejected_reasons[reason] += n
                    summary.rejected_examples.setdefault(reason, f"{task.scope} {task.unit.value} {task.day}")
                summary.deleted_stale += outcome.deleted
                for report, fields in outcome.new_fields.items():
                    summary.new_fields.setdefault(report, set()).update(fields)
                if outcome.error:
                    summary.add_error(f"{task}: {outcome.error}")
        if on_task is not None:
            on_task(task, outcome)

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="collect") as pool:
        list(pool.map(work, planned))


def _refresh_adoption(collector: Collector, planned: list[Task], summary: RunSummary) -> None:
    """Recompute adoption scores for windows that include a users day this run wrote."""
    touched: dict[Scope, set[dt.date]] = {}
    for task in planned:
        if spec_for(task.unit).feeds_adoption:
            touched.setdefault(task.scope, set()).add(task.day)
    for scope, days in touched.items():
        try:
            written = collector.pipeline.refresh_adoption({scope: days}, ADOPTION_WINDOW_DAYS)
        except StoreError as exc:
            summary.add_error(f"adoption scores for {scope}: {exc}")
            continue
        summary.documents["user_adoption"] += written
