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
    repositories: dict[str, Any] = field(default_factory=dict)
    policies: dict[str, Any] = field(default_factory=dict)

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
        snapshot = re.fullmatch(r"/_(snapshot|slm/policy)/([a-z0-9_-]+)", request.path)
        if request.method == "PUT" and snapshot:
            store = self.repositories if snapshot.group(1) == "snapshot" else self.policies
            store[snapshot.group(2)] = json.loads(request.get_data())
            return Response('{"acknowledged":true}', content_type="application/json")
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


# --- snapshots: repository-azure + snapshot lifecycle management (issue 16) ----------------------------

SNAPSHOTS = {"SNAPSHOT_ACCOUNT": "stbakabc123", "SNAPSHOT_CONTAINER": "es-snapshots"}


def test_without_a_snapshot_account_no_backup_is_configured(node: FakeNode, httpserver) -> None:  # type: ignore[no-untyped-def]
    code, output = bootstrap(url_of(httpserver))
    assert code == 0, output
    assert not node.repositories
    assert not node.policies
    assert "snapshots are not configured" in output


def test_the_repository_and_the_daily_policy_are_created(node: FakeNode, httpserver) -> None:  # type: ignore[no-untyped-def]
    code, output = bootstrap(url_of(httpserver), **SNAPSHOTS)
    assert code == 0, output
    # Users first: a repository problem must never keep the collector and Grafana locked out.
    paths = [path for method, path in node.requests if method == "PUT"]
    assert paths.index("/_security/user/grafana_reader") < paths.index("/_snapshot/azure-backups")
    # No key or SAS token: the node authenticates with its managed identity (AZURE_CLIENT_ID).
    assert node.repositories["azure-backups"] == {
        "type": "azure",
        "settings": {"client": "default", "container": "es-snapshots", "base_path": "copilot-usage", "compress": True},
    }
    policy = node.policies["copilot-usage-daily"]
    assert policy["repository"] == "azure-backups"
    assert policy["schedule"] == "0 30 1 * * ?"
    assert policy["name"] == "<copilot-usage-{now/d}>"
    assert policy["config"] == {"indices": ["copilot_*"], "include_global_state": False, "ignore_unavailable": True}
    assert policy["retention"] == {"expire_after": "30d", "min_count": 7, "max_count": 60}
    assert "kept 30 days" in output


def test_schedule_and_retention_are_configurable(node: FakeNode, httpserver) -> None:  # type: ignore[no-untyped-def]
    code, output = bootstrap(url_of(httpserver), **SNAPSHOTS, SNAPSHOT_SCHEDULE="0 0 */6 * * ?",
                             SNAPSHOT_RETENTION_DAYS="90", SNAPSHOT_MIN_COUNT="3", SNAPSHOT_MAX_COUNT="400",
                             SNAPSHOT_REPOSITORY="nightly", INDEX_PREFIX="acme_")
    assert code == 0, output
    policy = node.policies["copilot-usage-daily"]
    assert policy["schedule"] == "0 0 */6 * * ?"
    assert policy["repository"] == "nightly"
    assert policy["retention"] == {"expire_after": "90d", "min_count": 3, "max_count": 400}
    assert policy["config"]["indices"] == ["acme_*"]
    assert "nightly" in node.repositories


def test_a_refused_repository_is_reported_after_the_users_exist(node: FakeNode, httpserver) -> None:  # type: ignore[no-untyped-def]
    node.fail_put = "/_snapshot/"
    code, output = bootstrap(url_of(httpserver), **SNAPSHOTS)
    assert code == 1
    assert "snapshot repository azure-backups: HTTP 400" in output
    assert set(node.users) == {"copilot_writer", "grafana_reader"}
    assert not node.policies


@pytest.mark.parametrize(("overrides", "message"), [
    ({"SNAPSHOT_ACCOUNT": "Bad_Account"}, "SNAPSHOT_ACCOUNT must be a storage account name"),
    ({"SNAPSHOT_CONTAINER": 'x"}'}, "SNAPSHOT_CONTAINER must be a blob container name"),
    ({"SNAPSHOT_SCHEDULE": '0 30 1 * * ?"}'}, "SNAPSHOT_SCHEDULE must be a cron expression"),
    ({"SNAPSHOT_RETENTION_DAYS": "30d"}, "SNAPSHOT_RETENTION_DAYS must be a whole number"),
    ({"SNAPSHOT_MIN_COUNT": "9", "SNAPSHOT_MAX_COUNT": "5"}, "SNAPSHOT_MIN_COUNT must not exceed SNAPSHOT_MAX_COUNT"),
])
def test_bad_snapshot_settings_are_refused_before_any_request(
    node: FakeNode, httpserver, overrides: dict[str, str], message: str,  # type: ignore[no-untyped-def]
) -> None:
    code, output = bootstrap(url_of(httpserver), **{**SNAPSHOTS, **overrides})
    assert code == 1
    assert message in output
    assert node.requests == []


def test_the_entrypoint_puts_the_account_into_the_keystore(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """entrypoint.sh with stand-ins for the keystore tool, the bootstrap and the stock entrypoint."""
    log = tmp_path / "calls"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    keystore = bin_dir / "elasticsearch-keystore"
    keystore.write_text(f'#!/bin/sh\nprintf "%s|%s\\n" "$*" "$(cat)" >> {log}\n')
    keystore.chmod(0o755)
    script = (REPO / "elasticsearch" / "entrypoint.sh").read_text()
    script = script.replace("/usr/local/bin/bootstrap-users.sh &", "true &")
    script = script.replace("exec /usr/local/bin/docker-entrypoint.sh", "exec echo started")
    entry = tmp_path / "entrypoint.sh"
    entry.write_text(script)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ES_KEYSTORE_TOOL": str(keystore),
           "ES_PATH_CONF": str(tmp_path / "config"), "SNAPSHOT_ACCOUNT": "stbakabc123"}
    result = run(["bash", entry, "eswrapper"], env=env, timeout=20)
    assert result.returncode == 0, result.stderr
    assert "started eswrapper" in result.stdout
    calls = log.read_text().splitlines()
    assert calls[0].startswith("create|")
    assert calls[-1] == "add --stdin --force azure.client.default.account|stbakabc123"
    # Without an account the keystore is not touched.
    log.write_text("")
    result = run(["bash", entry, "eswrapper"], env={**env, "SNAPSHOT_ACCOUNT": ""}, timeout=20)
    assert result.returncode == 0, result.stderr
    assert log.read_text() == ""
