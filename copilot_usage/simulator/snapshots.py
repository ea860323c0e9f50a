"""Seats, billing and teams as GitHub's REST API shows them today (github-copilot-api.md §4, §5, §8.2-8.4).

Object URLs point at `api_url` (the simulator's own base URL) so nothing refers to a host the tests cannot
reach. Seat timestamps are rendered in each user's UTC offset, as GitHub's examples are, so consumers must
parse offsets; `last_activity_at` is the user's last active day (as of yesterday: GitHub processes seat
activity with up to a day of delay) and null when never used or older than 90 days.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from copilot_usage.simulator.activity import IDE_INFO
from copilot_usage.simulator.population import Org, Team, UnassignedSeat, User
from copilot_usage.simulator.seeding import stable_rng
from copilot_usage.simulator.world import ENTERPRISE, SimScope, World

WEB_URL = "https://github.com"


def _node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"04:{kind}{number}".encode()).decode()


def simple_user(user: User, api: str) -> dict[str, Any]:
    login = quote(user.login, safe="")
    base = f"{api}/users/{login}"
    return {
        "login": user.login,
        "id": user.id,
        "node_id": _node_id("User", user.id),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user.id}?v=4",
        "gravatar_id": "",
        "url": base,
        "html_url": f"{WEB_URL}/{login}",
        "followers_url": f"{base}/followers",
        "following_url": f"{base}/following{{/other_user}}",
        "gists_url": f"{base}/gists{{/gist_id}}",
        "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{base}/subscriptions",
        "organizations_url": f"{base}/orgs",
        "repos_url": f"{base}/repos",
        "events_url": f"{base}/events{{/privacy}}",
        "received_events_url": f"{base}/received_events",
        "type": "User",
        "site_admin": False,
        "user_view_type": "public",
    }


def simple_org(org: Org, api: str) -> dict[str, Any]:
    base = f"{api}/orgs/{org.slug}"
    return {
        "login": org.slug,
        "id": org.id,
        "node_id": _node_id("Organization", org.id),
        "url": base,
        "repos_url": f"{base}/repos",
        "events_url": f"{base}/events",
        "hooks_url": f"{base}/hooks",
        "issues_url": f"{base}/issues",
        "members_url": f"{base}/members{{/member}}",
        "public_members_url": f"{base}/public_members{{/member}}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{org.id}?v=4",
        "description": f"Simulated organization {org.slug}",
    }


def _team_simple(team: Team, org: Org, api: str) -> dict[str, Any]:
    base = f"{api}/organizations/{org.id}/team/{team.id}"
    return {
        "id": team.id,
        "node_id": _node_id("Team", team.id),
        "url": base,
        "html_url": f"{WEB_URL}/orgs/{org.slug}/teams/{team.slug}",
        "name": team.name,
        "slug": team.slug,
        "description": team.description,
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": "pull",
        "members_url": f"{base}/members{{/member}}",
        "repositories_url": f"{base}/repos",
        "type": "organization",
    }


def team_object(world: World, team: Team, api: str) -> dict[str, Any]:
    """A team as `GET /orgs/{org}/teams` lists it: Team Simple fields, its parent, type and organization_id."""
    pop = world.population
    org = pop.orgs[team.org]
    out = _team_simple(team, org, api)
    out["parent"] = _team_simple(pop.teams[team.parent], org, api) if team.parent is not None else None
    out["organization_id"] = org.id
    return out


def teams(world: World, org: Org, api: str) -> list[dict[str, Any]]:
    return [team_object(world, world.population.teams[t], api) for t in world.population.org_teams[org.index]]


# --- seats ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SeatRef:
    """One row of a seat listing: a user's seat granted by an org, or an unassigned seat."""

    org: int
    user: int | None  # None: assignee null
    unassigned: UnassignedSeat | None = None


def seat_refs(world: World, scope: SimScope) -> list[SeatRef]:
    """The rows of a scope's seat listing, in listing order (cheap: objects are rendered per page)."""
    pop = world.population
    refs: list[SeatRef] = []
    for org in scope.orgs:
        refs.extend(SeatRef(org, u) for u in pop.org_members[org] if org in pop.users[u].seat_orgs)
        refs.extend(SeatRef(org, None, seat) for seat in pop.unassigned_seats[org])
    return refs


def total_seats(refs: list[SeatRef]) -> int:
    """`total_seats`: a user with seats from several orgs counts once (§4.3); unassigned seats count each."""
    return len({r.user for r in refs if r.user is not None}) + sum(1 for r in refs if r.user is None)


def _stamp(moment: dt.datetime, tz_minutes: int) -> str:
    return moment.astimezone(dt.timezone(dt.timedelta(minutes=tz_minutes))).isoformat()


def _last_activity(world: World, user: User) -> tuple[dt.datetime | None, str | None]:
    day = world.last_active_day(user, world.today - dt.timedelta(days=1))
    if day is None:
        return None, None
    rng = stable_rng(world.config.seed, "seen", user.index, day)
    moment = dt.datetime.combine(day, dt.time(), dt.UTC) + dt.timedelta(seconds=rng.randrange(7 * 3600, 86_400))
    if user.server_side_only:
        return moment, None  # only server-side signals: no editor to report
    ide_version, plugin, plugin_version, editor = IDE_INFO[user.ides[0]]
    return moment, f"{editor}/{ide_version}/{plugin}/{plugin_version}"


def seat_object(world: World, ref: SeatRef, api: str, enterprise_listing: bool) -> dict[str, Any]:
    pop = world.population
    org = pop.orgs[ref.org]
    if ref.user is None:
        assert ref.unassigned is not None
        created = _stamp(ref.unassigned.created, 0)
        seat: dict[str, Any] = {
            "created_at": created, "updated_at": created, "pending_cancellation_date": None,
            "last_activity_at": None, "last_activity_editor": None, "last_authenticated_at": None,
            "plan_type": "business", "assignee": None, "assigning_team": None,
        }
    else:
        user = pop.users[ref.user]
        created = _stamp(user.seat_created, user.tz_minutes)
        last, editor = _last_activity(world, user)
        if last is not None:
            authenticated: dt.datetime | None = last - dt.timedelta(minutes=5 + user.index % 50)
        else:
            # Some never-used seats were signed into once, the day the seat arrived.
            authenticated = user.seat_created + dt.timedelta(hours=2) if user.index % 2 else None
        team = pop.assigning_team.get((user.index, ref.org))
        seat = {
            "created_at": created,
            "updated_at": created,  # deprecated by GitHub; mirrors created_at
            "pending_cancellation_date": user.pending_cancellation.isoformat() if user.pending_cancellation else None,
            "last_activity_at": _stamp(last, user.tz_minutes) if last else None,
            "last_activity_editor": editor,
            "last_authenticated_at": _stamp(authenticated, user.tz_minutes) if authenticated else None,
            "plan_type": "business",
            "assignee": simple_user(user, api),
            "assigning_team": team_object(world, pop.teams[team], api) if team is not None else None,
        }
    if enterprise_listing:
        seat["organization"] = simple_org(org, api)
    return seat


def seats_page(world: World, scope: SimScope, api: str, start: int, stop: int) -> tuple[int, int, list[dict[str, Any]]]:
    """(row count, total_seats, rendered rows [start:stop]) of the scope's seat listing."""
    refs = seat_refs(world, scope)
    listing = scope.kind == ENTERPRISE
    return len(refs), total_seats(refs), [seat_object(world, r, api, listing) for r in refs[start:stop]]


def billing(world: World, org_scope: SimScope) -> dict[str, Any]:
    """`GET /orgs/{org}/copilot/billing`: seat_breakdown derived from the org's seats, and its settings."""
    pop = world.population
    refs = seat_refs(world, org_scope)
    cycle_start = world.today.replace(day=1)  # billing cycles are calendar months here
    added = pending = active = 0
    for ref in refs:
        if ref.user is None:
            assert ref.unassigned is not None
            added += ref.unassigned.created.date() >= cycle_start
            continue
        user = pop.users[ref.user]
        added += user.seat_created.date() >= cycle_start
        pending += user.pending_cancellation is not None
        last, _ = _last_activity(world, user)
        active += last is not None and last.date() >= cycle_start
    rng = stable_rng(world.config.seed, "billing", org_scope.index)
    return {
        "seat_breakdown": {
            "total": len(refs),
            "added_this_cycle": added,
            "pending_invitation": 0,
            "pending_cancellation": pending,
            "active_this_cycle": active,
            "inactive_this_cycle": len(refs) - active,
        },
        "seat_management_setting": "assign_all" if rng.random() < 0.2 else "assign_selected",
        "ide_chat": "enabled",
        "platform_chat": "enabled" if rng.random() < 0.8 else "disabled",
        "cli": "enabled" if rng.random() < 0.7 else "unconfigured",
        "public_code_suggestions": "block" if rng.random() < 0.6 else "allow",
        "plan_type": "business",
    }
