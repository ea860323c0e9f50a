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
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
from copilot_usage.model import Report, Scope, Snapshot
from copilot_usage.planner import (
    BILLING_RETRY_DAYS,
    EDGE_DAYS,
    NOT_ACCESSIBLE_ERROR,
    UNIT_REPORTS,
    PlanOptions,
    Task,
    plan,
)
from copilot_usage.privacy import protect
from copilot_usage.settings import Settings
from copilot_usage.shaping.adoption import ADOPTION_WINDOW_DAYS
from copilot_usage.shaping.aggregate import shape_aggregate
from copilot_usage.shaping.billing import BillingUsageShaper
from copilot_usage.shaping.errors import RecordError
from copilot_usage.shaping.known_fields import new_fields
from copilot_usage.shaping.repos import shape_repo
from copilot_usage.shaping.seats import SeatsShaper
from copilot_usage.shaping.teams import shape_team
from copilot_usage.shaping.users import UsersShaper, membership_from_user_teams
from copilot_usage.store.adoption import refresh_adoption
from copilot_usage.store.cleanup import delete_stale
from copilot_usage.store.client import client_from_settings
from copilot_usage.store.errors import StoreError
from copilot_usage.store.indices import Doc
from copilot_usage.store.ingestion_log import IngestionLog, LogEntry
from copilot_usage.store.templates import ensure_indices
from copilot_usage.store.writer import BulkWriter, make_searchable

logger = logging.getLogger("copilot_usage.run")

MAX_ERRORS_KEPT = 50
DONE_STATUSES = ("complete", "empty")


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


@dataclass
class _Outcome:
    status: str
    documents: Counter[str] = field(default_factory=Counter)
    records: int = 0
    rejected: int = 0
    deleted: int = 0
    error: str | None = None
    reasons: Counter[str] = field(default_factory=Counter)
    new_fields: dict[str, set[str]] = field(default_factory=dict)


class _Stop(Exception):
    """The run must stop: budget spent, rate limited, credential rejected or store unreachable."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


class Collector:
    """Executes planned tasks; one instance per run."""

    def __init__(
        self,
        settings: Settings,
        github: GitHubClient,
        es: Any,
        archive: Archive | None,
        workdir: Path,
        now: Callable[[], dt.datetime],
    ):
        self.settings = settings
        self.github = github
        self.es = es
        self.archive = archive
        self.workdir = workdir
        self.now = now
        self.prefix = settings.index_prefix
        self.log = IngestionLog(es, self.prefix)
        self.previous: dict[Scope, dict[tuple[str, dt.date], LogEntry]] = {}
        self.blocked: set[tuple[Scope, str]] = set()
        # Learning where a scope's data starts during a first backfill (newest first): the earliest day with
        # data per (scope, unit), 204s seen below it, and, once EDGE_DAYS of them are seen, the proven start.
        self.earliest: dict[tuple[Scope, str], dt.date] = {}
        self.misses_below: Counter[tuple[Scope, str]] = Counter()
        self.data_starts: dict[tuple[Scope, str], dt.date] = {}
        self._lock = threading.Lock()

    # --- entry points --------------------------------------------------------------------------------
    def load_log(self, scopes: Iterable[Scope]) -> None:
        for scope in scopes:
            self.previous[scope] = entries = self.log.load(scope)
            for unit, reports in UNIT_REPORTS.items():
                done = [d for (r, d), e in entries.items() if r == reports[0].value and e.status in DONE_STATUSES]
                if done:
                    self.earliest[(scope, unit.value)] = min(done)

    def execute(self, task: Task) -> _Outcome | None:
        key = (task.scope, task.unit.value)
        if key in self.blocked:
            return None
        start = self.data_starts.get(key)
        if start is not None and task.day < start - dt.timedelta(days=1):
            return None  # before this scope's data: left unrecorded, the planner knows from the log
        outcome = self._execute(task)
        if outcome is not None and isinstance(task.unit, Report):
            self._learn_start(key, task.day, outcome.status)
        return outcome

    def _learn_start(self, key: tuple[Scope, str], day: dt.date, status: str) -> None:
        with self._lock:
            earliest = self.earliest.get(key)
            if status in DONE_STATUSES or status == "unchanged":
                if earliest is None or day < earliest:
                    self.earliest[key] = day
            elif status == "not_ready" and earliest is not None and day < earliest:
                self.misses_below[key] += 1
                if self.misses_below[key] >= EDGE_DAYS:
                    self.data_starts[key] = earliest

    def _execute(self, task: Task) -> _Outcome | None:
        try:
            if task.unit is Snapshot.SEATS:
                return self._seats(task)
            if task.unit is Snapshot.TEAMS:
                return self._teams(task)
            if task.unit is Snapshot.BILLING_USAGE:
                return self._billing_usage(task)
            if task.unit is Report.USERS:
                return self._users(task)
            return self._report(task)
        except (BudgetExhausted, RateLimitError) as exc:
            raise _Stop("github_budget", str(exc)) from None
        except AuthenticationError as exc:
            raise _Stop("auth", str(exc)) from None
        except StoreError as exc:  # unreachable, or refusing the ingestion log: no day can be recorded
            raise _Stop("store", str(exc)) from None
        except (ForbiddenError, NotFoundError) as exc:
            # The scope or this report is not accessible: every other day would fail the same way.
            with self._lock:
                self.blocked.add((task.scope, task.unit.value))
            return self._failed(task, str(exc))
        except GitHubError as exc:
            return self._failed(task, str(exc))

    # --- units ---------------------------------------------------------------------------------------
    def _report(self, task: Task) -> _Outcome:
        assert isinstance(task.unit, Report)
        report = task.unit
        download = self.github.report(task.scope, report, task.day, self.workdir)
        if download is None:
            return self._record(task, [report], "not_ready")
        with download:
            if self._unchanged(task, [report], download.sha256):
                return self._record(task, [report], "complete", content_hash=download.sha256, unchanged=True)
            self._archive(task.scope, report, task.day, download)
            shape = shape_aggregate if report is Report.AGGREGATE else _one(shape_repo)
            counts = _Counts()
            docs = _shape_all(download.iter_records(), lambda rec: shape(task.scope, task.day, rec), counts,
                              report.value)
            return self._store(task, [report], docs, counts, download, download.sha256)

    def _users(self, task: Task) -> _Outcome:
        teams_download = self.github.report(task.scope, Report.USER_TEAMS, task.day, self.workdir)
        users_download = self.github.report(task.scope, Report.USERS, task.day, self.workdir)
        with contextlib.ExitStack() as stack:
            for d in (teams_download, users_download):
                if d is not None:
                    stack.enter_context(d)
            if users_download is None:
                # Without the users report there is nothing to join; keep both for a later run.
                return self._record(task, [Report.USERS, Report.USER_TEAMS], "not_ready")
            combined = users_download.sha256 + ":" + (teams_download.sha256 if teams_download else "-")
            reports = [Report.USERS, Report.USER_TEAMS]
            if teams_download is not None and self._unchanged(task, reports, combined):
                return self._record(task, reports, "complete", content_hash=combined, unchanged=True)
            self._archive(task.scope, Report.USERS, task.day, users_download)
            counts = _Counts()
            membership_records: Iterable[dict] = ()
            if teams_download is not None:
                self._archive(task.scope, Report.USER_TEAMS, task.day, teams_download)
                membership_records = _noting(teams_download.iter_records(), Report.USER_TEAMS.value, counts)
            membership, rejected_rows = membership_from_user_teams(membership_records, task.scope, task.day)
            counts.set_aside(rejected_rows)
            counts.set_aside(entry.reason for _, entry in (teams_download.malformed if teams_download else ()))
            shaper = UsersShaper(task.scope, task.day, membership)

            def docs() -> Iterator[Doc]:
                yield from _shape_all(users_download.iter_records(), lambda rec: [shaper.add(rec)], counts,
                                      Report.USERS.value)
                yield from shaper.finish()

            outcome = self._store(task, [Report.USERS], docs(), counts, users_download, combined)
            if outcome.status == "failed":
                self._record(task, [Report.USER_TEAMS], "failed", error=outcome.error)
            elif teams_download is None:
                self._record(task, [Report.USER_TEAMS], "not_ready")
            else:
                self._record(task, [Report.USER_TEAMS], "complete", content_hash=teams_download.sha256)
            return outcome

    def _seats(self, task: Task) -> _Outcome:
        shaper = SeatsShaper(task.scope, task.day)
        counts = _Counts()
        billing = self.github.billing(task.scope)

        def docs() -> Iterator[Doc]:
            yield from _shape_all(self.github.seats(task.scope), lambda seat: [shaper.add(seat)], counts)
            yield shaper.summary(billing)

        return self._store(task, [task.unit], docs(), counts, None, None)

    def _teams(self, task: Task) -> _Outcome:
        counts = _Counts()
        docs = _shape_all(self.github.teams(task.scope), lambda t: [shape_team(task.scope, task.day, t)], counts)
        return self._store(task, [task.unit], docs, counts, None, None)

    def _billing_usage(self, task: Task) -> _Outcome:
        try:
            items = self.github.billing_usage(task.scope, task.day) or []
        except ForbiddenError:
            # Most tokens may not read billing: record it once as done, with the reason, and not as a run
            # error; the planner reads the entry and skips this report for BILLING_RETRY_DAYS.
            with self._lock:
                self.blocked.add((task.scope, task.unit.value))
            logger.warning("%s: billing usage %s; not asked again for %d days", task.scope, NOT_ACCESSIBLE_ERROR,
                           BILLING_RETRY_DAYS)
            outcome = self._record(task, [task.unit], "empty", error=NOT_ACCESSIBLE_ERROR)
            outcome.error = None
            return outcome
        shaper = BillingUsageShaper(task.scope, task.day)
        counts = _Counts()

        def add(item: dict) -> list[Doc]:
            shaper.add(item)
            return []  # lines with the same key are merged, so documents come from finish()

        def docs() -> Iterator[Doc]:
            yield from _shape_all(items, add, counts)
            yield from shaper.finish()

        return self._store(task, [task.unit], docs(), counts, None, None)

    # --- shared steps --------------------------------------------------------------------------------
    def _store(
        self,
        task: Task,
        reports: list[Report | Snapshot],
        docs: Iterable[Doc],
        counts: _Counts,
        download: ReportDownload | None,
        content_hash: str | None,
    ) -> _Outcome:
        writer = BulkWriter(self.es, self.prefix, max_docs=self.settings.bulk_max_docs)
        written_ids: dict[str, set[str]] = {}

        def tracked() -> Iterator[Doc]:
            for doc in protect(docs, self.settings.privacy):  # pseudonyms and the small-team flag
                written_ids.setdefault(doc.index.key, set()).add(doc.id)
                yield doc

        result = writer.write(tracked())
        if download is not None:
            counts.set_aside(entry.reason for _, entry in download.malformed)
        if counts.rejected:
            top = ", ".join(f"{reason} ({n})" for reason, n in counts.reasons.most_common(3))
            logger.warning("%s %s %s: %d record(s) set aside: %s", task.scope, task.unit.value, task.day,
                           counts.rejected, top)
        # Counted by index key (usage_daily, ...), the same names the summary uses everywhere.
        documents = Counter({k.removeprefix(self.prefix): v for k, v in result.per_index.items()})
        if result.errors:
            first = result.errors[0]
            error = f"{len(result.errors)} documents rejected by the store, first: {first.index} {first.reason}"
            outcome = self._record(task, reports, "failed", error=error, counts=counts)
            outcome.documents = documents
            return outcome
        deleted = 0
        # Only a fetch with nothing set aside may remove documents: one with damaged lines would otherwise
        # delete the documents of records that an earlier, cleaner fetch stored.
        if not counts.rejected and self._previously_complete(task, reports):
            # The day changed (GitHub revised it): remove documents the new content no longer has.
            for index_key, ids in written_ids.items():
                deleted += delete_stale(self.es, self.prefix, index_key, task.scope, task.day, ids)
        status = "complete" if counts.records or task.unit in (Snapshot.SEATS, Snapshot.TEAMS) else "empty"
        outcome = self._record(
            task, reports, status, content_hash=content_hash, counts=counts, documents=sum(documents.values())
        )
        outcome.documents = documents
        outcome.deleted = deleted
        outcome.reasons = counts.reasons
        return outcome

    def _archive(self, scope: Scope, report: Report, day: dt.date, download: ReportDownload) -> None:
        if self.archive is None:
            return
        # put_day replaces the whole day, so a revision with fewer files leaves no stale parts behind.
        self.archive.put_day(scope, report.value, day, download.files)

    def _unchanged(self, task: Task, reports: list[Report], content_hash: str) -> bool:
        previous = self.previous.get(task.scope, {})
        entry = previous.get((reports[0].value, task.day))
        return bool(
            entry is not None
            and entry.status == "complete"
            and entry.content_hash == content_hash
            and all((p := previous.get((r.value, task.day))) is not None and p.status == "complete" for r in reports)
        )

    def _previously_complete(self, task: Task, reports: list[Report | Snapshot]) -> bool:
        entry = self.previous.get(task.scope, {}).get((reports[0].value, task.day))
        return entry is not None and entry.status == "complete"

    def _failed(self, task: Task, error: str) -> _Outcome:
        reports: list[Report | Snapshot] = (
            [Report.USERS, Report.USER_TEAMS] if task.unit is Report.USERS else [task.unit]
        )
        return self._record(task, reports, "failed", error=error)

    def _record(
        self,
        task: Task,
        reports: list[Report | Snapshot] | list[Report],
        status: str,
        *,
        content_hash: str | None = None,
        error: str | None = None,
        counts: _Counts | None = None,
        documents: int = 0,
        unchanged: bool = False,
    ) -> _Outcome:
        counts = counts or _Counts()
        now = self.now()
        previous = self.previous.get(task.scope, {})
        entries = []
        for report in reports:
            before = previous.get((report.value, task.day))
            entries.append(
                LogEntry(
                    scope_type=task.scope.type.value,
                    scope=task.scope.slug,
                    report=report.value,
                    day=task.day,
                    status=status,
                    record_count=counts.records if not unchanged else (before.record_count if before else 0),
                    rejected_count=counts.rejected if not unchanged else (before.rejected_count if before else 0),
                    document_count=documents if not unchanged else (before.document_count if before else 0),
                    content_hash=content_hash if status == "complete" else (before.content_hash if before else None),
                    attempts=(before.attempts if before else 0) + 1,
                    error=error,
                    fetched_at=now,
                    first_fetched_at=before.first_fetched_at if before and before.first_fetched_at else now,
                    new_fields=tuple(sorted(counts.new_fields.get(report.value, ()))) if not unchanged
                    else (before.new_fields if before else ()),
                )
            )
        self.log.record_many(entries)
        return _Outcome(
            status="unchanged" if unchanged else status,
            records=counts.records,
            rejected=counts.rejected,
            error=error,
            new_fields=counts.new_fields,
        )


@dataclass
class _Counts:
    records: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    new_fields: dict[str, set[str]] = field(default_factory=dict)  # report -> fields not known yet

    def note(self, report: str, record: dict) -> None:
        """Remember the fields of `record` this collector does not know (they stay in the raw archive)."""
        unknown = new_fields(report, record)
        if unknown:
            self.new_fields.setdefault(report, set()).update(unknown)

    def set_aside(self, reasons: Iterable[str]) -> None:
        """Count records that could not be used, by reason (cut short: a reason names a field, not data)."""
        for reason in reasons:
            self.rejected += 1
            self.reasons[reason[:120]] += 1


def _one(shape: Callable[[Scope, dt.date, dict], Doc]) -> Callable[[Scope, dt.date, dict], list[Doc]]:
    return lambda scope, day, record: [shape(scope, day, record)]


def _noting(records: Iterable[dict], report: str, counts: _Counts) -> Iterator[dict]:
    for record in records:
        counts.note(report, record)
        yield record


def _shape_all(
    records: Iterable[dict], shape: Callable[[dict], Iterable[Doc]], counts: _Counts, report: str | None = None
) -> Iterator[Doc]:
    """Shape records one by one; a record that cannot be shaped is counted and set aside. For a report
    (`report`), fields the collector does not know are noted on the way."""
    for record in records:
        counts.records += 1
        if report is not None:
            counts.note(report, record)
        try:
            docs = list(shape(record))
        except RecordError as exc:
            counts.set_aside([str(exc)])
            continue
        yield from docs


def build_tasks(settings: Settings, collector: Collector, now: dt.datetime) -> list[Task]:
    options = PlanOptions(
        today=settings.today(),
        now=now,
        late_window_days=settings.late_window_days,
        late_refresh_hours=settings.late_refresh_hours,
        backfill_start=settings.backfill_start,
        run_interval_hours=settings.execution_interval_hours,
    )
    return plan(settings.scopes, collector.previous, options)


def _github_client(settings: Settings) -> GitHubClient:
    provider = None
    if settings.uses_github_app:
        # Imported only here: it needs the `azure` extra (PyJWT, cryptography), which a PAT user may not have.
        from copilot_usage.github.app_auth import InstallationTokenProvider

        provider = InstallationTokenProvider.from_settings(settings)
    return GitHubClient.from_settings(settings, token_provider=provider)


def run(
    settings: Settings,
    *,
    github: GitHubClient | None = None,
    es: Any = None,
    archive: Archive | None = None,
    tasks: Callable[[Collector, dt.datetime], list[Task]] | None = None,
    now: Callable[[], dt.datetime] | None = None,
    on_task: Callable[[Task, _Outcome | None], None] | None = None,
) -> RunSummary:
    """Run one collection. Never raises for data problems: they are in the summary (and the log)."""
    clock = now or (lambda: dt.datetime.now(dt.UTC))
    summary = RunSummary(started_at=clock())
    github = github or _github_client(settings)
    archive = archive if archive is not None else archive_from_settings(settings)
    started = time.monotonic()
    try:
        # Inside the try: detecting the engine talks to it, and an engine down at start is a summary, not a crash.
        es = es if es is not None else client_from_settings(settings)
        report = ensure_indices(es, settings.index_prefix)
        summary.mapping_changes = list(report.changes) + [f"problem: {p}" for p in report.problems]
        for problem in report.problems:
            summary.add_error(f"index mapping: {problem}")
        with tempfile.TemporaryDirectory(prefix="copilot-usage-") as workdir:
            collector = Collector(settings, github, es, archive, Path(workdir), clock)
            collector.load_log(settings.scopes)
            planned = (tasks or (lambda c, n: build_tasks(settings, c, n)))(collector, clock())
            summary.tasks_planned = len(planned)
            _execute(collector, planned, settings.max_concurrency, summary, on_task)
            if summary.stopped != "store":
                # Everything below, and every reader after the run, sees what this run acknowledged.
                make_searchable(es, settings.index_prefix)
            if summary.stopped not in ("store", "auth"):
                _refresh_adoption(collector, planned, summary)
                make_searchable(es, settings.index_prefix, "user_adoption")
                run_aftercare(es, settings, summary)  # retention, small-team flags, derived summaries
    except StoreError as exc:
        summary.stopped = "store"
        summary.add_error(f"Elasticsearch unavailable: {exc}")
    summary.github = dict(github.stats)
    summary.finished_at = clock()
    for report, fields in sorted(summary.new_fields.items()):
        for name in sorted(fields):
            # Once per run and field: news for whoever maintains the collector, not an error.
            logger.warning("new field seen: %s in report %s (kept in the raw archive; stored once the collector "
                           "knows it: upgrade, then `copilot-usage reprocess`)", name, report)
    logger.info(summary.log_line())
    logger.debug("run took %.1f s", time.monotonic() - started)
    return summary


def _execute(
    collector: Collector,
    planned: list[Task],
    concurrency: int,
    summary: RunSummary,
    on_task: Callable[[Task, _Outcome | None], None] | None,
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
                summary.days["failed"] += 1
            return
        with lock:
            if outcome is not None:
                summary.tasks_run += 1
                summary.days[outcome.status] += 1
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
        if task.unit is Report.USERS:
            touched.setdefault(task.scope, set()).add(task.day)
    for scope, days in touched.items():
        try:
            result = refresh_adoption(collector.es, collector.prefix, scope, days, ADOPTION_WINDOW_DAYS)
        except StoreError as exc:
            summary.add_error(f"adoption scores for {scope}: {exc}")
            continue
        summary.documents["user_adoption"] += result
