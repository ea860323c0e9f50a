"""GitHubClient built from Settings, against a loopback server: what each method asks GitHub for."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from copilot_usage.github.client import GitHubClient
from copilot_usage.github.errors import BudgetExhausted, GitHubError, NotFoundError
from copilot_usage.model import Report, Scope, ScopeType
from copilot_usage.settings import GitHubSettings, Secret, Settings

TOKEN = "ghp_CLIENTTOKEN555"
ORG = Scope(ScopeType.ORGANIZATION, "acme")
ENT = Scope(ScopeType.ENTERPRISE, "big-co")


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    srv = HTTPServer(host="127.0.0.1", port=0)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def _clean(server: HTTPServer) -> Iterator[None]:
    server.clear()
    yield
    server.clear()


def settings_for(server: HTTPServer, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "token": Secret(TOKEN),
        "api_url": server.url_for("/").rstrip("/"),
        "api_version": "2022-11-28",
        "rate_limit_reserve": 0,
    }
    values.update(overrides)
    return Settings(github=GitHubSettings(**values))  # type: ignore[arg-type]


@pytest.fixture
def client(server: HTTPServer) -> Iterator[GitHubClient]:
    with GitHubClient.from_settings(settings_for(server), sleep=lambda s: None, clock=lambda: 1_800_000_000.0) as c:
        yield c


def test_without_any_credential_the_error_says_what_to_set(server: HTTPServer) -> None:
    with pytest.raises(ValueError, match="no GitHub credential: set GITHUB_PAT"):
        GitHubClient.from_settings(settings_for(server, token=None))


def test_settings_drive_headers_and_token_provider_wins(server: HTTPServer) -> None:
    server.expect_request("/orgs/acme/copilot/billing").respond_with_json({"seat_breakdown": {"total": 3}})
    from_pat = GitHubClient.from_settings(settings_for(server))
    from_app = GitHubClient.from_settings(settings_for(server), token_provider=lambda: "ghs_app_token")
    assert from_pat.billing(ORG) == {"seat_breakdown": {"total": 3}}
    assert from_app.billing(ORG) == {"seat_breakdown": {"total": 3}}
    (first, _), (second, _) = server.log
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    assert second.headers["Authorization"] == "Bearer ghs_app_token"
    assert first.headers["X-GitHub-Api-Version"] == "2022-11-28"
    from_pat.close()
    from_app.close()


def test_reserve_from_settings_stops_the_client(server: HTTPServer) -> None:
    server.expect_request("/orgs/acme/copilot/billing").respond_with_json(
        {}, headers={"x-ratelimit-remaining": "40", "x-ratelimit-reset": "1800000600"}
    )
    with GitHubClient.from_settings(settings_for(server, rate_limit_reserve=50),
                                    clock=lambda: 1_800_000_000.0) as client:
        client.billing(ORG)
        assert client.rate is not None
        assert client.rate.remaining == 40
        with pytest.raises(BudgetExhausted):
            client.billing(ORG)
    assert len(server.log) == 1


def test_seats_are_paginated_with_per_page_100(server: HTTPServer, client: GitHubClient) -> None:
    def handler(request: Request) -> Response:
        page = int(request.args.get("page", "1"))
        headers = {}
        if page == 1:
            numeric = server.url_for("/organizations/77/copilot/billing/seats")  # GitHub's id form
            headers["Link"] = f'<{numeric}?per_page=100&page=2>; rel="next"'
        seats = [{"assignee": {"login": f"u{page}{i}"}} for i in range(2 if page == 1 else 1)]
        body = {"total_seats": 3, "seats": seats}
        return Response(json.dumps(body), headers=headers, content_type="application/json")

    server.expect_request("/orgs/acme/copilot/billing/seats").respond_with_handler(handler)
    server.expect_request("/organizations/77/copilot/billing/seats").respond_with_handler(handler)
    assert [s["assignee"]["login"] for s in client.seats(ORG)] == ["u10", "u11", "u20"]
    assert server.log[0][0].args["per_page"] == "100"
    assert client.stats["api_requests"] == 2


def test_enterprise_seats_use_the_enterprise_path(server: HTTPServer, client: GitHubClient) -> None:
    server.expect_request("/enterprises/big-co/copilot/billing/seats").respond_with_json(
        {"total_seats": 1, "seats": [{"assignee": {"login": "x"}, "organization": {"login": "acme"}}]}
    )
    assert len(list(client.seats(ENT))) == 1


def test_billing_and_teams_for_enterprises_ask_nothing(server: HTTPServer, client: GitHubClient) -> None:
    assert client.billing(ENT) is None
    assert list(client.teams(ENT)) == []
    assert server.log == []


def test_teams_list_body(server: HTTPServer, client: GitHubClient) -> None:
    server.expect_request("/orgs/acme/teams", query_string="per_page=100").respond_with_json(
        [{"slug": "frontend", "id": 42}, {"slug": "backend", "id": 43}]
    )
    assert [t["slug"] for t in client.teams(ORG)] == ["frontend", "backend"]


def test_billing_that_is_not_an_object_is_an_error(server: HTTPServer, client: GitHubClient) -> None:
    server.expect_request("/orgs/acme/copilot/billing").respond_with_json([1, 2])
    with pytest.raises(GitHubError, match="without a JSON object"):
        client.billing(ORG)


def test_report_goes_through_the_client(server: HTTPServer, client: GitHubClient, tmp_path) -> None:
    server.expect_request("/orgs/acme/copilot/metrics/reports/user-teams-1-day").respond_with_json(
        {"download_links": [server.url_for("/blob/t.json") + "?sig=abc"], "report_day": "2026-11-20"}
    )
    server.expect_request("/blob/t.json").respond_with_data(
        b'{"user_id": 1001, "user_login": "alice", "day": "2026-11-20", "team_id": 42, "slug": "frontend"}\n'
    )
    with client.report(ORG, Report.USER_TEAMS, dt.date(2026, 11, 20), tmp_path) as download:
        assert [r["slug"] for r in download.iter_records()] == ["frontend"]
    assert client.stats["downloads"] == 1


def test_unknown_org_is_not_found(server: HTTPServer, client: GitHubClient) -> None:
    server.expect_request("/orgs/acme/teams").respond_with_json({"message": "Not Found"}, status=404)
    with pytest.raises(NotFoundError, match="unknown organization"):
        list(client.teams(ORG))
