"""Progress of long work (collect, backfill, demo, import, reprocess): units done of planned, documents written,
requests and an ETA.

On a terminal a tqdm bar on stderr; anywhere else (the Azure Function, CI, docker compose) a structured log
line (`progress {...json...}`) every `LOG_EVERY_SECONDS` and one at the end. It hooks into `run()` twice: its
`tasks` callable (to learn how many tasks were planned) and its `on_task` callback (one call per finished task,
from the worker threads).
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TextIO, TypeVar

logger = logging.getLogger("copilot_usage.progress")
LOG_EVERY_SECONDS = 10.0
T = TypeVar("T")


class _Bar(Protocol):
    def update(self, n: int) -> Any: ...
    def set_postfix_str(self, s: str, refresh: bool = True) -> Any: ...
    def close(self) -> Any: ...


@dataclass(frozen=True)
class Snapshot:
    work: str
    done: int
    planned: int | None
    documents: int
    requests: int
    elapsed_seconds: float

    @property
    def eta_seconds(self) -> float | None:
        return eta(self.done, self.planned, self.elapsed_seconds)

    def as_dict(self) -> dict[str, Any]:
        eta_s = self.eta_seconds
        return {"work": self.work, "done": self.done, "planned": self.planned, "documents": self.documents,
                "requests": self.requests, "elapsed_seconds": round(self.elapsed_seconds, 1),
                "eta_seconds": None if eta_s is None else round(eta_s, 1)}


def eta(done: int, planned: int | None, elapsed: float) -> float | None:
    """Seconds left at the average pace so far (pure); None before the first task or without a plan."""
    if planned is None or done <= 0 or elapsed <= 0:
        return None
    return max(0, planned - done) * elapsed / done


def documents_of(outcome: Any) -> int:
    """Documents an outcome wrote: `outcome.documents` is a per-index count (None for a task that stopped)."""
    counts = getattr(outcome, "documents", None)
    return sum(counts.values()) if isinstance(counts, Mapping) else 0


class Tracker:
    """Counts finished tasks; draws a bar on a terminal, logs a structured line otherwise. Thread-safe."""

    def __init__(self, work: str, *, stream: TextIO | None = None, interactive: bool | None = None,
                 requests: Callable[[], int] | None = None, clock: Callable[[], float] = time.monotonic,
                 log_every: float | None = None, log: logging.Logger = logger):
        self.work = work
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.requests = requests or (lambda: 0)
        self._clock = clock
        self._log_every = LOG_EVERY_SECONDS if log_every is None else log_every
        self._log = log
        self._lock = threading.Lock()
        self._started = clock()
        self._last_log = self._started
        self._done = 0
        self._documents = 0
        self._planned: int | None = None
        self._bar: _Bar | None = None

    # --- hooks for run() ---------------------------------------------------------------------------
    def planning(self, build: Callable[..., list[T]]) -> Callable[..., list[T]]:
        """Wrap run()'s `tasks` callable so the plan's size becomes the total."""
        def wrapped(*args: Any) -> list[T]:
            tasks = build(*args)
            self.set_planned(len(tasks))
            return tasks
        return wrapped

    def set_planned(self, planned: int) -> None:
        with self._lock:
            self._planned = planned
            self._started = self._last_log = self._clock()
            if self.interactive:
                from tqdm import tqdm

                self._bar = tqdm(total=planned, unit="day", desc=self.work, file=self.stream, dynamic_ncols=True,
                                 smoothing=0.1)
        if not self.interactive:
            self._log.info("progress %s", json.dumps(self.snapshot().as_dict()))

    def step(self, task: Any = None, outcome: Any = None, *, documents: int | None = None) -> None:
        """One task finished (run()'s on_task signature); `documents` overrides what the outcome says."""
        written = documents if documents is not None else documents_of(outcome)
        with self._lock:
            self._done += 1
            self._documents += written
            now = self._clock()
            due = now - self._last_log >= self._log_every
            if due:
                self._last_log = now
            if self._bar is not None:
                self._bar.set_postfix_str(self._postfix(), refresh=False)
                self._bar.update(1)
            # Taken under the lock, so the lines of concurrent tasks count up one by one.
            line = self._snapshot_locked().as_dict() if due and not self.interactive else None
        if line is not None:
            self._log.info("progress %s", json.dumps(line))

    def close(self) -> Snapshot:
        """The final figures: the bar is closed, or one last log line is written."""
        snap = self.snapshot()
        with self._lock:
            bar, self._bar = self._bar, None
        if bar is not None:
            bar.set_postfix_str(self._postfix(), refresh=True)
            bar.close()
        elif not self.interactive:
            self._log.info("progress %s", json.dumps({**snap.as_dict(), "finished": True}))
        return snap

    # --- figures -----------------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._snapshot_locked()

    def _snapshot_locked(self) -> Snapshot:
        return Snapshot(self.work, self._done, self._planned, self._documents, self._safe_requests(),
                        self._clock() - self._started)

    def _safe_requests(self) -> int:
        try:
            return int(self.requests())
        except Exception:  # a counter must never break the work it reports on
            return 0

    def _postfix(self) -> str:
        return f"{self._documents:,} documents, {self._safe_requests():,} requests"
