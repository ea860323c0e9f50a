"""Planning the organization billing usage snapshot: yesterday, organizations only, a 403 skipped for a week."""

import datetime as dt
from dataclasses import dataclass

from copilot_usage.model import Scope, ScopeType, Snapshot
from copilot_usage.planner import (
    BILLING_RETRY_DAYS,
    NOT_ACCESSIBLE_ERROR,
    PlanOptions,
    Task,
    billing_usage_blocked,
    snapshot_tasks,
)

ORG = Scope(ScopeType.ORGANIZATION, "octo-org")
ENT = Scope(ScopeType.ENTERPRISE, "octo-ent")
TODAY = dt.date(2026, 11, 20)
YESTERDAY = TODAY - dt.timedelta(days=1)
NOW = dt.datetime(2026, 11, 20, 10, 5, tzinfo=dt.UTC)
BILLING = Snapshot.BILLING_USAGE.value


@dataclass
class State:
    status: str
    fetched_at: dt.datetime | None = NOW
    error: str | None = None
    rejected_count: int = 0
    attempts: int = 1


@dataclass
class NoError:
    status: str
    fetched_at: dt.datetime | None


def options() -> PlanOptions:
    return PlanOptions(today=TODAY, now=NOW, snapshots=(Snapshot.BILLING_USAGE,))


def test_default_snapshots_include_billing_usage():
    assert Snapshot.BILLING_USAGE in PlanOptions(today=TODAY, now=NOW).snapshots


def test_organizations_fetch_yesterday_once_enterprises_never():
    assert snapshot_tasks(ORG, {}, options()) == [Task(ORG, Snapshot.BILLING_USAGE, YESTERDAY, "snapshot")]
    assert snapshot_tasks(ENT, {}, options()) == []
    done = {(BILLING, YESTERDAY): State("complete")}
    assert snapshot_tasks(ORG, done, options()) == []
    failed = {(BILLING, YESTERDAY): State("failed", error="HTTP 500")}
    assert snapshot_tasks(ORG, failed, options()) == [Task(ORG, Snapshot.BILLING_USAGE, YESTERDAY, "snapshot")]


def test_a_recent_not_accessible_entry_skips_the_report_for_a_week():
    for age_days in (0, 1, BILLING_RETRY_DAYS - 0.01):
        fetched = NOW - dt.timedelta(days=age_days)
        log = {(BILLING, TODAY - dt.timedelta(days=3)): State("empty", fetched, NOT_ACCESSIBLE_ERROR)}
        assert billing_usage_blocked(log, NOW)
        assert snapshot_tasks(ORG, log, options()) == []
    old = {(BILLING, TODAY - dt.timedelta(days=9)): State("empty", NOW - dt.timedelta(days=BILLING_RETRY_DAYS),
                                                        NOT_ACCESSIBLE_ERROR)}
    assert not billing_usage_blocked(old, NOW)
    assert snapshot_tasks(ORG, old, options()) == [Task(ORG, Snapshot.BILLING_USAGE, YESTERDAY, "snapshot")]


def test_other_errors_and_other_reports_do_not_block_it():
    log = {(BILLING, YESTERDAY - dt.timedelta(days=1)): State("failed", error="HTTP 503 from GitHub"),
           ("seats", TODAY): State("empty", error=NOT_ACCESSIBLE_ERROR)}
    assert not billing_usage_blocked(log, NOW)
    # States without an `error` attribute (the other planner tests' fakes) are read as no error.
    assert not billing_usage_blocked({(BILLING, YESTERDAY): NoError("empty", NOW)}, NOW)
