"""GitHubHttp against a real HTTP server on loopback (pytest-httpserver): headers, retries, rate limits,
pagination, downloads, and secrets kept out of every error."""

from __future__ import annotations

import io
import json
import logging
import random
import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from copilot_usage import __version__
from copilot_usage.github.errors import (
    AuthenticationError,
    BudgetExhausted,
    DownloadError,
    ForbiddenError,
    GitHubError,
    LinkExpiredError,
    NotFoundError,
    RateLimitError,
    ServerError,
)
from copilot_usage.github.http import GitHubHttp, RateState, redact_url
from copilot_usage.retry import GITHUB_API, GITHUB_DOWNLOAD

TOKEN = "ghp_TESTTOKEN0123456789abcdef"
SIG = "sv=2026-01-01&se=2026-11-21T00%3A00%3A00Z&sig=SECRETSIGNATURE123"
NOW = 1_800_000_000.0
SEATS = "/orgs/acme/copilot/billing/seats"


class FakeTime:
    """An injected clock and sleep: sleeping records the wait and moves the clock, instantly."""

    def __init__(self, now: float = NOW):
        self.now = now
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


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


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


MakeHttp = Callable[..., GitHubHttp]


@pytest.fixture
def make_http(server: HTTPServer, fake: FakeTime) -> Iterator[Callable[..., GitHubHttp]]:
    made: list[GitHubHttp] = []

    def build(**kwargs: Any) -> GitHubHttp:
        options: dict[str, Any] = {
            "sleep": fake.sleep,
            "clock": fake.clock,
            "rng": random.Random(7),
            "timeout": (2.0, 2.0),
        }
        options.update(kwargs)
        http = GitHubHttp(server.url_for("/"), lambda: TOKEN, **options)
        made.append(http)
        return http

    yield build
    for http in made:
        http.close()


def sequence(*responses: Response | Callable[[Request], Response]) -> Callable[[Request], Response]:
    """A handler answering with the given responses in turn (the last one repeats)."""
    calls = {"n": 0}

    def handler(request: Request) -> Response:
        index = min(calls["n"], len(responses) - 1)
        calls["n"] += 1
        answer = responses[index]
        return answer(request) if callable(answer) and not isinstance(answer, Response) else answer

    return handler


def js(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers, content_type="application/json")


def rate_headers(remaining: int, reset: float, limit: int = 5000) -> dict[str, str]:
    return {
        "x-ratelimit-limit": str(limit),
        "x-ratelimit-remaining": str(remaining),
        "x-ratelimit-reset": str(int(reset)),
        "x-ratelimit-used": str(limit - remaining),
        "x-ratelimit-resource": "core",
    }


def drop_connection(request: Request) -> Response:
    """Close the connection before answering (the client sees a dropped connection)."""
    request.environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
    return Response("never delivered")


def assert_clean(exc: BaseException) -> None:
    text = str(exc) + repr(exc)
    assert TOKEN not in text
    assert "SECRETSIGNATURE" not in text
    assert "sig=" not in text


# ---------------------------------------------------------------- headers and basic answers


def test_api_request_sends_github_headers(server: HTTPServer, make_http: MakeHttp) -> None:
    server.expect_request(SEATS, query_string="per_page=100").respond_with_json({"seats": []})
    http = make_http(api_version="2022-11-28")
    response = http.get(SEATS, {"per_page": "100"})
    assert response.json() == {"seats": []}
    request, _ = server.log[0]
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/vnd.github+json"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert request.headers["User-Agent"] == f"copilot-usage/{__version__}"
    assert http.stats["api_requests"] == 1


def test_token_provider_is_asked_on_every_request(server: HTTPServer, fake: FakeTime) -> None:
    server.expect_request("/x").respond_with_json({})
    tokens = iter(["tok-one", "tok-two"])
    http = GitHubHttp(server.url_for("/"), lambda: next(tokens), sleep=fake.sleep, clock=fake.clock)
    http.get("/x")
    http.get("/x")
    assert [r.headers["Authorization"] for r, _ in server.log] == ["Bearer tok-one", "Bearer tok-two"]


def test_204_is_returned_and_get_json_gives_none(server: HTTPServer, make_http: MakeHttp) -> None:
    server.expect_request("/r").respond_with_response(Response(status=204))
    http = make_http()
    assert http.get("/r").status_code == 204
    assert http.get_json("/r") is None


def test_body_that_is_not_json_is_a_clear_error(server: HTTPServer, make_http: MakeHttp) -> None:
    server.expect_request("/r").respond_with_data("<html>proxy error</html>")
    with pytest.raises(GitHubError, match="not JSON") as info:
        make_http().get_json("/r")
    assert info.value.path == "/r"


def test_base_url_must_be_http(fake: FakeTime) -> None:
    with pytest.raises(ValueError, match="http"):
        GitHubHttp("ftp://example.com", lambda: TOKEN)


def test_unsendable_token_is_reported_without_the_token(server: HTTPServer, fake: FakeTime) -> None:
    bad_token = TOKEN + "\r\nX-Injected: 1"
    http = GitHubHttp(server.url_for("/"), lambda: bad_token, sleep=fake.sleep, clock=fake.clock)
    with pytest.raises(GitHubError, match="could not be sent") as info:
        http.get("/orgs/acme/teams")
    assert_clean(info.value)
    assert server.log == []
    assert fake.sleeps == []


def test_relative_path_without_slash_is_refused(make_http: MakeHttp) -> None:
    with pytest.raises(ValueError, match="must start with '/'"):
        make_http().get("orgs/acme")


# ---------------------------------------------------------------- pagination


def seat_pages(server: HTTPServer, link_for: Callable[[int], str | None], pages: int = 3) -> None:
    def handler(request: Request) -> Response:
        page = int(request.args.get("page", "1"))
        body = {"total_seats": pages * 2, "seats": [{"login": f"u{page}a"}, {"login": f"u{page}b"}]}
        link = link_for(page) if page < pages else None
        headers = {"Link": f'<{link}>; rel="next", <{link_for(pages)}>; rel="last"'} if link else {}
        return js(body, headers=headers)

    server.expect_request(SEATS).respond_with_handler(handler)


def test_paginate_follows_absolute_link_headers(server: HTTPServer, make_http: MakeHttp) -> None:
    seat_pages(server, lambda p: server.url_for(f"{SEATS}?per_page=100&page={p + 1}"))
    http = make_http()
    logins = [s["login"] for s in http.paginate(SEATS, {"per_page": "100"}, "seats")]
    assert logins == ["u1a", "u1b", "u2a", "u2b", "u3a", "u3b"]
    assert [r.query_string.decode() for r, _ in server.log] == [
        "per_page=100", "per_page=100&page=2", "per_page=100&page=3"
    ]
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r, _ in server.log)
    assert http.stats["api_requests"] == 3


def test_paginate_resolves_relative_link_against_the_page(server: HTTPServer, make_http: MakeHttp) -> None:
    seat_pages(server, lambda p: f"{SEATS}?per_page=100&page={p + 1}")
    assert len(list(make_http().paginate(SEATS, {"per_page": "100"}, "seats"))) == 6


def test_paginate_refuses_a_link_to_another_host(server: HTTPServer, make_http: MakeHttp, fake: FakeTime) -> None:
    seat_pages(server, lambda p: f"https://collector.invalid{SEATS}?page={p + 1}&token={TOKEN}")
    http = make_http()
    pages = http.paginate(SEATS, {"per_page": "100"}, "seats")
    assert [next(pages)["login"], next(pages)["login"]] == ["u1a", "u1b"]
    with pytest.raises(GitHubError, match=r"refusing to follow https://collector\.invalid") as info:
        next(pages)
    assert type(info.value) is GitHubError  # refused before sending: no connection error, no retry
    assert fake.sleeps == []
    assert len(server.log) == 1
    assert_clean(info.value)


def test_get_refuses_an_absolute_url_on_another_port(server: HTTPServer, make_http: MakeHttp) -> None:
    other = f"http://127.0.0.1:{server.port + 1}/orgs/acme"
    with pytest.raises(GitHubError, match="not on the GitHub API host"):
        make_http().get(other)
    assert server.log == []


def test_paginate_detects_a_link_loop(server: HTTPServer, make_http: MakeHttp) -> None:
    loop = server.url_for(f"{SEATS}?page=2")
    server.expect_request(SEATS).respond_with_handler(
        lambda r: js({"seats": [{"n": 1}]}, headers={"Link": f'<{loop}>; rel="next"'})
    )
    with pytest.raises(GitHubError, match="loops back"):
        list(make_http().paginate(SEATS, None, "seats"))


def test_paginate_list_body_counts_non_objects_and_passes_them_on(server: HTTPServer, make_http: MakeHttp) -> None:
    # Passed on so that shaping sets them aside as rejected records (counted in the run and the log).
    server.expect_request("/orgs/acme/teams").respond_with_json([{"slug": "a"}, "junk", 3, {"slug": "b"}])
    http = make_http()
    assert list(http.paginate("/orgs/acme/teams", {"per_page": "100"})) == [{"slug": "a"}, "junk", 3, {"slug": "b"}]
    assert http.stats["malformed_items"] == 2


def test_paginate_wrong_page_shape_names_the_key(server: HTTPServer, make_http: MakeHttp) -> None:
    server.expect_request(SEATS).respond_with_json({"total_seats": 0})
    with pytest.raises(GitHubError, match="'seats' list"):
        list(make_http().paginate(SEATS, None, "seats"))


# ---------------------------------------------------------------- retries


def test_502_then_200_retries_with_jittered_backoff(server: HTTPServer, make_http: MakeHttp, fake: FakeTime) -> None:
    server.expect_request("/r").respond_with_handler(sequence(Response("bad gateway", 502), js({"ok": 1})))
    http = make_http()
    assert http.get_json("/r") == {"ok": 1}
    assert len(fake.sleeps) == 1
    assert 0 <= fake.sleeps[0] <= 0.5
    assert http.stats["retries"] == 1
    assert http.stats["api_requests"] == 2


def test_dropped_connection_then_success(server: HTTPServer, make_http: MakeHttp, fake: FakeTime) -> None:
    server.expect_request("/r").respond_with_handler(sequence(drop_connection, js({"ok": 2})))
    http = make_http()
    assert http.get_json("/r") == {"ok": 2}
    assert len(fake.sleeps) == 1
    assert http.stats["retries"] == 1


def test_nothing_listening_exhausts_retries(fake: FakeTime) -> None:
    with socket.socket() as probe:  # find a free port, then close it so nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    http = GitHubHttp(f"http://127.0.0.1:{port}", lambda: TOKEN, sleep=fake.sleep, clock=fake.clock,
                      retry=replace(GITHUB_API, attempts=4), timeout=(1.0, 1.0))
    with pytest.raises(ServerError, match="request failed") as info:
        http.get("/orgs/acme/copilot/billing")
    assert info.value.status is None
    assert info.value.path == "/orgs/acme/copilot/billing"
    assert len(fake.sleeps) == 3
    assert http.stats["api_requests"] == 4
    assert_clean(info.value)


def test_read_timeout_then_success(server: HTTPServer, make_http: MakeHttp, fake: FakeTime) -> None:
    retrying = threading.Event()

    def slow(request: Request) -> Response:
        # Answer only after the client gave up (0.2 s read timeout) and is about to retry; the server
        # handles one request at a time, so it must be free again for the retry.
        retrying.wait(5)
        return js({"late": True})

    def sleep(seconds: float) -> None:
        fake.sleep(seconds)
        retrying.set()

    server.expect_request("/r").respond_with_handler(sequence(slow, js({"ok": 3})))
    http = make_http(timeout=(1.0, 0.2), sleep=sleep)
    assert http.get_json("/r") == {"ok": 3}
    assert http.stats["retries"] == 1


def test_retries_exhausted_raise_server_error(server: HTTPServer, make_http: MakeHttp, fake: FakeTime) -> None:
    server.expect_request("/r").respond_with_response(Response("unavailable", 503))
    http = make_http(retry=replace(GITHUB_API, attempts=6, backoff=0.5, cap=2.0))
    with pytest.raises(ServerError, match="answered 503") as info:
        http.get("/r", {"day": "2026-11-20"})
    assert info.value.status == 503
    assert len(server.log) == 6
    assert len(fake.sleeps) == 5
    assert all(0 <= s <= min(2.0, 0.5 * 2**i) for i, s in enumerate(fake.sleeps))


def test_503_retry_after_is_honoured(server: HTTPServer, make_http: MakeHttp, fake: FakeTime) -> None:
    server.expect_request("/r").respond_with_handler(
        sequence(Response("busy", 503, headers={"Retry-After": "9"}), js({}))
    )
    make_http().get("/r")
    assert fake.sleeps == [9.0]


def test_api_policy_delay_is_full_jitter_and_capped() -> None:
    rng = random.Random(1)
    policy = replace(GITHUB_API, backoff=0.5, cap=30.0).using(rand=rng.random)
    for retry, cap in [(1, 0.5), (2, 1.0), (4, 4.0), (7, 30.0), (501, 30.0)]:
        delays = [policy.backoff_delay(retry) for _ in range(200)]
        assert all(0 <= d <= cap for d in delays)
        assert max(delays) > cap * 0.8  # spread over the whole range, not a fixed value
    with pytest.raises(ValueError, match="attempts"):
        replace(GITHUB_API, attempts=0)


# ---------------------------------------------------------------- rate limits


def test_primary_limit_within_cap_waits_for_reset(server: HTTPServer, make_http: MakeHttp, fake: FakeTime) -> None:
    limited = js({"message": "API rate limit exceeded"}, 403, rate_headers(0, NOW + 30))
    fine = js({"ok": 1}, headers=rate_headers(4999, NOW + 3600))
    server.expect_request("/r").respond_with_handler(sequence(limited, fine))
    http = make_http(max_rate_wait=120)
    assert http.get_json("/r") == {"ok": 1}
    assert fake.sleeps == [31.0]
    assert http.stats["rate_limit_waits"] == 1
    assert http.rate == RateState(limit=5000, remaining=4999, reset=NOW + 3600, used=1)


def test_primary_limit_beyond_cap_raises(server: HTTPServer, make_http: MakeHttp, fake: FakeTime) -> None:
    server.expect_request("/r").respond_with_response(
        js({"message": "API rate limit exceeded"}, 429, rate_headers(0, NOW + 1800))
    )
    with pytest.raises(RateLimitError, match="RATE_LIMIT_MAX_WAIT_SECONDS") as info:
        make_http(max_rate_wait=120).get("/r")
    assert info.value.reset_at == NOW + 1800
    assert fake.sleeps == []
    assert len(server.log) == 1


def test_secondary_limit_429_with_retry_after(server: HTTPServer, make_http: MakeHttp, fake: FakeTime) -> None:
    server.expect_request("/r").respond_with_handler(
        sequence(js({"message": "secondary"}, 429, {"Retry-After": "7", **rate_headers(4000, NOW + 900)}), js({}))
    )
    http = make_http()
    http.get("/r")
    assert fake.sleeps == [7.0]
    assert http.stats["retries"] == 1
    assert http.stats["rate_limit_waits"] == 1


def test_secondary_limit_403_without_retry_after(server: HTTPServer, make_http: MakeHttp, fake: FakeTime) -> None:
    body = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}
    server.expect_request("/r").respond_with_handler(
        sequence(js(body, 403, rate_headers(4000, NOW + 900)), js(body, 403, rate_headers(3999, NOW + 900)), js({}))
    )
    http = make_http(secondary_wait=0.25)
    http.get("/r")
    assert fake.sleeps == [0.25, 0.5]  # then it backs off exponentially


def test_secondary_limit_longer_than_allowed_raises(server: HTTPServer, make_http: MakeHttp, fake: FakeTime) -> None:
    server.expect_request("/r").respond_with_response(js({"message": "slow down"}, 429, {"Retry-After": "600"}))
    with pytest.raises(RateLimitError) as info:
        make_http(max_rate_wait=60).get("/r")
    assert info.value.reset_at == NOW + 600
    assert fake.sleeps == []


def test_reserve_stops_before_sending(server: HTTPServer, make_http: MakeHttp, fake: FakeTime) -> None:
    server.expect_request("/r").respond_with_response(js({}, headers=rate_headers(100, NOW + 600)))
    http = make_http(reserve=100)
    http.get("/r")
    with pytest.raises(BudgetExhausted, match="reserve") as info:
        http.get("/r")
    assert (info.value.remaining, info.value.reserve, info.value.reset_at) == (100, 100, NOW + 600)
    assert not isinstance(info.value, GitHubError)  # per-item handlers must not swallow it
    assert len(server.log) == 1


def test_reserve_ignores_a_window_that_has_reset(server: HTTPServer, make_http: MakeHttp, fake: FakeTime) -> None:
    server.expect_request("/r").respond_with_response(js({}, headers=rate_headers(5, NOW + 10)))
    http = make_http(reserve=100)
    http.get("/r")
    fake.now += 11
    http.get("/r")
    assert len(server.log) == 2


def test_used_up_window_without_reserve_waits_before_sending(server: HTTPServer, make_http: MakeHttp,
                                                             fake: FakeTime) -> None:
    server.expect_request("/r").respond_with_handler(
        sequence(js({}, headers=rate_headers(0, NOW + 20)), js({}, headers=rate_headers(4999, NOW + 3620)))
    )
    http = make_http(reserve=0)
    http.get("/r")
    http.get("/r")
    assert fake.sleeps == [21.0]
    assert len(server.log) == 2


def test_rate_state_keeps_lowest_remaining_of_a_window(server: HTTPServer, make_http: MakeHttp) -> None:
    server.expect_request("/r").respond_with_handler(
        sequence(
            js({}, headers=rate_headers(50, NOW + 100)),
            js({}, headers=rate_headers(60, NOW + 100)),  # an older answer arriving late
            js({}, headers=rate_headers(4999, NOW + 3700)),  # a new window
        )
    )
    http = make_http()
    remaining = []
    for _ in range(3):
        http.get("/r")
        remaining.append(http.rate.remaining if http.rate else None)
    assert remaining == [50, 50, 4999]


def test_rate_state_from_headers() -> None:
    assert RateState.from_headers({}) is None
    assert RateState.from_headers({"x-ratelimit-remaining": "x", "x-ratelimit-reset": "1"}) is None
    state = RateState.from_headers({"x-ratelimit-remaining": "7", "x-ratelimit-reset": "99"})
    assert state == RateState(limit=None, remaining=7, reset=99.0, used=None)


# ---------------------------------------------------------------- typed errors


@pytest.mark.parametrize(
    ("path", "status", "kind", "expected"),
    [
        ("/orgs/acme/copilot/metrics/reports/users-1-day", 401, AuthenticationError, "invalid or expired"),
        ("/orgs/acme/copilot/metrics/reports/users-1-day", 403, ForbiddenError, "Organization Copilot metrics: read"),
        ("/orgs/acme/copilot/metrics/reports/users-1-day", 403, ForbiddenError, "'Copilot usage metrics' policy"),
        ("/enterprises/big/copilot/metrics/reports/enterprise-1-day", 403, ForbiddenError, "read:enterprise"),
        ("/orgs/acme/copilot/billing/seats", 403, ForbiddenError, "GitHub Copilot Business: read"),
        ("/orgs/acme/teams", 403, ForbiddenError, "Members: read"),
        ("/orgs/nope/copilot/metrics/reports/users-1-day", 404, NotFoundError, "unknown organization"),
        ("/orgs/acme/copilot/billing", 422, GitHubError, "answered 422"),
        ("/orgs/acme/copilot/billing", 410, GitHubError, "GITHUB_API_VERSION"),
    ],
)
def test_error_statuses_raise_typed_helpful_errors(
    server: HTTPServer, make_http: MakeHttp, fake: FakeTime, path: str, status: int, kind: type, expected: str
) -> None:
    # A hostile or buggy server echoing the token and a signed link must not get them into our message.
    message = f"Resource not accessible by token {TOKEN}; see https://example.com/x?{SIG}"
    server.expect_request(path).respond_with_response(js({"message": message}, status, rate_headers(4000, NOW + 60)))
    with pytest.raises(GitHubError) as info:
        make_http().get(path, {"day": "2026-11-20"})
    assert type(info.value) is kind
    assert expected in str(info.value)
    assert "Resource not accessible by token ***" in str(info.value)
    assert info.value.status == status
    assert info.value.path == path
    assert fake.sleeps == []
    assert_clean(info.value)


# ---------------------------------------------------------------- downloads


def blob(server: HTTPServer, handler: Callable[[Request], Response], name: str = "part-1.json") -> str:
    path = f"/blob/{name}"
    server.expect_request(path).respond_with_handler(handler)
    return server.url_for(path) + "?" + SIG


def test_download_sends_no_authorization_and_no_github_headers(server: HTTPServer, make_http: MakeHttp) -> None:
    url = blob(server, lambda r: Response(b'{"a":1}\n'))
    out = io.BytesIO()
    http = make_http()
    assert http.download(url, out) == 8
    assert out.getvalue() == b'{"a":1}\n'
    request, _ = server.log[0]
    assert "Authorization" not in request.headers
    assert "X-GitHub-Api-Version" not in request.headers
    assert "github" not in request.headers.get("Accept", "")
    assert request.args["sig"] == "SECRETSIGNATURE123"  # the signed link is sent verbatim
    assert http.stats["downloads"] == 1
    assert http.stats["bytes_downloaded"] == 8
    assert http.stats["api_requests"] == 0


def test_download_ignores_the_reserve(server: HTTPServer, make_http: MakeHttp) -> None:
    server.expect_request("/r").respond_with_response(js({}, headers=rate_headers(1, NOW + 600)))
    url = blob(server, lambda r: Response(b"data"))
    http = make_http(reserve=10)
    http.get("/r")
    assert http.download(url, io.BytesIO()) == 4  # signed links do not use the API budget


def test_download_follows_redirects_without_credentials(server: HTTPServer, make_http: MakeHttp) -> None:
    server.expect_request("/blob/final").respond_with_data(b"moved data")
    url = blob(server, lambda r: Response("", 302, headers={"Location": "/blob/final?x=1"}))
    out = io.BytesIO()
    make_http().download(url, out)
    assert out.getvalue() == b"moved data"
    assert [("Authorization" in r.headers) for r, _ in server.log] == [False, False]


def test_download_retries_5xx_and_keeps_earlier_bytes_of_dest(server: HTTPServer, make_http: MakeHttp,
                                                              fake: FakeTime) -> None:
    url = blob(server, sequence(Response("oops", 500), Response(b"payload")))
    out = io.BytesIO()
    out.write(b"HEADER")
    make_http().download(url, out)
    assert out.getvalue() == b"HEADERpayload"
    assert len(fake.sleeps) == 1


def test_download_truncated_body_is_retried_from_scratch(server: HTTPServer, make_http: MakeHttp,
                                                         fake: FakeTime) -> None:
    short = Response(iter([b"0123"]), headers={"Content-Length": "10"})
    url = blob(server, sequence(lambda r: short, lambda r: Response(b"0123456789")))
    out = io.BytesIO()
    http = make_http()
    assert http.download(url, out) == 10
    assert out.getvalue() == b"0123456789"  # no partial first attempt survives
    assert http.stats["retries"] == 1
    assert http.stats["bytes_downloaded"] == 10


def test_download_always_truncated_raises_download_error(server: HTTPServer, make_http: MakeHttp,
                                                         fake: FakeTime) -> None:
    url = blob(server, lambda r: Response(iter([b"0123"]), headers={"Content-Length": "10"}))
    out = io.BytesIO(b"KEEP")
    out.seek(0, io.SEEK_END)
    with pytest.raises(DownloadError, match=r"broke off|truncated") as info:
        make_http(download_retry=replace(GITHUB_DOWNLOAD, attempts=3)).download(url, out)
    assert type(info.value) is DownloadError
    assert out.getvalue() == b"KEEP"
    assert len(server.log) == 3
    assert "/blob/part-1.json?…" in str(info.value)
    assert info.value.path == "/blob/part-1.json"
    assert_clean(info.value)


def test_download_dropped_connection_then_success(server: HTTPServer, make_http: MakeHttp, fake: FakeTime) -> None:
    url = blob(server, sequence(drop_connection, Response(b"ok")))
    out = io.BytesIO()
    assert make_http().download(url, out) == 2


def test_download_throttled_by_the_cdn_waits_as_asked(server: HTTPServer, make_http: MakeHttp, fake: FakeTime) -> None:
    url = blob(server, sequence(Response("slow down", 429, headers={"Retry-After": "5"}), Response(b"ok")))
    http = make_http()
    assert http.download(url, io.BytesIO()) == 2
    assert fake.sleeps == [5.0]
    assert http.stats["retries"] == 1


def test_download_retries_follow_the_download_policy_not_the_api_policy(server: HTTPServer, make_http: MakeHttp,
                                                                        fake: FakeTime) -> None:
    url = blob(server, lambda r: Response("oops", 503))
    http = make_http(retry=replace(GITHUB_API, attempts=1), download_retry=replace(GITHUB_DOWNLOAD, attempts=4))
    with pytest.raises(DownloadError, match="on all 4 attempts"):
        http.download(url, io.BytesIO())
    assert len(server.log) == 4
    assert len(fake.sleeps) == 3


def test_download_retries_and_failures_never_log_the_signature(server: HTTPServer, make_http: MakeHttp,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    url = blob(server, sequence(drop_connection, Response("oops", 500), Response("gone", 410)))
    with caplog.at_level(logging.DEBUG), pytest.raises(LinkExpiredError) as info:
        make_http().download(url, io.BytesIO())
    # Ours and urllib3's (the test server's own access log, werkzeug's, shows what it was sent).
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug"))
    assert "/blob/part-1.json?…" in logged  # the retries were logged, with the link redacted
    assert "SECRETSIGNATURE" not in logged
    assert "sig=" not in logged
    assert_clean(info.value)


@pytest.mark.parametrize("status", [403, 404, 410])
def test_expired_link_raises_link_expired(server: HTTPServer, make_http: MakeHttp, fake: FakeTime, status: int) -> None:
    url = blob(server, lambda r: Response("<Error>AuthenticationFailed</Error>", status))
    with pytest.raises(LinkExpiredError, match="expired or the file is gone") as info:
        make_http().download(url, io.BytesIO())
    assert info.value.status == status
    assert fake.sleeps == []
    assert_clean(info.value)


def test_download_refuses_non_http_links(make_http: MakeHttp) -> None:
    with pytest.raises(DownloadError, match="not an http"):
        make_http().download("file:///etc/passwd", io.BytesIO())


def test_redact_url() -> None:
    assert redact_url(f"https://copilot-reports.b01.azurefd.net/a/b.json?{SIG}") == (
        "https://copilot-reports.b01.azurefd.net/a/b.json?…"
    )
    assert redact_url("https://user:pw@host:8443/p") == "https://host:8443/p"
    assert redact_url("http://[::1]:9/x?q=1#frag") == "http://[::1]:9/x?…"


# ---------------------------------------------------------------- concurrency


def test_concurrent_requests_count_exactly(server: HTTPServer, make_http: MakeHttp) -> None:
    server.expect_request("/r").respond_with_json({"ok": True})
    url = blob(server, lambda r: Response(b"12345"))
    http = make_http()

    def work(i: int) -> int:
        http.get("/r")
        return http.download(url, io.BytesIO())

    with ThreadPoolExecutor(max_workers=8) as pool:
        sizes = list(pool.map(work, range(40)))
    assert sizes == [5] * 40
    stats = http.stats
    assert (stats["api_requests"], stats["downloads"], stats["bytes_downloaded"]) == (40, 40, 200)
