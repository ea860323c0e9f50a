"""The report registry: one spec per report or snapshot, the one place that says everything about it.

A spec names its unit of work (what the planner plans and the ingestion log keys), the reports it logs
(users and user-teams are one unit: team documents join the two files of a day), GitHub's file kinds for
it and how `import` recognises them, its shaper (shaping/base.py), the indices it writes, and for snapshots
how they are fetched (a request, or GitHub's latest 28-day report). The planner, the collector, the importer,
`reprocess` and github/endpoints.py read it.

Adding a report: one `FileKind` per GitHub file name, one `ReportSpec`, its shaper in shaping/ and its index
definition in schema/indices.py.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from copilot_usage.model import Report, Scope, ScopeType, Snapshot
from copilot_usage.schema import indices as ix
from copilot_usage.shaping.aggregate import shape_aggregate
from copilot_usage.shaping.base import PerRecord, Shaper
from copilot_usage.shaping.billing import BillingUsageShaper
from copilot_usage.shaping.engagement import carries_engagement, shape_feature_engagement
from copilot_usage.shaping.repos import shape_repo
from copilot_usage.shaping.seats import SeatsShaper
from copilot_usage.shaping.teams import shape_team
from copilot_usage.shaping.users import UsersShaper, membership_from_user_teams

if TYPE_CHECKING:
    from copilot_usage.github.client import GitHubClient

Unit = Report | Snapshot
BOTH = frozenset(ScopeType)
ORGANIZATIONS = frozenset({ScopeType.ORGANIZATION})


@dataclass
class Joined:
    """The data a shaper joins to the day's records: the user-teams rows of a users day, or the billing
    summary of a seats snapshot. The factory appends the reasons for joined rows it could not use."""

    records: Iterable[Any] = ()
    set_aside: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Fetched:
    """A snapshot as fetched from GitHub: its records and the data joined to them."""

    records: Iterable[Any]
    joined: Iterable[Any] = ()


ShaperFactory = Callable[[Scope, dt.date, Joined], Shaper]


@dataclass(frozen=True)
class FileKind:
    """One report file as GitHub names it, and how a record of it is recognised (`import` without --report)."""

    name: str
    report: Report
    scope_type: ScopeType | None  # None: the same name for both scope types
    recognise: Callable[[Mapping[str, Any]], bool]
    # A 28-day aggregate record holds its days in `day_totals`; every other file is one record per row.
    split: Callable[[Any], Iterable[Any]] = lambda record: (record,)
    latest: bool = False  # a rolling 28-day report (`.../{name}/latest`), never fetched per day


@dataclass(frozen=True)
class ReportSpec:
    unit: Unit
    logged: tuple[Unit, ...]  # ingestion-log entries of one unit of work: the unit first, then joined reports
    shaper: ShaperFactory
    indices: tuple[ix.IndexDef, ...]
    scope_types: frozenset[ScopeType] = BOTH
    # Snapshots: how GitHub is asked (None for daily reports, which are downloaded by their file kinds, and for
    # `latest` snapshots below).
    fetch: Callable[[GitHubClient, Scope, dt.date], Fetched] | None = None
    day_lag: int = 0  # snapshots: how many days before today the snapshot is for
    empty_is_complete: bool = False  # an empty listing is a fact (no seats), not a report without data
    not_accessible_is_empty: bool = False  # a 403 is recorded once as `empty` (planner: NOT_ACCESSIBLE)
    feeds_adoption: bool = False  # days written change the adoption scores of their windows
    # Snapshots of GitHub's rolling 28-day report (`.../{name}/latest`, downloaded like a daily report and
    # archived): asked once a day and logged under that day, their documents are for the window's end day
    # (report_end_day), which only GitHub's answer names.
    latest: Literal["aggregate", "users"] | None = None
    # `import` hands this unit the 28-day wrappers of a `latest` file for which this says yes.
    reads_wrapper: Callable[[Any], bool] | None = None

    @functools.cached_property
    def index_keys(self) -> frozenset[str]:
        return frozenset(index.key for index in self.indices)

    @property
    def daily(self) -> bool:
        return self.fetch is None and self.latest is None

    @property
    def archived(self) -> bool:
        """Its source files are downloaded and archived, so `reprocess` can shape them again."""
        return self.fetch is None

    @property
    def joined(self) -> tuple[Unit, ...]:
        return self.logged[1:]


# --- shapers -----------------------------------------------------------------------------------------------


def _aggregate(scope: Scope, day: dt.date, joined: Joined) -> Shaper:
    return PerRecord(scope, day, shape_aggregate)


def _repos(scope: Scope, day: dt.date, joined: Joined) -> Shaper:
    return PerRecord(scope, day, shape_repo)


def _teams(scope: Scope, day: dt.date, joined: Joined) -> Shaper:
    return PerRecord(scope, day, shape_team)


def _users(scope: Scope, day: dt.date, joined: Joined) -> Shaper:
    # That day's membership file, never today's: teams as they were.
    membership, rejected = membership_from_user_teams(joined.records, scope, day)
    joined.set_aside.extend(rejected)
    return UsersShaper(scope, day, membership)


def _seats(scope: Scope, day: dt.date, joined: Joined) -> Shaper:
    billing = next(iter(joined.records), None)
    return SeatsShaper(scope, day, billing)


def _billing_usage(scope: Scope, day: dt.date, joined: Joined) -> Shaper:
    return BillingUsageShaper(scope, day)


def _feature_engagement(scope: Scope, day: dt.date, joined: Joined) -> Shaper:
    return PerRecord(scope, day, shape_feature_engagement)


# --- snapshot fetches --------------------------------------------------------------------------------------


def _fetch_seats(github: GitHubClient, scope: Scope, day: dt.date) -> Fetched:
    billing = github.billing(scope)  # None for enterprises: the summary is derived from the seats
    return Fetched(github.seats(scope), () if billing is None else (billing,))


def _fetch_teams(github: GitHubClient, scope: Scope, day: dt.date) -> Fetched:
    return Fetched(github.teams(scope))


def _fetch_billing_usage(github: GitHubClient, scope: Scope, day: dt.date) -> Fetched:
    return Fetched(github.billing_usage(scope, day) or [])


# --- file kinds --------------------------------------------------------------------------------------------


def _is_user(record: Mapping[str, Any]) -> bool:
    return "user_id" in record or "user_login" in record


def _is_aggregate(record: Mapping[str, Any]) -> bool:
    return "daily_active_users" in record or "totals_by_ide" in record


def _day_totals(record: Any) -> Iterable[Any]:
    return (record.get("day_totals") or []) if isinstance(record, dict) else ()


# Tried in this order by `recognise`; the first match wins (a user-teams row also has a user_id).
FILE_KINDS: tuple[FileKind, ...] = (
    FileKind("organization-28-day", Report.AGGREGATE, ScopeType.ORGANIZATION,
             lambda r: "day_totals" in r and "organization_id" in r, _day_totals, latest=True),
    FileKind("enterprise-28-day", Report.AGGREGATE, ScopeType.ENTERPRISE, lambda r: "day_totals" in r,
             _day_totals, latest=True),
    FileKind("user-teams-1-day", Report.USER_TEAMS, None, lambda r: "team_id" in r and "user_id" in r),
    FileKind("users-28-day", Report.USERS, None, lambda r: _is_user(r) and "report_start_day" in r, latest=True),
    FileKind("users-1-day", Report.USERS, None, _is_user),
    # GitHub's late-2026 repos rows name the repository by repo_id / repo_owner_name (shaping/repos.py).
    FileKind("repos-1-day", Report.REPOS, None,
             lambda r: "repository_id" in r or "repository" in r or "repo_id" in r or "repo_owner_name" in r),
    FileKind("organization-1-day", Report.AGGREGATE, ScopeType.ORGANIZATION,
             lambda r: _is_aggregate(r) and "organization_id" in r),
    FileKind("enterprise-1-day", Report.AGGREGATE, ScopeType.ENTERPRISE, _is_aggregate),
)

SPECS: tuple[ReportSpec, ...] = (
    ReportSpec(Report.AGGREGATE, (Report.AGGREGATE,), _aggregate, (ix.USAGE_DAILY, ix.USAGE_BREAKDOWN)),
    ReportSpec(Report.USERS, (Report.USERS, Report.USER_TEAMS), _users,
               (ix.USER_DAILY, ix.TEAM_DAILY, ix.TEAM_BREAKDOWN, ix.USER_SUMMARY_DAILY), feeds_adoption=True),
    ReportSpec(Report.REPOS, (Report.REPOS,), _repos, (ix.REPO_DAILY,)),
    ReportSpec(Snapshot.SEATS, (Snapshot.SEATS,), _seats, (ix.SEATS, ix.SEAT_SUMMARY), fetch=_fetch_seats,
               empty_is_complete=True),
    ReportSpec(Snapshot.TEAMS, (Snapshot.TEAMS,), _teams, (ix.TEAMS_SNAPSHOT,), fetch=_fetch_teams,
               empty_is_complete=True),
    # The org's billing usage report for the previous full UTC day: today's is still accruing.
    ReportSpec(Snapshot.BILLING_USAGE, (Snapshot.BILLING_USAGE,), _billing_usage, (ix.BILLING_USAGE,),
               scope_types=ORGANIZATIONS, fetch=_fetch_billing_usage, day_lag=1, not_accessible_is_empty=True),
    # copilot_feature_engagement of the latest 28-day aggregate report (2026-09-17): GitHub keeps no history
    # of past windows, so one fetch a day builds one point per window end day.
    ReportSpec(Snapshot.FEATURE_ENGAGEMENT, (Snapshot.FEATURE_ENGAGEMENT,), _feature_engagement,
               (ix.FEATURE_ENGAGEMENT,), latest="aggregate", reads_wrapper=carries_engagement),
)

_BY_UNIT: dict[Unit, ReportSpec] = {spec.unit: spec for spec in SPECS}

# Daily units in the order the planner interleaves them per day.
DAILY_UNITS: tuple[Report, ...] = tuple(s.unit for s in SPECS if s.daily and isinstance(s.unit, Report))
SNAPSHOTS: tuple[Snapshot, ...] = tuple(s.unit for s in SPECS if isinstance(s.unit, Snapshot))
UNIT_REPORTS: Mapping[Unit, tuple[Unit, ...]] = {spec.unit: spec.logged for spec in SPECS}
KINDS: tuple[str, ...] = tuple(kind.name for kind in FILE_KINDS)


def wrapper_specs(report: Report) -> tuple[ReportSpec, ...]:
    """The specs that store a part of this report's 28-day wrappers besides the days they hold."""
    return tuple(s for s in SPECS if s.reads_wrapper is not None and s.latest == report.value)


def spec_for(unit: Unit) -> ReportSpec:
    return _BY_UNIT[unit]


def unit_of(report: Unit) -> ReportSpec:
    """The spec whose unit of work logs `report` (user-teams belongs to the users unit)."""
    return next(spec for spec in SPECS if report in spec.logged)


def file_kind(name: str) -> FileKind:
    for kind in FILE_KINDS:
        if kind.name == name:
            return kind
    raise ValueError(f"unknown report kind {name!r}; one of {', '.join(KINDS)}")


def recognise(record: Any) -> FileKind:
    """The file kind a record belongs to; ValueError when no kind fits."""
    if isinstance(record, dict):
        for kind in FILE_KINDS:
            if kind.recognise(record):
                return kind
    raise ValueError("cannot tell which report this file is: pass --report")


def github_name(report: Report, scope_type: ScopeType, *, latest: bool = False) -> str:
    """GitHub's name of a report in `.../copilot/metrics/reports/{name}` (1-day, or the rolling 28-day)."""
    for kind in FILE_KINDS:
        if kind.report is report and kind.latest == latest and kind.scope_type in (None, scope_type):
            return kind.name
    raise ValueError(f"GitHub serves no {'28' if latest else '1'}-day {report} report for {scope_type} scopes")
