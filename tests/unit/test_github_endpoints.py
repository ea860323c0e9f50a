"""endpoints: every path, its parameters and pagination, and the permission hints of each family."""

from __future__ import annotations

import datetime as dt

import pytest

from copilot_usage.github import endpoints
from copilot_usage.model import Report, Scope, ScopeType

ORG = Scope(ScopeType.ORGANIZATION, "acme")
ENT = Scope(ScopeType.ENTERPRISE, "big-co")
DAY = dt.date(2026, 11, 20)


@pytest.mark.parametrize(
    ("scope", "report", "path"),
    [
        (ORG, Report.AGGREGATE, "/orgs/acme/copilot/metrics/reports/organization-1-day"),
        (ORG, Report.USERS, "/orgs/acme/copilot/metrics/reports/users-1-day"),
        (ORG, Report.USER_TEAMS, "/orgs/acme/copilot/metrics/reports/user-teams-1-day"),
        (ORG, Report.REPOS, "/orgs/acme/copilot/metrics/reports/repos-1-day"),
        (ENT, Report.AGGREGATE, "/enterprises/big-co/copilot/metrics/reports/enterprise-1-day"),
        (ENT, Report.USERS, "/enterprises/big-co/copilot/metrics/reports/users-1-day"),
        (ENT, Report.USER_TEAMS, "/enterprises/big-co/copilot/metrics/reports/user-teams-1-day"),
        (ENT, Report.REPOS, "/enterprises/big-co/copilot/metrics/reports/repos-1-day"),
    ],
)
def test_report_links(scope: Scope, report: Report, path: str) -> None:
    endpoint = endpoints.report_links(scope, report, DAY)
    assert endpoint.path == path
    assert dict(endpoint.params) == {"day": "2026-11-20"}
    assert not endpoint.paginated


def test_latest_28_day_variants() -> None:
    assert endpoints.latest_28_day(ORG, "aggregate").path == (
        "/orgs/acme/copilot/metrics/reports/organization-28-day/latest"
    )
    assert endpoints.latest_28_day(ENT, "aggregate").path == (
        "/enterprises/big-co/copilot/metrics/reports/enterprise-28-day/latest"
    )
    assert endpoints.latest_28_day(ORG, "users").path == "/orgs/acme/copilot/metrics/reports/users-28-day/latest"
    assert endpoints.latest_28_day(ENT, "users").params == {}
    with pytest.raises(ValueError, match="'aggregate' or 'users'"):
        endpoints.latest_28_day(ORG, "teams")  # type: ignore[arg-type]


def test_slug_is_escaped_in_every_path() -> None:
    odd = Scope(ScopeType.ORGANIZATION, "a/../b?c")
    for endpoint in (endpoints.report_links(odd, Report.USERS, DAY), endpoints.seats(odd),
                     endpoints.billing(odd), endpoints.teams(odd)):
        assert endpoint is not None
        assert endpoint.path.startswith("/orgs/a%2F..%2Fb%3Fc/")


def test_seats_billing_teams() -> None:
    seats = endpoints.seats(ORG)
    assert (seats.path, dict(seats.params), seats.paginated, seats.items_key) == (
        "/orgs/acme/copilot/billing/seats", {"per_page": "100"}, True, "seats"
    )
    assert endpoints.seats(ENT).path == "/enterprises/big-co/copilot/billing/seats"
    billing = endpoints.billing(ORG)
    assert billing is not None
    assert billing.path == "/orgs/acme/copilot/billing"
    assert endpoints.billing(ENT) is None
    teams = endpoints.teams(ORG)
    assert teams is not None
    assert (teams.path, dict(teams.params), teams.paginated, teams.items_key) == (
        "/orgs/acme/teams", {"per_page": "100"}, True, None
    )
    assert endpoints.teams(ENT) is None


@pytest.mark.parametrize(
    ("path", "needles"),
    [
        ("/orgs/acme/copilot/metrics/reports/users-1-day", ["read:org", "Organization Copilot metrics: read",
                                                           "'Copilot usage metrics' policy"]),
        ("/api/v3/orgs/acme/copilot/metrics/reports/organization-28-day/latest", ["read:org"]),
        ("/enterprises/big-co/copilot/metrics/reports/enterprise-1-day",
         ["manage_billing:copilot", "read:enterprise", "Enterprise Copilot metrics: read"]),
        ("/orgs/acme/copilot/billing", ["manage_billing:copilot", "read:org", "GitHub Copilot Business: read"]),
        ("/organizations/123/copilot/billing/seats", ["manage_billing:copilot", "GitHub Copilot Business: read"]),
        ("/enterprises/big-co/copilot/billing/seats", ["manage_billing:copilot", "read:enterprise"]),
        ("/organizations/123/teams", ["read:org", "Members: read"]),
        ("/rate_limit", ["lacks a scope or permission"]),
    ],
)
def test_forbidden_hints_name_the_permission(path: str, needles: list[str]) -> None:
    hint = endpoints.forbidden_hint(path)
    for needle in needles:
        assert needle in hint


def test_not_found_hints() -> None:
    assert "unknown organization" in endpoints.not_found_hint("/orgs/x/copilot/metrics/reports/users-1-day")
    assert "unknown enterprise" in endpoints.not_found_hint("/enterprises/x/copilot/metrics/reports/users-1-day")
    assert "no Copilot" in endpoints.not_found_hint("/orgs/x/copilot/billing/seats")
    assert endpoints.not_found_hint("/orgs/x/teams") == "unknown organization"
    assert "not enabled" in endpoints.not_found_hint("/something/else")
