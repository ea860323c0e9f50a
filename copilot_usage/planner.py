"""Which (scope, report, day) to fetch in this run. Pure: it reads the ingestion log's state, does no I/O.

Rules (architecture.md §4):
- Every day from the availability floor to today-2 that the log does not mark complete (or empty) is fetched.
  The floor is the latest of: the first day GitHub serves for the scope type, today-365 (GitHub keeps a
  year), and BACKFILL_START.
- Days inside the late-correction window are fetched again because GitHub revises recent days. To keep a
  steady hourly run cheap, each such day is re-fetched once per `late_refresh_hours`, and the refreshes are
  spread over the runs in that period instead of all landing on one run.
- A day without a report ("not ready": GitHub answered 204, an empty 200 or a 404 for it) is retried on later
  runs with a growing interval (`no_report_wait_hours`): a recent day every run at first, then less often up
  to FRESH_MAX_WAIT_HOURS; a day well past GitHub's latency once per `stale_retry_hours`, doubling with each
  answer up to STALE_MAX_WAIT_HOURS, so a scope that had no data then costs almost nothing per run.
- A scope's own first day with data is learned: once the EDGE_DAYS days just before its earliest complete
  day have all answered 204, older days are not planned any more (only the day just before is re-checked,
  at the stale-retry rate). A scope that adopted Copilot recently so costs nothing for the months before.
- A done day whose files had records set aside (malformed or damaged lines) is fetched again on later runs,
  up to REJECTED_MAX_ATTEMPTS fetches in all, so a download damaged on its way is replaced by a clean copy.
  The same holds for today's latest 28-day report (feature engagement), the one snapshot that is a download.
- The organization billing usage report (Snapshot.BILLING_USAGE) is fetched once per day for the previous
  full UTC day, organizations only. A token that may not read it (403) is recorded once with an error
  starting NOT_ACCESSIBLE; the planner then leaves it alone for BILLING_RETRY_DAYS instead of asking daily.
- Order matters when the API budget runs out mid-run: today's seat/billing/teams snapshots go first (GitHub
  keeps no history of them, so a missed day is lost for good), then days about to leave GitHub's one-year
  window (lost otherwise), then the rest newest first (what users look at).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from copilot_usage.model import DONE, Report, Scope, ScopeType, Snapshot, Status
from copilot_usage.registry import DAILY_UNITS, SNAPSHOTS, UNIT_REPORTS, Unit, spec_for

# First days GitHub serves usage-metrics reports for (github-copilot-api.md §3.5).
FIRST_ENTERPRISE_DAY = dt.date(2025, 10, 10)
FIRST_ORGANIZATION_DAY = dt.date(2025, 12, 12)
HISTORY_DAYS = 365
READY_LAG_DAYS = 2  # asked from today-2 ("within two full UTC days", §3.5); GitHub is often later (§11.5)
EXPIRING_SOON_DAYS = 14
# Backoff of days that keep answering "no report" (204, an empty 200 or 404): a recent day is asked every run
# for its first FRESH_FREE_RETRIES answers, then after 1, 2, 4... run intervals up to FRESH_MAX_WAIT_HOURS; an old
# day after stale_retry_hours, doubling with each answer up to STALE_MAX_WAIT_HOURS.
FRESH_FREE_RETRIES = 3
FRESH_MAX_WAIT_HOURS = 6.0
STALE_MAX_WAIT_HOURS = 7 * 24.0
# This many "no report" days just before a scope's earliest day with data prove that its data starts there.
EDGE_DAYS = 7

# A 403 on the billing usage report is recorded with this error (status "empty": nothing to fetch again) and
# the planner skips the report while such an entry is younger than BILLING_RETRY_DAYS: permissions and the
# enhanced billing platform change rarely, and a daily 403 per org would only add noise.
NOT_ACCESSIBLE = "not accessible"
NOT_ACCESSIBLE_ERROR = f"{NOT_ACCESSIBLE} to this token (needs Administration: read / enhanced billing)"
BILLING_RETRY_DAYS = 7
# A done day whose files had records set aside (malformed or damaged lines) is fetched again in later runs
# until a fetch has none or the day has been fetched this many times: a download damaged on its way is
# repaired by the next clean copy, while a record GitHub itself serves broken stops costing requests.
REJECTED_MAX_ATTEMPTS = 3


class LogState(Protocol):
    @property
    def status(self) -> str: ...

    @property
    def fetched_at(self) -> dt.datetime | None: ...

    @property
    def rejected_count(self) -> int: ...

    @property
    def attempts(self) -> int: ...


@dataclass(frozen=True, order=True)
class Task:
    scope: Scope
    unit: Report | Snapshot
    day: dt.date
    reason: str  # missing | not_ready | failed | rejected | refresh | snapshot

    def __str__(self) -> str:
        return f"{self.scope} {self.unit.value} {self.day} ({self.reason})"


@dataclass(frozen=True)
class PlanOptions:
    today: dt.date
    now: dt.datetime
    late_window_days: int = 7
    backfill_start: dt.date | None = None
    late_refresh_hours: float = 24.0
    run_interval_hours: float = 1.0
    stale_retry_hours: float = 24.0
    units: tuple[Report, ...] = DAILY_UNITS
    snapshots: tuple[Snapshot, ...] = SNAPSHOTS


def availability_floor(scope: Scope, today: dt.date, backfill_start: dt.date | None) -> dt.date:
    first = FIRST_ORGANIZATION_DAY if scope.type is ScopeType.ORGANIZATION else FIRST_ENTERPRISE_DAY
    floor = max(first, today - dt.timedelta(days=HISTORY_DAYS))
    if backfill_start is not None:
        floor = max(floor, backfill_start)
    return floor


def last_ready_day(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=READY_LAG_DAYS)


def _days(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def _age_hours(state: LogState, now: dt.datetime) -> float:
    if state.fetched_at is None:
        return math.inf
    return (now - state.fetched_at).total_seconds() / 3600


def _unit_state(log: Mapping[tuple[str, dt.date], LogState], unit: Unit, day: dt.date) -> list[LogState | None]:
    return [log.get((report.value, day)) for report in UNIT_REPORTS[unit]]


def _worth_refetching(states: list[LogState], options: PlanOptions) -> bool:
    """Records were set aside on the last fetch, tries are left, and that fetch was before this run."""
    return (
        any(s.rejected_count > 0 for s in states)
        and max(s.attempts for s in states) < REJECTED_MAX_ATTEMPTS
        # Half an interval: a run that starts a little less than an interval after the fetch still counts.
        and min(_age_hours(s, options.now) for s in states) >= options.run_interval_hours / 2
    )


def no_report_wait_hours(attempts: int, stale: bool, options: PlanOptions) -> float:
    """How long after its last fetch a day that answered "no report" `attempts` times is asked again."""
    if stale:
        return min(STALE_MAX_WAIT_HOURS, options.stale_retry_hours * 2.0 ** max(0, attempts - 1))
    if attempts < FRESH_FREE_RETRIES:
        return 0.0
    # Half an interval of slack: a run starting a little early still counts (as for the refetch rule).
    intervals = 2.0 ** (attempts - FRESH_FREE_RETRIES) - 0.5
    return min(FRESH_MAX_WAIT_HOURS, options.run_interval_hours * intervals)


def data_start(log: Mapping[tuple[str, dt.date], LogState], unit: Report) -> dt.date | None:
    """The first day this scope has data for this unit, once the log proves it (see EDGE_DAYS)."""
    report = UNIT_REPORTS[unit][0].value
    done = [day for (name, day), state in log.items() if name == report and state.status in DONE]
    if not done:
        return None
    first = min(done)
    for back in range(1, EDGE_DAYS + 1):
        state = log.get((report, first - dt.timedelta(days=back)))
        if state is None or state.status != Status.NOT_READY:
            return None
    return first


def plan_scope(
    scope: Scope, log: Mapping[tuple[str, dt.date], LogState], options: PlanOptions
) -> list[Task]:
    """Tasks for one scope, in the order they should run."""
    floor = availability_floor(scope, options.today, options.backfill_start)
    last = last_ready_day(options.today)
    late_start = options.today - dt.timedelta(days=options.late_window_days)
    # 204s for days older than this are unlikely to turn into data soon; retry them rarely.
    fresh_start = last - dt.timedelta(days=options.late_window_days)

    needed: list[Task] = []
    refresh: list[tuple[float, Task]] = []
    late_entries = 0
    for unit in options.units:
        start = data_start(log, unit)
        first_day = max(floor, start - dt.timedelta(days=1)) if start else floor
        for day in _days(first_day, last):
            states = _unit_state(log, unit, day)
            if any(s is None for s in states):
                needed.append(Task(scope, unit, day, "missing"))
                continue
            present = [s for s in states if s is not None]
            if any(s.status == Status.FAILED for s in present):
                needed.append(Task(scope, unit, day, "failed"))
                continue
            if any(s.status == Status.NOT_READY for s in present):
                age = min(_age_hours(s, options.now) for s in present)
                attempts = max(s.attempts for s in present)
                if age >= no_report_wait_hours(attempts, day < fresh_start, options):
                    needed.append(Task(scope, unit, day, "not_ready"))
                continue
            if _worth_refetching(present, options):
                needed.append(Task(scope, unit, day, "rejected"))
                continue
            if day >= late_start:
                late_entries += 1
                age = min(_age_hours(s, options.now) for s in present)
                if age >= options.late_refresh_hours:
                    refresh.append((age, Task(scope, unit, day, "refresh")))

    ordered = snapshot_tasks(scope, log, options)
    ordered.extend(_order(needed, floor))
    # Spread refreshes: each late day is due once per late_refresh_hours; a run takes its share of them.
    runs_per_period = max(1.0, options.late_refresh_hours / max(options.run_interval_hours, 1e-6))
    share = max(1, math.ceil(late_entries / runs_per_period)) if late_entries else 0
    refresh.sort(key=lambda item: (-item[0], item[1].day))
    ordered.extend(task for _, task in refresh[:share])
    return ordered


def billing_usage_blocked(log: Mapping[tuple[str, dt.date], LogState], now: dt.datetime) -> bool:
    """True while the log holds a billing usage 403 younger than BILLING_RETRY_DAYS."""
    for (name, _), state in log.items():
        # getattr: `error` is only on billing usage entries that matter here; other states may lack it.
        error = getattr(state, "error", None) or ""
        if (name == Snapshot.BILLING_USAGE.value and error.startswith(NOT_ACCESSIBLE)
                and _age_hours(state, now) < BILLING_RETRY_DAYS * 24):
            return True
    return False


def snapshot_tasks(scope: Scope, log: Mapping[tuple[str, dt.date], LogState], options: PlanOptions) -> list[Task]:
    """Today's snapshots not yet done; the billing usage report is for yesterday (see below)."""
    tasks = []
    for snapshot in options.snapshots:
        spec = spec_for(snapshot)
        if scope.type not in spec.scope_types:
            continue  # enterprises have no billing usage endpoint
        if spec.not_accessible_is_empty and billing_usage_blocked(log, options.now):
            continue  # a recent 403 will not have changed
        # The billing usage of today is still accruing; yesterday is the newest day whose lines are final.
        day = options.today - dt.timedelta(days=spec.day_lag)
        state = log.get((snapshot.value, day))
        if state is None or state.status not in DONE:
            tasks.append(Task(scope, snapshot, day, "snapshot"))
        elif spec.archived and _worth_refetching([state], options):
            # A downloaded file with damaged parts (the latest 28-day report): fetched again as a report day
            # is, since the window it holds cannot be asked for once GitHub has moved on.
            tasks.append(Task(scope, snapshot, day, "rejected"))
    return tasks


def _order(tasks: list[Task], floor: dt.date) -> list[Task]:
    """Expiring days first (oldest first), then the rest newest first; units interleaved per day."""
    expiring_before = floor + dt.timedelta(days=EXPIRING_SOON_DAYS)
    unit_rank = {unit: i for i, unit in enumerate(DAILY_UNITS)}

    def key(task: Task) -> tuple[int, int, int]:
        rank = unit_rank.get(task.unit, 0) if isinstance(task.unit, Report) else 0
        if task.day < expiring_before:
            return (0, task.day.toordinal(), rank)
        return (1, -task.day.toordinal(), rank)

    return sorted(tasks, key=key)


def plan(
    scopes: Iterable[Scope],
    logs: Mapping[Scope, Mapping[tuple[str, dt.date], LogState]],
    options: PlanOptions,
) -> list[Task]:
    """Tasks for every scope, interleaved round-robin so one large scope cannot starve the others."""
    per_scope = [plan_scope(scope, logs.get(scope, {}), options) for scope in scopes]
    out: list[Task] = []
    longest = max((len(tasks) for tasks in per_scope), default=0)
    for i in range(longest):
        for tasks in per_scope:
            if i < len(tasks):
                out.append(tasks[i])
    return out


def backfill(
    scopes: Iterable[Scope],
    logs: Mapping[Scope, Mapping[tuple[str, dt.date], LogState]],
    start: dt.date,
    end: dt.date,
    *,
    force: bool = False,
) -> list[Task]:
    """`backfill --from --to`: every daily unit of every day in [start, end], newest first, skipping days the
    log marks done unless `force`."""
    if end < start:
        raise ValueError(f"the backfill range ends ({end}) before it starts ({start})")
    tasks = []
    for scope in scopes:
        log = logs.get(scope, {})
        day = end
        while day >= start:
            for unit in DAILY_UNITS:
                entry = log.get((unit.value, day))
                if force or entry is None or entry.status not in DONE:
                    tasks.append(Task(scope, unit, day, "backfill"))
            day -= dt.timedelta(days=1)
    return tasks


class RunProgress:
    """What a run learns while it executes its plan, so it stops asking what cannot succeed.

    - A (scope, unit) answered 403/404 is blocked: every other day of it would fail the same way.
    - A scope's data start, during a first backfill (newest first): once EDGE_DAYS days below the earliest
      day with data have answered 204, older days of that unit are skipped (left unrecorded: the planner
      learns the same from the log next run, see `data_start`).
    Pure state, no I/O; thread-safe because tasks run on several threads.
    """

    def __init__(self, logs: Mapping[Scope, Mapping[tuple[str, dt.date], LogState]]):
        self._lock = threading.Lock()
        self._blocked: set[tuple[Scope, Unit]] = set()
        self._earliest: dict[tuple[Scope, Unit], dt.date] = {}
        self._misses_below: Counter[tuple[Scope, Unit]] = Counter()
        self.data_starts: dict[tuple[Scope, Unit], dt.date] = {}
        for scope, log in logs.items():
            for unit, reports in UNIT_REPORTS.items():
                done = [d for (r, d), e in log.items() if r == reports[0].value and e.status in DONE]
                if done:
                    self._earliest[(scope, unit)] = min(done)

    def skip(self, task: Task) -> bool:
        key = (task.scope, task.unit)
        with self._lock:
            if key in self._blocked:
                return True
            start = self.data_starts.get(key)
        return start is not None and task.day < start - dt.timedelta(days=1)

    def block(self, task: Task) -> None:
        with self._lock:
            self._blocked.add((task.scope, task.unit))

    def observe(self, task: Task, status: Status) -> None:
        if not isinstance(task.unit, Report):
            return
        key = (task.scope, task.unit)
        with self._lock:
            earliest = self._earliest.get(key)
            if status in DONE or status is Status.UNCHANGED:
                if earliest is None or task.day < earliest:
                    self._earliest[key] = task.day
            elif status is Status.NOT_READY and earliest is not None and task.day < earliest:
                self._misses_below[key] += 1
                if self._misses_below[key] >= EDGE_DAYS:
                    self.data_starts[key] = earliest
