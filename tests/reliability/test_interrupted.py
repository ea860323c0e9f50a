"""Interrupted runs: whatever a run had done when it died, no day is marked complete that is not fully
stored, and the next run finishes the job (the end state equals a fault-free collection)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from copilot_usage.schema import indices as ix
from copilot_usage.simulator import SimulatorServer
from copilot_usage.simulator.faults import Faults
from copilot_usage.store.client import make_client
from tests.fixtures.engine import DropConnection, EngineProxy, Forward, ProxyRequest, ProxyResponse
from tests.fixtures.simulator import SIM_TODAY
from tests.reliability.harness import (
    BACKFILL_DAYS,
    ENT,
    NOW,
    ORGS,
    Snapshot,
    collect,
    complete_entries,
    differences,
    harness_world,
    run_until_clean,
    scope_day,
    settings_for,
    snapshot,
    unfinished_complete_days,
)

RUN = "run_"
REPO_ROOT = Path(__file__).resolve().parents[2]


class EngineDiesAfter:
    """Proxy handler: the engine answers `bulk_requests` bulk requests, then drops every connection."""

    def __init__(self, bulk_requests: int):
        self.left = bulk_requests
        self.dead = False
        self._lock = threading.Lock()

    def __call__(self, request: ProxyRequest, forward: Forward) -> ProxyResponse:
        with self._lock:
            if "/_bulk" in request.path:
                self.left -= 1
                if self.left < 0:
                    self.dead = True
            dead = self.dead
        if dead:
            raise DropConnection
        return forward(request)


@contextmanager
def engine_that_dies(engine_url: str, bulk_requests: int) -> Iterator[tuple[EngineProxy, EngineDiesAfter, Any]]:
    """A proxy in front of the engine that dies after `bulk_requests` bulk requests, and a client through it."""
    proxy = EngineProxy(engine_url)
    dying = EngineDiesAfter(bulk_requests)
    proxy.handler = dying
    # A fixed mode: the "auto" probe would only add one more request before the outage.
    client = make_client(proxy.url, compat="opensearch", request_timeout=5)
    try:
        yield proxy, dying, client
    finally:
        client.close()
        proxy.close()


def revive(proxy: EngineProxy) -> None:
    proxy.handler = lambda request, forward: forward(request)


def test_engine_dying_mid_run_marks_no_unstored_day_complete_and_the_next_run_finishes(es, engine_url, expected):
    with SimulatorServer(harness_world()) as server:
        with engine_that_dies(engine_url, bulk_requests=12) as (proxy, dying, client):
            settings = settings_for(server.url, proxy.url, RUN)
            interrupted = collect(settings, client, NOW)
            assert dying.dead
            assert interrupted.stopped == "store"
            assert not interrupted.ok
            assert any("unavailable" in e or "reach" in e for e in interrupted.errors), interrupted.errors

            midway = snapshot(es, RUN)
            assert 0 < complete_entries(midway) < complete_entries(expected)  # it really stopped part-way
            assert unfinished_complete_days(expected, midway) == []

            revive(proxy)
            run_until_clean(settings, client, NOW + dt.timedelta(hours=1))
        final = snapshot(es, RUN)
        assert unfinished_complete_days(expected, final) == []
        assert differences(expected, final) == []


def partially_stored_days(expected: Snapshot, actual: Snapshot) -> list[tuple[str, str, str, str]]:
    """(index, scope type, scope, day) of which `actual` holds some but not all of the reference's documents.

    Per index, not per day: one index's documents of a day come from one unit's write, so a partial one means
    the write stopped between its bulk requests (a day whose aggregate is stored and users not yet is not)."""
    want: dict[tuple[str, str, str, str], set[str]] = {}
    for index_key, docs in expected.items():
        if index_key == ix.INGESTION_LOG.key or index_key in {i.key for i in ix.DERIVED_INDICES}:
            continue
        for doc_id, source in docs.items():
            key = scope_day(source)
            if key is not None:
                want.setdefault((index_key, *key), set()).add(doc_id)
    return sorted(key for key, ids in want.items() if 0 < len(ids & actual.get(key[0], {}).keys()) < len(ids))


def test_engine_dying_between_the_bulk_chunks_of_one_day_leaves_that_day_unfinished(es, engine_url, expected):
    """Small bulk requests (BULK_MAX_DOCS=10) so a day's documents span many; the engine goes away after some
    of them. The half-written day must not be complete, and the next run must write it whole."""
    with SimulatorServer(harness_world()) as server:
        with engine_that_dies(engine_url, bulk_requests=40) as (proxy, dying, client):
            settings = settings_for(server.url, proxy.url, RUN, BULK_MAX_DOCS="10")
            interrupted = collect(settings, client, NOW)
            assert dying.dead
            assert interrupted.stopped == "store"

            midway = snapshot(es, RUN)
            partial = partially_stored_days(expected, midway)
            assert partial, "the engine died between two days' writes; lower bulk_requests or BULK_MAX_DOCS"
            assert unfinished_complete_days(expected, midway) == []

            revive(proxy)
            run_until_clean(settings, client, NOW + dt.timedelta(hours=1))
        final = snapshot(es, RUN)
        assert partially_stored_days(expected, final) == []
        assert differences(expected, final) == []


def test_a_killed_process_leaves_only_fully_stored_days_complete(es, engine_url, expected):
    """SIGKILL, as when the Function host hits its timeout: no `finally`, no flush, nothing gets to clean up."""
    with SimulatorServer(harness_world()) as server:
        server.faults = Faults(latency_ms=15)  # slow enough to kill it part-way, fast enough for a test
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "ELASTICSEARCH_"))},
            "GITHUB_PAT": "sim-token",
            "GITHUB_API_URL": server.url,
            "ORGANIZATION_SLUGS": ",".join(ORGS),
            "ENTERPRISE_SLUGS": ENT,
            "ELASTICSEARCH_URL": engine_url,
            "INDEX_PREFIX": RUN,
            "COPILOT_USAGE_TODAY": SIM_TODAY.isoformat(),
            "BACKFILL_START": (SIM_TODAY - dt.timedelta(days=BACKFILL_DAYS)).isoformat(),
            "MAX_CONCURRENCY": "4",
        }
        proc = subprocess.Popen([sys.executable, "-m", "copilot_usage", "collect"], cwd=REPO_ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and proc.poll() is None:
                if es.indices.exists(index=ix.INGESTION_LOG.name(RUN)) and complete_entries(snapshot(es, RUN)) >= 6:
                    break
                time.sleep(0.05)
            assert proc.poll() is None, "the run finished before it could be killed; raise latency_ms"
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
            stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        assert proc.returncode == -signal.SIGKILL, stderr[-2000:]

        midway = snapshot(es, RUN)
        assert complete_entries(midway) < complete_entries(expected)
        assert unfinished_complete_days(expected, midway) == []

        server.faults = Faults()
        run_until_clean(settings_for(server.url, engine_url, RUN), es, NOW + dt.timedelta(hours=1))
        final = snapshot(es, RUN)
        assert unfinished_complete_days(expected, final) == []
        assert differences(expected, final) == []
