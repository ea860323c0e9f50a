"""The real GitHub client against the simulator over real sockets, with and without injected faults."""

import datetime as dt

import pytest

from copilot_usage.github.client import GitHubClient
from copilot_usage.github.errors import AuthenticationError, BudgetExhausted, LinkExpiredError, NotFoundError
from copilot_usage.model import Report, Scope, ScopeType
from copilot_usage.settings import Settings
from copilot_usage.simulator import Faults, SimulatorServer, World
from tests.fixtures.simulator import SIM_TODAY, report_rows, sim_config

ORG = Scope(ScopeType.ORGANIZATION, "sim-org-1")
ENT = Scope(ScopeType.ENTERPRISE, "sim-enterprise-1")
DAY = SIM_TODAY - dt.timedelta(days=3)
TOKEN = "sim-token-0123456789"


def client_for(server: SimulatorServer, **env: str) -> GitHubClient:
    settings = Settings.from_env(
        {"GITHUB_PAT": TOKEN, "GITHUB_API_URL": server.url, "ORGANIZATION_SLUGS": "sim-org-1", **env}
    )
    return GitHubClient.from_settings(settings, sleep=lambda s: None)


def test_users_report_records_carry_the_documented_fields(simulator, tmp_path):
    client = client_for(simulator)
    download = client.report(ORG, Report.USERS, DAY, tmp_path)
    assert download is not None
    with download:
        records = list(download.iter_records())
    assert records
    assert not download.malformed
    expected = report_rows(simulator, "/orgs/sim-org-1", "users-1-day", DAY)
    assert sorted(r["user_id"] for r in records) == sorted(r["user_id"] for r in expected)
    for field in ("user_id", "user_login", "day", "organization_id", "code_generation_activity_count",
                  "code_acceptance_activity_count", "loc_added_sum", "used_chat", "used_agent", "totals_by_ide",
                  "totals_by_feature", "totals_by_language_feature"):
        assert all(field in r for r in records), field
    assert {r["day"] for r in records} == {DAY.isoformat()}


def test_aggregate_report_is_one_object_and_not_ready_days_are_none(simulator, tmp_path):
    client = client_for(simulator)
    with client.report(ENT, Report.AGGREGATE, DAY, tmp_path) as download:
        [record] = list(download.iter_records())
    assert record["day"] == DAY.isoformat()
    assert record["daily_active_users"] > 0
    assert client.report(ENT, Report.AGGREGATE, SIM_TODAY - dt.timedelta(days=1), tmp_path) is None


def test_multi_part_reports_are_downloaded_whole(tmp_path):
    world = World(sim_config(users=120, records_per_file=25))
    with SimulatorServer(world) as server:
        client = client_for(server)
        with client.report(ENT, Report.USERS, DAY, tmp_path) as download:
            records = list(download.iter_records())
            assert len(download.files) > 1
        assert len(records) == len(report_rows(server, "/enterprises/sim-enterprise-1", "users-1-day", DAY))


def test_seats_are_paged_completely_and_teams_listed(tmp_path):
    world = World(sim_config(users=260))
    with SimulatorServer(world) as server:
        client = client_for(server)
        seats = list(client.seats(ORG))
        total = client.http.get_json("/orgs/sim-org-1/copilot/billing/seats", {"per_page": 1})["total_seats"]
        assert len(seats) == total > 100
        assert client.stats["api_requests"] >= 3  # at least two pages of 100 plus the count request
        teams = list(client.teams(ORG))
        assert teams
        assert all("slug" in t for t in teams)
        assert client.billing(ORG)["seat_breakdown"]["total"] == total
        assert client.billing(ENT) is None


def test_faults_are_survived_and_the_result_is_identical(tmp_path):
    world = World(sim_config())
    with SimulatorServer(world) as clean, client_for(clean).report(ORG, Report.USERS, DAY, tmp_path / "a") as d:
        expected_hash = d.sha256
    faults = Faults(fail_rate=0.3, throttle_rate=0.2, retry_after=0, truncate_rate=0.3, seed=11)
    with SimulatorServer(World(sim_config()), faults=faults) as faulty:
        client = client_for(faulty)
        with client.report(ORG, Report.USERS, DAY, tmp_path / "b") as download:
            assert download.sha256 == expected_hash
        assert client.stats["retries"] > 0


def test_expired_links_are_refreshed_once_then_fail(tmp_path):
    with SimulatorServer(World(sim_config()), faults=Faults(expire_links=True)) as server:
        client = client_for(server)
        with pytest.raises(LinkExpiredError) as info:
            client.report(ORG, Report.USERS, DAY, tmp_path)
        assert "sig=" not in str(info.value)
        requests_made = server.stats()["requests"]
        links_route = "GET /orgs/{org}/copilot/metrics/reports/users-1-day"
        assert requests_made[links_route] == 2  # the first links and exactly one fresh request


def test_wrong_token_and_unknown_scope_are_typed_errors(tmp_path):
    with SimulatorServer(World(sim_config()), token="the-right-token") as server:
        with pytest.raises(AuthenticationError) as info:
            client_for(server).report(ORG, Report.USERS, DAY, tmp_path)
        assert TOKEN not in str(info.value)
    unknown = Scope(ScopeType.ORGANIZATION, "nope")
    with SimulatorServer(World(sim_config())) as server:
        with pytest.raises(NotFoundError):
            list(client_for(server).seats(unknown))
        # A report day answered 404 is "no report for this day" (one of GitHub's three spellings, §11.2),
        # so it can never block the scope's other days; the seats listing above still names the problem.
        assert client_for(server).report(unknown, Report.USERS, DAY, tmp_path) is None


def test_rate_limit_reserve_stops_before_the_limit(tmp_path):
    with SimulatorServer(World(sim_config()), faults=Faults(rate_limit=5)) as server:
        client = client_for(server, RATE_LIMIT_RESERVE="2")
        for offset in range(3, 6):
            client.report(ORG, Report.AGGREGATE, SIM_TODAY - dt.timedelta(days=offset), tmp_path)
        with pytest.raises(BudgetExhausted):
            client.report(ORG, Report.AGGREGATE, SIM_TODAY - dt.timedelta(days=6), tmp_path)
        assert server.stats()["api_requests"] == 3  # stopped with two requests of the hour left
