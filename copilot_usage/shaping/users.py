"""The users report joined with that day's user-teams report.

`UsersShaper.add` turns one users-1-day record into its user_daily document and folds it into per-team
and per-scope totals; `finish` emits team_daily, team_breakdown and user_summary_daily. Memory grows with
teams x breakdown rows, never with users, so a report of any size streams through.

Team membership is the user-teams report of the same scope and day (GitHub leaves out teams with fewer
than five seated users). A user in two teams counts in both: team totals overlap and never add up to the
scope total.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from copilot_usage.model import Scope
from copilot_usage.schema.indices import (
    ACCEPTANCE_RATE,
    ACTIVE,
    ACTIVE_USERS,
    ADOPTION_PHASE,
    ADOPTION_PHASE_NUMBER,
    AGENT_USERS,
    AI_CREDIT_USERS,
    AI_CREDITS_USED,
    BREAKDOWN,
    BREAKDOWN_FEATURE,
    BREAKDOWN_IDE,
    BREAKDOWN_LANGUAGE_FEATURE,
    BREAKDOWN_LANGUAGE_MODEL,
    BREAKDOWN_MODEL_FEATURE,
    CHAT_USERS,
    CLI_COUNTS,
    CLI_OUTPUT_TOKENS_SUM,
    CLI_PROMPT_COUNT,
    CLI_PROMPT_TOKENS_SUM,
    CLI_REQUEST_COUNT,
    CLI_SESSION_COUNT,
    CLI_USERS,
    CLI_VERSION,
    CODE_ACCEPTANCE_ACTIVITY_COUNT,
    CODE_GENERATION_ACTIVITY_COUNT,
    CODE_REVIEW_PASSIVE_USERS,
    CODE_REVIEW_USERS,
    CODING_AGENT_USERS,
    COPILOT_APP_USERS,
    COUNTERS,
    DAY,
    ENTERPRISE_ID,
    FEATURE_GROUP,
    FEATURES,
    IDE,
    IDE_VERSION,
    IDES,
    LANGUAGES,
    LAST_KNOWN_IDE,
    MEMBER_COUNT,
    MODELS,
    ORGANIZATION_ID,
    OUTPUT_TOKENS_SUM,
    PHASE,
    PHASE_NUMBER,
    PHASE_UNKNOWN_USERS,
    PHASE_USERS,
    PLUGIN,
    PLUGIN_VERSION,
    PROMPT_COUNT,
    PROMPT_TOKENS_SUM,
    REQUEST_COUNT,
    SERVER_SIDE_ONLY,
    SERVER_SIDE_ONLY_USERS,
    SESSION_COUNT,
    TEAM,
    TEAM_BREAKDOWN,
    TEAM_DAILY,
    TEAM_ID,
    TEAM_MEMBERS,
    TEAMS,
    TOP_FEATURE,
    TOP_IDE,
    TOP_LANGUAGE,
    TOP_MODEL,
    USED_AGENT,
    USED_CHAT,
    USED_CLI,
    USED_COPILOT_APP,
    USED_COPILOT_CLOUD_AGENT,
    USED_COPILOT_CODE_REVIEW_ACTIVE,
    USED_COPILOT_CODE_REVIEW_PASSIVE,
    USED_COPILOT_CODING_AGENT,
    USED_FLAGS,
    USED_VSCODE_AGENT,
    USER_DAILY,
    USER_ID,
    USER_INITIATED_INTERACTION_COUNT,
    USER_LOGIN,
    USER_SUMMARY_DAILY,
    USERS_IN_REPORT,
    VSCODE_AGENT_USERS,
    Doc,
)
from copilot_usage.shaping import source_keys as src
from copilot_usage.shaping.aggregate import put_vscode_agent
from copilot_usage.shaping.breakdowns import KEY_DIMENSIONS, Counters, RowKey, add_counters, read_rows
from copilot_usage.shaping.common import base, sort_key
from copilot_usage.shaping.customization import customization_fields
from copilot_usage.shaping.errors import RecordError
from copilot_usage.shaping.features import feature_group
from copilot_usage.shaping.lines import line_fields
from copilot_usage.shaping.values import (
    check_day,
    count,
    counts,
    flag,
    fraction,
    number,
    obj,
    required_id,
    required_text,
    text,
)

# --- membership ----------------------------------------------------------------------------------------


class TeamRef(NamedTuple):
    """A team as the user-teams report names it. The id keeps two same-slug teams of an enterprise apart."""

    team_id: int | None
    slug: str


def _team_order(team: TeamRef) -> tuple[Any, ...]:
    return (team.slug, team.team_id is not None, team.team_id or 0)


@dataclass(frozen=True)
class Membership:
    """Who was in which team on one day of one scope (from that day's user-teams report)."""

    scope: Scope
    day: dt.date
    by_user: Mapping[int, tuple[TeamRef, ...]] = field(default_factory=dict)
    team_sizes: Mapping[TeamRef, int] = field(default_factory=dict)

    def teams_of(self, user_id: int) -> tuple[TeamRef, ...]:
        return self.by_user.get(user_id, ())

    @property
    def teams(self) -> list[TeamRef]:
        return sorted(self.team_sizes, key=_team_order)

    def __len__(self) -> int:
        return len(self.by_user)

    @classmethod
    def empty(cls, scope: Scope, day: dt.date) -> Membership:
        """No user-teams report (not ready, or no team reaches GitHub's five-seat threshold)."""
        return cls(scope, day)


def membership_from_user_teams(
    records: Iterable[dict[str, Any]], scope: Scope, day: dt.date
) -> tuple[Membership, list[str]]:
    """Build the day's membership; rows that cannot be used are left out and their reasons returned."""
    expected = day.isoformat()
    teams_of: dict[int, dict[TeamRef, None]] = {}  # dict as an ordered set
    rejected: list[str] = []
    for record in records:
        try:
            if type(record) is not dict:
                raise RecordError("user-teams row is not an object")
            check_day(record.get(DAY), expected)
            user_id = required_id(record.get(USER_ID), USER_ID)
            slug = required_text(record.get(src.SLUG), src.SLUG)
            team_id = count(record.get(TEAM_ID), TEAM_ID)
        except RecordError as exc:
            rejected.append(exc.reason)
            continue
        teams_of.setdefault(user_id, {})[TeamRef(team_id, slug)] = None
    by_user = {user: tuple(sorted(teams, key=_team_order)) for user, teams in teams_of.items()}
    sizes: dict[TeamRef, int] = {}
    for teams in by_user.values():
        for team in teams:
            sizes[team] = sizes.get(team, 0) + 1
    return Membership(scope, day, by_user, sizes), rejected


# --- one user record -------------------------------------------------------------------------------------

# user_daily's cli_* fields <- totals_by_cli keys (token sums under token_usage).
_CLI_DIRECT = ((SESSION_COUNT, CLI_SESSION_COUNT), (REQUEST_COUNT, CLI_REQUEST_COUNT), (PROMPT_COUNT, CLI_PROMPT_COUNT))
_CLI_TOKENS = ((OUTPUT_TOKENS_SUM, CLI_OUTPUT_TOKENS_SUM), (PROMPT_TOKENS_SUM, CLI_PROMPT_TOKENS_SUM))
_WHERE_CLI = {key: f"{src.TOTALS_BY_CLI}.{key}" for key, _ in _CLI_DIRECT}
_WHERE_TOKENS = {key: f"{src.TOTALS_BY_CLI}.{src.TOKEN_USAGE}.{key}" for key, _ in _CLI_TOKENS}
_WHERE_PHASE = f"{src.AI_ADOPTION_PHASE}.{PHASE}"
_WHERE_PHASE_NUMBER = f"{src.AI_ADOPTION_PHASE}.{PHASE_NUMBER}"
_CHAT, _AGENT, _CLI, _REVIEW, _REVIEW_PASSIVE, _CODING_AGENT, _CLOUD_AGENT, _APP, _VSCODE_AGENT = (
    USED_FLAGS.index(name)
    for name in (
        USED_CHAT,
        USED_AGENT,
        USED_CLI,
        USED_COPILOT_CODE_REVIEW_ACTIVE,
        USED_COPILOT_CODE_REVIEW_PASSIVE,
        USED_COPILOT_CODING_AGENT,
        USED_COPILOT_CLOUD_AGENT,
        USED_COPILOT_APP,
        USED_VSCODE_AGENT,
    )
)
_GEN = COUNTERS.index(CODE_GENERATION_ACTIVITY_COUNT)
_ACC = COUNTERS.index(CODE_ACCEPTANCE_ACTIVITY_COUNT)
_UIC = COUNTERS.index(USER_INITIATED_INTERACTION_COUNT)


class _User:
    """A parsed user record: its document plus what the team and scope totals need."""

    __slots__ = (
        "active",
        "agent",
        "ai_credits",
        "app",
        "chat",
        "cli",
        "cli_counts",
        "coding_agent",
        "counters",
        "phase_number",
        "review",
        "review_passive",
        "rows",
        "server_side_only",
        "source",
        "vscode_agent",
    )

    def __init__(self, record: Any, scope: Scope, day: str):
        if type(record) is not dict:
            raise RecordError("record is not an object")
        user_id = required_id(record.get(USER_ID), USER_ID)
        login = required_text(record.get(USER_LOGIN), USER_LOGIN)
        check_day(record.get(DAY), day)
        doc = base(scope, day)
        doc[USER_ID] = user_id
        doc[USER_LOGIN] = login
        for name in (ORGANIZATION_ID, ENTERPRISE_ID):
            value = text(record.get(name), name)
            if value is not None:
                doc[name] = value

        counters = counts(record, COUNTERS, COUNTERS)
        for name, counter in zip(COUNTERS, counters, strict=True):
            if counter is not None:
                doc[name] = counter
        used = [flag(record.get(name), name) for name in USED_FLAGS]
        for name, was_used in zip(USED_FLAGS, used, strict=True):
            if was_used is not None:
                doc[name] = was_used
        ai_credits = number(record.get(AI_CREDITS_USED), AI_CREDITS_USED)
        if ai_credits is not None:
            doc[AI_CREDITS_USED] = ai_credits
        phase = obj(record.get(src.AI_ADOPTION_PHASE), src.AI_ADOPTION_PHASE)
        phase_name = text(phase.get(PHASE), _WHERE_PHASE)
        phase_number = count(phase.get(PHASE_NUMBER), _WHERE_PHASE_NUMBER)
        if phase_name is not None:
            doc[ADOPTION_PHASE] = phase_name
        if phase_number is not None:
            doc[ADOPTION_PHASE_NUMBER] = phase_number

        cli = obj(record.get(src.TOTALS_BY_CLI), src.TOTALS_BY_CLI)
        cli_counts: list[int | None] = [None] * len(CLI_COUNTS)
        if cli:
            tokens = obj(cli.get(src.TOKEN_USAGE), f"{src.TOTALS_BY_CLI}.{src.TOKEN_USAGE}")
            values = {field: count(cli.get(key), _WHERE_CLI[key]) for key, field in _CLI_DIRECT}
            values.update({field: count(tokens.get(key), _WHERE_TOKENS[key]) for key, field in _CLI_TOKENS})
            for i, name in enumerate(CLI_COUNTS):
                cli_count = cli_counts[i] = values[name]
                if cli_count is not None:
                    doc[name] = cli_count
            version = obj(cli.get(src.LAST_KNOWN_CLI_VERSION), src.LAST_KNOWN_CLI_VERSION)
            cli_version = text(version.get(CLI_VERSION), f"{src.LAST_KNOWN_CLI_VERSION}.{CLI_VERSION}")
            if cli_version is not None:
                doc[CLI_VERSION] = cli_version

        vscode_agent = put_vscode_agent(doc, record)
        customized = customization_fields(record)
        doc.update(customized)

        doc[TEAMS] = []  # filled in by the shaper, which knows the day's membership
        rows = read_rows(record)
        _add_dimensions(doc, rows)
        _add_last_known_ide(doc, record.get(src.TOTALS_BY_IDE))
        doc[ACCEPTANCE_RATE] = fraction(counters[_ACC], counters[_GEN])
        doc.update(line_fields(rows, counters))
        # "Any activity": something non-zero, not merely a row. GitHub lists seated users without activity
        # too (about 40 % of a real report's rows), and a user active only in the VS Code Agents window is
        # active.
        active = bool(
            any(used)
            or any(counters)
            or any(cli_counts)
            or ai_credits
            or vscode_agent
            or any(customized.values())
            or record.get(src.TOTALS_BY_COPILOT_APP)
            or record.get(src.TOTALS_BY_3RD_PARTY_AGENT)
        )
        # Server-side-only users (active, seen through server signals alone) have every client breakdown empty.
        server_side_only = active and not (
            rows or cli or vscode_agent or record.get(src.TOTALS_BY_COPILOT_APP)
            or record.get(src.TOTALS_BY_3RD_PARTY_AGENT)
        )
        doc[SERVER_SIDE_ONLY] = server_side_only
        doc[ACTIVE] = active

        self.source = doc
        self.counters = counters
        self.rows = rows
        self.ai_credits = ai_credits
        self.cli_counts = cli_counts
        self.phase_number = phase_number
        self.server_side_only = server_side_only
        self.chat = used[_CHAT] is True
        self.agent = used[_AGENT] is True
        self.cli = used[_CLI] is True
        self.review = used[_REVIEW] is True
        self.review_passive = used[_REVIEW_PASSIVE] is True
        # GitHub renamed the coding agent to cloud agent and sends both flags; either one counts.
        self.coding_agent = used[_CODING_AGENT] is True or used[_CLOUD_AGENT] is True
        self.app = used[_APP] is True
        self.vscode_agent = used[_VSCODE_AGENT] is True or vscode_agent
        self.active = active


def _top(scores: dict[str, list[int]]) -> str | None:
    """Most generations, then most interactions, then the first name alphabetically."""
    if len(scores) < 2:
        return next(iter(scores), None)
    return min(scores.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))[0]


def _score(scores: dict[str, list[int]], name: str | None, values: Counters) -> None:
    if name is None:
        return
    pair = scores.get(name)
    if pair is None:
        pair = scores[name] = [0, 0]
    pair[0] += values[_GEN] or 0
    pair[1] += values[_UIC] or 0


def _add_dimensions(doc: dict[str, Any], rows: dict[RowKey, Counters]) -> None:
    """top_* and the keyword arrays of every ide, language, model and feature seen."""
    ides: dict[str, list[int]] = {}
    features: dict[str, list[int]] = {}
    languages: dict[str, list[int]] = {}
    models: dict[str, list[int]] = {}
    models_by_language: dict[str, list[int]] = {}
    seen_features: set[str] = set()
    seen_languages: set[str] = set()
    for (breakdown, ide, feature, language, model), values in rows.items():
        if feature is not None:
            seen_features.add(feature)
        if language is not None:
            seen_languages.add(language)
        if breakdown == BREAKDOWN_IDE:
            _score(ides, ide, values)
        elif breakdown == BREAKDOWN_FEATURE:
            _score(features, feature, values)
        elif breakdown == BREAKDOWN_LANGUAGE_FEATURE:
            _score(languages, language, values)
        elif breakdown == BREAKDOWN_MODEL_FEATURE:
            _score(models, model, values)
        elif breakdown == BREAKDOWN_LANGUAGE_MODEL:
            _score(models_by_language, model, values)
    # totals_by_model_feature carries interactions; language_model is the fallback when it is empty.
    model_scores = models or models_by_language
    for name, top in (
        (TOP_IDE, _top(ides)),
        (TOP_LANGUAGE, _top(languages)),
        (TOP_MODEL, _top(model_scores)),
        (TOP_FEATURE, _top(features)),
    ):
        if top is not None:
            doc[name] = top
    doc[IDES] = sorted(ides)
    doc[LANGUAGES] = sorted(seen_languages)
    doc[MODELS] = sorted(models.keys() | models_by_language.keys())
    doc[FEATURES] = sorted(seen_features)


def _add_last_known_ide(doc: dict[str, Any], items: Any) -> None:
    """The IDE with the latest version sample of the day, and its IDE and plugin versions.

    Samples are compared as GitHub writes them (ISO strings in UTC), which orders them correctly.
    """
    if not items:
        return  # read_rows already checked the array and its items
    best: tuple[str, str, dict[str, Any], dict[str, Any]] | None = None
    for item in items:
        ide = text(item.get(IDE), IDE)
        if ide is None:
            continue
        ide_version = obj(item.get(src.LAST_KNOWN_IDE_VERSION), src.LAST_KNOWN_IDE_VERSION)
        plugin = obj(item.get(src.LAST_KNOWN_PLUGIN_VERSION), src.LAST_KNOWN_PLUGIN_VERSION)
        if not ide_version and not plugin:
            continue
        sampled = max(str(ide_version.get(src.SAMPLED_AT) or ""), str(plugin.get(src.SAMPLED_AT) or ""))
        if best is None or (sampled, ide) > (best[0], best[1]):
            best = (sampled, ide, ide_version, plugin)
    if best is None:
        return
    _, ide, ide_version, plugin = best
    doc[LAST_KNOWN_IDE] = ide
    for name, value in (
        (IDE_VERSION, text(ide_version.get(IDE_VERSION), f"{src.LAST_KNOWN_IDE_VERSION}.{IDE_VERSION}")),
        (PLUGIN, text(plugin.get(PLUGIN), f"{src.LAST_KNOWN_PLUGIN_VERSION}.{PLUGIN}")),
        (PLUGIN_VERSION, text(plugin.get(PLUGIN_VERSION), f"{src.LAST_KNOWN_PLUGIN_VERSION}.{PLUGIN_VERSION}")),
    ):
        if value is not None:
            doc[name] = value


# --- totals ------------------------------------------------------------------------------------------------


class _Row:
    """One team_breakdown row: summed counters, which of them any member had, how many members contributed.

    Absent counters are summed as 0 and remembered in a bit mask, so the hot loop is a plain vector add.
    """

    __slots__ = ("counters", "present", "users")

    def __init__(self, counters: list[int], present: int):
        self.counters = list(counters)
        self.present = present
        self.users = 1

    def values(self) -> Counters:
        return [value if self.present >> i & 1 else None for i, value in enumerate(self.counters)]


_ALL_PRESENT = (1 << len(COUNTERS)) - 1
# A user's rows prepared for team sums: (key, counters with absent as 0, presence mask).
TeamRows = list[tuple[RowKey, list[int], int]]


def _team_rows(rows: dict[RowKey, Counters]) -> TeamRows:
    prepared: TeamRows = []
    for key, values in rows.items():
        if None in values:
            mask = sum(1 << i for i, value in enumerate(values) if value is not None)
            prepared.append((key, [value or 0 for value in values], mask))
        else:
            prepared.append((key, values, _ALL_PRESENT))  # type: ignore[arg-type]
    return prepared


class _Totals:
    """Sums over a set of users (a team, or the whole report). Absent values stay absent (None)."""

    __slots__ = (
        "active",
        "agent",
        "ai_credit_users",
        "ai_credits",
        "app",
        "chat",
        "cli",
        "cli_counts",
        "coding_agent",
        "counters",
        "phase_unknown",
        "phases",
        "review",
        "review_passive",
        "rows",
        "server_side_only",
        "users",
        "vscode_agent",
    )

    def __init__(self, with_rows: bool):
        self.users = self.active = self.chat = self.agent = self.cli = 0
        self.review = self.review_passive = self.coding_agent = self.app = self.vscode_agent = 0
        self.ai_credit_users = self.server_side_only = self.phase_unknown = 0
        self.phases = [0] * len(PHASE_USERS)
        self.counters: Counters = [None] * len(COUNTERS)
        self.cli_counts: Counters = [None] * len(CLI_COUNTS)
        self.ai_credits: float | None = None
        # Breakdown rows summed over the members (teams only; the scope's rows come from the aggregate).
        self.rows: dict[RowKey, _Row] | None = {} if with_rows else None

    def add(self, user: _User, team_rows: TeamRows | None = None) -> None:
        self.users += 1
        self.active += user.active
        self.chat += user.chat
        self.agent += user.agent
        self.cli += user.cli
        self.review += user.review
        self.review_passive += user.review_passive
        self.coding_agent += user.coding_agent
        self.app += user.app
        self.vscode_agent += user.vscode_agent
        self.server_side_only += user.server_side_only
        if user.ai_credits is not None:
            self.ai_credits = (self.ai_credits or 0.0) + user.ai_credits
            self.ai_credit_users += user.ai_credits > 0
        phase = user.phase_number
        if phase is not None and 0 <= phase < len(self.phases):
            self.phases[phase] += 1
        else:
            self.phase_unknown += 1
        add_counters(self.counters, user.counters)
        add_counters(self.cli_counts, user.cli_counts)
        rows = self.rows
        if rows is not None and team_rows:
            add = operator.add
            for key, values, present in team_rows:
                acc = rows.get(key)
                if acc is None:
                    rows[key] = _Row(values, present)
                else:
                    acc.counters[:] = map(add, acc.counters, values)
                    acc.present |= present
                    acc.users += 1

    def engaged(self) -> dict[str, Any]:
        return {
            ACTIVE_USERS: self.active,
            CHAT_USERS: self.chat,
            AGENT_USERS: self.agent,
            CLI_USERS: self.cli,
            CODE_REVIEW_USERS: self.review,
            CODING_AGENT_USERS: self.coding_agent,
        }

    def sums(self, doc: dict[str, Any], with_counters: bool) -> None:
        if with_counters:
            for name, value in zip(COUNTERS, self.counters, strict=True):
                if value is not None:
                    doc[name] = value
        if self.ai_credits is not None:
            doc[AI_CREDITS_USED] = round(self.ai_credits, 6)
        for name, value in zip(CLI_COUNTS, self.cli_counts, strict=True):
            if value is not None:
                doc[name] = value


# --- the shaper --------------------------------------------------------------------------------------------


class UsersShaper:
    """Shapes one day's users report of one scope; feed each record to `add`, then call `finish` once.

    The 1-day report has one row per user. A user repeated (in another file of the same report) is
    rejected so the totals count each user once; remembering the ids seen costs a few bytes per user.
    """

    def __init__(self, scope: Scope, day: dt.date, membership: Membership | None = None):
        if membership is None:
            membership = Membership.empty(scope, day)
        if membership.scope != scope or membership.day != day:
            # Joining another day's membership would attribute usage to teams the user was not in.
            raise ValueError(
                f"membership of {membership.scope} {membership.day} cannot be joined to users of {scope} {day}"
            )
        self.scope = scope
        self.day = day
        self.membership = membership
        self._day = day.isoformat()
        self._summary = _Totals(with_rows=False)
        self._teams: dict[TeamRef, _Totals] = {}
        self._seen: set[Any] = set()

    @property
    def users_added(self) -> int:
        return self._summary.users

    def add(self, record: dict[str, Any]) -> list[Doc]:
        """The shaper interface (shaping/base.py): the user's document."""
        return [self.user(record)]

    def user(self, record: dict[str, Any]) -> Doc:
        """The user's user_daily document; raises RecordError (and counts nothing) for a bad record."""
        user = _User(record, self.scope, self._day)
        if user.source[USER_ID] in self._seen:
            raise RecordError(f"user {user.source[USER_ID]} appears twice in the same day's report")
        self._seen.add(user.source[USER_ID])
        teams = self.membership.teams_of(user.source[USER_ID])
        if teams:
            user.source[TEAMS] = sorted({team.slug for team in teams})
            team_rows = _team_rows(user.rows)
            for team in teams:
                totals = self._teams.get(team)
                if totals is None:
                    totals = self._teams[team] = _Totals(with_rows=True)
                totals.add(user, team_rows)
        self._summary.add(user)
        return Doc(USER_DAILY, user.source)

    def finish(self) -> list[Doc]:
        """team_daily for every team of the day's membership (also teams with no member in the report),
        their team_breakdown rows, then the scope's user_summary_daily."""
        docs: list[Doc] = []
        for team in self.membership.teams:
            totals = self._teams.get(team) or _Totals(with_rows=True)
            docs.append(Doc(TEAM_DAILY, self._team_doc(team, totals)))
            rows = totals.rows or {}
            for key in sorted(rows, key=sort_key):
                docs.append(Doc(TEAM_BREAKDOWN, self._team_row(team, key, rows[key])))
        docs.append(Doc(USER_SUMMARY_DAILY, self._summary_doc()))
        return docs

    def _team_fields(self, team: TeamRef) -> dict[str, Any]:
        doc = base(self.scope, self._day)
        doc[TEAM] = team.slug
        if team.team_id is not None:
            doc[TEAM_ID] = team.team_id
        return doc

    def _team_doc(self, team: TeamRef, totals: _Totals) -> dict[str, Any]:
        doc = self._team_fields(team)
        doc[TEAM_MEMBERS] = self.membership.team_sizes.get(team, 0)
        doc[MEMBER_COUNT] = totals.users
        doc.update(totals.engaged())
        totals.sums(doc, with_counters=True)
        doc[ACCEPTANCE_RATE] = fraction(totals.counters[_ACC], totals.counters[_GEN])
        rows = {key: row.values() for key, row in (totals.rows or {}).items()}
        doc.update(line_fields(rows, totals.counters))
        return doc

    def _team_row(self, team: TeamRef, key: RowKey, row: _Row) -> dict[str, Any]:
        doc = self._team_fields(team)
        doc[BREAKDOWN] = key[0]
        for name, value in zip(KEY_DIMENSIONS, key[1:], strict=True):
            if value is not None:
                doc[name] = value
        if key[2] is not None:
            doc[FEATURE_GROUP] = feature_group(key[2])
        values = row.values()
        for name, counter in zip(COUNTERS, values, strict=True):
            if counter is not None:
                doc[name] = counter
        doc[ACTIVE_USERS] = row.users
        doc[TEAM_MEMBERS] = self.membership.team_sizes.get(team, 0)  # the team's size, for MIN_TEAM_SIZE
        if values[_GEN] is not None:
            doc[ACCEPTANCE_RATE] = fraction(values[_ACC], values[_GEN])
        return doc

    def _summary_doc(self) -> dict[str, Any]:
        totals = self._summary
        doc = base(self.scope, self._day)
        doc[USERS_IN_REPORT] = totals.users
        doc.update(totals.engaged())
        doc[CODE_REVIEW_PASSIVE_USERS] = totals.review_passive
        doc[COPILOT_APP_USERS] = totals.app
        doc[VSCODE_AGENT_USERS] = totals.vscode_agent
        doc[AI_CREDIT_USERS] = totals.ai_credit_users
        doc[SERVER_SIDE_ONLY_USERS] = totals.server_side_only
        for name, users in zip(PHASE_USERS, totals.phases, strict=True):
            doc[name] = users
        doc[PHASE_UNKNOWN_USERS] = totals.phase_unknown
        totals.sums(doc, with_counters=False)
        return doc

