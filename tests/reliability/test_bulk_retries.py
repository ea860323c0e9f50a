"""Busy answers of the engine to bulk writes: retried inside the run by the writer (BULK_WRITE), bounded, and a
day is complete only once every one of its documents is acknowledged.

The first case runs the real collector against the simulator with a proxy answering some bulk requests busy
(the whole request 503, or single documents 429 `es_rejected_execution_exception`, as a loaded cluster does);
the run waits for real there (BULK_WRITE's first backoff, under two seconds). The others drive the day pipeline
and the ingestion log directly with an injected sleep, to watch a day whose documents stay busy.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from copilot_usage.model import Scope, ScopeType, Snapshot, Status
from copilot_usage.pipeline import DayLog, DayPipeline, DayRecords
from copilot_usage.privacy import PrivacySettings
from copilot_usage.registry import spec_for
from copilot_usage.retry import BULK_WRITE
from copilot_usage.schema import indices as ix
from copilot_usage.simulator import SimulatorServer
from copilot_usage.store.client import make_client
from copilot_usage.store.errors import StoreUnavailable
from copilot_usage.store.ingestion_log import IngestionLog
from copilot_usage.store.templates import ensure_indices
from tests.fixtures.engine import EngineProxy, Forward, ProxyRequest, ProxyResponse, stored_count
from tests.reliability.harness import (
    NOW,
    collect,
    differences,
    failed_log_entries,
    harness_world,
    settings_for,
    snapshot,
)
from tests.reliability.harness import Snapshot as StoreSnapshot  # not the model's Snapshot (seats, teams)

RUN = "busy_"
SCOPE = Scope(ScopeType.ORGANIZATION, "octo-org")
DAY = dt.date(2026, 11, 20)
BUSY_ITEM = {"type": "es_rejected_execution_exception",
             "reason": "rejected execution of coordinating operation [shard_detail=[busy_teams][0][P]]"}


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class BusyAtFirst:
    """Proxy handler: the first `whole` bulk requests are answered 503 as a whole; in the `items` after them,
    the first document is answered 429 and not stored. Every later request passes untouched."""

    def __init__(self, whole: int, items: int):
        self.whole = whole
        self.items = items
        self.refused_ids: list[str] = []
        self.faulty = 0
        self._lock = threading.Lock()

    def __call__(self, request: ProxyRequest, forward: Forward) -> ProxyResponse:
        if "/_bulk" not in request.path:
            return forward(request)
        with self._lock:
            n = self.faulty
            if n >= self.whole + self.items:
                return forward(request)
            self.faulty += 1
        if n < self.whole:
            return ProxyResponse.of_json(503, {"error": {"type": "unavailable_shards_exception"}, "status": 503})
        lines = request.body.splitlines(keepends=True)
        action = json.loads(lines[0])["index"]
        self.refused_ids.append(action["_id"])
        items: list[dict[str, Any]] = []
        if len(lines) > 2:
            rest = forward(ProxyRequest(request.method, request.path, request.headers, b"".join(lines[2:])))
            items = rest.json()["items"]
        busy = {"index": {"_index": action["_index"], "_id": action["_id"], "status": 429, "error": BUSY_ITEM}}
        return ProxyResponse.of_json(200, {"took": 1, "errors": True, "items": [busy, *items]})


def test_busy_bulk_answers_are_retried_within_the_run_and_it_converges_at_once(
        engine_url: str, expected: StoreSnapshot) -> None:
    proxy = EngineProxy(engine_url)
    busy = BusyAtFirst(whole=2, items=2)
    client = make_client(proxy.url, compat="auto")
    try:
        with SimulatorServer(harness_world()) as server:
            settings = settings_for(server.url, proxy.url, RUN)
            proxy.handler = busy
            summary = collect(settings, client, NOW)
        assert busy.faulty == 4
        assert summary.ok, summary.errors
        assert summary.stopped is None
        assert summary.days["failed"] == 0
        assert failed_log_entries(client, RUN) == []
        stored = snapshot(client, RUN)
        assert differences(expected, stored) == []  # the refused documents were sent again and stored
        assert all(any(doc_id in docs for docs in stored.values()) for doc_id in busy.refused_ids)
    finally:
        client.close()
        proxy.close()


# ---------------------------------------------------------------- one day, driven directly


def teams(n: int) -> list[dict[str, Any]]:
    return [{"id": 100 + i, "slug": f"team-{i}", "name": f"Team {i}"} for i in range(n)]


@pytest.fixture
def day_store(engine_proxy: EngineProxy, prefix: str) -> Iterator[tuple[Elasticsearch, IngestionLog]]:
    es = make_client(engine_proxy.url)
    ensure_indices(es, prefix)
    engine_proxy.requests.clear()
    yield es, IngestionLog(es, prefix, sleep=Sleeps())
    es.close()


def pipeline(es: Elasticsearch, prefix: str, log: IngestionLog, sleeps: Sleeps) -> DayPipeline:
    day_log = DayLog(log, {}, lambda: dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC))
    return DayPipeline(es, prefix, log=day_log, privacy=PrivacySettings(), sleep=sleeps)


def team_entry(es: Elasticsearch, log: IngestionLog) -> Any:
    es.indices.refresh(index=log.index)
    return log.load(SCOPE).get((Snapshot.TEAMS.value, DAY))


def test_a_document_busy_beyond_the_policy_fails_the_day_and_the_rest_is_stored(
        day_store: tuple[Elasticsearch, IngestionLog], engine_proxy: EngineProxy, prefix: str) -> None:
    es, log = day_store
    sends: list[str] = []

    def always_busy_for_one(request: ProxyRequest, forward: Forward) -> ProxyResponse:
        """team-2's document is answered busy every time; the others reach the engine."""
        lines = request.body.splitlines(keepends=True)
        pairs = [(lines[i], lines[i + 1]) for i in range(0, len(lines) - 1, 2)]
        at = next((i for i, (_, source) in enumerate(pairs) if b'"team":"team-2"' in source), None)
        if "/_bulk" not in request.path or at is None:
            return forward(request)
        action = json.loads(pairs[at][0])["index"]
        sends.append(action["_id"])
        kept = b"".join(a + b for i, (a, b) in enumerate(pairs) if i != at)
        items = forward(ProxyRequest(request.method, request.path, request.headers, kept)).json()["items"] \
            if kept else []
        items.insert(at, {"index": {"_index": action["_index"], "_id": action["_id"], "status": 429,
                                    "error": BUSY_ITEM}})
        return ProxyResponse.of_json(200, {"took": 1, "errors": True, "items": items})

    engine_proxy.handler = always_busy_for_one
    sleeps = Sleeps()
    result = pipeline(es, prefix, log, sleeps).run(spec_for(Snapshot.TEAMS), SCOPE, DAY,
                                                   DayRecords(records=teams(5)), replace=False)
    assert len(sends) == BULK_WRITE.attempts  # the first send and every retry the policy allows, no more
    assert len(set(sends)) == 1
    assert len(sleeps) == BULK_WRITE.retries
    assert result.status is Status.FAILED
    assert result.error is not None
    assert "1 documents rejected by the store" in result.error
    assert "rejected execution" in result.error
    entry = team_entry(es, log)
    assert entry.status == Status.FAILED.value  # the next run fetches the day again
    assert stored_count(es, ix.TEAMS_SNAPSHOT.name(prefix)) == 4  # every other document is kept

    engine_proxy.handler = lambda request, forward: forward(request)
    again = pipeline(es, prefix, log, Sleeps()).run(spec_for(Snapshot.TEAMS), SCOPE, DAY,
                                                    DayRecords(records=teams(5)), replace=False)
    assert again.status is Status.COMPLETE
    assert team_entry(es, log).status == Status.COMPLETE.value
    assert stored_count(es, ix.TEAMS_SNAPSHOT.name(prefix)) == 5


def test_an_engine_busy_beyond_the_policy_stops_the_write_and_logs_nothing_complete(
        day_store: tuple[Elasticsearch, IngestionLog], engine_proxy: EngineProxy, prefix: str) -> None:
    es, log = day_store

    def busy(request: ProxyRequest, forward: Forward) -> ProxyResponse:
        if "/_bulk" in request.path:
            return ProxyResponse.of_json(503, {"error": {"type": "unavailable_shards_exception"}, "status": 503})
        return forward(request)

    engine_proxy.handler = busy
    sleeps = Sleeps()
    with pytest.raises(StoreUnavailable, match=f"busy for {BULK_WRITE.attempts} bulk attempts"):
        pipeline(es, prefix, log, sleeps).run(spec_for(Snapshot.TEAMS), SCOPE, DAY, DayRecords(records=teams(5)),
                                              replace=False)
    # One layer: BULK_WRITE.attempts sends in all, though the client retries a 503 on other requests.
    assert len(engine_proxy.seen("/_bulk")) == BULK_WRITE.attempts
    assert len(sleeps) == BULK_WRITE.retries
    engine_proxy.handler = lambda request, forward: forward(request)
    assert team_entry(es, log) is None  # the run stops as `store`; the day stays to be fetched
