"""Adoption scores depend on the data only, not on the run history (found by the convergence harness).

Window ends are Sundays plus the latest stored day. When the latest day moves on, the previous "latest"
window (a weekday) is removed, so a store fed day by day holds the same windows as a single collection.
"""

from __future__ import annotations

import datetime as dt

from copilot_usage.simulator import SimulatorServer, World
from tests.fixtures.simulator import SIM_TODAY, sim_config
from tests.reliability.harness import NOW, collect, settings_for, snapshot, stale_adoption_windows


def test_the_next_days_run_leaves_no_weekday_window_behind(es, engine_url):
    with SimulatorServer(World(sim_config(days=14))) as server:
        yesterday = (SIM_TODAY - dt.timedelta(days=1)).isoformat()
        first = collect(settings_for(server.url, engine_url, "hist_", COPILOT_USAGE_TODAY=yesterday), es, NOW)
        assert first.ok, first.errors
        assert stale_adoption_windows(snapshot(es, "hist_")) == set()
        second = collect(settings_for(server.url, engine_url, "hist_"), es, NOW + dt.timedelta(days=1))
        assert second.ok, second.errors
        assert stale_adoption_windows(snapshot(es, "hist_")) == set()
