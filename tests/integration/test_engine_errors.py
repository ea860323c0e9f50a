"""Commands that only talk to the engine say in one line what is wrong with it, and exit non-zero.

Two engines that cannot serve us: nothing listening (unreachable), and a loopback server answering every
request 401 (refusing, as a secured engine does for a wrong password). No traceback may reach the user, and
the password never appears.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from copilot_usage.cli import main

PASSWORD = "s3cret-engine-password"  # a test value that must never be printed


class _Refusing(BaseHTTPRequestHandler):
    def _refuse(self) -> None:
        body = json.dumps({"error": {"type": "security_exception", "reason": "unable to authenticate"},
                           "status": 401}).encode()
        self.send_response(401)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _refuse

    def log_message(self, *args: object) -> None:  # keep the test output quiet
        pass


@pytest.fixture
def refusing_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def unreachable_url() -> str:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def aggregate_file(tmp_path: Path) -> Path:
    path = tmp_path / "aggregate.json"
    path.write_text(json.dumps({"day": "2026-11-01", "organization_id": "1", "daily_active_users": 3}))
    return path


def _commands(file: Path) -> dict[str, list[str]]:
    return {
        "status": ["status"],
        "report": ["report"],
        "import": ["import", str(file), "--scope", "org:acme"],
    }


@pytest.mark.parametrize("command", ["status", "report", "import"])
@pytest.mark.parametrize(("engine", "expected"), [("unreachable_url", "cannot reach the search engine"),
                                                  ("refusing_url", "refused")])
def test_an_engine_that_cannot_serve_us_is_one_clear_line(command, engine, expected, request, monkeypatch,
                                                           capsys, aggregate_file):
    url = request.getfixturevalue(engine)
    for name in ("GITHUB_PAT", "GH_PAT", "ORGANIZATION_SLUGS", "ENTERPRISE_SLUGS", "KEY_VAULT_URI", "GITHUB_APP_ID",
                 "ELASTICSEARCH_COMPAT", "ELASTICSEARCH_API_KEY"):
        monkeypatch.delenv(name, raising=False)  # these commands must not need a GitHub credential or a scope
    monkeypatch.setenv("ELASTICSEARCH_URL", url)
    monkeypatch.setenv("ELASTICSEARCH_USERNAME", "copilot_writer")
    monkeypatch.setenv("ELASTICSEARCH_PASSWORD", PASSWORD)
    monkeypatch.setenv("HTTP_TIMEOUT_SECONDS", "2")

    code = main(_commands(aggregate_file)[command])

    out, err = capsys.readouterr()
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("elasticsearch: ")
    assert expected in lines[0]
    assert url.removeprefix("http://") in lines[0]  # it names the engine it tried
    assert "Traceback" not in err
    assert PASSWORD not in out + err


def test_cleanup_and_adoption_calls_are_translated_too(unreachable_url, refusing_url):
    """The adoption refresh and the stale-document cleanup used to call the client bare, so an engine
    failure escaped as the client's own exception instead of a StoreError the run records and stops on."""
    import datetime as dt

    from copilot_usage.model import Scope, ScopeType
    from copilot_usage.store.adoption import latest_user_day
    from copilot_usage.store.cleanup import delete_stale
    from copilot_usage.store.client import make_client
    from copilot_usage.store.errors import StoreError, StoreUnavailable

    scope = Scope(ScopeType.ORGANIZATION, "acme")
    day = dt.date(2026, 11, 1)
    for url, error in ((unreachable_url, StoreUnavailable), (refusing_url, StoreError)):
        es = make_client(url, compat="elasticsearch", request_timeout=2)
        with pytest.raises(error):
            delete_stale(es, "copilot_", "user_daily", scope, day, {"a"})
        with pytest.raises(error):
            latest_user_day(es, "copilot_", scope)  # refresh_adoption reads this first
