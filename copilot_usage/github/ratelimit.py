"""GitHub's rate limits as a budget shared by every worker thread of a run.

The primary limit is a number of requests per hour window; every API answer reports what is left
(`x-ratelimit-*`). Before a request the budget either lets it go, waits for the window's reset (when no
reserve is kept and the reset is near enough), or stops the run (`BudgetExhausted`: the reserve is
reached). After a 403/429 it tells a rate limit from a refusal and says how long GitHub wants us to wait:
Retry-After first, then a used-up window's reset, then a secondary limit's minute (doubling). Waits
longer than the policy's `max_wait` (RATE_LIMIT_MAX_WAIT_SECONDS) raise RateLimitError: the next run
continues.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass

import requests

from copilot_usage.github.counters import Counters
from copilot_usage.github.errors import BudgetExhausted, RateLimitError
from copilot_usage.retry import RetryPolicy

log = logging.getLogger(__name__)

# Wait after a secondary-limit answer that names no Retry-After: GitHub asks for at least a minute, and
# longer for each further one.
SECONDARY_LIMIT_WAIT = 60.0


@dataclass(frozen=True)
class RateState:
    """GitHub's primary rate-limit window as last reported (`reset` is epoch seconds)."""

    limit: int | None
    remaining: int
    reset: float
    used: int | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateState | None:
        remaining = int_header(headers, "x-ratelimit-remaining")
        reset = int_header(headers, "x-ratelimit-reset")
        if remaining is None or reset is None:
            return None
        return cls(
            limit=int_header(headers, "x-ratelimit-limit"),
            remaining=remaining,
            reset=float(reset),
            used=int_header(headers, "x-ratelimit-used"),
        )


@dataclass(frozen=True)
class LimitWait:
    """How long a rate-limited request waits before it is sent again; `primary` when the hour window ran out."""

    seconds: float
    primary: bool


class RateBudget:
    """The primary window as the answers report it, and the waits rate limits ask for. Thread-safe.

    `reserve` requests of each window are left for others (the next run, people using the same token);
    the policy's `max_wait` bounds every wait and its `sleep` and `clock` are used for them.
    """

    def __init__(self, policy: RetryPolicy, counters: Counters, *, reserve: int = 0,
                 secondary_wait: float = SECONDARY_LIMIT_WAIT):
        if reserve < 0 or secondary_wait < 0:
            raise ValueError("reserve and secondary_wait must not be negative")
        self.policy = policy
        self.reserve = reserve
        self.secondary_wait = secondary_wait
        self._counters = counters
        self._lock = threading.Lock()
        self._state: RateState | None = None

    @property
    def state(self) -> RateState | None:
        with self._lock:
            return self._state

    def observe(self, headers: Mapping[str, str]) -> None:
        """Take in the `x-ratelimit-*` headers of an answer."""
        new = RateState.from_headers(headers)
        if new is None:
            return
        with self._lock:
            old = self._state
            # Answers of concurrent requests arrive out of order: within one window the lowest remaining
            # count is the true one; an answer from an older window is stale.
            if old is None or new.reset > old.reset or (new.reset == old.reset and new.remaining < old.remaining):
                self._state = new

    def window_over(self, seen: RateState | None = None) -> None:
        """Forget the window (the next answer tells the new one); with `seen`, only if it is still current."""
        with self._lock:
            if seen is None or self._state is seen:
                self._state = None

    def before_request(self, path: str) -> None:
        """Let a request go, wait for the reset first, or raise BudgetExhausted / RateLimitError."""
        rate = self.state
        if rate is None:
            return
        now = self.policy.clock()
        if rate.reset <= now or rate.remaining > self.reserve:
            return
        if self.reserve > 0:
            raise BudgetExhausted(rate.remaining, self.reserve, rate.reset)
        # No reserve to protect: this is simply the primary limit, so wait for the reset if allowed.
        delay = rate.reset - now + 1
        if not self.policy.honours(delay):
            raise RateLimitError(limit_message(path, rate.reset, delay, self.policy.max_wait),
                                 reset_at=rate.reset, path=path)
        log.warning("rate limit used up; waiting %.1f s for the reset before %s", delay, path)
        self.policy.sleep(delay)
        self._counters.add("rate_limit_waits")
        self.window_over(rate)

    def limit_wait(self, response: requests.Response, path: str, secondary_waits: int) -> LimitWait | None:
        """The wait a 403/429 answer asks for when it is a rate limit; None when it is a refusal.

        Follows GitHub's order: Retry-After first, then a used-up primary window, then the generic
        secondary-limit back-off (`secondary_waits` such waits were made already for this request).
        Raises RateLimitError when the wait is longer than the policy allows.
        """
        now = self.policy.clock()
        status = response.status_code
        retry_after = self.policy.retry_after(response.headers.get("retry-after"))
        if retry_after is not None:
            return self._allowed(LimitWait(retry_after, primary=False), now + retry_after, path, status)
        remaining = int_header(response.headers, "x-ratelimit-remaining")
        reset = int_header(response.headers, "x-ratelimit-reset")
        if remaining == 0 and reset is not None:
            return self._allowed(LimitWait(max(0.0, reset - now) + 1, primary=True), float(reset), path, status)
        # GitHub's messages say "secondary rate limit" (or "API rate limit exceeded" when a proxy dropped
        # the x-ratelimit headers); either way, back off instead of reporting a missing permission.
        if status == 429 or "rate limit" in response.text.lower():
            delay = self.secondary_wait * 2**secondary_waits
            return self._allowed(LimitWait(delay, primary=False), now + delay, path, status)
        return None

    def _allowed(self, wait: LimitWait, reset_at: float, path: str, status: int) -> LimitWait:
        if not self.policy.honours(wait.seconds):
            raise RateLimitError(limit_message(path, reset_at, wait.seconds, self.policy.max_wait),
                                 reset_at=reset_at, status=status, path=path)
        return wait


def int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def limit_message(path: str, reset_at: float, delay: float, cap: float) -> str:
    when = dt.datetime.fromtimestamp(reset_at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return (
        f"GitHub rate limit reached on {path}; it resets at {when} (in {delay:.0f} s), later than the "
        f"allowed wait of {cap:.0f} s (RATE_LIMIT_MAX_WAIT_SECONDS); the next run continues"
    )
