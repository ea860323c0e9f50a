import datetime as dt
from dataclasses import dataclass

from copilot_usage.model import Report, Scope, ScopeType, Snapshot
from copilot_usage.planner import (
    FIRST_ORGANIZATION_DAY,
    FRESH_FREE_RETRIES,
    FRESH_MAX_WAIT_HOURS,
    REJECTED_MAX_ATTEMPTS,
    STALE_MAX_WAIT_HOURS,
    PlanOptions,
    Task,
    availability_floor,
    plan,
    plan_scope,
)

ORG = Scope(ScopeType.ORGANIZATION, "octo-org")
ENT = Scope(ScopeType.ENTERPRISE, "octo-ent")
TODAY = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 10, 5, tzinfo=dt.UTC)


@dataclass
class State:
    status: str
    fetched_at: dt.datetime | None = NOW
    rejected_count: int = 0
    attempts: int = 1


def options(**kw) -> PlanOptions:
    base = {"today": TODAY, "now": NOW, "snapshots": ()}
    return PlanOptions(**{**base, **kw})


def complete_log(scope: Scope, first: dt.date, last: dt.date, fetched_at=NOW, status="complete"):
    log = {}
    day = first
    while day <= last:
        for report in ("aggregate", "users", "user-teams", "repos"):
            log[(report, day)] = State(status, fetched_at)
        day += dt.timedelta(days=1)
    return log


def test_floor_is_latest_of_first_day_one_year_and_backfill_start():
    assert availability_floor(ORG, TODAY, None) == dt.date(2025, 12, 12)
    assert availability_floor(ORG, dt.date(2027, 6, 1), None) == dt.date(2026, 6, 1)
    assert availability_floor(ENT, TODAY, None) == dt.date(2025, 11, 20)
    assert availability_floor(ORG, TODAY, dt.date(2026, 11, 1)) == dt.date(2026, 11, 1)


def test_empty_log_plans_every_available_day_for_every_unit():
    tasks = plan_scope(ORG, {}, options())
    days = (TODAY - dt.timedelta(days=2) - FIRST_ORGANIZATION_DAY).days + 1
    assert len(tasks) == 3 * days
    assert {t.reason for t in tasks} == {"missing"}
    assert max(t.day for t in tasks) == TODAY - dt.timedelta(days=2)
    assert min(t.day for t in tasks) == FIRST_ORGANIZATION_DAY


def test_expiring_days_first_then_newest():
    tasks = plan_scope(ORG, {}, options(today=dt.date(2026, 12, 20)))
    floor = dt.date(2025, 12, 20)
    assert tasks[0].day == floor  # leaves GitHub's window first
    expiring = [t for t in tasks if t.day < floor + dt.timedelta(days=14)]
    assert tasks[: len(expiring)] == expiring
    rest = tasks[len(expiring):]
    assert rest[0].day == dt.date(2026, 12, 18)  # the newest ready day
    assert [t.day for t in rest] == sorted((t.day for t in rest), reverse=True)


def test_complete_days_outside_the_late_window_are_not_fetched_again():
    log = complete_log(ORG, FIRST_ORGANIZATION_DAY, TODAY - dt.timedelta(days=2))
    assert plan_scope(ORG, log, options()) == []


def test_late_window_refresh_is_due_after_the_refresh_interval_and_spread_over_runs():
    old = NOW - dt.timedelta(hours=30)
    log = complete_log(ORG, FIRST_ORGANIZATION_DAY, TODAY - dt.timedelta(days=2), fetched_at=old)
    tasks = plan_scope(ORG, log, options(late_window_days=7, late_refresh_hours=24, run_interval_hours=1))
    # days today-7 .. today-2 = 6 days x 3 units = 18 late entries; 24 runs share them: 1 per run
    assert len(tasks) == 1
    assert tasks[0].reason == "refresh"
    assert tasks[0].day >= TODAY - dt.timedelta(days=7)
    everything = plan_scope(ORG, log, options(late_refresh_hours=1, run_interval_hours=1))
    assert len(everything) == 18
    assert {t.reason for t in everything} == {"refresh"}


def test_recently_refreshed_late_days_are_not_fetched():
    log = complete_log(ORG, FIRST_ORGANIZATION_DAY, TODAY - dt.timedelta(days=2))
    assert plan_scope(ORG, log, options(late_refresh_hours=6)) == []


def test_users_unit_needs_both_users_and_user_teams():
    last = TODAY - dt.timedelta(days=2)
    log = complete_log(ORG, FIRST_ORGANIZATION_DAY, last)
    del log[("user-teams", dt.date(2026, 3, 1))]
    tasks = plan_scope(ORG, log, options())
    assert tasks == [Task(ORG, Report.USERS, dt.date(2026, 3, 1), "missing")]


def test_not_ready_and_failed_days_are_retried():
    last = TODAY - dt.timedelta(days=2)
    log = complete_log(ORG, FIRST_ORGANIZATION_DAY, last)
    log[("aggregate", last)] = State("not_ready")
    log[("repos", dt.date(2026, 5, 5))] = State("failed")
    tasks = plan_scope(ORG, log, options())
    assert Task(ORG, Report.AGGREGATE, last, "not_ready") in tasks
    assert Task(ORG, Report.REPOS, dt.date(2026, 5, 5), "failed") in tasks


def test_old_not_ready_days_are_retried_rarely():
    last = TODAY - dt.timedelta(days=2)
    log = complete_log(ORG, FIRST_ORGANIZATION_DAY, last)
    old_day = dt.date(2026, 1, 15)
    log[("aggregate", old_day)] = State("not_ready", NOW - dt.timedelta(hours=2))
    assert plan_scope(ORG, log, options()) == []
    log[("aggregate", old_day)] = State("not_ready", NOW - dt.timedelta(hours=25))
    assert plan_scope(ORG, log, options()) == [Task(ORG, Report.AGGREGATE, old_day, "not_ready")]


def test_days_that_keep_answering_no_report_back_off():
    last = TODAY - dt.timedelta(days=2)
    log = complete_log(ORG, FIRST_ORGANIZATION_DAY, last)
    opts = options(run_interval_hours=1.0)

    def planned(day: dt.date, attempts: int, hours_ago: float) -> bool:
        log[("aggregate", day)] = State("not_ready", NOW - dt.timedelta(hours=hours_ago), attempts=attempts)
        return Task(ORG, Report.AGGREGATE, day, "not_ready") in plan_scope(ORG, log, opts)

    # A recent day: every run for its first answers, then after 1, 2, 4 intervals, never less than every 6 h.
    for attempts in range(1, FRESH_FREE_RETRIES):
        assert planned(last, attempts, 0)
    assert not planned(last, FRESH_FREE_RETRIES, 0.25)
    assert planned(last, FRESH_FREE_RETRIES, 1)
    assert not planned(last, FRESH_FREE_RETRIES + 2, 3)
    assert planned(last, FRESH_FREE_RETRIES + 2, 3.5)
    assert not planned(last, 50, FRESH_MAX_WAIT_HOURS - 0.1)
    assert planned(last, 50, FRESH_MAX_WAIT_HOURS)
    log[("aggregate", last)] = State("complete")
    # An old day: a day after the first answer, doubling per answer, at least once a week.
    old_day = dt.date(2026, 1, 15)
    assert planned(old_day, 1, 24)
    assert not planned(old_day, 2, 47)
    assert planned(old_day, 2, 48)
    assert not planned(old_day, 30, STALE_MAX_WAIT_HOURS - 1)
    assert planned(old_day, 30, STALE_MAX_WAIT_HOURS)


def test_snapshots_once_per_day_and_first():
    last = TODAY - dt.timedelta(days=2)
    log = complete_log(ORG, FIRST_ORGANIZATION_DAY, last)
    log[("aggregate", last)] = State("not_ready")
    opts = options(snapshots=(Snapshot.SEATS, Snapshot.TEAMS))
    tasks = plan_scope(ORG, log, opts)
    assert [t.unit for t in tasks[:2]] == [Snapshot.SEATS, Snapshot.TEAMS]
    log[("seats", TODAY)] = State("complete")
    log[("teams", TODAY)] = State("complete")
    assert [t.unit for t in plan_scope(ORG, log, opts)] == [Report.AGGREGATE]


def test_feature_engagement_is_asked_once_a_day_under_the_day_it_is_asked():
    # The latest 28-day window's engagement: logged under the fetch day, whatever window GitHub answers with.
    opts = options(snapshots=(Snapshot.FEATURE_ENGAGEMENT,), backfill_start=TODAY - dt.timedelta(days=2))
    log = complete_log(ORG, TODAY - dt.timedelta(days=2), TODAY - dt.timedelta(days=2))
    log[("feature_engagement", TODAY - dt.timedelta(days=1))] = State("complete")  # yesterday's fetch
    assert plan_scope(ORG, log, opts) == [Task(ORG, Snapshot.FEATURE_ENGAGEMENT, TODAY, "snapshot")]
    for status in ("complete", "empty"):  # a window stored, or GitHub had no 28-day report: done for today
        log[("feature_engagement", TODAY)] = State(status)
        assert plan_scope(ORG, log, opts) == []
    log[("feature_engagement", TODAY)] = State("failed")  # asked again on the next run
    assert [t.unit for t in plan_scope(ORG, log, opts)] == [Snapshot.FEATURE_ENGAGEMENT]
    # A damaged download (its one record set aside) is fetched again on a later run, like a report day.
    hour_ago = NOW - dt.timedelta(hours=1)
    log[("feature_engagement", TODAY)] = State("empty", hour_ago, rejected_count=1, attempts=1)
    assert plan_scope(ORG, log, opts) == [Task(ORG, Snapshot.FEATURE_ENGAGEMENT, TODAY, "rejected")]
    log[("feature_engagement", TODAY)] = State("empty", NOW, rejected_count=1, attempts=1)
    assert plan_scope(ORG, log, opts) == []  # not within the same run
    log[("feature_engagement", TODAY)] = State("empty", hour_ago, rejected_count=1, attempts=REJECTED_MAX_ATTEMPTS)
    assert plan_scope(ORG, log, opts) == []  # GitHub serves it damaged: done for today
    assert [t.unit for t in plan_scope(ENT, {}, options(snapshots=(Snapshot.FEATURE_ENGAGEMENT,),
                                                        backfill_start=TODAY))] == [Snapshot.FEATURE_ENGAGEMENT]


def test_backfill_start_limits_history():
    tasks = plan_scope(ORG, {}, options(backfill_start=dt.date(2026, 11, 10)))
    assert min(t.day for t in tasks) == dt.date(2026, 11, 10)
    assert len(tasks) == 3 * 9


def test_scopes_are_interleaved():
    opts = options(backfill_start=dt.date(2026, 11, 17))
    tasks = plan([ORG, ENT], {}, opts)
    assert [t.scope for t in tasks[:4]] == [ORG, ENT, ORG, ENT]
    assert len(tasks) == 2 * 3 * 2


def test_a_scopes_first_day_with_data_is_learned_and_older_days_are_not_planned():
    from copilot_usage.planner import EDGE_DAYS

    last = TODAY - dt.timedelta(days=2)
    first_data = dt.date(2026, 9, 1)
    log = complete_log(ORG, first_data, last)
    stale = NOW - dt.timedelta(hours=30)
    for back in range(1, EDGE_DAYS + 1):
        for report in ("aggregate", "users", "user-teams", "repos"):
            log[(report, first_data - dt.timedelta(days=back))] = State("not_ready", stale)
    tasks = plan_scope(ORG, log, options())
    # only the day just before the data starts is checked again (at the stale-retry rate)
    assert tasks == [Task(ORG, unit, first_data - dt.timedelta(days=1), "not_ready") for unit in
                     (Report.AGGREGATE, Report.USERS, Report.REPOS)]


def test_without_enough_204s_before_the_first_data_older_days_are_still_planned():
    from copilot_usage.planner import EDGE_DAYS

    last = TODAY - dt.timedelta(days=2)
    first_data = dt.date(2026, 9, 1)
    log = complete_log(ORG, first_data, last)
    for back in range(1, EDGE_DAYS):  # one short of proof
        for report in ("aggregate", "users", "user-teams", "repos"):
            log[(report, first_data - dt.timedelta(days=back))] = State("not_ready")
    tasks = plan_scope(ORG, log, options())
    assert min(t.day for t in tasks) == FIRST_ORGANIZATION_DAY


def test_a_day_with_records_set_aside_is_fetched_again_until_clean_or_out_of_tries():
    day = TODAY - dt.timedelta(days=30)  # outside the late window: only the set-aside rule can plan it
    earlier = NOW - dt.timedelta(hours=1)
    log = complete_log(ORG, FIRST_ORGANIZATION_DAY, TODAY - dt.timedelta(days=2), fetched_at=earlier)
    log[("users", day)] = State("complete", earlier, rejected_count=2, attempts=1)

    tasks = [t for t in plan_scope(ORG, log, options()) if t.reason != "refresh"]
    assert [(t.unit, t.day, t.reason) for t in tasks] == [(Report.USERS, day, "rejected")]

    log[("users", day)] = State("complete", earlier, rejected_count=2, attempts=REJECTED_MAX_ATTEMPTS)
    assert [t for t in plan_scope(ORG, log, options()) if t.reason != "refresh"] == []  # out of tries

    log[("users", day)] = State("complete", earlier, rejected_count=0, attempts=2)
    assert [t for t in plan_scope(ORG, log, options()) if t.reason != "refresh"] == []  # clean now

    just_now = NOW - dt.timedelta(minutes=10)
    log[("users", day)] = State("complete", just_now, rejected_count=2, attempts=1)
    assert [t for t in plan_scope(ORG, log, options()) if t.reason != "refresh"] == []  # fetched by this hour's run
