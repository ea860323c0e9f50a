"""elasticsearch/bootstrap-users.sh (bash + curl, as in the image) against a loopback HTTP server that
speaks the three Elasticsearch security endpoints it uses. No Elasticsearch can run here (no Docker, no
download), so the server plays the node: not ready at first, then authenticating `elastic`, storing
roles and users."""

from __future__ import annotations

import base64
import json
import os
import re
import socket
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug import Request, Response

from tests.infra.tools import REPO, run

SCRIPT = REPO / "elasticsearch" / "bootstrap-users.sh"
ELASTIC = 'el@stic"pass\\word:1'  # quote, backslash and colon: every escaping path is exercised
WRITER = "writer-Passw0rd-0123456789abcdef"
READER = 'reader"Passw0rd\\0123456789'


@dataclass
class FakeNode:
    elastic_password: str = ELASTIC
    not_ready: int = 0  # how many more requests answer 503 before the node is up
    fail_put: str | None = None  # path prefix whose PUT answers 400
    requests: list[tuple[str, str]] = field(default_factory=list)
    roles: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)

    def handle(self, request: Request) -> Response:
        self.requests.append((request.method, request.path))
        if self.not_ready > 0:
            self.not_ready -= 1
            return Response('{"error":"not ready"}', status=503, content_type="application/json")
        expected = "Basic " + base64.b64encode(f"elastic:{self.elastic_password}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return Response('{"error":"unauthorized"}', status=401, content_type="application/json")
        if request.method == "GET" and request.path == "/_security/_authenticate":
            return Response('{"username":"elastic"}', content_type="application/json")
        if request.method == "PUT" and self.fail_put and request.path.startswith(self.fail_put):
            body = {"error": {"type": "illegal_argument_exception", "reason": "unknown privilege [bogus]"}}
            return Response(json.dumps(body), status=400, content_type="application/json")
        match = re.fullmatch(r"/_security/(role|user)/([a-z_]+)", request.path)
        if request.method == "PUT" and match:
            assert request.headers.get("Content-Type") == "application/json"
            store = self.roles if match.group(1) == "role" else self.users
            store[match.group(2)] = json.loads(request.get_data())
            return Response('{"created":true}', content_type="application/json")
        return Response('{"error":"no handler"}', status=404, content_type="application/json")


@pytest.fixture
def node(httpserver) -> FakeNode:  # type: ignore[no-untyped-def]
    fake = FakeNode()
    httpserver.expect_request(re.compile(r"/.*")).respond_with_handler(fake.handle)
    return fake


def bootstrap(url: str, **overrides: str) -> tuple[int, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ES_LOCAL_URL": url,
        "ELASTIC_PASSWORD": ELASTIC,
        "COPILOT_WRITER_PASSWORD": WRITER,
        "GRAFANA_READER_PASSWORD": READER,
        "INDEX_PREFIX": "copilot_",
        "BOOTSTRAP_TIMEOUT_SECONDS": "30",
        "BOOTSTRAP_RETRY_SECONDS": "0.01",
        **overrides,
    }
    result = run(["bash", SCRIPT], env=env, timeout=30)
    output = result.stdout + result.stderr
    for secret in (ELASTIC, WRITER, READER):
        assert secret not in output
    return result.returncode, output


def url_of(httpserver) -> str:  # type: ignore[no-untyped-def]
    return httpserver.url_for("").rstrip("/")


def test_waits_for_the_node_then_creates_least_privilege_roles_and_users(node: FakeNode, httpserver) -> None:  # type: ignore[no-untyped-def]
    node.not_ready = 3
    code, output = bootstrap(url_of(httpserver))
    assert code == 0, output
    assert node.requests[:4] == [("GET", "/_security/_authenticate")] * 4
    assert node.roles["copilot_writer"] == {
        "cluster": ["monitor", "manage_index_templates"],
        "indices": [{"names": ["copilot_*"],
                     "privileges": ["create_index", "write", "manage", "view_index_metadata", "read"]}],
    }
    assert node.roles["grafana_reader"] == {
        "cluster": ["monitor"],
        "indices": [{"names": ["copilot_*"], "privileges": ["read", "view_index_metadata"]}],
    }
    assert node.users["copilot_writer"]["password"] == WRITER
    assert node.users["copilot_writer"]["roles"] == ["copilot_writer"]
    assert node.users["grafana_reader"]["password"] == READER
    assert node.users["grafana_reader"]["roles"] == ["grafana_reader"]
    assert "copilot_writer and grafana_reader are ready" in output


def test_running_again_changes_nothing(node: FakeNode, httpserver) -> None:  # type: ignore[no-untyped-def]
    assert bootstrap(url_of(httpserver))[0] == 0
    first = (dict(node.roles), dict(node.users), list(node.requests))
    node.requests.clear()
    assert bootstrap(url_of(httpserver))[0] == 0
    assert (node.roles, node.users, node.requests) == first


def test_the_index_prefix_limits_both_roles(node: FakeNode, httpserver) -> None:  # type: ignore[no-untyped-def]
    code, _ = bootstrap(url_of(httpserver), INDEX_PREFIX="acme-metrics_")
    assert code == 0
    for role in node.roles.values():
        assert role["indices"][0]["names"] == ["acme-metrics_*"]


def test_a_steady_401_means_the_elastic_password_changed(node: FakeNode, httpserver) -> None:  # type: ignore[no-untyped-def]
    node.elastic_password = "the-password-the-node-was-first-started-with"
    code, output = bootstrap(url_of(httpserver))
    assert code == 1
    assert "rejects the elastic password" in output
    assert "_security/user/elastic/_password" in output
    assert not node.roles
    assert not node.users


def test_gives_up_when_the_node_never_comes_up(node: FakeNode, httpserver) -> None:  # type: ignore[no-untyped-def]
    node.not_ready = 10_000
    code, output = bootstrap(url_of(httpserver), BOOTSTRAP_TIMEOUT_SECONDS="0")
    assert code == 1
    assert "did not become ready within 0s (last HTTP status 503)" in output


def test_nothing_listening_is_status_000() -> None:
    with socket.socket() as probe:  # a free port: bound, then released before the script connects
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, output = bootstrap(f"http://127.0.0.1:{port}", BOOTSTRAP_TIMEOUT_SECONDS="0")
    assert code == 1
    assert "last HTTP status 000" in output


def test_a_refused_role_stops_with_the_reason(node: FakeNode, httpserver) -> None:  # type: ignore[no-untyped-def]
    node.fail_put = "/_security/role/grafana_reader"
    code, output = bootstrap(url_of(httpserver))
    assert code == 1
    assert "role grafana_reader: HTTP 400" in output
    assert "unknown privilege [bogus]" in output
    assert "copilot_writer" in node.roles
    assert not node.users


@pytest.mark.parametrize(("overrides", "message"), [
    ({"INDEX_PREFIX": 'x"],"names":["*'}, "INDEX_PREFIX must be lowercase"),
    ({"COPILOT_WRITER_PASSWORD": ""}, "COPILOT_WRITER_PASSWORD is not set"),
    ({"GRAFANA_READER_PASSWORD": "line\nbreak-0123456789"}, "GRAFANA_READER_PASSWORD contains control characters"),
    ({"BOOTSTRAP_TIMEOUT_SECONDS": "soon"}, "BOOTSTRAP_TIMEOUT_SECONDS must be a whole number"),
])
def test_bad_input_is_refused_before_any_request(
    node: FakeNode, httpserver, overrides: dict[str, str], message: str,  # type: ignore[no-untyped-def]
) -> None:
    code, output = bootstrap(url_of(httpserver), **overrides)
    assert code == 1
    assert message in output
    assert node.requests == []
