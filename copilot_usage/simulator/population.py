"""The static cast of a simulated world: enterprises, organizations, users, teams, seats and repositories.

Built once from a `SimConfig` in time linear in users + teams. Dates that belong to the cast (a seat's start,
a team move, a churned user's last day) are fixed relative to `config.today`, so moving the simulator's
clock later never reshuffles who is who.

Shape of the world:
- every org belongs to enterprise 1 when there is one (other enterprises have no orgs, hence no users);
- each user is a member of 1-3 orgs (most of 1) and, unless unseated, holds a seat granted by their
  first org and perhaps by others (the enterprise seat listing shows one seat object per granting org);
- a few users are "server-side only" (counted as active, every breakdown empty), some never use their
  seat, some stopped long ago, some got their seat recently; one login is unicode and one is very long;
- teams are spread over the orgs, every third one nested under an earlier team of the same org; users
  join 0-2 teams per org and about one in ten moves to another team on a fixed day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from copilot_usage.simulator.config import SimConfig
from copilot_usage.simulator.seeding import stable_rng

IDES = ("vscode", "intellij", "visualstudio", "eclipse", "xcode")
_IDE_WEIGHTS = (60, 22, 10, 4, 4)
LANGUAGES = (
    "typescript", "python", "java", "go", "csharp", "javascript", "rust", "kotlin", "swift", "markdown",
    "sql", "unknown",
)
_LANGUAGE_WEIGHTS = (20, 20, 12, 8, 8, 10, 3, 3, 3, 6, 4, 3)
# Chat and agent activity is attributed to the model actually used (github-copilot-api.md §3.7).
MODELS = ("claude-sonnet-4.6", "gpt-5", "gpt-4.1", "auto", "gemini-2.5-pro", "claude-opus-4.5")
_MODEL_WEIGHTS = (35, 25, 15, 8, 9, 8)
_TEAM_WORDS = (
    "platform", "frontend", "backend", "data", "mobile", "security", "infra", "payments", "search", "ml",
    "devex", "api", "growth", "billing", "identity", "docs",
)
_REPO_WORDS = ("api", "web", "mobile-app", "infra", "docs", "sdk", "cli", "worker", "gateway", "portal")
# Seat timestamps are rendered in the user's own offset, as GitHub's examples do, to exercise parsing.
_TZ_MINUTES = (0, 0, -360, -300, 60, 330, 540)

ORG_ID_BASE = 9_900
ENTERPRISE_ID_BASE = 13_200
USER_ID_BASE = 4_000_000
TEAM_ID_BASE = 500_000
REPO_ID_BASE = 80_000_000
UNICODE_USER = 7  # 1-based user numbers that get unusual logins, when the world has them
LONG_USER = 11
SERVER_SIDE_USER = 4  # guaranteed server-side-only user (plus random ones) in worlds of 20+ users


@dataclass(frozen=True, slots=True)
class Enterprise:
    index: int
    slug: str
    id: int


@dataclass(frozen=True, slots=True)
class Org:
    index: int
    slug: str
    id: int
    enterprise: Enterprise | None


@dataclass(frozen=True, slots=True)
class User:
    index: int  # position in Population.users
    id: int
    login: str
    orgs: tuple[int, ...]  # member of these org indexes, first = primary
    seat_orgs: tuple[int, ...]  # orgs granting a seat; empty = no seat, never in reports
    server_side_only: bool
    never_used: bool
    active_from: dt.date | None  # seat granted recently: no activity before
    active_until: dt.date | None  # stopped using Copilot after this day
    propensity: float  # chance of being active on a weekday
    ides: tuple[str, ...]
    languages: tuple[str, ...]
    models: tuple[str, ...]
    chat_rate: float
    agent_rate: float
    cli_rate: float
    review_active_rate: float
    review_passive_rate: float
    cloud_agent_rate: float
    phase: int  # AI adoption phase 0-3
    tz_minutes: int
    seat_created: dt.datetime  # UTC
    pending_cancellation: dt.date | None
    app_user: bool = False  # uses the Copilot app on chat days (from activity.COPILOT_APP_SINCE)

    @property
    def seated(self) -> bool:
        return bool(self.seat_orgs)


@dataclass(frozen=True, slots=True)
class Team:
    index: int
    id: int
    slug: str
    name: str
    description: str | None
    org: int
    parent: int | None


@dataclass(frozen=True, slots=True)
class Membership:
    """A user's teams in one org; `moved` replaces `base` from `move_day` on."""

    base: tuple[int, ...]
    moved: tuple[int, ...] | None = None
    move_day: dt.date | None = None

    def on(self, day: dt.date) -> tuple[int, ...]:
        if self.moved is not None and self.move_day is not None and day >= self.move_day:
            return self.moved
        return self.base


@dataclass(frozen=True, slots=True)
class Repo:
    index: int
    id: int
    name: str
    full_name: str
    org: int
    activity: float  # chance of pull-request activity on a weekday
    visibility: str  # private | internal | public


@dataclass(frozen=True, slots=True)
class UnassignedSeat:
    """A seat whose assignee is gone (GitHub shows `assignee: null`)."""

    org: int
    created: dt.datetime


@dataclass(frozen=True)
class Population:
    enterprises: tuple[Enterprise, ...]
    orgs: tuple[Org, ...]
    users: tuple[User, ...]
    teams: tuple[Team, ...]
    repos: tuple[tuple[Repo, ...], ...]  # per org
    org_members: tuple[tuple[int, ...], ...]  # per org, user indexes ascending
    org_teams: tuple[tuple[int, ...], ...]  # per org, team indexes ascending
    memberships: dict[tuple[int, int], Membership]  # (user index, org index)
    assigning_team: dict[tuple[int, int], int]  # (user index, org index) -> team index
    unassigned_seats: tuple[tuple[UnassignedSeat, ...], ...]  # per org

    def teams_of(self, user: int, org: int, day: dt.date) -> tuple[int, ...]:
        membership = self.memberships.get((user, org))
        return membership.on(day) if membership else ()


def build_population(config: SimConfig) -> Population:
    enterprises = tuple(
        Enterprise(i, f"sim-enterprise-{i + 1}", ENTERPRISE_ID_BASE + i + 1) for i in range(config.enterprises)
    )
    owner = enterprises[0] if enterprises else None
    orgs = tuple(Org(j, f"sim-org-{j + 1}", ORG_ID_BASE + j + 1, owner) for j in range(config.orgs))
    users = tuple(_make_user(config, i) for i in range(config.users))
    members: list[list[int]] = [[] for _ in orgs]
    for user in users:
        for org in user.orgs:
            members[org].append(user.index)
    teams = tuple(_make_team(config, k) for k in range(config.teams))
    org_teams: list[list[int]] = [[] for _ in orgs]
    for team in teams:
        org_teams[team.org].append(team.index)
    memberships, assigning = _make_memberships(config, users, org_teams)
    repos = tuple(_make_repos(config, org, len(members[org.index])) for org in orgs)
    unassigned = tuple(_make_unassigned(config, org, len(members[org.index])) for org in orgs)
    return Population(
        enterprises=enterprises,
        orgs=orgs,
        users=users,
        teams=teams,
        repos=repos,
        org_members=tuple(tuple(m) for m in members),
        org_teams=tuple(tuple(t) for t in org_teams),
        memberships=memberships,
        assigning_team=assigning,
        unassigned_seats=unassigned,
    )


def _login(number: int) -> str:
    if number == UNICODE_USER:
        return f"jürgen-müller-ß-{number:05d}"
    if number == LONG_USER:
        return f"user-{number:05d}-" + "with-a-very-long-login-" * 5
    return f"user-{number:05d}"


def _make_user(config: SimConfig, index: int) -> User:
    number = index + 1
    rng = stable_rng(config.seed, "user", number)
    r = rng.random()
    n_orgs = min(config.orgs, 1 if r < 0.75 else 2 if r < 0.95 else 3)
    primary = rng.randrange(config.orgs)
    others = [o for o in range(config.orgs) if o != primary]
    orgs = (primary, *sorted(rng.sample(others, n_orgs - 1)))
    seated = rng.random() >= 0.06
    seat_orgs = (primary, *(o for o in orgs[1:] if rng.random() < 0.35)) if seated else ()
    server_side_only = seated and (rng.random() < 0.03 or (number == SERVER_SIDE_USER and config.users >= 20))
    never_used = seated and not server_side_only and rng.random() < 0.04
    kind = rng.random()
    active_from = active_until = None
    if not never_used and kind < 0.03:
        active_until = config.today - dt.timedelta(days=rng.randint(95, 110))
    elif not never_used and kind < 0.08:
        active_from = config.today - dt.timedelta(days=rng.randint(3, 25))
    ides: tuple[str, ...] = (rng.choices(IDES, _IDE_WEIGHTS)[0],)
    if rng.random() < 0.2:
        ides += (rng.choice([i for i in IDES if i != ides[0]]),)
    languages = tuple(dict.fromkeys(rng.choices(LANGUAGES, _LANGUAGE_WEIGHTS, k=rng.randint(1, 3))))
    models = tuple(dict.fromkeys(rng.choices(MODELS, _MODEL_WEIGHTS, k=rng.randint(1, 2))))
    propensity = 0.85 if server_side_only else rng.uniform(0.35, 0.95)
    agent_rate = rng.uniform(0.0, 0.6)
    phase = min(3, int(propensity * 3 + agent_rate * 2))
    if active_from is not None:
        created = dt.datetime.combine(active_from, dt.time(9, 30), dt.UTC)
    else:
        created = dt.datetime.combine(
            config.today - dt.timedelta(days=config.days + rng.randint(10, 400)), dt.time(15, 0), dt.UTC
        ) + dt.timedelta(minutes=rng.randrange(600))
    pending = config.today + dt.timedelta(days=rng.randint(3, 25)) if seated and rng.random() < 0.03 else None
    return User(
        index=index,
        id=USER_ID_BASE + number,
        login=_login(number),
        orgs=orgs,
        seat_orgs=seat_orgs,
        server_side_only=server_side_only,
        never_used=never_used,
        active_from=active_from,
        active_until=active_until,
        propensity=propensity,
        ides=ides,
        languages=languages,
        models=models,
        chat_rate=rng.uniform(0.1, 0.8),
        agent_rate=agent_rate,
        cli_rate=rng.uniform(0.3, 0.7) if rng.random() < 0.25 else 0.0,
        review_active_rate=rng.uniform(0.02, 0.3),
        review_passive_rate=rng.uniform(0.05, 0.4),
        cloud_agent_rate=rng.uniform(0.1, 0.3) if rng.random() < 0.15 else 0.0,
        phase=phase,
        tz_minutes=rng.choice(_TZ_MINUTES),
        seat_created=created,
        pending_cancellation=pending,
        # A stream of its own, so adding the app left every earlier draw (and world) as it was.
        app_user=not server_side_only and stable_rng(config.seed, "app-user", number).random() < 0.15,
    )


def _make_team(config: SimConfig, index: int) -> Team:
    org = index % config.orgs
    position = index // config.orgs  # position of the team inside its org
    word = _TEAM_WORDS[index % len(_TEAM_WORDS)]
    parent = index - 2 * config.orgs if position % 3 == 2 else None  # the org's team two places earlier
    return Team(
        index=index,
        id=TEAM_ID_BASE + index + 1,
        slug=f"team-{word}-{index + 1}",
        name=f"{word.capitalize()} {index + 1}",
        description=None if index % 4 == 3 else f"The {word} team",
        org=org,
        parent=parent,
    )


def _make_memberships(
    config: SimConfig, users: tuple[User, ...], org_teams: list[list[int]]
) -> tuple[dict[tuple[int, int], Membership], dict[tuple[int, int], int]]:
    memberships: dict[tuple[int, int], Membership] = {}
    assigning: dict[tuple[int, int], int] = {}
    forced_move = True  # guarantee one move inside the history window so tests can see one
    for user in users:
        rng = stable_rng(config.seed, "teams", user.index)
        for org in user.orgs:
            candidates = org_teams[org]
            if not candidates:
                continue
            # The org's last team is small on purpose: it often falls under GitHub's five-member rule.
            weights = [0.25 if i == len(candidates) - 1 else 1.0 + (i % 3) for i in range(len(candidates))]
            r = rng.random()
            count = 0 if r < 0.12 else 1 if r < 0.8 else 2
            chosen = tuple(sorted(set(rng.choices(candidates, weights, k=count))))
            if not chosen:
                continue
            membership = Membership(chosen)
            spare = [t for t in candidates if t not in chosen]
            if spare and config.days >= 12 and ((forced_move and user.seated) or rng.random() < 0.1):
                forced_move = forced_move and not user.seated
                move_day = config.today - dt.timedelta(days=rng.randint(5, config.days - 6))
                membership = Membership(chosen, tuple(sorted({rng.choice(spare), *chosen[1:]})), move_day)
            memberships[(user.index, org)] = membership
            if org in user.seat_orgs and rng.random() < 0.5:
                assigning[(user.index, org)] = chosen[0]
    return memberships, assigning


def _make_repos(config: SimConfig, org: Org, member_count: int) -> tuple[Repo, ...]:
    rng = stable_rng(config.seed, "repos", org.index)
    count = max(3, min(60, member_count // 8))
    repos = []
    for r in range(count):
        word = _REPO_WORDS[r % len(_REPO_WORDS)]
        name = word if r < len(_REPO_WORDS) else f"{word}-{r // len(_REPO_WORDS) + 1}"
        visibility = "public" if r % 5 == 4 else "internal" if r % 3 == 2 else "private"
        repos.append(Repo(r, REPO_ID_BASE + org.index * 10_000 + r, name, f"{org.slug}/{name}", org.index,
                          rng.uniform(0.15, 0.7), visibility))
    return tuple(repos)


def _make_unassigned(config: SimConfig, org: Org, member_count: int) -> tuple[UnassignedSeat, ...]:
    if member_count < 10:
        return ()
    rng = stable_rng(config.seed, "unassigned", org.index)
    created = dt.datetime.combine(config.today - dt.timedelta(days=rng.randint(30, 300)), dt.time(12), dt.UTC)
    return (UnassignedSeat(org.index, created),)
