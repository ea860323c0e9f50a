"""The simulator's HTTP behaviour: routes, status codes, links, auth, rate limits, faults and control."""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import io
import json
import socket
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from copilot_usage.github.records import Malformed, iter_records
from copilot_usage.simulator import Faults, SimulatorServer, World
from tests.fixtures.simulator import (
    SIM_AUTH,
    SIM_TODAY,
    TIMEOUT,
    api_get,
    download,
    parse_rows,
    report_links,
    report_rows,
    sim_config,
)

ORG = "/orgs/sim-org-1"
ENT = "/enterprises/sim-enterprise-1"
NEWEST = SIM_TODAY - dt.timedelta(days=2)
DAILY = [(scope, report) for scope in (ORG, ENT) for report in ("users-1-day", "user-teams-1-day", "repos-1-day")] + [
    (ORG, "organization-1-day"), (ENT, "enterprise-1-day")]
LATEST = [(ORG, "organization-28-day"), (ORG, "users-28-day"), (ENT, "enterprise-28-day"), (ENT, "users-28-day")]
TOKEN = "s3cret-token-value"


class FakeClock:
    def __init__(self, now: float = 1_795_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def links_path(scope: str, report: str) -> str:
    return f"{scope}/copilot/metrics/reports/{report}"


def jwt(claims: dict[str, object]) -> str:
    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.bm90LWNoZWNrZWQ"


# --- routes and shapes -------------------------------------------------------------------------------

@pytest.mark.parametrize(("scope", "report"), DAILY)
def test_daily_report_routes_answer_signed_links_and_the_report_day(simulator: SimulatorServer, scope: str,
                                                                    report: str) -> None:
    response = api_get(simulator, links_path(scope, report), {"day": NEWEST.isoformat()})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"download_links", "report_day"}
    assert body["report_day"] == NEWEST.isoformat()
    assert body["download_links"]
    for link in body["download_links"]:
        parts = urlsplit(link)
        assert f"{parts.scheme}://{parts.netloc}" == simulator.url
        assert parts.path.startswith("/copilot-reports/")  # shaped like GitHub's copilot-reports host
        assert set(parse_qs(parts.query)) == {"sv", "sp", "se", "sig"}
    rows = parse_rows(download(body["download_links"][0]))
    assert rows
    assert all(r.get("day") == NEWEST.isoformat() for r in rows)


@pytest.mark.parametrize(("scope", "report"), LATEST)
def test_latest_28_day_routes_answer_the_window(simulator: SimulatorServer, scope: str, report: str) -> None:
    response = api_get(simulator, links_path(scope, report) + "/latest")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"download_links", "report_start_day", "report_end_day"}
    assert body["report_end_day"] == NEWEST.isoformat()
    assert body["report_start_day"] == (NEWEST - dt.timedelta(days=27)).isoformat()
    rows = [r for link in body["download_links"] for r in parse_rows(download(link))]
    if report.startswith("users"):
        assert {r["day"] for r in rows} <= {(NEWEST - dt.timedelta(days=i)).isoformat() for i in range(28)}
        assert all(r["report_end_day"] == body["report_end_day"] for r in rows)
    else:
        (wrapper,) = rows
        assert [t["day"] for t in wrapper["day_totals"]][-1] == NEWEST.isoformat()
        assert "created_at" in wrapper


@pytest.mark.parametrize("day", [None, "", "2026-11-1", "2026-02-30", "yesterday", "20261118"])
def test_day_parameter_is_required_and_validated(simulator: SimulatorServer, day: str | None) -> None:
    response = api_get(simulator, links_path(ORG, "users-1-day"), None if day is None else {"day": day})
    assert response.status_code == 422
    body = response.json()
    assert '"day"' in body["message"]
    assert body["documentation_url"].startswith("https://docs.github.com/")


def test_days_not_yet_processed_or_before_the_floor_answer_204(simulator: SimulatorServer) -> None:
    floor = SIM_TODAY - dt.timedelta(days=39)
    expected = {NEWEST: 200, floor: 200, SIM_TODAY - dt.timedelta(days=1): 204, SIM_TODAY: 204,
                SIM_TODAY + dt.timedelta(days=5): 204, floor - dt.timedelta(days=1): 204}
    for scope, report in DAILY:
        for day, status in expected.items():
            response = api_get(simulator, links_path(scope, report), {"day": day.isoformat()})
            assert response.status_code == status, (scope, report, day)
            if status == 204:
                assert response.content == b""
                assert "x-ratelimit-remaining" in response.headers


@pytest.mark.parametrize("answer", ["204", "empty", "404"])
def test_days_without_a_report_answer_the_configured_way(answer: str) -> None:
    # GitHub spells "no report for this day" three ways (§11.2); the rest of the API is unchanged.
    with SimulatorServer(World(sim_config(no_data_answer=answer))) as server:
        missing = api_get(server, links_path(ORG, "users-1-day"), {"day": SIM_TODAY.isoformat()})
        present = api_get(server, links_path(ORG, "users-1-day"), {"day": NEWEST.isoformat()})
        assert present.status_code == 200
        expected_status = {"204": 204, "empty": 200, "404": 404}[answer]
        assert missing.status_code == expected_status
        if answer == "404":
            assert missing.json()["message"] == "Not Found"
        else:
            assert missing.content == b""
        assert "x-ratelimit-remaining" in missing.headers
    with pytest.raises(ValueError, match="no_data_answer"):
        sim_config(no_data_answer="410")


def test_github_late_2026_latency_is_one_setting_away() -> None:
    """§11.5: a day is ready about 3 full UTC days after it ends, 4 when a weekend falls in them. With that
    lag the simulator serves today-4 on a Thursday and only today-5 on a Monday and a Tuesday."""
    from copilot_usage.simulator.config import GITHUB_2026_LAG_DAYS, GITHUB_2026_WEEKEND_EXTRA_DAYS

    monday = dt.date(2026, 12, 7)
    world = World(sim_config(today=monday, report_lag_days=GITHUB_2026_LAG_DAYS,
                             weekend_extra_days=GITHUB_2026_WEEKEND_EXTRA_DAYS))
    with SimulatorServer(world) as server:
        def status(day: dt.date) -> int:
            return api_get(server, links_path(ORG, "users-1-day"), {"day": day.isoformat()}).status_code

        for today, newest in ((monday, dt.date(2026, 12, 2)), (dt.date(2026, 12, 8), dt.date(2026, 12, 3)),
                              (dt.date(2026, 12, 10), dt.date(2026, 12, 6))):
            server.set_today(today)
            assert (status(newest), status(newest + dt.timedelta(days=1))) == (200, 204), today
        # The latest 28-day report ends on the newest day served, created the day it became ready.
        (wrapper,) = report_rows(server, ORG, "organization-28-day")
        assert wrapper["report_end_day"] == "2026-12-06"
        assert wrapper["created_at"].startswith("2026-12-10")


def test_github_first_report_days_differ_for_orgs_and_enterprises() -> None:
    world = World(sim_config(today=dt.date(2026, 1, 10), days=120))
    with SimulatorServer(world) as server:
        def status(scope: str, report: str, day: str) -> int:
            return api_get(server, links_path(scope, report), {"day": day}).status_code

        assert status(ORG, "users-1-day", "2025-12-11") == 204
        assert status(ORG, "users-1-day", "2025-12-12") == 200
        assert status(ENT, "users-1-day", "2025-10-09") == 204
        assert status(ENT, "users-1-day", "2025-10-10") == 200
        server.set_today(dt.date(2025, 12, 13))  # newest day 2025-12-11: no org report exists yet
        assert api_get(server, links_path(ORG, "organization-28-day") + "/latest").status_code == 204
        assert api_get(server, links_path(ENT, "enterprise-28-day") + "/latest").status_code == 200


def test_large_reports_are_split_into_parts_of_records_per_file() -> None:
    with SimulatorServer(World(sim_config(records_per_file=7))) as server:
        (aggregate,) = report_rows(server, ORG, "organization-1-day", NEWEST)
        links = report_links(server, ORG, "users-1-day", NEWEST)
        parts = [parse_rows(download(link)) for link in links]
        ids = [r["user_id"] for p in parts for r in p]
        # Rows: the active users plus seated users without activity that day (about 40 % of the rows).
        assert len(ids) == len(set(ids)) > aggregate["daily_active_users"]
        assert len(links) == -(-len(ids) // 7) > 1
        assert all(len(p) == 7 for p in parts[:-1])
        assert 1 <= len(parts[-1]) <= 7
        assert len(report_links(server, ORG, "users-28-day")) > 1
        assert len(report_links(server, ORG, "user-teams-1-day", NEWEST)) > 1
        assert len(report_links(server, ORG, "organization-1-day", NEWEST)) == 1


def test_retired_copilot_apis_answer_404(simulator: SimulatorServer) -> None:
    for path in (f"{ORG}/copilot/usage", f"{ORG}/team/team-data-4/copilot/usage", f"{ENT}/copilot/usage",
                 f"{ENT}/team/t/copilot/usage", f"{ORG}/copilot/metrics", f"{ORG}/team/team-data-4/copilot/metrics",
                 f"{ENT}/copilot/metrics", f"{ENT}/team/t/copilot/metrics"):
        response = api_get(simulator, path, {"since": "2026-11-01T00:00:00Z"})
        assert response.status_code == 404, path
        assert response.json()["message"] == "Not Found"
        assert response.json()["documentation_url"].startswith("https://docs.github.com/")


def test_unknown_scopes_reports_and_paths_answer_404(simulator: SimulatorServer) -> None:
    for path in ("/orgs/no-such-org/copilot/billing", "/enterprises/nope/copilot/billing/seats",
                 "/orgs/no-such-org/copilot/metrics/reports/users-1-day", f"{ENT}/copilot/billing", f"{ENT}/teams",
                 f"{ORG}/copilot/metrics/reports/team-1-day", f"{ORG}/copilot/metrics/reports/user-teams-28-day/latest",
                 "/nothing/here", "/organizations/424242/teams"):
        response = api_get(simulator, path, {"day": NEWEST.isoformat()})
        assert response.status_code == 404, path
        assert response.json()["message"] == "Not Found"
    assert api_get(simulator, "/orgs/SIM-ORG-1/teams").status_code == 200  # slugs are case-insensitive


# --- download links ------------------------------------------------------------------------------------

def test_downloads_need_no_authorization_even_when_a_token_is_required(sim_world: World) -> None:
    with SimulatorServer(sim_world, token=TOKEN) as server:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        (link,) = api_get(server, links_path(ORG, "organization-1-day"), {"day": NEWEST.isoformat()},
                          headers).json()["download_links"]
        response = requests.get(link, timeout=TIMEOUT)
        assert response.status_code == 200
        assert json.loads(response.content)["day"] == NEWEST.isoformat()


def test_expired_or_forged_links_answer_403_without_echoing_the_signature(sim_world: World) -> None:
    clock = FakeClock()
    with SimulatorServer(sim_world, clock=clock) as server, SimulatorServer(sim_world, clock=clock) as other:
        (link,) = report_links(server, ORG, "organization-1-day", NEWEST)
        sig = parse_qs(urlsplit(link).query)["sig"][0]
        assert requests.get(link, timeout=TIMEOUT).status_code == 200
        forged = [
            link.replace(f"sig={sig}", "sig=" + "0" * 64),
            link.replace("part-0", "part-1"),
            link.replace(NEWEST.isoformat(), (NEWEST - dt.timedelta(days=1)).isoformat()),
            link.split("?")[0],
            link.replace(server.url, other.url),  # signed with another server's key
        ]
        for url in forged:
            response = requests.get(url, timeout=TIMEOUT)
            assert response.status_code == 403, url
            assert b"AuthenticationFailed" in response.content
            assert sig.encode() not in response.content
        clock.now += sim_world.config.link_ttl_seconds + 1
        expired = requests.get(link, timeout=TIMEOUT)
        assert expired.status_code == 403
        assert b"expiry" in expired.content
        server.faults.expire_links = True
        clock.now -= sim_world.config.link_ttl_seconds + 1
        (born_expired,) = report_links(server, ORG, "organization-1-day", NEWEST)
        assert requests.get(born_expired, timeout=TIMEOUT).status_code == 403


def test_truncated_downloads_promise_the_full_length_and_deliver_half(simulator: SimulatorServer) -> None:
    (link,) = report_links(simulator, ORG, "users-1-day", NEWEST)
    full = download(link)
    simulator.faults.truncate_rate = 1.0
    parts = urlsplit(link)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    try:
        connection.request("GET", f"{parts.path}?{parts.query}")
        response = connection.getresponse()
        assert response.status == 200
        assert int(response.headers["Content-Length"]) == len(full)
        with pytest.raises(http.client.IncompleteRead) as cut:
            response.read()
        assert len(cut.value.partial) == len(full) // 2
    finally:
        connection.close()


def test_corrupted_downloads_keep_their_length_and_break_exactly_the_damaged_lines(simulator: SimulatorServer) -> None:
    (link,) = report_links(simulator, ORG, "users-1-day", NEWEST)
    full = download(link)
    simulator.faults.corrupt_rate = 1.0
    damaged = download(link)
    assert len(damaged) == len(full)
    assert damaged != full
    assert b"\x00" * 16 in damaged
    assert b"\x00" not in full
    parsed = list(iter_records(io.BytesIO(damaged)))
    bad = [item for item in parsed if isinstance(item, Malformed)]
    good = [item for item in parsed if not isinstance(item, Malformed)]
    assert 1 <= len(bad) <= 2  # the damaged line, or two if the span covered a newline
    assert len(good) + len(bad) >= len(full.splitlines()) - 1
    assert all(record in list(iter_records(io.BytesIO(full))) for record in good)  # no silent value change


def test_links_use_the_host_the_client_addressed(simulator: SimulatorServer) -> None:
    headers = {**SIM_AUTH, "Host": "github-sim.internal:8787"}
    (link,) = api_get(simulator, links_path(ORG, "organization-1-day"), {"day": NEWEST.isoformat()},
                      headers).json()["download_links"]
    assert link.startswith("http://github-sim.internal:8787/copilot-reports/")
    weird = {**SIM_AUTH, "Host": "evil.example/x?y"}
    (link,) = api_get(simulator, links_path(ORG, "organization-1-day"), {"day": NEWEST.isoformat()},
                      weird).json()["download_links"]
    assert link.startswith(simulator.url + "/copilot-reports/")


def test_links_expire_after_an_hour_and_can_name_a_download_host() -> None:
    clock = FakeClock()
    with socket.socket() as probe:  # a free port, so the world can name its download host before it serves
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    world = World(sim_config(download_host=f"localhost:{port}"))
    with SimulatorServer(world, port=port, clock=clock) as server:
        (link,) = api_get(server, links_path(ORG, "organization-1-day"), {"day": NEWEST.isoformat()}).json()[
            "download_links"]
        assert link.startswith(f"http://localhost:{port}/copilot-reports/")
        assert int(parse_qs(urlsplit(link).query)["se"][0]) == int(clock.now) + 3600
        assert requests.get(link, timeout=TIMEOUT).status_code == 200
        clock.now += 3601
        assert requests.get(link, timeout=TIMEOUT).status_code == 403
    with pytest.raises(ValueError, match="download_host"):
        sim_config(download_host="evil/x")


# --- authentication ------------------------------------------------------------------------------------

def test_a_configured_token_is_required(sim_world: World, capfd: pytest.CaptureFixture[str]) -> None:
    path = f"{ORG}/teams"
    with SimulatorServer(sim_world, token=TOKEN) as server:
        cases = {
            None: (401, "Requires authentication"),
            "Bearer wrong-token-value": (401, "Bad credentials"),
            "Basic czNjcmV0": (401, "Bad credentials"),
            f"Bearer {TOKEN}": (200, None),
            f"token {TOKEN}": (200, None),
        }
        for header, (status, message) in cases.items():
            response = requests.get(server.url + path, headers={"Authorization": header} if header else {},
                                    timeout=TIMEOUT)
            assert response.status_code == status, header
            assert "x-ratelimit-limit" in response.headers
            if message:
                assert response.json()["message"] == message
                assert b"wrong-token-value" not in response.content
    out, err = capfd.readouterr()
    assert TOKEN not in out + err
    assert "wrong-token-value" not in out + err


def test_without_a_configured_token_any_non_empty_token_is_accepted(simulator: SimulatorServer) -> None:
    path = simulator.url + f"{ORG}/teams"
    assert requests.get(path, headers={"Authorization": "Bearer anything"}, timeout=TIMEOUT).status_code == 200
    assert requests.get(path, headers={"Authorization": "token x"}, timeout=TIMEOUT).status_code == 200
    assert requests.get(path, headers={"Authorization": "Bearer "}, timeout=TIMEOUT).status_code == 401
    assert requests.get(path, timeout=TIMEOUT).status_code == 401


def test_github_app_installation_tokens_are_issued_and_accepted(sim_world: World) -> None:
    clock = FakeClock()
    with SimulatorServer(sim_world, token=TOKEN, clock=clock) as server:
        url = server.url + "/app/installations/42/access_tokens"

        def exchange(token: str, scheme: str = "Bearer") -> requests.Response:
            return requests.post(url, headers={"Authorization": f"{scheme} {token}"}, timeout=TIMEOUT)

        response = exchange(jwt({"iss": "12345", "iat": clock.now - 60, "exp": clock.now + 540}))
        assert response.status_code == 201
        assert response.headers["x-ratelimit-resource"] == "core"
        body = response.json()
        assert body["token"].startswith("ghs_sim")
        assert dt.datetime.fromisoformat(body["expires_at"]) > dt.datetime.fromtimestamp(clock.now, dt.UTC)
        teams = requests.get(server.url + f"{ORG}/teams", headers={"Authorization": f"Bearer {body['token']}"},
                             timeout=TIMEOUT)
        assert teams.status_code == 200
        for bad in (jwt({"iss": "12345", "exp": clock.now - 1}), jwt({"exp": clock.now + 60}), "not-a-jwt",
                    jwt({"iss": "", "exp": clock.now + 60})):
            assert exchange(bad).status_code == 401
        assert exchange(jwt({"iss": 12345, "exp": clock.now + 60}), "token").status_code == 401
        clock.now += 3601  # installation tokens live one hour
        expired = requests.get(server.url + f"{ORG}/teams", headers={"Authorization": f"Bearer {body['token']}"},
                               timeout=TIMEOUT)
        assert expired.status_code == 401


def test_api_versions(simulator: SimulatorServer) -> None:
    for version, status in (("2022-11-28", 200), ("2026-03-10", 200), ("1999-01-01", 410)):
        response = api_get(simulator, f"{ORG}/teams", headers={**SIM_AUTH, "X-GitHub-Api-Version": version})
        assert response.status_code == status, version
    response = api_get(simulator, f"{ORG}/teams", headers={"Authorization": "Bearer x"})
    assert response.headers["x-github-api-version-selected"] == "2022-11-28"


# --- rate limits and faults ------------------------------------------------------------------------------

def test_rate_limit_headers_count_down_and_exhaustion_answers_403_until_reset(sim_world: World) -> None:
    clock = FakeClock(1_795_000_000.4)
    with SimulatorServer(sim_world, clock=clock, faults=Faults(rate_limit=3)) as server:
        first = api_get(server, links_path(ORG, "organization-1-day"), {"day": NEWEST.isoformat()})
        reset = int(first.headers["x-ratelimit-reset"])
        assert reset == 1_795_000_000 + 3600
        download(first.json()["download_links"][0])  # downloads do not spend the budget
        assert api_get(server, "/rate_limit").json()["resources"]["core"]["remaining"] == 2  # nor does /rate_limit
        seen = [first]
        clock.now += 10
        seen += [api_get(server, f"{ORG}/teams") for _ in range(2)]
        assert [int(r.headers["x-ratelimit-remaining"]) for r in seen] == [2, 1, 0]
        assert [int(r.headers["x-ratelimit-used"]) for r in seen] == [1, 2, 3]
        for response in seen:
            assert response.status_code == 200
            assert response.headers["x-ratelimit-limit"] == "3"
            assert response.headers["x-ratelimit-resource"] == "core"
            assert int(response.headers["x-ratelimit-reset"]) == reset
        refused = api_get(server, f"{ORG}/teams")
        assert refused.status_code == 403
        assert refused.headers["x-ratelimit-remaining"] == "0"
        assert "rate limit" in refused.json()["message"]
        clock.now = reset + 1
        again = api_get(server, f"{ORG}/teams")
        assert again.status_code == 200
        assert again.headers["x-ratelimit-remaining"] == "2"
        assert int(again.headers["x-ratelimit-reset"]) == reset + 1 + 3600


def test_forbidden_paths_answer_403(simulator: SimulatorServer) -> None:
    simulator.faults.forbidden_paths = ["/enterprises/"]
    denied = api_get(simulator, links_path(ENT, "users-1-day"), {"day": NEWEST.isoformat()})
    assert denied.status_code == 403
    assert denied.json()["message"] == "Resource not accessible by personal access token"
    assert api_get(simulator, links_path(ORG, "users-1-day"), {"day": NEWEST.isoformat()}).status_code == 200


def test_failures_and_throttling(simulator: SimulatorServer) -> None:
    (link,) = report_links(simulator, ORG, "organization-1-day", NEWEST)
    simulator.faults.fail_rate = 1.0
    statuses = {api_get(simulator, f"{ORG}/teams").status_code for _ in range(20)}
    assert statuses <= {500, 502, 503}
    assert len(statuses) > 1
    blob = requests.get(link, timeout=TIMEOUT)
    assert blob.status_code in (500, 503)
    assert blob.headers["Content-Type"] == "application/xml"
    simulator.faults.fail_rate = 0.0
    simulator.faults.throttle_rate = 1.0
    simulator.faults.retry_after = 0
    throttled = [api_get(simulator, f"{ORG}/teams") for _ in range(20)]
    assert {r.status_code for r in throttled} == {429, 403}
    for response in throttled:
        assert response.headers["retry-after"] == "0"
        assert "secondary rate limit" in response.json()["message"]
    assert requests.get(link, timeout=TIMEOUT).status_code == 200  # downloads are never throttled


def test_fault_sequences_are_deterministic_for_a_seed(sim_world: World) -> None:
    def sequence(seed: int) -> list[int]:
        with SimulatorServer(sim_world, faults=Faults(fail_rate=0.3, throttle_rate=0.2, seed=seed)) as server:
            return [api_get(server, f"{ORG}/teams").status_code for _ in range(30)]

    first = sequence(5)
    assert first == sequence(5)
    assert 200 in first
    assert set(first) - {200}
    assert first != sequence(6)


def test_latency_is_added_through_the_injected_sleep(sim_world: World) -> None:
    naps: list[float] = []
    with SimulatorServer(sim_world, faults=Faults(latency_ms=250), sleep=naps.append) as server:
        (link,) = report_links(server, ORG, "organization-1-day", NEWEST)
        download(link)
        requests.get(server.url + "/_simulator/stats", timeout=TIMEOUT)
    assert naps == [0.25, 0.25]  # the API request and the download; control requests are never delayed


# --- pagination ----------------------------------------------------------------------------------------

def _links(header: str) -> dict[str, str]:
    out = {}
    for item in header.split(","):
        url, rel = item.split(";")
        out[rel.strip().removeprefix('rel="').removesuffix('"')] = url.strip()[1:-1]
    return out


def test_seats_paginate_with_github_link_headers() -> None:
    with SimulatorServer(World(sim_config(orgs=1, users=300))) as server:
        first = api_get(server, f"{ORG}/copilot/billing/seats", {"per_page": 100})
        total = first.json()["total_seats"]
        assert 200 < total <= 300
        pages = [first]
        while "next" in _links(pages[-1].headers.get("Link", "")):
            next_url = _links(pages[-1].headers["Link"])["next"]
            assert next_url.startswith(server.url + "/organizations/9901/copilot/billing/seats?")
            pages.append(requests.get(next_url, headers=SIM_AUTH, timeout=TIMEOUT))
        assert len(pages) == 3
        rels = [set(_links(p.headers["Link"])) for p in pages]
        assert rels == [{"next", "last"}, {"prev", "next", "last", "first"}, {"prev", "first"}]
        assert _links(first.headers["Link"])["last"].endswith("per_page=100&page=3")
        seats = [s for p in pages for s in p.json()["seats"]]
        assert [len(p.json()["seats"]) for p in pages] == [100, 100, total - 200]
        assert len(seats) == total
        logins = [s["assignee"]["login"] for s in seats if s["assignee"]]
        assert len(logins) == len(set(logins))
        default = api_get(server, f"{ORG}/copilot/billing/seats")
        assert len(default.json()["seats"]) == 50
        assert _links(default.headers["Link"])["last"].endswith(f"per_page=50&page={-(-total // 50)}")
        assert len(api_get(server, f"{ORG}/copilot/billing/seats", {"per_page": 1000}).json()["seats"]) == 100
        assert api_get(server, f"{ORG}/copilot/billing/seats", {"page": 99}).json()["seats"] == []


def test_teams_paginate_thirty_per_page_by_default() -> None:
    with SimulatorServer(World(sim_config(orgs=1, teams=70))) as server:
        first = api_get(server, f"{ORG}/teams")
        assert len(first.json()) == 30
        third = requests.get(_links(first.headers["Link"])["last"], headers=SIM_AUTH, timeout=TIMEOUT)
        assert len(third.json()) == 10
        assert "Link" not in api_get(server, f"{ORG}/teams", {"per_page": 100}).headers
        slugs = [t["slug"] for t in api_get(server, f"{ORG}/teams", {"per_page": 100}).json()]
        assert len(slugs) == len(set(slugs)) == 70


# --- stats and control ---------------------------------------------------------------------------------

def test_stats_count_requests_by_route(simulator: SimulatorServer) -> None:
    for day in (NEWEST, NEWEST - dt.timedelta(days=1)):
        for link in report_links(simulator, ORG, "users-1-day", day):
            download(link)
    api_get(simulator, f"{ENT}/copilot/billing/seats")
    api_get(simulator, "/orgs/sim-org-1/copilot/usage")
    stats = requests.get(simulator.url + "/_simulator/stats", timeout=TIMEOUT).json()
    assert stats["requests"] == {
        "GET /orgs/{org}/copilot/metrics/reports/users-1-day": 2,
        "GET /copilot-reports/{path}": 2,
        "GET /enterprises/{enterprise}/copilot/billing/seats": 1,
        "GET (retired) /copilot/usage": 1,
    }
    assert (stats["api_requests"], stats["downloads"], stats["total"]) == (4, 2, 6)
    assert simulator.stats() == stats
    reset = requests.post(simulator.url + "/_simulator/reset-stats", timeout=TIMEOUT)
    assert reset.json() == {"requests": {}, "total": 0, "api_requests": 0, "downloads": 0, "primary_limit_refusals": 0}


def test_control_changes_today_revision_and_faults_all_or_nothing(simulator: SimulatorServer) -> None:
    control = simulator.url + "/_simulator/control"
    (before,) = report_rows(simulator, ORG, "organization-1-day", NEWEST)
    answer = requests.post(control, json={"today": "2026-11-22", "revision": 3, "retry_after": 0,
                                          "forbidden_paths": ["/orgs/sim-org-2"]}, timeout=TIMEOUT)
    assert answer.status_code == 200
    assert answer.json()["today"] == "2026-11-22"
    assert answer.json()["revision"] == 3
    assert simulator.world.today == dt.date(2026, 11, 22)
    assert simulator.faults.forbidden_paths == ["/orgs/sim-org-2"]
    assert simulator.faults.retry_after == 0
    assert api_get(simulator, links_path(ORG, "users-1-day"), {"day": "2026-11-20"}).status_code == 200
    (after,) = report_rows(simulator, ORG, "organization-1-day", NEWEST)
    assert after["code_generation_activity_count"] != before["code_generation_activity_count"]  # revised
    assert after["daily_active_users"] == before["daily_active_users"]
    for bad, field in (({"today": "2027-01-01", "fail_rate": 2}, "fail_rate"),
                       ({"today": "2027-01-01", "no_such_fault": 1}, "no_such_fault"),
                       ({"today": "01/01/2027"}, "today"), ({"revision": -1}, "revision")):
        refused = requests.post(control, json=bad, timeout=TIMEOUT)
        assert refused.status_code == 400
        assert field in refused.json()["message"]
    assert requests.post(control, data=b"{not json", timeout=TIMEOUT).status_code == 400
    assert simulator.world.today == dt.date(2026, 11, 22)
    assert simulator.faults.fail_rate == 0.0
    assert requests.get(control, timeout=TIMEOUT).json()["faults"]["retry_after"] == 0
    assert simulator.stats()["total"] == 5  # 3 API requests and 2 downloads; control requests are not counted
