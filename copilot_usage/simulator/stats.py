"""Request counters per route name, safe under the server's concurrent handler threads."""

from __future__ import annotations

import threading
from typing import Any

from copilot_usage.simulator.routes import BLOB


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[str, int] = {}
        self._api = 0
        self._downloads = 0
        self._primary_refusals = 0

    def count(self, route_name: str, kind: str) -> None:
        with self._lock:
            self._requests[route_name] = self._requests.get(route_name, 0) + 1
            if kind == BLOB:
                self._downloads += 1
            else:
                self._api += 1

    def primary_limit_refusal(self) -> None:
        with self._lock:
            self._primary_refusals += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(sorted(self._requests.items())),
                "total": self._api + self._downloads,
                "api_requests": self._api,
                "downloads": self._downloads,
                "primary_limit_refusals": self._primary_refusals,
            }

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._api = self._downloads = self._primary_refusals = 0
