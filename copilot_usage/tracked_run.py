"""`run()` with progress (copilot_usage.progress): what the collect, backfill and demo commands call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TextIO

from copilot_usage.progress import Tracker
from copilot_usage.settings import Settings


def tracked_run(settings: Settings, work: str, *, tasks: Callable[[Any, dt.datetime], list[Any]] | None = None,
                stream: TextIO | None = None, interactive: bool | None = None, **run_kwargs: Any) -> Any:
    """One collection like `run(settings, ...)`, reporting report-days done of planned, documents, GitHub
    requests and an ETA while it works. Returns run()'s summary."""
    from copilot_usage.run import _github_client, build_tasks, run

    github = run_kwargs.pop("github", None) or _github_client(settings)
    backfill = run_kwargs.pop("backfill", None)  # run.Backfill: an explicit range instead of the planner's choice
    tracker = Tracker(work, stream=stream, interactive=interactive,
                      requests=lambda: github.stats.get("api_requests", 0))
    plan = tasks or (lambda logs, now: build_tasks(settings, logs, now, backfill))
    try:
        return run(settings, github=github, tasks=tracker.planning(plan), on_task=tracker.step, **run_kwargs)
    finally:
        tracker.close()
