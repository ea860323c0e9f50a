"""The GitHub client's counters, shared by the worker threads of a run (one lock around every change)."""

from __future__ import annotations

import threading

NAMES = ("api_requests", "downloads", "retries", "rate_limit_waits", "bytes_downloaded", "malformed_items")


class Counters:
    """`api_requests`, `downloads`, `retries` (every retry: API, download, rate-limit wait),
    `rate_limit_waits`, `bytes_downloaded`, `malformed_items`; read as one consistent copy."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(NAMES, 0)

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[name] += amount

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)
