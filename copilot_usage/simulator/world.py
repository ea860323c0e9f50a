"""A deterministic simulated GitHub world: who exists, who is active when, and the report rows per day.

`World(config)` builds the static cast once (population.py) and generates everything per (scope, day)
lazily, so a 20,000-user, 90-day world never holds more than a few days in memory. Each day's data is a
pure function of (seed, day, revision): the same configuration always serves the same bytes.

Mutable state is only the clock (`today`) and `revision`. GitHub revises recent days, so a day's
numbers depend on the revision that was current the last time the day was inside the revision window
(today-7 .. today); once a day leaves the window its numbers never change again.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from dataclasses import dataclass
from typing import Any

from copilot_usage.simulator.activity import CLI_CUSTOMIZATION_SINCE, idle_core, user_core
from copilot_usage.simulator.activity import day_plan as _day_plan
from copilot_usage.simulator.aggregate import MONTH, active_counts, build_aggregate, feature_engagement
from copilot_usage.simulator.cache import Lru
from copilot_usage.simulator.config import (
    ENTERPRISE_FLOOR,
    ORG_FLOOR,
    REVISION_WINDOW_DAYS,
    SimConfig,
    newest_served,
    ready_on,
)
from copilot_usage.simulator.population import Population, User, build_population
from copilot_usage.simulator.pull_requests import repo_pull_requests, review_times, sum_pull_requests
from copilot_usage.simulator.seeding import mix, stable_rng, stable_seed

__all__ = ["ENTERPRISE", "ORGANIZATION", "SimConfig", "SimScope", "World"]

ORGANIZATION = "organization"
ENTERPRISE = "enterprise"
FIVE_MEMBER_RULE = 5  # teams with fewer active seated members that day are left out of user-teams
SEAT_ACTIVITY_RETENTION_DAYS = 90  # last_activity_at is reset to null after this long (§4.2)
IDLE_ROW_SHARE = 0.4  # rows of a users report for seated users without activity that day (real exports)
_EXTRA = 0x5EED_2026  # mixed into the day seed for the stream of fields GitHub added in 2026


@dataclass(frozen=True)
class SimScope:
    kind: str  # ORGANIZATION | ENTERPRISE
    slug: str
    id: int
    index: int
    id_fields: tuple[tuple[str, str], ...]  # scope ids on user, aggregate and repo rows
    team_id_fields: tuple[tuple[str, str], ...]  # scope ids on user-teams rows (§3.9)
    members: tuple[int, ...]  # user indexes whose activity this scope reports, ascending
    orgs: tuple[int, ...]  # the org itself, or the enterprise's orgs

    @property
    def first_report_day(self) -> dt.date:
        """The first day GitHub has reports for this kind of scope (§3.5)."""
        return ORG_FLOOR if self.kind == ORGANIZATION else ENTERPRISE_FLOOR


class World:
    def __init__(self, config: SimConfig):
        self.config = config
        self.population: Population = build_population(config)
        self._lock = threading.Lock()
        self._today = config.today
        self._revision = config.revision
        # (today, revision) after every change, oldest first: decides each day's effective revision.
        self._history: list[tuple[dt.date, int]] = [(config.today, config.revision)]
        self._plans: Lru[bytes] = Lru(1024)
        self._idle: Lru[bytes] = Lru(256)
        self._aggregates: Lru[dict[str, Any]] = Lru(512)
        self._user_teams: Lru[list[dict[str, Any]]] = Lru(64)
        self._scopes = {(s.kind, s.slug): s for s in self._build_scopes()}

    # --- clock and revisions ---------------------------------------------------------------------
    @property
    def today(self) -> dt.date:
        return self._today

    @property
    def revision(self) -> int:
        return self._revision

    def set_today(self, day: dt.date) -> None:
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            raise ValueError(f"today must be a datetime.date, got {day!r}")
        with self._lock:
            self._today = day
            self._history.append((day, self._revision))

    def set_revision(self, revision: int) -> None:
        if not isinstance(revision, int) or isinstance(revision, bool) or revision < 0:
            raise ValueError(f"revision must be a whole number >= 0, got {revision!r}")
        with self._lock:
            self._revision = revision
            self._history.append((self._today, revision))

    def effective_revision(self, day: dt.date) -> int:
        """The revision of `day`'s numbers: the last one set while `day` was within the revision window."""
        window = dt.timedelta(days=REVISION_WINDOW_DAYS)
        with self._lock:
            history = list(self._history)
        for today, revision in reversed(history):
            if day >= today - window:
                return revision
        return 0  # already outside the window when the world was created: original numbers

    # --- scopes and availability -----------------------------------------------------------------
    def _build_scopes(self) -> list[SimScope]:
        pop = self.population
        scopes = []
        for ent in pop.enterprises:
            orgs = tuple(o.index for o in pop.orgs if o.enterprise is ent)
            members = tuple(u.index for u in pop.users if u.seated and any(o in orgs for o in u.orgs))
            ent_ids = (("enterprise_id", str(ent.id)),)
            scopes.append(SimScope(ENTERPRISE, ent.slug, ent.id, ent.index, ent_ids, ent_ids, members, orgs))
        for org in pop.orgs:
            # Org numbers follow membership, not where the seat lives: a member counts when seated
            # anywhere in the enterprise (or, without an enterprise, seated by this org).
            members = tuple(
                u for u in pop.org_members[org.index]
                if (pop.users[u].seated if org.enterprise else org.index in pop.users[u].seat_orgs)
            )
            ids: tuple[tuple[str, str], ...] = (("organization_id", str(org.id)),)
            team_ids = ids
            if org.enterprise is not None:
                ids = (*ids, ("enterprise_id", str(org.enterprise.id)))
            scopes.append(SimScope(ORGANIZATION, org.slug, org.id, org.index, ids, team_ids, members, (org.index,)))
        return scopes

    def scope(self, kind: str, slug: str) -> SimScope | None:
        return self._scopes.get((kind, slug.lower()))

    def scopes(self, kind: str | None = None) -> list[SimScope]:
        return [s for s in self._scopes.values() if kind is None or s.kind == kind]

    def floor(self, scope: SimScope) -> dt.date:
        """The first day served: GitHub's first report day for the scope type, or the history length."""
        return max(self.today - dt.timedelta(days=self.config.days - 1), scope.first_report_day)

    def newest_day(self) -> dt.date:
        return newest_served(self.today, self.config.report_lag_days, self.config.weekend_extra_days)

    def is_available(self, scope: SimScope, day: dt.date) -> bool:
        return self.floor(scope) <= day <= self.newest_day()

    # --- activity --------------------------------------------------------------------------------
    def plan(self, day: dt.date) -> bytes:
        return self._plans.get(day, lambda: _day_plan(self.population.users, self.config.seed, day))

    def active_members(self, scope: SimScope, day: dt.date) -> list[int]:
        plan = self.plan(day)
        return [u for u in scope.members if plan[u]]

    def listed_members(self, scope: SimScope, day: dt.date) -> list[int]:
        """Who has a row in the day's users report: the active members plus seated members without activity
        that day (about IDLE_ROW_SHARE of the rows). Whether an idle user is listed is decided per user and day,
        so an organization and its enterprise list the same people."""
        plan = self.plan(day)
        listed = self._idle_listed(day)
        return [u for u in scope.members if plan[u] or listed[u]]

    def _idle_listed(self, day: dt.date) -> bytes:
        def compute() -> bytes:
            plan = self.plan(day)
            users = self.population.users
            idle = [u.index for u in users if u.seated and not u.never_used and not plan[u.index]]
            active = sum(1 for flags in plan if flags)
            chance = min(1.0, IDLE_ROW_SHARE / (1 - IDLE_ROW_SHARE) * active / len(idle)) if idle else 0.0
            rnd = stable_rng(self.config.seed, "idle-rows", day).random  # a stream of its own
            out = bytearray(len(users))
            for index in idle:
                out[index] = rnd() < chance
            return bytes(out)

        return self._idle.get(day, compute)

    def last_active_day(self, user: User, on_or_before: dt.date) -> dt.date | None:
        """The user's last active day within the seat-activity retention, or None."""
        for back in range(SEAT_ACTIVITY_RETENTION_DAYS):
            day = on_or_before - dt.timedelta(days=back)
            if self.plan(day)[user.index]:
                return day
        return None

    def teams_on(self, scope: SimScope, day: dt.date) -> dict[int, list[int]]:
        """team index -> seated member user indexes on `day` (membership as it was that day)."""
        out: dict[int, list[int]] = {}
        pop = self.population
        for org in scope.orgs:
            for user in pop.org_members[org]:
                if not pop.users[user].seated:
                    continue
                for team in pop.teams_of(user, org, day):
                    out.setdefault(team, []).append(user)
        return out

    # --- report rows -----------------------------------------------------------------------------
    def _core(self, user: User, day: dt.date, flags: int, day_seed: int) -> dict[str, Any]:
        if not flags:
            return idle_core(user, day)
        return user_core(user, day, flags, random.Random(mix(day_seed, user.id)),
                         random.Random(mix(day_seed ^ _EXTRA, user.id)))

    def user_records(self, scope: SimScope, day: dt.date, revision: int | None = None, start: int = 0,
                     stop: int | None = None, extra: dict[str, str] | None = None,
                     active_only: bool = False) -> list[dict[str, Any]]:
        """users-1-day rows (slice [start:stop] of the day's listed members in user order: the active ones and
        some without activity; `active_only` leaves the latter out)."""
        revision = self.effective_revision(day) if revision is None else revision
        plan = self.plan(day)
        users = self.population.users
        day_seed = stable_seed(self.config.seed, "record", day, revision)
        iso = day.isoformat()
        ids = dict(scope.id_fields)
        rows = []
        members = self.active_members(scope, day) if active_only else self.listed_members(scope, day)
        for index in members[start:stop]:
            user = users[index]
            row: dict[str, Any] = {"user_id": user.id, "user_login": user.login, "day": iso}
            if extra:
                row.update(extra)
            row.update(ids)
            row.update(self._core(user, day, plan[index], day_seed))
            rows.append(row)
        return rows

    def aggregate(self, scope: SimScope, day: dt.date, revision: int | None = None) -> dict[str, Any]:
        revision = self.effective_revision(day) if revision is None else revision

        def compute() -> dict[str, Any]:
            records = self.user_records(scope, day, revision, active_only=True)
            plans = [self.plan(day - dt.timedelta(days=back)) for back in range(MONTH - 1, -1, -1)]
            pull_requests = sum_pull_requests(r["pull_requests"] for r in self.repo_rows(scope, day, revision))
            users = self.population.users
            actives = active_counts(plans, scope.members, day, users)
            return build_aggregate(day, dict(scope.id_fields), records, actives, pull_requests,
                                   self.phase_population(scope, plans))

        return self._aggregates.get((scope.kind, scope.slug, day, revision), compute)

    def phase_population(self, scope: SimScope, plans: list[bytes]) -> dict[int, int]:
        """Members active in the 28 days ending with the last plan, per adoption phase (users_in_phase_28d)."""
        users = self.population.users
        out: dict[int, int] = {}
        for u in scope.members:
            if any(plan[u] for plan in plans):
                out[users[u].phase] = out.get(users[u].phase, 0) + 1
        return out

    def user_team_rows(self, scope: SimScope, day: dt.date) -> list[dict[str, Any]]:
        """user-teams-1-day rows: one per (seated member, team) for teams meeting the five-member rule."""

        def compute() -> list[dict[str, Any]]:
            plan = self.plan(day)
            pop = self.population
            teams = self.teams_on(scope, day)
            kept = {t for t, members in teams.items() if sum(1 for u in members if plan[u]) >= FIVE_MEMBER_RULE}
            per_user: dict[int, list[int]] = {}
            for team, members in teams.items():
                if team in kept:
                    for user in members:
                        per_user.setdefault(user, []).append(team)
            ids = dict(scope.team_id_fields)
            rows = []
            for user_index in sorted(per_user):
                member = pop.users[user_index]
                for team_index in sorted(per_user[user_index]):
                    team_ref = pop.teams[team_index]
                    rows.append({"user_id": member.id, "user_login": member.login, "day": day.isoformat(), **ids,
                                 "team_id": team_ref.id, "slug": team_ref.slug})
            return rows

        return self._user_teams.get((scope.kind, scope.slug, day), compute)

    def repo_rows(self, scope: SimScope, day: dt.date, revision: int | None = None) -> list[dict[str, Any]]:
        """repos-1-day rows (repo_id / repo_owner_name / repo_name / repo_visibility; see pull_requests.py)."""
        revision = self.effective_revision(day) if revision is None else revision
        weekend = day.weekday() >= 5
        ids = dict(scope.id_fields)
        rows = []
        for org in scope.orgs:
            for repo in self.population.repos[org]:
                rng = stable_rng(self.config.seed, "repo", repo.id, day, revision)
                block = repo_pull_requests(rng, repo.activity, weekend)
                if block is None:
                    continue
                owner = repo.full_name.partition("/")[0]
                row = {"day": day.isoformat(), **ids, "repo_id": repo.id, "repo_owner_name": owner,
                       "repo_name": repo.name, "repo_visibility": repo.visibility, "pull_requests": block}
                times = review_times(rng, block, day)
                if times is not None:
                    row["pull_request_review_times"] = times
                rows.append(row)
        return rows

    # --- 28-day reports --------------------------------------------------------------------------
    def latest_window(self, scope: SimScope) -> tuple[dt.date, dt.date] | None:
        """(report_start_day, report_end_day) of the latest 28-day report, or None before the floor."""
        end = self.newest_day()
        if end < self.floor(scope):
            return None
        return end - dt.timedelta(days=MONTH - 1), end

    def window_days(self, scope: SimScope, end: dt.date) -> list[dt.date]:
        floor = self.floor(scope)
        days = [end - dt.timedelta(days=back) for back in range(MONTH - 1, -1, -1)]
        return [d for d in days if d >= floor]

    def aggregate_28(self, scope: SimScope, end: dt.date) -> dict[str, Any]:
        start = end - dt.timedelta(days=MONTH - 1)
        wrapper: dict[str, Any] = {
            "report_start_day": start.isoformat(),
            "report_end_day": end.isoformat(),
            **dict(scope.id_fields),
            # Reports are produced after the day closes; a fixed time keeps the bytes deterministic.
            "created_at": f"{ready_on(end, self.config.report_lag_days, self.config.weekend_extra_days).isoformat()}"
                          "T03:36:11.710Z",
            "day_totals": [self.aggregate(scope, d) for d in self.window_days(scope, end)],
        }
        if end >= CLI_CUSTOMIZATION_SINCE:  # changelog 2026-09-17
            plans = [self.plan(end - dt.timedelta(days=back)) for back in range(MONTH - 1, -1, -1)]
            wrapper["copilot_feature_engagement"] = feature_engagement(plans, scope.members, self.population.users)
        return wrapper

    def user_rows_28_count(self, scope: SimScope, end: dt.date) -> int:
        return sum(len(self.active_members(scope, d)) for d in self.window_days(scope, end))

    def user_rows_28(self, scope: SimScope, end: dt.date, start: int = 0,
                     stop: int | None = None) -> list[dict[str, Any]]:
        """users-28-day rows: one per user per active day, in (day, user) order, sliced [start:stop]."""
        window = {"report_start_day": (end - dt.timedelta(days=MONTH - 1)).isoformat(),
                  "report_end_day": end.isoformat()}
        rows: list[dict[str, Any]] = []
        offset = 0
        for day in self.window_days(scope, end):
            count = len(self.active_members(scope, day))
            lo = max(start - offset, 0)
            hi = count if stop is None else min(stop - offset, count)
            if lo < hi:
                rows.extend(self.user_records(scope, day, start=lo, stop=hi, extra=window, active_only=True))
            offset += count
            if stop is not None and offset >= stop:
                break
        return rows
