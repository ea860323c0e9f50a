"""GitHubClient.billing_usage against a loopback server: the request it sends and how it reads the answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from copilot_usage.github import endpoints
from copilot_usage.github.client import GitHubClient
from copilot_usage.github.errors import ForbiddenError, GitHubError
from copilot_usage.model import Scope, ScopeType
from copilot_usage.settings import GitHubSettings, Secret, Settings

TOKEN = "ghp_BILLINGTOKEN777"
ORG = Scope(ScopeType.ORGANIZATION, "acme")
ENT = Scope(ScopeType.ENTERPRISE, "big-co")
DAY = dt.date(2026, 3, 9)
PATH = "/organizations/acme/settings/billing/usage"
QUERY = {"year": "2026", "month": "3", "day": "9"}


@pytest.fixture(scope="module")
def _started() -> Iterator[HTTPServer]:
    srv = HTTPServer(host="127.0.0.1", port=0)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def server(_started: HTTPServer) -> Iterator[HTTPServer]:
    _started.clear()
    yield _started
    _started.clear()


@pytest.fixture
def client(server: HTTPServer) -> Iterator[GitHubClient]:
    settings = Settings(github=GitHubSettings(token=Secret(TOKEN), api_url=server.url_for("/").rstrip("/"),
                                              rate_limit_reserve=0))
    with GitHubClient.from_settings(settings, sleep=lambda s: None, clock=lambda: 1_800_000_000.0) as c:
        yield c


def test_endpoint_uses_the_organizations_path_and_one_day():
    endpoint = endpoints.billing_usage(Scope(ScopeType.ORGANIZATION, "a/b"), DAY)
    assert endpoint is not None
    assert endpoint.path == "/organizations/a%2Fb/settings/billing/usage"  # the slug can never change the path
    assert dict(endpoint.params) == QUERY
    assert endpoints.billing_usage(ENT, DAY) is None


def test_returns_the_usage_items_of_the_requested_day(server: HTTPServer, client: GitHubClient):
    lines = [{"date": "2026-03-09", "product": "Copilot", "sku": "Copilot Business", "quantity": 1.5}]
    server.expect_oneshot_request(PATH, query_string=QUERY,
                                  headers={"Authorization": f"Bearer {TOKEN}"}).respond_with_json({"usageItems": lines})
    assert client.billing_usage(ORG, DAY) == lines
    server.check_assertions()


def test_enterprises_make_no_request(server: HTTPServer, client: GitHubClient):
    assert client.billing_usage(ENT, DAY) is None
    assert server.log == []


def test_a_body_without_usage_items_is_an_error_naming_the_key(server: HTTPServer, client: GitHubClient):
    server.expect_oneshot_request(PATH).respond_with_json({"items": []})
    with pytest.raises(GitHubError, match="usageItems"):
        client.billing_usage(ORG, DAY)


def test_403_is_forbidden_with_the_administration_hint_and_no_token(server: HTTPServer, client: GitHubClient):
    server.expect_oneshot_request(PATH).respond_with_json(
        {"message": "Resource not accessible by personal access token"}, status=403)
    with pytest.raises(ForbiddenError) as caught:
        client.billing_usage(ORG, DAY)
    assert "Administration: read" in str(caught.value)
    assert TOKEN not in str(caught.value)
