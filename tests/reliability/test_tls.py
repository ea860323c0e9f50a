"""TLS to the engine with a custom CA bundle: verification stays on, and ELASTICSEARCH_CA_CERTS makes it pass.

The engine is reached through an HTTPS proxy on loopback whose certificate is issued by a private CA
(trustme). The run builds its client from the settings, as the Function does.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from copilot_usage.schema import indices as ix
from copilot_usage.simulator import SimulatorServer
from tests.fixtures.engine import EngineProxy
from tests.reliability.harness import NOW, collect, differences, harness_world, settings_for, snapshot

PREFIX = "tls_"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_proxy(ca: trustme.CA, engine_url: str) -> Iterator[EngineProxy]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    proxy = EngineProxy(engine_url, ssl_context=context)
    yield proxy
    proxy.close()


@pytest.fixture
def ca_bundle(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "private-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def test_a_private_ca_bundle_lets_the_run_verify_the_engine(tls_proxy, ca_bundle, es, expected):
    assert tls_proxy.url.startswith("https://")
    with SimulatorServer(harness_world()) as server:
        settings = settings_for(server.url, tls_proxy.url, PREFIX, ELASTICSEARCH_CA_CERTS=ca_bundle)
        summary = collect(settings, None, NOW)  # no client given: run() builds it from the settings
    assert summary.ok, summary.errors
    assert summary.stopped is None
    assert tls_proxy.seen("/_bulk")  # the documents really went through the TLS proxy
    assert differences(expected, snapshot(es, PREFIX)) == []


@pytest.mark.parametrize("bundle", ["none", "another CA"])
def test_without_the_right_ca_the_run_stops_with_a_clear_tls_error_and_writes_nothing(
        bundle, tls_proxy, tmp_path, es):
    env = {}
    if bundle == "another CA":
        path = tmp_path / "other-ca.pem"
        trustme.CA().cert_pem.write_to_path(str(path))
        env["ELASTICSEARCH_CA_CERTS"] = str(path)
    with SimulatorServer(harness_world()) as server:
        settings = settings_for(server.url, tls_proxy.url, PREFIX, **env)
        summary = collect(settings, None, NOW)
        assert server.stats()["total"] == 0  # stopped before asking GitHub for anything
    assert summary.stopped == "store"
    assert not summary.ok
    assert len(summary.errors) == 1
    error = summary.errors[0]
    assert "certificate" in error.lower(), error
    assert "ELASTICSEARCH_CA_CERTS" in error, error  # names the setting that fixes it
    assert tls_proxy.requests == []  # no request got past the handshake
    assert not es.indices.exists(index=ix.INGESTION_LOG.name(PREFIX))
    assert es.indices.get(index=f"{PREFIX}*") == {}  # no index, no template applied, nothing written
