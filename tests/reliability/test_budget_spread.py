"""A backfill larger than one hour's API budget spreads over several runs, without errors or gaps.

The simulator grants a small primary budget per hour window; the collector keeps a small reserve. Each run
must stop cleanly when it reaches the reserve (`stopped: github_budget`, nothing failed), the simulator must
never have to refuse a request for the primary limit, every run must make progress, and once the budget
suffices the store must equal the fault-free reference with every reference day recorded done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import requests

from copilot_usage.run import RunSummary
from copilot_usage.schema import indices as ix
from copilot_usage.simulator import SimulatorServer
from copilot_usage.simulator.faults import Faults
from copilot_usage.simulator.replies import Reply
from tests.reliability.harness import (
    NOW,
    ManualClock,
    Snapshot,
    collect,
    complete_entries,
    differences,
    failed_log_entries,
    harness_world,
    settings_for,
    snapshot,
)

BUDGET = 16  # requests per hour window; a clean collection of the harness world needs about 45
RESERVE = 4  # at least MAX_CONCURRENCY - 1, so requests already in flight cannot overdraw the budget
MAX_RUNS = 12
PREFIX = "spread_"


class RefusalRecorder:
    """Wraps the simulator's request pipeline and keeps every rate-limit refusal (403/429) it answers."""

    def __init__(self, server: SimulatorServer):
        self._handle = server.handle
        self.refusals: list[tuple[str, int]] = []
        self.api_answers = 0
        server.handle = self  # type: ignore[method-assign]  # the HTTP handler looks it up per request

    def __call__(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        reply = self._handle(method, target, headers, body)
        if "x-ratelimit-remaining" in reply.headers:
            self.api_answers += 1
        if reply.status in (403, 429):
            self.refusals.append((target.split("?", 1)[0], reply.status))
        return reply


def gaps(expected: Snapshot, actual: Snapshot) -> list[str]:
    """Ingestion-log entries of the reference that are not done (complete or empty) in `actual`."""
    done = (ix.STATUS_COMPLETE, ix.STATUS_EMPTY)
    got = actual[ix.INGESTION_LOG.key]
    return sorted(f"{s[ix.SCOPE]} {s[ix.REPORT]} {str(s[ix.DAY])[:10]}"
                  for doc_id, s in expected[ix.INGESTION_LOG.key].items()
                  if s[ix.STATUS] in done and got.get(doc_id, {}).get(ix.STATUS) not in done)


def test_a_backfill_larger_than_the_hourly_budget_spreads_over_runs(es, engine_url, expected, record_property):
    sim_clock = ManualClock()
    with SimulatorServer(harness_world(), clock=sim_clock, faults=Faults(rate_limit=BUDGET)) as server:
        recorder = RefusalRecorder(server)
        settings = settings_for(server.url, engine_url, PREFIX, RATE_LIMIT_RESERVE=str(RESERVE))
        summaries: list[RunSummary] = []
        progress: list[int] = []
        per_run_api: list[int] = []
        for n in range(MAX_RUNS):
            sim_clock.advance(3601)  # runs an hour apart: each starts a fresh primary-limit window
            before = recorder.api_answers
            summary = collect(settings, es, NOW + dt.timedelta(hours=n))
            summaries.append(summary)
            per_run_api.append(recorder.api_answers - before)
            progress.append(complete_entries(snapshot(es, PREFIX)))
            assert summary.ok, summary.errors
            assert summary.errors == []
            assert summary.days["failed"] == 0
            assert failed_log_entries(es, PREFIX) == []
            if summary.stopped is None:
                break
            assert summary.stopped == "github_budget"
            assert progress[-1] > (progress[-2] if n else 0), f"run {n + 1} stored nothing new: {progress}"
        else:
            raise AssertionError(f"backfill not finished after {MAX_RUNS} runs: complete entries {progress}")

        assert len(summaries) >= 3, "the backfill fitted in too few windows to show the spreading"
        assert recorder.refusals == []  # the reserve kept every run inside the budget
        assert max(per_run_api) <= BUDGET
        actual = snapshot(es, PREFIX)
        assert gaps(expected, actual) == []
        assert differences(expected, actual) == []
        record_property("runs", len(summaries))
        record_property("api_requests_per_run", ",".join(map(str, per_run_api)))
        record_property("complete_entries_after_each_run", ",".join(map(str, progress)))


def test_the_refusal_recorder_sees_a_primary_limit_refusal():
    """The recorder can fail the test above: without a reserve, a spent budget is answered 403."""
    with SimulatorServer(harness_world(), faults=Faults(rate_limit=1)) as server:
        recorder = RefusalRecorder(server)
        headers: dict[str, Any] = {"Authorization": "Bearer sim-token"}
        for _ in range(2):
            requests.get(f"{server.url}/orgs/sim-org-1/copilot/billing", headers=headers, timeout=5)
        assert recorder.refusals == [("/orgs/sim-org-1/copilot/billing", 403)]
        assert recorder.api_answers == 2
        assert server.stats()["primary_limit_refusals"] == 1  # what the budget-spread benchmark reads
