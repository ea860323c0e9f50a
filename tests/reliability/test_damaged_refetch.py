"""A day fetched again with damaged lines keeps what a clean fetch stored, says why in the log, and is repaired
by the next clean fetch."""

from __future__ import annotations

import datetime as dt
import logging

from copilot_usage.model import Report, Scope, ScopeType
from copilot_usage.planner import Task
from copilot_usage.schema import indices as ix
from copilot_usage.simulator import SimulatorServer
from copilot_usage.simulator.faults import Faults
from tests.fixtures.simulator import SIM_TODAY
from tests.reliability.harness import (
    NOW,
    ORGS,
    collect,
    differences,
    harness_world,
    settings_for,
    snapshot,
)

PREFIX = "refetch_"
SCOPE = Scope(ScopeType.ORGANIZATION, ORGS[0])
DAY = SIM_TODAY - dt.timedelta(days=3)


def _user_ids(snap, day: dt.date) -> set[str]:
    return {doc_id for doc_id, s in snap[ix.USER_DAILY.key].items()
            if s[ix.SCOPE] == SCOPE.slug and str(s[ix.DAY])[:10] == day.isoformat()}


def test_a_damaged_refetch_deletes_nothing_and_the_next_clean_fetch_repairs_the_day(es, engine_url, expected, caplog):
    with SimulatorServer(harness_world()) as server:
        settings = settings_for(server.url, engine_url, PREFIX)
        clean = collect(settings, es, NOW)
        assert clean.ok
        assert clean.rejected_records == 0
        assert differences(expected, snapshot(es, PREFIX)) == []
        stored = _user_ids(expected, DAY)
        assert len(stored) > 5

        server.faults = Faults(corrupt_rate=1.0, seed=5)  # every file of the re-fetch loses a line or two
        refetch = [Task(SCOPE, Report.USERS, DAY, "refresh")]
        with caplog.at_level(logging.WARNING, logger="copilot_usage.run"):
            damaged = collect(settings, es, NOW + dt.timedelta(hours=1), tasks=lambda collector, now: refetch)
        assert damaged.ok
        assert damaged.rejected_records > 0
        assert f"{SCOPE} users {DAY}: " in caplog.text
        assert "record(s) set aside" in caplog.text
        midway = snapshot(es, PREFIX)
        assert stored <= _user_ids(midway, DAY)  # the set-aside users' documents were not deleted
        [entry] = [s for s in midway[ix.INGESTION_LOG.key].values() if s[ix.SCOPE] == SCOPE.slug
                   and s[ix.REPORT] == Report.USERS.value and str(s[ix.DAY])[:10] == DAY.isoformat()]
        assert entry[ix.STATUS] == ix.STATUS_COMPLETE
        assert entry[ix.REJECTED_COUNT] == damaged.rejected_records

        server.faults = Faults()
        repaired = collect(settings, es, NOW + dt.timedelta(hours=2))  # planned: the day has records set aside
        assert repaired.ok
        assert repaired.rejected_records == 0
        assert differences(expected, snapshot(es, PREFIX)) == []
