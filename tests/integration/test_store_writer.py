"""BulkWriter against the run's real engine, observed and disturbed by a loopback proxy.

Busy answers are retried by the writer under BULK_WRITE and by no other layer; failed connections by the
client's transport (ENGINE_REQUEST) alone. Sleeps are injected: `LONGEST` makes every backoff its ceiling,
so the waits compare exactly.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
from elasticsearch import ApiError, Elasticsearch

from copilot_usage.retry import BULK_WRITE, ENGINE_REQUEST
from copilot_usage.schema.indices import INGESTION_LOG, KEYWORD, LONG, TEXT, Doc, IndexDef
from copilot_usage.store.client import make_client
from copilot_usage.store.errors import StoreBlocked, StoreError, StoreUnavailable
from copilot_usage.store.templates import ensure_indices
from copilot_usage.store.writer import REASON_LIMIT, BulkWriter, ItemError, WriteResult
from tests.fixtures.engine import (
    DropConnection,
    EngineProxy,
    Forward,
    Handler,
    ProxyRequest,
    ProxyResponse,
    closed_port_url,
    stored_count,
)

WIDGETS = IndexDef(
    key="widgets",
    id_fields=("scope", "day", "n"),
    properties={"n": LONG, "name": KEYWORD, "notes": TEXT},
    description="test index for the writer",
)


def widget(n: int, **extra: object) -> Doc:
    source = {"day": "2026-01-01", "scope_type": "organization", "scope": "octo-org", "n": n,
              "name": f"w{n}", "notes": "x" * (n % 50), **extra}
    return Doc(WIDGETS, source)


# The bulk policy with each backoff at its ceiling (1, 2, 4, 8 s): jitter made predictable.
LONGEST = BULK_WRITE.using(rand=lambda: 1.0)
CEILINGS = [BULK_WRITE.ceiling(n) for n in range(1, BULK_WRITE.attempts)]


def bulk_bodies(proxy: EngineProxy) -> list[bytes]:
    return [r.body for r in proxy.seen("/_bulk")]


def docs_in(body: bytes) -> int:
    return len([line for line in body.splitlines() if line.strip()]) // 2


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def proxied(engine_proxy: EngineProxy, prefix: str) -> Iterator[Elasticsearch]:
    es = make_client(engine_proxy.url)
    ensure_indices(es, prefix, [WIDGETS, INGESTION_LOG])
    engine_proxy.requests.clear()
    yield es
    es.close()


def test_chunks_respect_max_docs(proxied: Elasticsearch, engine_proxy: EngineProxy, prefix: str) -> None:
    result = BulkWriter(proxied, prefix, max_docs=500).write(widget(n) for n in range(2500))
    assert [docs_in(b) for b in bulk_bodies(engine_proxy)] == [500] * 5
    assert (result.written, result.created, result.updated, result.errors) == (2500, 2500, 0, [])
    assert result.per_index == {WIDGETS.name(prefix): 2500}
    assert result.requests == 5
    assert stored_count(proxied, WIDGETS.name(prefix)) == 2500


def test_chunks_respect_max_bytes(proxied: Elasticsearch, engine_proxy: EngineProxy, prefix: str) -> None:
    max_bytes = 40_000
    result = BulkWriter(proxied, prefix, max_docs=10_000, max_bytes=max_bytes).write(widget(n) for n in range(2500))
    bodies = bulk_bodies(engine_proxy)
    assert len(bodies) > 1
    assert all(len(b) <= max_bytes for b in bodies)
    # Greedy: no request could have taken the next request's first document.
    for body, following in itertools.pairwise(bodies):
        first_doc = b"".join(following.splitlines(keepends=True)[:2])
        assert len(body) + len(first_doc) > max_bytes
    assert sum(docs_in(b) for b in bodies) == 2500
    assert result.written == 2500
    assert stored_count(proxied, WIDGETS.name(prefix)) == 2500


def test_write_streams_one_chunk_at_a_time(proxied: Elasticsearch, engine_proxy: EngineProxy, prefix: str) -> None:
    pulled: list[int] = []
    pulled_when_sent: list[int] = []

    def source() -> Iterator[Doc]:
        for n in range(1000):
            pulled.append(n)
            yield widget(n)

    def observe(request: ProxyRequest, forward: Forward) -> ProxyResponse:
        if request.path.startswith("/_bulk"):
            pulled_when_sent.append(len(pulled))
        return forward(request)

    engine_proxy.handler = observe
    BulkWriter(proxied, prefix, max_docs=100).write(source())
    # Each request left after at most one document beyond its own chunk was read.
    assert pulled_when_sent == [101 + 100 * i for i in range(9)] + [1000]


def test_rewriting_the_same_ids_is_idempotent(es: Elasticsearch, prefix: str) -> None:
    ensure_indices(es, prefix, [WIDGETS])
    writer = BulkWriter(es, prefix, max_docs=120)
    first = writer.write(widget(n) for n in range(300))
    second = writer.write(widget(n) for n in range(300))
    assert (first.created, first.updated) == (300, 0)
    assert (second.written, second.created, second.updated) == (300, 0, 300)
    assert stored_count(es, WIDGETS.name(prefix)) == 300
    merged = first.merge(second)
    assert (merged.written, merged.per_index) == (600, {WIDGETS.name(prefix): 600})


def test_mapping_conflict_is_an_item_error_and_the_rest_land(es: Elasticsearch, prefix: str) -> None:
    ensure_indices(es, prefix, [WIDGETS])
    bad = Doc(WIDGETS, {"day": "2026-01-01", "scope_type": "organization", "scope": "octo-org",
                        "n": "secret-looking-value-9f3a"})
    docs = [widget(n) for n in range(5)] + [bad] + [widget(n) for n in range(5, 10)]
    result = BulkWriter(es, prefix).write(docs)
    assert result.written == 10
    (error,) = result.errors
    assert isinstance(error, ItemError)
    assert (error.index, error.doc_id, error.status, error.type) == (
        WIDGETS.name(prefix), bad.id, 400, "mapper_parsing_exception")
    assert "[n]" in error.reason
    assert "secret-looking-value-9f3a" not in error.reason  # never document content
    assert len(error.reason) <= REASON_LIMIT
    assert result.failed_ids() == {bad.id}
    assert not result.ok
    assert stored_count(es, WIDGETS.name(prefix)) == 10


def test_unencodable_record_is_set_aside(es: Elasticsearch, prefix: str) -> None:
    ensure_indices(es, prefix, [WIDGETS])
    nan = widget(1, score=float("nan"))
    odd = widget(2, blob=object())
    result = BulkWriter(es, prefix).write([widget(0), nan, odd, widget(3)])
    assert result.written == 2
    assert sorted((e.doc_id, e.status, e.type) for e in result.errors) == sorted(
        [(nan.id, 0, "serialization_error"), (odd.id, 0, "serialization_error")])
    assert all("object at 0x" not in e.reason for e in result.errors)
    assert stored_count(es, WIDGETS.name(prefix)) == 2


def reject_item(position: int, times: int) -> tuple[list[int], Handler]:
    """A handler that drops the document at `position` of the first `times` bulk requests and answers
    for it as a busy node does: status 429, es_rejected_execution_exception. The rest reach the engine."""
    rejected: list[int] = []

    def handler(request: ProxyRequest, forward: Forward) -> ProxyResponse:
        if not request.path.startswith("/_bulk") or len(rejected) >= times:
            return forward(request)
        lines = request.body.splitlines(keepends=True)
        action = json.loads(lines[2 * position])["index"]
        kept = lines[: 2 * position] + lines[2 * position + 2:]
        if kept:
            response = forward(ProxyRequest(request.method, request.path, request.headers, b"".join(kept)))
            body = response.json()
        else:
            body = {"errors": False, "items": []}
        body["errors"] = True
        body["items"].insert(position, {"index": {
            "_index": action["_index"], "_id": action["_id"], "status": 429,
            "error": {"type": "es_rejected_execution_exception", "reason": "rejected execution of bulk shard"}}})
        rejected.append(position)
        return ProxyResponse.of_json(200, body)

    return rejected, handler


def test_busy_item_is_retried_alone(proxied: Elasticsearch, engine_proxy: EngineProxy, prefix: str) -> None:
    rejected, engine_proxy.handler = reject_item(position=3, times=1)
    sleeps = Sleeps()
    docs = [widget(n) for n in range(10)]
    result = BulkWriter(proxied, prefix, retry=LONGEST, sleep=sleeps).write(docs)
    assert rejected == [3]
    assert [docs_in(b) for b in bulk_bodies(engine_proxy)] == [10, 1]
    assert json.loads(bulk_bodies(engine_proxy)[1].splitlines()[0])["index"]["_id"] == docs[3].id
    assert sleeps == [1.0]
    assert (result.written, result.created, result.retried, result.errors) == (10, 10, 1, [])
    assert result.requests == 2
    assert stored_count(proxied, WIDGETS.name(prefix)) == 10


def test_item_busy_every_time_becomes_an_error(proxied: Elasticsearch, engine_proxy: EngineProxy, prefix: str) -> None:
    rejected, engine_proxy.handler = reject_item(position=0, times=99)
    sleeps = Sleeps()
    docs = [widget(n) for n in range(4)]
    result = BulkWriter(proxied, prefix, retry=LONGEST, sleep=sleeps).write(docs)
    assert sleeps == CEILINGS == [1.0, 2.0, 4.0, 8.0]
    assert len(rejected) == BULK_WRITE.attempts
    assert result.written == 3
    (error,) = result.errors
    assert (error.doc_id, error.status, error.type) == (docs[0].id, 429, "es_rejected_execution_exception")
    assert stored_count(proxied, WIDGETS.name(prefix)) == 3


def test_whole_request_busy_is_retried_with_backoff(proxied: Elasticsearch, engine_proxy: EngineProxy,
                                                    prefix: str) -> None:
    answers: list[int] = []

    def busy_four_times(request: ProxyRequest, forward: Forward) -> ProxyResponse:
        if request.path.startswith("/_bulk") and len(answers) < 4:
            answers.append(429)
            return ProxyResponse.of_json(429, {"error": {"type": "es_rejected_execution_exception"}, "status": 429})
        return forward(request)

    engine_proxy.handler = busy_four_times
    sleeps = Sleeps()
    result = BulkWriter(proxied, prefix, retry=LONGEST, sleep=sleeps).write(widget(n) for n in range(20))
    # The writer alone retried, waiting before each try; the transport resent nothing on its own (it used
    # to try 4 times at once, then the writer waited once).
    assert len(bulk_bodies(engine_proxy)) == 5
    assert sleeps == [1.0, 2.0, 4.0, 8.0]
    assert (result.written, result.errors, result.retried, result.requests) == (20, [], 80, 5)


def test_engine_staying_busy_is_store_unavailable(proxied: Elasticsearch, engine_proxy: EngineProxy,
                                                  prefix: str) -> None:
    def always_busy(request: ProxyRequest, forward: Forward) -> ProxyResponse:
        if request.path.startswith("/_bulk"):
            return ProxyResponse.of_json(503, {"error": "unavailable"})
        return forward(request)

    engine_proxy.handler = always_busy
    sleeps = Sleeps()
    with pytest.raises(StoreUnavailable, match="busy for 3 bulk attempts") as down:
        BulkWriter(proxied, prefix, retry=replace(LONGEST, attempts=3), sleep=sleeps).write(widget(n) for n in range(5))
    assert sleeps == [1.0, 2.0]
    assert len(bulk_bodies(engine_proxy)) == 3
    assert down.value.partial is not None
    assert down.value.partial.written == 0


def test_a_503_is_sent_at_most_the_bulk_policy_attempts_in_all(proxied: Elasticsearch, engine_proxy: EngineProxy,
                                                                prefix: str) -> None:
    """The bound docs/architecture.md states: BULK_WRITE.attempts bulk requests for a 503, not that times the
    client's own retries (the client from make_client retries 503 on every other request)."""
    def always_503(request: ProxyRequest, forward: Forward) -> ProxyResponse:
        return ProxyResponse.of_json(503, {"error": {"type": "unavailable_shards_exception"}, "status": 503})

    engine_proxy.handler = always_503
    sleeps = Sleeps()
    with pytest.raises(StoreUnavailable, match=f"busy for {BULK_WRITE.attempts} bulk attempts"):
        BulkWriter(proxied, prefix, sleep=sleeps).write(widget(n) for n in range(5))
    assert len(bulk_bodies(engine_proxy)) == BULK_WRITE.attempts == 5
    assert len(sleeps) == BULK_WRITE.retries
    # Equal jitter: each wait between half its ceiling and the ceiling; 15 s at most in all.
    assert all(c / 2 <= s <= c for s, c in zip(sleeps, CEILINGS, strict=True))
    assert sum(sleeps) <= BULK_WRITE.worst_case_backoff() == 15.0

    # The same client's other requests: the transport's retries, at once, and only those.
    before = len(engine_proxy.requests)
    with pytest.raises(ApiError):
        proxied.count(index=WIDGETS.name(prefix))
    assert len(engine_proxy.requests) - before == ENGINE_REQUEST.attempts == 4
    assert len(sleeps) == BULK_WRITE.retries


def test_dropped_connections_are_retried_by_the_transport_alone(proxied: Elasticsearch, engine_proxy: EngineProxy,
                                                                 prefix: str) -> None:
    def drop(request: ProxyRequest, forward: Forward) -> ProxyResponse:
        raise DropConnection

    engine_proxy.handler = drop
    sleeps = Sleeps()
    with pytest.raises(StoreUnavailable, match="cannot reach") as down:
        BulkWriter(proxied, prefix, sleep=sleeps).write(widget(n) for n in range(5))
    assert len(bulk_bodies(engine_proxy)) == ENGINE_REQUEST.attempts
    assert sleeps == []  # the writer does not add attempts of its own
    assert down.value.partial is not None
    assert down.value.partial.written == 0


def test_busy_documents_are_retried_before_the_next_request_leaves(proxied: Elasticsearch,
                                                                   engine_proxy: EngineProxy, prefix: str) -> None:
    """Back-pressure: a busy engine gets the retry, after the wait, before any further documents."""
    rejected, engine_proxy.handler = reject_item(position=2, times=1)
    sleeps = Sleeps()
    docs = [widget(n) for n in range(15)]
    result = BulkWriter(proxied, prefix, max_docs=5, retry=LONGEST, sleep=sleeps).write(docs)
    bodies = bulk_bodies(engine_proxy)
    assert rejected == [2]
    assert [docs_in(b) for b in bodies] == [5, 1, 5, 5]
    assert json.loads(bodies[1].splitlines()[0])["index"]["_id"] == docs[2].id
    assert (result.written, result.retried, result.requests, result.errors) == (15, 1, 4, [])
    assert stored_count(proxied, WIDGETS.name(prefix)) == 15


def test_a_write_block_is_not_retried(proxied: Elasticsearch, engine_proxy: EngineProxy, prefix: str) -> None:
    def blocked(request: ProxyRequest, forward: Forward) -> ProxyResponse:
        if not request.path.startswith("/_bulk"):
            return forward(request)
        items = [{"index": {**json.loads(line)["index"], "status": 429, "error": {
            "type": "cluster_block_exception",
            "reason": "index [x] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark];"}}}
            for line in request.body.splitlines()[0::2]]
        return ProxyResponse.of_json(200, {"errors": True, "items": items})

    engine_proxy.handler = blocked
    sleeps = Sleeps()
    with pytest.raises(StoreBlocked, match="flood-stage"):
        BulkWriter(proxied, prefix, sleep=sleeps).write(widget(n) for n in range(5))
    assert len(bulk_bodies(engine_proxy)) == 1
    assert sleeps == []


def test_an_answer_missing_documents_is_a_store_error(proxied: Elasticsearch, engine_proxy: EngineProxy,
                                                      prefix: str) -> None:
    def lose_one(request: ProxyRequest, forward: Forward) -> ProxyResponse:
        response = forward(request)
        if not request.path.startswith("/_bulk"):
            return response
        body = response.json()
        body["items"] = body["items"][:-1]
        return ProxyResponse.of_json(200, body)

    engine_proxy.handler = lose_one
    with pytest.raises(StoreError, match="unanswered") as wrong:
        BulkWriter(proxied, prefix, max_docs=4).write(widget(n) for n in range(10))
    assert not isinstance(wrong.value, StoreUnavailable)


def test_engine_down_is_store_unavailable(prefix: str) -> None:
    es = make_client(closed_port_url(), compat="opensearch")
    with pytest.raises(StoreUnavailable, match="cannot reach") as down:
        BulkWriter(es, prefix).write(widget(n) for n in range(5))
    assert down.value.partial is not None
    assert down.value.partial.written == 0


def test_outage_mid_write_keeps_what_was_acknowledged(proxied: Elasticsearch, engine_proxy: EngineProxy,
                                                      prefix: str) -> None:
    def crash_after_first_bulk(request: ProxyRequest, forward: Forward) -> ProxyResponse:
        if request.path.startswith("/_bulk") and len(engine_proxy.seen("/_bulk")) > 1:
            raise DropConnection
        return forward(request)

    engine_proxy.handler = crash_after_first_bulk
    with pytest.raises(StoreUnavailable) as down:
        BulkWriter(proxied, prefix, max_docs=100).write(widget(n) for n in range(300))
    assert down.value.partial is not None
    assert down.value.partial.written == 100
    assert stored_count(proxied, WIDGETS.name(prefix)) == 100


def test_refused_request_is_a_store_error(proxied: Elasticsearch, engine_proxy: EngineProxy, prefix: str) -> None:
    def forbidden(request: ProxyRequest, forward: Forward) -> ProxyResponse:
        return ProxyResponse.of_json(403, {"error": {"type": "security_exception", "reason": "no write privilege"},
                                           "status": 403})

    engine_proxy.handler = forbidden
    with pytest.raises(StoreError, match="403") as refused:
        BulkWriter(proxied, prefix).write([widget(1)])
    assert not isinstance(refused.value, StoreUnavailable)


def test_an_answer_without_items_is_a_store_error(proxied: Elasticsearch, engine_proxy: EngineProxy,
                                                 prefix: str) -> None:
    def no_items(request: ProxyRequest, forward: Forward) -> ProxyResponse:
        if request.path.startswith("/_bulk"):
            return ProxyResponse.of_json(200, {"took": 1, "errors": False})
        return forward(request)

    engine_proxy.handler = no_items
    with pytest.raises(StoreError, match="without usable item results"):
        BulkWriter(proxied, prefix).write(widget(n) for n in range(3))


def test_a_failure_of_the_documents_source_is_not_blamed_on_the_engine(proxied: Elasticsearch,
                                                                       engine_proxy: EngineProxy,
                                                                       prefix: str) -> None:
    def source() -> Iterator[Doc]:
        yield from (widget(n) for n in range(7))
        raise KeyError("a shaping bug")

    with pytest.raises(KeyError, match="a shaping bug"):
        BulkWriter(proxied, prefix, max_docs=5).write(source())
    assert [docs_in(b) for b in bulk_bodies(engine_proxy)] == [5]  # written up to the failure


def test_arguments_are_validated(es: Elasticsearch) -> None:
    with pytest.raises(ValueError, match="max_docs"):
        BulkWriter(es, "test_", max_docs=0)
    with pytest.raises(ValueError, match="attempts"):
        BulkWriter(es, "test_", retry=replace(BULK_WRITE, attempts=0))
    with pytest.raises(ValueError, match="refresh"):
        BulkWriter(es, "test_", refresh="later")
    with pytest.raises(ValueError, match="index prefix"):
        BulkWriter(es, "UPPER")


def test_empty_write_sends_nothing(proxied: Elasticsearch, engine_proxy: EngineProxy, prefix: str) -> None:
    assert BulkWriter(proxied, prefix).write([]) == WriteResult()
    assert bulk_bodies(engine_proxy) == []
