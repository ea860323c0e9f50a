"""Progress of collect/backfill/demo: a real run against the simulator, watched through run()'s hooks."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging

import pytest

from copilot_usage import progress
from copilot_usage.progress import Tracker, eta
from copilot_usage.simulator import SimulatorServer, World
from copilot_usage.tracked_run import tracked_run
from tests.fixtures.simulator import SIM_TODAY, sim_config
from tests.integration.test_collect import NOW, clock, settings_for

START = SIM_TODAY - dt.timedelta(days=4)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def lines(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [json.loads(r.getMessage().split(" ", 1)[1]) for r in caplog.records
            if r.name == "copilot_usage.progress" and r.getMessage().startswith("progress ")]


def test_eta_is_the_average_pace_times_what_is_left():
    assert eta(10, 40, 20.0) == 60.0
    assert eta(40, 40, 20.0) == 0
    assert eta(0, 40, 5.0) is None
    assert eta(5, None, 5.0) is None


def test_not_a_terminal_logs_structured_lines_every_interval_and_at_the_end(caplog):
    caplog.set_level(logging.INFO, "copilot_usage.progress")
    tick = Clock()
    requests = iter(range(1, 1000))
    tracker = Tracker("backfill", stream=io.StringIO(), interactive=False, requests=lambda: next(requests),
                      clock=tick, log_every=10)
    assert tracker.planning(lambda *_: ["a", "b", "c", "d"])(None, None) == ["a", "b", "c", "d"]
    tick.now += 5
    tracker.step(documents=7)  # 5 s after the start: no line yet
    tick.now += 5
    tracker.step(documents=3)  # 10 s: a line
    final = tracker.close()
    got = lines(caplog)
    assert [g["done"] for g in got] == [0, 2, 2]
    assert got[1] == {"work": "backfill", "done": 2, "planned": 4, "documents": 10, "requests": got[1]["requests"],
                      "elapsed_seconds": 10.0, "eta_seconds": 10.0}
    assert got[2]["finished"] is True
    assert final.documents == 10


def test_a_failing_request_counter_does_not_break_the_work():
    def broken() -> int:
        raise RuntimeError("boom")

    tracker = Tracker("collect", stream=io.StringIO(), interactive=False, requests=broken)
    tracker.set_planned(1)
    tracker.step(documents=1)
    assert tracker.close().requests == 0


def test_a_real_backfill_reports_every_task_documents_and_requests(es, engine_url, prefix, caplog, monkeypatch):
    caplog.set_level(logging.INFO, "copilot_usage.progress")
    monkeypatch.setattr(progress, "LOG_EVERY_SECONDS", 0.0)  # a line per task, so every step is visible
    with SimulatorServer(World(sim_config(days=6, users=12, teams=2))) as server:
        settings = settings_for(server, engine_url, prefix, BACKFILL_START=START.isoformat())
        summary = tracked_run(settings, "collect", es=es, now=clock(NOW), stream=io.StringIO(), interactive=False)
    assert summary.ok, summary.errors
    got = lines(caplog)
    assert got[0]["done"] == 0
    assert got[0]["planned"] == summary.tasks_planned > 0
    final = got[-1]
    assert final["finished"] is True
    # Every planned task is reported once it is over, including those the run skips (days before a scope's
    # data start, learned while running, are not counted in tasks_run).
    assert final["done"] == final["planned"] == summary.tasks_planned
    assert summary.tasks_run <= final["done"]
    # Documents counted from the tasks; the adoption scores are written after the last task.
    assert final["documents"] == summary.to_dict()["documents_total"] - summary.documents.get("user_adoption", 0)
    assert final["requests"] == summary.github["api_requests"] > 0
    dones = [g["done"] for g in got]
    assert dones[:-1] == list(range(len(dones) - 1))  # a line per task (the interval is 0), then the final one
    assert final["eta_seconds"] == 0


def test_on_a_terminal_a_bar_shows_days_documents_requests_and_an_eta(es, engine_url, prefix):
    stream = io.StringIO()
    with SimulatorServer(World(sim_config(days=6, users=12, teams=2))) as server:
        settings = settings_for(server, engine_url, prefix, BACKFILL_START=START.isoformat())
        summary = tracked_run(settings, "backfill", es=es, now=clock(NOW), stream=stream, interactive=True)
    assert summary.ok
    text = stream.getvalue()
    last = text.replace("\r", "\n").strip().splitlines()[-1]
    assert last.startswith("backfill: 100%")
    assert f"{summary.tasks_planned}/{summary.tasks_planned}" in last
    assert f"{summary.github['api_requests']:,} requests" in last
    assert "documents" in last
    assert "<00:00" in last  # tqdm's ETA field
