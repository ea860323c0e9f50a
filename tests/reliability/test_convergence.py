"""Faulty histories converge: after the faults stop, the store equals a fault-free collection of the same world.

Each case fixes the fault seed, runs the collector with the faults on for some runs, then without them until a
run is clean, and compares every index (ids and sources) with a reference collection. The case list and the
results are in docs/reliability.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from copilot_usage.run import RunSummary
from copilot_usage.simulator import SimulatorServer
from copilot_usage.simulator.faults import Faults
from copilot_usage.store.client import make_client
from tests.fixtures.engine import EngineProxy, closed_port_url
from tests.reliability.harness import (
    NOW,
    BulkRejecter,
    ManualClock,
    collect,
    differences,
    failed_log_entries,
    harness_world,
    run_until_clean,
    settings_for,
    snapshot,
    stale_adoption_windows,
)

RUN = "run_"


@dataclass(frozen=True)
class Case:
    name: str
    seed: int
    faults: dict[str, Any] = field(default_factory=dict)  # simulator faults during the faulty runs
    faulty_runs: int = 2
    bulk_reject_rate: float = 0.0
    engine_down_first: bool = False


CASES = [
    Case("api-5xx-bursts", 101, {"fail_rate": 0.35}),
    Case("429-and-secondary-limits", 102, {"throttle_rate": 0.35, "retry_after": 0}),
    Case("primary-limit-exhaustion", 103, {"rate_limit": 25}, faulty_runs=3),
    Case("truncated-downloads", 104, {"truncate_rate": 0.4}),
    Case("corrupted-downloads", 109, {"corrupt_rate": 0.3}, faulty_runs=2),
    Case("expired-links", 105, {"expire_links": True}, faulty_runs=1),
    Case("engine-unavailable-at-start", 106, engine_down_first=True, faulty_runs=1),
    Case("bulk-items-rejected", 107, bulk_reject_rate=0.05, faulty_runs=1),
    Case("everything-at-once", 108, {"fail_rate": 0.2, "throttle_rate": 0.2, "retry_after": 0,
                                     "truncate_rate": 0.2, "rate_limit": 60}, bulk_reject_rate=0.03, faulty_runs=2),
]


def _visible(summaries: list[RunSummary]) -> bool:
    """A fault left a trace: a failed day, an error, an early stop, records set aside, or a retry counted by the
    GitHub client."""
    return any(s.days["failed"] or s.errors or s.stopped or s.rejected_records or s.github.get("retries")
               or s.github.get("rate_limit_waits") for s in summaries)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_faulty_history_converges_to_the_fault_free_content(case: Case, es, engine_url, expected, record_property):
    world = harness_world()
    sim_clock = ManualClock()
    with SimulatorServer(world, clock=sim_clock) as server:
        assert sum(len(docs) for docs in expected.values()) > 100  # a world worth comparing

        proxy = EngineProxy(engine_url)
        rejecter = BulkRejecter(case.bulk_reject_rate, case.seed, enabled=case.bulk_reject_rate > 0)
        proxy.handler = rejecter
        faulty_es = make_client(proxy.url, compat="auto")
        try:
            settings = settings_for(server.url, proxy.url, RUN)
            faulty: list[RunSummary] = []
            failures_logged = 0
            for n in range(case.faulty_runs):
                server.faults = Faults(seed=case.seed, **case.faults)
                sim_clock.advance(3601)  # a new primary-limit window per run, as runs are an hour apart
                target = faulty_es
                if case.engine_down_first and n == 0:
                    # "auto" would probe in make_client, before run(); a fixed mode lets run() meet the outage.
                    target = make_client(closed_port_url(), compat="opensearch")
                summary = collect(settings, target, NOW + dt.timedelta(hours=n))
                faulty.append(summary)
                if case.engine_down_first and n == 0:
                    assert summary.stopped == "store"
                    assert not summary.ok
                    assert any("unavailable" in e for e in summary.errors), summary.errors
                else:
                    failures_logged += len(failed_log_entries(es, RUN))
            assert _visible(faulty), [s.to_dict() for s in faulty]
            if case.bulk_reject_rate:
                assert rejecter.rejected > 0
                assert failures_logged > 0  # a day with a refused document is recorded failed, not complete

            server.faults = Faults()
            rejecter.enabled = False

            def new_window(_n: int) -> None:
                sim_clock.advance(3601)

            clean = run_until_clean(settings, faulty_es, NOW + dt.timedelta(hours=case.faulty_runs),
                                    before_each=new_window)
            assert clean[-1].ok
            # Figures for docs/reliability.md (pytest --junitxml keeps them).
            record_property("failed_days_while_faulty", sum(s.days["failed"] for s in faulty))
            record_property("retries_while_faulty", sum(s.github.get("retries", 0) for s in faulty))
            record_property("records_set_aside_while_faulty", sum(s.rejected_records for s in faulty))
            record_property("tasks_of_clean_runs", ",".join(str(s.tasks_run) for s in clean))
            record_property("stopped_while_faulty", ",".join(s.stopped or "-" for s in faulty))
            record_property("failed_log_entries_seen", failures_logged)
            record_property("bulk_items_rejected", rejecter.rejected)
            record_property("clean_runs_to_converge", len(clean))
        finally:
            faulty_es.close()
            proxy.close()

        actual = snapshot(es, RUN)
        assert stale_adoption_windows(actual) == set()  # no leftover "latest" windows from faulty runs
        assert differences(expected, actual) == []
        assert failed_log_entries(es, RUN) == []
