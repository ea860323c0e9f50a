"""The client factory against the run's real engine and a loopback proxy in front of it."""

from __future__ import annotations

import base64
import logging
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from elastic_transport import Urllib3HttpNode
from elasticsearch import ApiError, Elasticsearch, UnsupportedProductError

from copilot_usage.retry import ENGINE_REQUEST
from copilot_usage.settings import Settings
from copilot_usage.store.client import client_from_settings, make_client, normalise_url
from copilot_usage.store.compat import OpenSearchCompatNode, plain_media_type
from copilot_usage.store.errors import StoreError, StoreUnavailable
from tests.fixtures.engine import (
    Engine,
    EngineProxy,
    Forward,
    ProxyRequest,
    ProxyResponse,
    closed_port_url,
)

PASSWORD = "pw-Zq8!never-shown"
API_KEY = "a2V5LWlkOmtleS1zZWNyZXQtbmV2ZXItc2hvd24="


def node_of(es: Elasticsearch) -> Urllib3HttpNode:
    (node,) = es.transport.node_pool.all()
    assert isinstance(node, Urllib3HttpNode)  # the compat node is one too
    return node


def test_plain_media_type_rewrites_vendor_types_only() -> None:
    assert plain_media_type("application/vnd.elasticsearch+json; compatible-with=8") == "application/json"
    assert plain_media_type("application/vnd.elasticsearch+x-ndjson; compatible-with=8") == "application/x-ndjson"
    assert plain_media_type("application/vnd.elasticsearch+json;compatible-with=9") == "application/json"
    assert plain_media_type("application/json") == "application/json"
    assert plain_media_type("text/plain") == "text/plain"


def test_auto_detection_matches_the_engine(engine_url: str, search_engine: Engine) -> None:
    """OpenSearch, osmem and Elasticsearch before 8 get the plain-JSON node; Elasticsearch 8 the client's own."""
    es = make_client(engine_url, compat="auto")
    version = es.info()["version"]
    plain_json = search_engine.kind != "elasticsearch" or int(search_engine.version.split(".")[0]) < 8
    assert isinstance(node_of(es), OpenSearchCompatNode) is plain_json
    expected = "elasticsearch" if search_engine.kind == "elasticsearch" else "opensearch"
    assert version.get("distribution", "elasticsearch") == expected
    if search_engine.real:
        assert version["number"] == search_engine.version


def test_compat_node_sends_plain_types_and_index_bulk_search_work(engine_proxy: EngineProxy) -> None:
    es = make_client(engine_proxy.url)
    assert len(engine_proxy.seen("/", "GET")) == 1  # the single detection request
    es.index(index="things", id="1", document={"n": 1})
    es.bulk(operations=[{"index": {"_index": "things", "_id": "2"}}, {"n": 2}], refresh=True)
    hits = es.search(index="things", query={"range": {"n": {"gte": 1}}})["hits"]["hits"]
    assert sorted(h["_id"] for h in hits) == ["1", "2"]

    wire = engine_proxy.requests
    assert [r.headers["content-type"] for r in wire if r.path.startswith("/things/_doc")] == ["application/json"]
    assert [r.headers["content-type"] for r in wire if r.path.startswith("/_bulk")] == ["application/x-ndjson"]
    assert all("vnd.elasticsearch" not in r.headers.get("accept", "") for r in wire)


def test_explicit_compat_skips_detection(engine_proxy: EngineProxy) -> None:
    es = make_client(engine_proxy.url, compat="opensearch")
    assert isinstance(node_of(es), OpenSearchCompatNode)
    plain = make_client(engine_proxy.url, compat="elasticsearch")
    assert type(node_of(plain)) is Urllib3HttpNode
    assert engine_proxy.requests == []
    # Why the node exists: the client's versioned media types are refused by OpenSearch-compatible engines.
    with pytest.raises(ApiError) as refused:
        plain.index(index="things", id="1", document={"n": 1})
    assert refused.value.meta.status == 406
    assert es.index(index="things", id="1", document={"n": 1})["result"] == "created"


def test_auto_keeps_the_default_node_for_elasticsearch(engine_proxy: EngineProxy) -> None:
    def pretend_elasticsearch(request: ProxyRequest, forward: Forward) -> ProxyResponse:
        if request.method == "GET" and request.path == "/":
            return ProxyResponse.of_json(200, {"version": {"number": "8.19.3", "build_flavor": "default"},
                                               "tagline": "You Know, for Search"})
        return forward(request)

    engine_proxy.handler = pretend_elasticsearch
    es = make_client(engine_proxy.url)
    assert type(node_of(es)) is Urllib3HttpNode


def test_auto_falls_back_to_plain_types_when_get_root_is_forbidden(engine_proxy: EngineProxy) -> None:
    def no_monitor_privilege(request: ProxyRequest, forward: Forward) -> ProxyResponse:
        if request.method == "GET" and request.path == "/":
            return ProxyResponse.of_json(403, {"error": {"type": "security_exception",
                                                         "reason": "action [cluster:monitor/main] is unauthorized"},
                                               "status": 403})
        return forward(request)

    engine_proxy.handler = no_monitor_privilege
    es = make_client(engine_proxy.url, username="writer", password=PASSWORD)
    assert isinstance(node_of(es), OpenSearchCompatNode)
    assert es.index(index="things", id="1", document={"n": 1})["result"] == "created"


def test_opensearch_mode_tolerates_a_missing_product_header(engine_proxy: EngineProxy) -> None:
    def like_real_opensearch(request: ProxyRequest, forward: Forward) -> ProxyResponse:
        response = forward(request)
        response.headers.pop("x-elastic-product", None)
        return response

    engine_proxy.handler = like_real_opensearch
    es = make_client(engine_proxy.url)
    assert isinstance(node_of(es), OpenSearchCompatNode)
    assert es.index(index="things", id="1", document={"n": 1})["result"] == "created"
    with pytest.raises(UnsupportedProductError):
        make_client(engine_proxy.url, compat="elasticsearch").info()


def test_url_with_credentials_is_refused_without_echoing_them() -> None:
    with pytest.raises(ValueError, match="ELASTICSEARCH_USERNAME") as refused:
        make_client(f"https://writer:{PASSWORD}@es.example.internal:9200", compat="opensearch")
    assert PASSWORD not in str(refused.value)
    assert "writer" not in str(refused.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"compat": "solr"}, "compat must be one of"),
        ({"username": "writer"}, "username and password"),
        ({"password": PASSWORD}, "username and password"),
        ({"username": "writer", "password": PASSWORD, "api_key": API_KEY}, "not both"),
        ({"request_timeout": 0}, "request_timeout"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message) as refused:
        make_client("http://127.0.0.1:9200", **kwargs)  # type: ignore[arg-type]
    assert PASSWORD not in str(refused.value)


def test_url_normalisation() -> None:
    assert normalise_url("https://es.internal.example") == "https://es.internal.example:443"
    assert normalise_url("http://es.internal.example/") == "http://es.internal.example:80"
    assert normalise_url("http://127.0.0.1:9200/prefix/") == "http://127.0.0.1:9200/prefix"
    for bad in ("ftp://host:21", "127.0.0.1:9200", "http://host:9200/?token=abc"):
        with pytest.raises(ValueError, match="Elasticsearch URL") as refused:
            normalise_url(bad)
        assert "token=abc" not in str(refused.value)
    node = node_of(make_client("https://es.internal.example", compat="opensearch"))
    assert (node.config.scheme, node.config.port) == ("https", 443)


def test_credentials_are_sent_but_never_shown(engine_proxy: EngineProxy, caplog: pytest.LogCaptureFixture) -> None:
    def refuse_everyone(request: ProxyRequest, forward: Forward) -> ProxyResponse:
        return ProxyResponse.of_json(401, {"error": {"type": "security_exception",
                                                     "reason": "unable to authenticate user [writer]"},
                                           "status": 401})

    engine_proxy.handler = refuse_everyone
    caplog.set_level(logging.DEBUG)
    with pytest.raises(StoreError, match="ELASTICSEARCH_USERNAME") as refused:
        make_client(engine_proxy.url, username="writer", password=PASSWORD)
    expected = "Basic " + base64.b64encode(f"writer:{PASSWORD}".encode()).decode()
    assert {r.headers.get("authorization") for r in engine_proxy.requests} == {expected}
    assert PASSWORD not in str(refused.value)
    assert "401" in str(refused.value)
    assert not isinstance(refused.value, StoreUnavailable)

    with pytest.raises(StoreError):
        make_client(engine_proxy.url, api_key=API_KEY)
    assert engine_proxy.requests[-1].headers.get("authorization") == f"ApiKey {API_KEY}"

    es = make_client(engine_proxy.url, username="writer", password=PASSWORD, compat="opensearch")
    assert PASSWORD not in repr(es)
    logged = caplog.text
    assert PASSWORD not in logged
    assert API_KEY not in logged
    assert base64.b64encode(f"writer:{PASSWORD}".encode()).decode() not in logged


def test_settings_credentials_reach_the_engine(engine_proxy: EngineProxy) -> None:
    settings = Settings.from_env({
        "ORGANIZATION_SLUGS": "octo-org",
        "GITHUB_PAT": "ghp_example",
        "ELASTICSEARCH_URL": engine_proxy.url,
        "ELASTICSEARCH_USERNAME": "writer",
        "ELASTICSEARCH_PASSWORD": PASSWORD,
        "ELASTICSEARCH_COMPAT": "auto",
    })
    es = client_from_settings(settings.store)
    assert isinstance(node_of(es), OpenSearchCompatNode)
    expected = "Basic " + base64.b64encode(f"writer:{PASSWORD}".encode()).decode()
    assert engine_proxy.requests[0].headers["authorization"] == expected


def test_engine_down_is_store_unavailable() -> None:
    url = closed_port_url()
    with pytest.raises(StoreUnavailable, match="cannot reach") as down:
        make_client(url)
    assert url.rsplit(":", 1)[1] in str(down.value)


def test_busy_statuses_are_retried_by_the_transport(engine_proxy: EngineProxy) -> None:
    answered: list[int] = []

    def busy_twice(request: ProxyRequest, forward: Forward) -> ProxyResponse:
        if len(answered) < 2:
            answered.append(503)
            return ProxyResponse.of_json(503, {"error": "unavailable"})
        return forward(request)

    engine_proxy.handler = busy_twice
    es = make_client(engine_proxy.url)
    assert isinstance(node_of(es), OpenSearchCompatNode)
    assert len(engine_proxy.seen("/", "GET")) == 3

    engine_proxy.handler = lambda request, forward: ProxyResponse.of_json(429, {"error": "too many requests"})
    before = len(engine_proxy.requests)
    with pytest.raises(StoreUnavailable, match="429"):
        make_client(engine_proxy.url)
    assert len(engine_proxy.requests) - before == ENGINE_REQUEST.attempts == 4  # one try and three retries


@pytest.fixture
def tls_proxy(engine_url: str, tmp_path: Path) -> Iterator[tuple[EngineProxy, str]]:
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    proxy = EngineProxy(engine_url, ssl_context=server_context)
    yield proxy, str(ca_file)
    proxy.close()


def test_tls_is_verified_against_the_given_bundle(tls_proxy: tuple[EngineProxy, str]) -> None:
    proxy, ca_file = tls_proxy
    assert proxy.url.startswith("https://")
    es = make_client(proxy.url, ca_certs=ca_file, username="writer", password=PASSWORD)
    assert es.index(index="things", id="1", document={"n": 1})["result"] == "created"
    assert proxy.requests[-1].headers["authorization"].startswith("Basic ")

    with pytest.raises(StoreError, match="ELASTICSEARCH_CA_CERTS") as untrusted:
        make_client(proxy.url, username="writer", password=PASSWORD)
    assert PASSWORD not in str(untrusted.value)
