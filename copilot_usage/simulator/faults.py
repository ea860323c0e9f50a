"""Injected misbehaviour (`Faults`), the dice that decide it, and the primary rate-limit budget.

`Faults` is a plain mutable dataclass: tests flip fields on `server.faults` between requests, or send
them to `POST /_simulator/control`. Random faults are drawn from one RNG seeded with `Faults.seed`, so a
given sequence of requests meets the same sequence of faults (a new seed restarts the sequence).
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

WINDOW_SECONDS = 3600
# Without Faults.rate_limit the budget is effectively unlimited: honest headers, but a benchmark's tens of
# thousands of requests never run a client into its reserve.
UNLIMITED_BUDGET = 1_000_000


@dataclass
class Faults:
    latency_ms: float = 0.0  # added to every API request and download
    fail_rate: float = 0.0  # fraction answered 500/502/503 (API and downloads)
    throttle_rate: float = 0.0  # fraction of API requests answered 429 or secondary-limit 403
    retry_after: int = 1  # seconds in the throttled answers' retry-after header
    truncate_rate: float = 0.0  # fraction of downloads cut off after half the body
    corrupt_rate: float = 0.0  # fraction of downloads with bytes overwritten in the middle (length unchanged)
    rate_limit: int | None = None  # primary budget per hour window; None = unlimited
    forbidden_paths: list[str] = field(default_factory=list)  # API path prefixes answered 403
    # Usage-metrics path prefixes answered as if the Copilot usage metrics policy were disabled (403 or 422).
    policy_disabled_paths: list[str] = field(default_factory=list)
    policy_disabled_status: int = 403
    token_scopes: str | None = None  # sent as X-OAuth-Scopes on every API answer (a classic token's scopes)
    expire_links: bool = False  # every download link is issued already expired
    seed: int = 0  # seed of the fault RNG

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _rate(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}")
    return float(value)


def _whole(name: str, value: Any, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise ValueError(f"{name} must be a whole number >= {lo}, got {value!r}")
    return value


def _check(name: str, value: Any) -> Any:
    if name in ("fail_rate", "throttle_rate", "truncate_rate", "corrupt_rate"):
        return _rate(name, value)
    if name == "latency_ms":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 600_000:
            raise ValueError(f"latency_ms must be a number between 0 and 600000, got {value!r}")
        return float(value)
    if name == "retry_after":
        return _whole(name, value, 0)
    if name == "rate_limit":
        return None if value is None else _whole(name, value, 1)
    if name in ("forbidden_paths", "policy_disabled_paths"):
        if not isinstance(value, list) or not all(isinstance(p, str) and p.startswith("/") for p in value):
            raise ValueError(f"{name} must be a list of path prefixes starting with '/'")
        return list(value)
    if name == "policy_disabled_status":
        if value not in (403, 422):
            raise ValueError(f"policy_disabled_status must be 403 or 422, got {value!r}")
        return value
    if name == "token_scopes":
        if value is not None and not isinstance(value, str):
            raise ValueError(f"token_scopes must be a string or null, got {value!r}")
        return value
    if name == "expire_links":
        if not isinstance(value, bool):
            raise ValueError(f"expire_links must be true or false, got {value!r}")
        return value
    if name == "seed":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"seed must be a whole number, got {value!r}")
        return value
    raise ValueError(f"unknown fault {name!r}")


def apply_changes(faults: Faults, changes: Mapping[str, Any]) -> None:
    """Validate every change first, then apply them all (all or nothing)."""
    checked = {name: _check(name, value) for name, value in changes.items()}
    for name, value in checked.items():
        setattr(faults, name, value)


class FaultDice:
    """Draws fault decisions from an RNG seeded with `faults.seed` (reseeded when the seed changes).

    Takes a provider rather than a `Faults` object so that replacing `server.faults` takes effect too.
    """

    def __init__(self, faults: Callable[[], Faults]):
        self._faults = faults
        self._lock = threading.Lock()
        self._seed = faults().seed
        self._rng = random.Random(self._seed)

    def _roll(self, rate: float) -> float | None:
        """A uniform draw in [0, 1) when the fault hits, else None; no draw at all when rate is 0."""
        if rate <= 0:
            return None
        with self._lock:
            seed = self._faults().seed
            if seed != self._seed:
                self._seed = seed
                self._rng = random.Random(seed)
            roll = self._rng.random()
            pick = self._rng.random()
        return pick if roll < rate else None

    def failure(self) -> int | None:
        pick = self._roll(self._faults().fail_rate)
        return None if pick is None else (500, 502, 503)[int(pick * 3)]

    def throttle(self) -> int | None:
        """429, or 403 for GitHub's secondary limit, or None."""
        pick = self._roll(self._faults().throttle_rate)
        return None if pick is None else (429 if pick < 0.5 else 403)

    def truncate(self) -> bool:
        return self._roll(self._faults().truncate_rate) is not None

    def corrupt(self) -> bool:
        return self._roll(self._faults().corrupt_rate) is not None


CORRUPT_SPAN = 16


def corrupted(data: bytes) -> bytes:
    """`data` with a span in the middle overwritten by NUL bytes (pure). A NUL is invalid anywhere in JSON,
    inside strings too, so the damage is always detectable: a flipped digit would silently change a value,
    which no client can notice without a checksum (GitHub sends none)."""
    start = max(0, len(data) // 2 - CORRUPT_SPAN // 2)
    span = min(CORRUPT_SPAN, len(data) - start)
    return data[:start] + b"\x00" * span + data[start + span:]


@dataclass(frozen=True)
class RateState:
    limit: int
    remaining: int
    used: int
    reset: int

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-reset": str(self.reset),
            "x-ratelimit-resource": "core",
        }


class RateLimiter:
    """GitHub's primary limit: a budget per hour window that starts with the first request after a reset."""

    def __init__(self, faults: Callable[[], Faults], clock: Callable[[], float] = time.time):
        self._faults = faults
        self.clock = clock
        self._lock = threading.Lock()
        self._window_start: float | None = None
        self._used = 0

    def _roll_window(self, now: float) -> None:
        if self._window_start is None or now >= self._window_start + WINDOW_SECONDS:
            self._window_start = now
            self._used = 0

    def _state(self) -> RateState:
        limit = self._faults().rate_limit or UNLIMITED_BUDGET
        start = self._window_start if self._window_start is not None else self.clock()
        used = min(self._used, limit)
        return RateState(limit, limit - used, used, math.floor(start) + WINDOW_SECONDS)

    def take(self) -> tuple[bool, RateState]:
        """Spend one request: (allowed, state after). Refused requests do not spend."""
        with self._lock:
            now = self.clock()
            self._roll_window(now)
            limit = self._faults().rate_limit or UNLIMITED_BUDGET
            if self._used >= limit:
                return False, self._state()
            self._used += 1
            return True, self._state()

    def peek(self) -> RateState:
        with self._lock:
            now = self.clock()
            if self._window_start is not None and now >= self._window_start + WINDOW_SECONDS:
                self._roll_window(now)
            return self._state()
