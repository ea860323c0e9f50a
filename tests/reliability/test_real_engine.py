"""Faults only a real engine has: a crash and restart on the same data, a write block, a mapping conflict,
and the refresh model. Each checks that nothing is lost and no day is marked complete wrongly.

These run on the test run's engine (Elasticsearch unless TEST_ENGINE says otherwise); the crash case
starts a private node of the same kind, since killing the shared one would take every other test with it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from copilot_usage.report import summarize
from copilot_usage.schema import indices as ix
from copilot_usage.simulator import SimulatorServer
from copilot_usage.store.client import make_client
from copilot_usage.store.ingestion_log import freshness
from copilot_usage.store.templates import ensure_indices
from tests.engines.nodes import JavaNode, http_json
from tests.fixtures.engine import DropConnection, Engine, EngineProxy, Forward, ProxyRequest, ProxyResponse
from tests.reliability.harness import (
    NOW,
    Snapshot,
    collect,
    complete_entries,
    differences,
    failed_log_entries,
    harness_world,
    run_until_clean,
    settings_for,
    snapshot,
    unfinished_complete_days,
)
from tests.reliability.test_interrupted import partially_stored_days

RUN = "real_"


def needs_real(engine: Engine) -> None:
    if not engine.real:
        pytest.skip(f"needs a real Elasticsearch or OpenSearch node; this run's engine is {engine.kind}")


class KillAfter:
    """Proxy handler: forwards `bulk_requests` bulk requests, then SIGKILLs the node and drops connections
    until the node is running again."""

    def __init__(self, node: JavaNode, bulk_requests: int):
        self.node = node
        self.left = bulk_requests
        self.killed = False
        self._lock = threading.Lock()

    def __call__(self, request: ProxyRequest, forward: Forward) -> ProxyResponse:
        with self._lock:
            if not self.killed and "/_bulk" in request.path:
                self.left -= 1
                if self.left < 0:
                    self.node.kill()
                    self.killed = True
            if not self.node.running:
                raise DropConnection
        return forward(request)


@pytest.fixture
def private_node(search_engine: Engine, tmp_path: Path) -> Iterator[JavaNode]:
    needs_real(search_engine)
    node = JavaNode(search_engine.kind, tmp_path / "node").start()
    yield node
    node.stop()


@pytest.mark.timeout(900)  # two node starts and three collections: minutes on a busy 2-core machine
def test_engine_killed_mid_day_restarts_on_its_data_and_the_next_run_converges(private_node, expected):
    """SIGKILL between the bulk requests of one day (BULK_MAX_DOCS=10 spreads a day over many), then a
    restart on the same data directory: what the engine acknowledged survived (its translog), no day is
    complete that is not whole, and the next run writes the rest."""
    proxy = EngineProxy(private_node.url)
    killer = KillAfter(private_node, bulk_requests=40)
    proxy.handler = killer
    client = make_client(proxy.url, compat="auto", request_timeout=10)
    try:
        with SimulatorServer(harness_world()) as server:
            settings = settings_for(server.url, proxy.url, RUN, BULK_MAX_DOCS="10")
            interrupted = collect(settings, client, NOW)
            assert killer.killed
            assert interrupted.stopped == "store", interrupted.errors
            assert not interrupted.ok

            private_node.start()  # same port, same data directory
            direct = make_client(private_node.url, compat="auto")
            midway = snapshot(direct, RUN)
            assert 0 < complete_entries(midway) < complete_entries(expected)
            assert partially_stored_days(expected, midway), "the kill fell between two days; change bulk_requests"
            assert unfinished_complete_days(expected, midway) == []

            run_until_clean(settings, client, NOW + dt.timedelta(hours=1))
            final = snapshot(direct, RUN)
            direct.close()
        assert unfinished_complete_days(expected, final) == []
        assert differences(expected, final) == []
    finally:
        client.close()
        proxy.close()


def _block(url: str, prefix: str, value: bool | None) -> None:
    http_json("PUT", f"{url}/{prefix}*/_settings", {"index.blocks.read_only_allow_delete": value})


def test_write_block_stops_the_run_with_a_clear_message_and_the_run_after_it_is_lifted_completes(
        search_engine: Engine, engine_url: str, expected: Snapshot) -> None:
    """The block Elasticsearch sets on a full disk answers every write with 429 cluster_block_exception;
    retrying day after day against it would only burn the run. The run stops, records nothing as done."""
    needs_real(search_engine)
    proxy = EngineProxy(engine_url)
    client = make_client(proxy.url, compat="auto")
    try:
        ensure_indices(client, RUN)
        _block(engine_url, RUN, True)
        with SimulatorServer(harness_world()) as server:
            settings = settings_for(server.url, proxy.url, RUN)
            blocked = collect(settings, client, NOW)
            assert blocked.stopped == "store", blocked.errors
            message = " ".join(blocked.errors)
            assert "refuses writes" in message, message
            assert "read_only_allow_delete" in message, message
            # Stopped at the first refusal, not retried per day: at most one write in flight per worker.
            assert len(proxy.seen("/_bulk")) <= settings.github.max_concurrency, len(proxy.seen("/_bulk"))
            assert complete_entries(snapshot(client, RUN)) == 0

            _block(engine_url, RUN, None)
            run_until_clean(settings, client, NOW + dt.timedelta(hours=1))
        final = snapshot(client, RUN)
        assert unfinished_complete_days(expected, final) == []
        assert differences(expected, final) == []
    finally:
        _block(engine_url, RUN, None)
        client.close()
        proxy.close()


def test_mapping_conflict_sets_those_records_aside_with_the_reason_and_stores_the_rest(
        es: Any, engine_url: str, expected: Snapshot) -> None:
    """An index whose existing mapping disagrees with ours (here `cli_version` as a number, as a hand-made
    or older index might have it): the documents the engine refuses fail their day, with the reason in
    the log and the summary; every other document of the run is stored."""
    user_daily = ix.USER_DAILY.name(RUN)
    mappings = ix.USER_DAILY.mappings()
    mappings["properties"][ix.CLI_VERSION] = {"type": "long"}
    es.indices.create(index=user_daily, mappings=mappings)
    with SimulatorServer(harness_world()) as server:
        summary = collect(settings_for(server.url, engine_url, RUN), es, NOW)
    assert not summary.ok
    assert any(ix.CLI_VERSION in change for change in summary.mapping_changes), summary.mapping_changes

    actual = snapshot(es, RUN)
    failed = failed_log_entries(es, RUN)
    assert failed
    assert all(e[ix.REPORT] in ("users", "user-teams") for e in failed), failed
    assert all(ix.CLI_VERSION in str(e[ix.ERROR]) for e in failed if e[ix.REPORT] == "users"), failed
    # No day complete that is not whole, and users days without a CLI user are complete.
    assert unfinished_complete_days(expected, actual) == []
    # Everything else is there: every index but user_daily (and what is derived from it) equals the reference.
    derived = {ix.USER_DAILY.key, ix.INGESTION_LOG.key, ix.TEAM_DAILY.key, ix.TEAM_BREAKDOWN.key,
               ix.USER_SUMMARY_DAILY.key, *(i.key for i in ix.DERIVED_INDICES)}
    for key, docs in expected.items():
        if key not in derived:
            assert actual[key] == docs, key
    # In user_daily only the documents with a CLI version are missing.
    want = expected[ix.USER_DAILY.key]
    missing = set(want) - set(actual[ix.USER_DAILY.key])
    assert missing
    assert all(want[i].get(ix.CLI_VERSION) for i in missing)
    assert all(i in actual[ix.USER_DAILY.key] for i in want if not want[i].get(ix.CLI_VERSION))


def test_reads_right_after_the_run_see_everything_it_wrote(search_engine: Engine, es: Any, engine_url: str,
                                                          expected: Snapshot) -> None:
    """With periodic refresh off (`refresh_interval: -1`, the usual setting for a large backfill), nothing
    becomes searchable by timing: the adoption scores, `status` and `report` read what the run wrote only
    because each command refreshes what it wrote before reading it back."""
    needs_real(search_engine)
    ensure_indices(es, RUN)
    http_json("PUT", f"{engine_url}/{RUN}*/_settings", {"index.refresh_interval": "-1"})
    with SimulatorServer(harness_world()) as server:
        summary = collect(settings_for(server.url, engine_url, RUN), es, NOW)
    assert summary.ok, summary.errors

    # Read before anything else refreshes: these are what a user sees right after the run.
    rows = freshness(es, RUN)
    report = summarize(es, RUN)
    adoption_hits = es.count(index=ix.USER_ADOPTION.name(RUN))["count"]
    user_hits = es.count(index=ix.USER_DAILY.name(RUN))["count"]

    assert user_hits == len(expected[ix.USER_DAILY.key])
    assert adoption_hits == len(expected[ix.USER_ADOPTION.key]) > 0
    assert {(r["scope_type"], r["scope"]) for r in rows} == {
        (s[ix.SCOPE_TYPE], s[ix.SCOPE]) for s in expected[ix.INGESTION_LOG.key].values()}
    assert all(scope["adoption"]["monthly_active_users"] for scope in report["scopes"]), report
    assert differences(expected, snapshot(es, RUN)) == []
