"""fetch_report / fetch_latest_28_day against a loopback server serving links and signed blob routes."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from copilot_usage.github.errors import DownloadError, ForbiddenError, GitHubError, LinkExpiredError
from copilot_usage.github.http import GitHubHttp
from copilot_usage.github.reports import fetch_latest_28_day, fetch_report
from copilot_usage.model import Report, Scope, ScopeType
from copilot_usage.retry import GITHUB_API, GITHUB_DOWNLOAD

TOKEN = "ghp_REPORTTOKEN9876543210"
SIGNATURE = "SIGNED-SECRET-0xC0FFEE"
DAY = dt.date(2026, 11, 20)
ORG = Scope(ScopeType.ORGANIZATION, "acme")
ENT = Scope(ScopeType.ENTERPRISE, "big-co")
USERS_PATH = "/orgs/acme/copilot/metrics/reports/users-1-day"


def ndjson(*rows: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in rows)


PARTS = [
    ndjson(
        {"user_id": 1, "user_login": "a", "day": "2026-11-20"},
        {"user_id": 2, "user_login": "b", "day": "2026-11-20"},
    ),
    b'{"user_id": 3, "user_login": "c", "day": "2026-11-20"}\nthis line is broken\n',
    gzip.compress(ndjson({"user_id": 4, "user_login": "d", "day": "2026-11-20"})),
]


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


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
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def http(server: HTTPServer, sleeps: Sleeps) -> Iterator[GitHubHttp]:
    client = GitHubHttp(server.url_for("/"), lambda: TOKEN, sleep=sleeps, clock=lambda: 1_800_000_000.0,
                        rng=random.Random(3), retry=replace(GITHUB_API, attempts=3),
                        download_retry=replace(GITHUB_DOWNLOAD, attempts=3), timeout=(2.0, 2.0))
    yield client
    client.close()


def signed(server: HTTPServer, name: str, generation: int = 1) -> str:
    return server.url_for(f"/blob/{name}") + f"?gen={generation}&sig={SIGNATURE}"


def serve_links(server: HTTPServer, path: str, bodies: Callable[[int], Response]) -> dict[str, int]:
    calls = {"n": 0}

    def handler(request: Request) -> Response:
        calls["n"] += 1
        return bodies(calls["n"])

    server.expect_request(path).respond_with_handler(handler)
    return calls


def serve_blobs(server: HTTPServer, parts: list[bytes], expire: Callable[[Request], bool] = lambda r: False) -> None:
    for index, data in enumerate(parts):
        def handler(request: Request, data: bytes = data) -> Response:
            if "Authorization" in request.headers:
                return Response("no tokens here", 400)
            if expire(request):
                return Response("<Error><Code>AuthenticationFailed</Code></Error>", 403)
            return Response(data, content_type="application/octet-stream")

        server.expect_request(f"/blob/part-{index + 1}").respond_with_handler(handler)


def links_body(server: HTTPServer, count: int, generation: int = 1, day: str = "2026-11-20") -> Response:
    links = [signed(server, f"part-{i + 1}", generation) for i in range(count)]
    return Response(json.dumps({"download_links": links, "report_day": day}), content_type="application/json")


def test_multi_part_report_downloads_every_file_in_order(server: HTTPServer, http: GitHubHttp, tmp_path: Path) -> None:
    calls = serve_links(server, USERS_PATH, lambda n: links_body(server, 3))
    serve_blobs(server, PARTS)
    download = fetch_report(http, ORG, Report.USERS, DAY, tmp_path)
    assert download is not None
    with download:
        assert (download.scope, download.report, download.day, download.window_days) == (ORG, Report.USERS, DAY, 1)
        assert [p.read_bytes() for p in download.files] == PARTS
        assert download.sha256 == hashlib.sha256(b"".join(PARTS)).hexdigest()
        assert download.size_bytes == sum(len(p) for p in PARTS)
        assert all(p.parent == tmp_path for p in download.files)
        assert all(SIGNATURE not in p.name and "sig" not in p.name for p in download.files)
        assert [r["user_id"] for r in download.iter_records()] == [1, 2, 3, 4]
        assert [(i, m.line) for i, m in download.malformed] == [(1, 2)]
        list(download.iter_records())  # a second pass does not double-count
        assert len(download.malformed) == 1
    assert list(tmp_path.iterdir()) == []  # close() removed the files
    assert calls["n"] == 1
    links_request = next(r for r, _ in server.log if r.path == USERS_PATH)
    assert links_request.args["day"] == "2026-11-20"
    assert links_request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert http.stats["downloads"] == 3


def test_temp_file_names_are_safe_for_any_slug(server: HTTPServer, http: GitHubHttp, tmp_path: Path) -> None:
    odd = Scope(ScopeType.ORGANIZATION, "a/../b")
    # the server sees the escaped slug decoded again
    serve_links(server, "/orgs/a/../b/copilot/metrics/reports/users-1-day", lambda n: links_body(server, 1))
    serve_blobs(server, PARTS[:1])
    download = fetch_report(http, odd, Report.USERS, DAY, tmp_path)
    assert download is not None
    assert [p.parent for p in download.files] == [tmp_path]
    assert download.files[0].name.startswith("organization-a_.._b-users-2026-11-20-part1-")
    download.close()


def test_204_means_not_ready(server: HTTPServer, http: GitHubHttp, tmp_path: Path) -> None:
    serve_links(server, "/enterprises/big-co/copilot/metrics/reports/enterprise-1-day", lambda n: Response(status=204))
    assert fetch_report(http, ENT, Report.AGGREGATE, DAY, tmp_path / "work") is None
    assert list((tmp_path / "work").iterdir()) == []


@pytest.mark.parametrize("answer", [Response(status=200, response=b""), Response(status=200, response=b" \n"),
                                    Response(status=404, response=b'{"message": "Not Found"}',
                                             content_type="application/json")],
                         ids=["empty", "blank", "404"])
def test_an_empty_200_or_a_404_for_a_day_also_means_no_report(server: HTTPServer, http: GitHubHttp,
                                                                  tmp_path: Path, answer: Response) -> None:
    serve_links(server, "/enterprises/big-co/copilot/metrics/reports/enterprise-1-day", lambda n: answer)
    assert fetch_report(http, ENT, Report.AGGREGATE, DAY, tmp_path / "work") is None
    assert list((tmp_path / "work").iterdir()) == []


def test_a_403_for_a_day_is_still_an_access_problem(server: HTTPServer, http: GitHubHttp, tmp_path: Path) -> None:
    forbidden = Response(status=403, response=b'{"message": "Resource not accessible by personal access token"}',
                         content_type="application/json")
    serve_links(server, "/enterprises/big-co/copilot/metrics/reports/enterprise-1-day", lambda n: forbidden)
    with pytest.raises(ForbiddenError):
        fetch_report(http, ENT, Report.AGGREGATE, DAY, tmp_path)


def test_empty_link_list_is_an_empty_report(server: HTTPServer, http: GitHubHttp, tmp_path: Path) -> None:
    serve_links(server, USERS_PATH, lambda n: links_body(server, 0))
    download = fetch_report(http, ORG, Report.USERS, DAY, tmp_path)
    assert download is not None
    assert download.files == []
    assert download.size_bytes == 0
    assert download.sha256 == hashlib.sha256(b"").hexdigest()
    assert list(download.iter_records()) == []


def test_expired_link_gets_one_fresh_set_of_links(server: HTTPServer, http: GitHubHttp, tmp_path: Path) -> None:
    calls = serve_links(server, USERS_PATH, lambda n: links_body(server, 3, generation=n))
    # The first generation of links expires while the second part is being fetched.
    serve_blobs(server, PARTS, expire=lambda r: r.args["gen"] == "1" and r.path.endswith("part-2"))
    download = fetch_report(http, ORG, Report.USERS, DAY, tmp_path)
    assert download is not None
    assert calls["n"] == 2
    assert [p.read_bytes() for p in download.files] == PARTS
    assert sorted(tmp_path.iterdir()) == sorted(download.files)  # the first attempt left nothing behind
    assert download.sha256 == hashlib.sha256(b"".join(PARTS)).hexdigest()
    download.close()


def test_expiry_twice_raises_and_cleans_up(server: HTTPServer, http: GitHubHttp, tmp_path: Path) -> None:
    calls = serve_links(server, USERS_PATH, lambda n: links_body(server, 3, generation=n))
    serve_blobs(server, PARTS, expire=lambda r: r.path.endswith("part-3"))
    with pytest.raises(LinkExpiredError) as info:
        fetch_report(http, ORG, Report.USERS, DAY, tmp_path)
    assert calls["n"] == 2
    assert list(tmp_path.iterdir()) == []
    message = str(info.value)
    assert "/blob/part-3?…" in message
    assert SIGNATURE not in message
    assert "sig=" not in message
    assert TOKEN not in message


def test_broken_download_raises_and_cleans_up(server: HTTPServer, http: GitHubHttp, sleeps: Sleeps,
                                              tmp_path: Path) -> None:
    serve_links(server, USERS_PATH, lambda n: links_body(server, 2))
    serve_blobs(server, [PARTS[0]])
    server.expect_request("/blob/part-2").respond_with_response(Response("down", 500))
    with pytest.raises(DownloadError, match="answered 500") as info:
        fetch_report(http, ORG, Report.USERS, DAY, tmp_path)
    assert not isinstance(info.value, LinkExpiredError)
    assert len(sleeps.calls) == 2
    assert list(tmp_path.iterdir()) == []
    assert SIGNATURE not in str(info.value)


def test_report_for_another_day_is_refused(server: HTTPServer, http: GitHubHttp, tmp_path: Path) -> None:
    serve_links(server, USERS_PATH, lambda n: links_body(server, 1, day="2026-11-19"))
    serve_blobs(server, PARTS[:1])
    with pytest.raises(GitHubError, match="for day 2026-11-20 with a report for 2026-11-19"):
        fetch_report(http, ORG, Report.USERS, DAY, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_links_body_without_download_links_is_a_clear_error(server: HTTPServer, http: GitHubHttp,
                                                            tmp_path: Path) -> None:
    serve_links(server, USERS_PATH, lambda n: Response(json.dumps({"report_day": "2026-11-20"})))
    with pytest.raises(GitHubError, match="download_links"):
        fetch_report(http, ORG, Report.USERS, DAY, tmp_path)


def test_latest_28_day_aggregate_pretty_printed(server: HTTPServer, http: GitHubHttp, tmp_path: Path) -> None:
    document = {
        "report_start_day": "2026-10-24", "report_end_day": "2026-11-20", "organization_id": "9919",
        "day_totals": [
            {"day": "2026-10-24", "daily_active_users": 40},
            {"day": "2026-11-20", "daily_active_users": 42},
        ],
    }
    pretty = json.dumps(document, indent=2).encode()
    serve_blobs(server, [pretty])
    serve_links(server, "/orgs/acme/copilot/metrics/reports/organization-28-day/latest", lambda n: Response(
        json.dumps({"download_links": [signed(server, "part-1")], "report_start_day": "2026-10-24",
                    "report_end_day": "2026-11-20"})))
    download = fetch_latest_28_day(http, ORG, "aggregate", tmp_path)
    assert download is not None
    with download:
        assert (download.report, download.day, download.start_day, download.window_days) == (
            Report.AGGREGATE, DAY, dt.date(2026, 10, 24), 28)
        assert list(download.iter_records()) == [document]
        assert download.malformed == []


def test_latest_28_day_users_for_an_enterprise(server: HTTPServer, http: GitHubHttp, tmp_path: Path) -> None:
    serve_blobs(server, [PARTS[0]])
    serve_links(server, "/enterprises/big-co/copilot/metrics/reports/users-28-day/latest", lambda n: Response(
        json.dumps({"download_links": [signed(server, "part-1")], "report_start_day": "2026-10-24",
                    "report_end_day": "2026-11-20"})))
    download = fetch_latest_28_day(http, ENT, "users", tmp_path)
    assert download is not None
    with download:
        assert download.report is Report.USERS
        assert len(list(download.iter_records())) == 2


def test_latest_28_day_without_end_day_is_refused(server: HTTPServer, http: GitHubHttp, tmp_path: Path) -> None:
    serve_blobs(server, [PARTS[0]])
    serve_links(server, "/orgs/acme/copilot/metrics/reports/users-28-day/latest", lambda n: Response(
        json.dumps({"download_links": [signed(server, "part-1")]})))
    with pytest.raises(GitHubError, match="report_end_day"):
        fetch_latest_28_day(http, ORG, "users", tmp_path)
    assert list(tmp_path.iterdir()) == []
