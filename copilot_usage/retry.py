"""One retry policy for every call the product may send again, and the named policies in use.

A `RetryPolicy` is immutable (like urllib3's `Retry`): how many attempts in all, the backoff before each
retry (exponential, capped, with a share drawn at random), which HTTP statuses are worth another try and
the longest wait a server may ask for (Retry-After, a rate-limit reset) that is still honoured. Its
`sleep`, `clock` and `rand` are injectable so tests never wait. One call's progress lives in an
`Attempts` (`policy.start()`), never in the policy, so one policy serves every thread.

Which layer retries what is decided here, once: see "Retries" in docs/architecture.md. In short, a busy
answer of the search engine to a bulk request is retried by the bulk writer (BULK_WRITE) and nowhere
else; the Elasticsearch client's own retries (ENGINE_REQUEST) cover every other engine request and
connections that fail outright. GitHub calls are retried by the GitHub client alone.

Imports only `defaults` from the package (which imports nothing), so every layer may use it.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from copilot_usage import defaults

# Exponents beyond this only ever hit the cap; bounding them keeps 2**n a float that cannot overflow.
_MAX_EXPONENT = 60


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently one kind of call is tried again.

    The backoff before retry number n (1 = the first retry) is drawn from
    [ceiling * (1 - jitter), ceiling] with ceiling = min(cap, backoff * 2**(n - 1)): jitter 0 waits
    exactly the ceiling, 0.5 at least half of it ("equal jitter"), 1 anything up to it ("full jitter").
    A wait the server asks for is honoured, as the lower bound of the delay, when it is at most
    `max_wait`; a longer one is the caller's to refuse (typically: give up until the next run).
    """

    name: str
    attempts: int  # tries in all, the first included; 1 = never retried
    backoff: float  # seconds: the ceiling before the first retry, doubling with each further one
    cap: float  # seconds: no backoff is longer
    jitter: float = 1.0  # the share of each backoff drawn at random, 0..1
    statuses: frozenset[int] = frozenset()  # HTTP answers worth another try
    max_wait: float = 0.0  # seconds: the longest server-requested wait honoured
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)
    clock: Callable[[], float] = field(default=time.time, compare=False, repr=False)  # epoch seconds
    rand: Callable[[], float] = field(default=random.random, compare=False, repr=False)  # uniform in [0, 1)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"retry policy {self.name}: attempts must be at least 1, got {self.attempts}")
        for name in ("backoff", "cap", "max_wait"):
            value = getattr(self, name)
            if not value >= 0:  # also refuses NaN
                raise ValueError(f"retry policy {self.name}: {name} must not be negative, got {value}")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError(f"retry policy {self.name}: jitter must be between 0 and 1, got {self.jitter}")

    @property
    def retries(self) -> int:
        """Tries after the first."""
        return self.attempts - 1

    def retryable(self, status: int | None) -> bool:
        return status is not None and status in self.statuses

    def ceiling(self, retry: int) -> float:
        """The longest backoff before retry number `retry` (1 = the first retry)."""
        exponent = min(max(retry - 1, 0), _MAX_EXPONENT)
        return min(self.cap, self.backoff * 2.0**exponent)

    def backoff_delay(self, retry: int) -> float:
        """The backoff before retry number `retry`, jitter applied."""
        ceiling = self.ceiling(retry)
        return ceiling * (1.0 - self.jitter) + ceiling * self.jitter * self.rand()

    def honours(self, wait: float | None) -> bool:
        """Whether a wait the server asked for (seconds) is short enough to be honoured."""
        return wait is not None and wait <= self.max_wait

    def delay(self, retry: int, wait: float | None = None) -> float:
        """Seconds before retry number `retry`: the backoff, or the server's wait when honoured and longer."""
        delay = self.backoff_delay(retry)
        if wait is not None and self.honours(wait):
            delay = max(delay, wait)
        return delay

    def worst_case_backoff(self) -> float:
        """The longest total backoff one call can spend (server-requested waits not counted)."""
        return math.fsum(self.ceiling(retry) for retry in range(1, self.attempts))

    def start(self) -> Attempts:
        """A fresh count of attempts for one call."""
        return Attempts(self)

    def using(
        self,
        *,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        rand: Callable[[], float] | None = None,
    ) -> RetryPolicy:
        """The same policy with another sleep, clock or random source (None keeps the current one)."""
        return replace(
            self,
            sleep=self.sleep if sleep is None else sleep,
            clock=self.clock if clock is None else clock,
            rand=self.rand if rand is None else rand,
        )

    def retry_after(self, value: str | None) -> float | None:
        """A Retry-After header (seconds or an HTTP date) as seconds from now; None if absent or unreadable."""
        return parse_retry_after(value, self.clock())


class Attempts:
    """The tries of one call under a policy. Not shared between threads: every call starts its own.

    ``number`` is the attempt being made (1 = the first); ``left`` how many retries remain. A retry is
    ``delay = attempts.next_delay(wait)`` (the caller may log it), then ``attempts.pause(delay)``.
    """

    def __init__(self, policy: RetryPolicy):
        self.policy = policy
        self.number = 1

    @property
    def left(self) -> int:
        return max(self.policy.attempts - self.number, 0)

    def next_delay(self, wait: float | None = None) -> float:
        """The delay before the next attempt (backoff, or the server's honoured wait)."""
        return self.policy.delay(self.number, wait)

    def pause(self, seconds: float) -> None:
        """Wait `seconds` with the policy's sleep and count the next attempt. Raises when none is left."""
        if not self.left:
            raise RuntimeError(f"retry policy {self.policy.name}: all {self.policy.attempts} attempts are used")
        self.policy.sleep(seconds)
        self.number += 1


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Retry-After (delay-seconds or an HTTP date, RFC 9110 §10.2.3) as seconds after `now`, never negative."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now)


# ---------------------------------------------------------------------------------------------- policies
# Every retry of the product uses one of these. Callers inject sleep/clock with `using` and adjust from
# settings with dataclasses.replace (e.g. max_wait from RATE_LIMIT_MAX_WAIT_SECONDS); the numbers live here.

_SERVER_ERRORS = frozenset({500, 502, 503, 504})

# GitHub REST API requests: 5xx answers, dropped connections and timeouts pass within seconds. Full jitter
# so the worker threads do not come back in step. Rate limits are not backed off but waited out as GitHub
# says (Retry-After, the window's reset, a minute doubling for a secondary limit) when that is at most
# max_wait (RATE_LIMIT_MAX_WAIT_SECONDS), within the same attempts.
GITHUB_API = RetryPolicy("github-api", attempts=6, backoff=0.5, cap=30.0, jitter=1.0,
                         statuses=_SERVER_ERRORS, max_wait=float(defaults.RATE_LIMIT_MAX_WAIT_SECONDS))

# Signed report links (GitHub's blob storage behind a CDN): as the API, plus 429 from the CDN, and bodies
# cut off mid-way are fetched again from the start. No credential of ours is involved, no API budget used.
GITHUB_DOWNLOAD = RetryPolicy("github-download", attempts=6, backoff=0.5, cap=30.0, jitter=1.0,
                              statuses=_SERVER_ERRORS | {429},
                              max_wait=float(defaults.RATE_LIMIT_MAX_WAIT_SECONDS))

# An expired signed link (403/404/410) is not retried as it is: the report is asked for one fresh set of
# links, at once (a new set is valid for about an hour).
GITHUB_REPORT_LINKS = RetryPolicy("github-report-links", attempts=2, backoff=0.0, cap=0.0, jitter=0.0)

# GitHub App installation tokens: one thread mints while the others wait for it, so no jitter is needed;
# few tries, because every API request of the run waits on this one. Each try signs a fresh JWT.
GITHUB_APP_TOKEN = RetryPolicy("github-app-token", attempts=3, backoff=1.0, cap=30.0, jitter=0.0,
                               statuses=_SERVER_ERRORS, max_wait=60.0)

# Bulk writes, the whole request or single items answered busy (429, 502-504, rejected execution, circuit
# breaker). The only layer that retries a busy bulk answer (the writer turns the client's status retries
# off for bulk requests). Equal jitter: at least half the backoff, so a busy engine really gets relief,
# yet concurrent writers drift apart. Worst case 1+2+4+8 = 15 s per request before the day fails.
BULK_WRITE = RetryPolicy("bulk-write", attempts=5, backoff=1.0, cap=30.0, jitter=0.5,
                         statuses=frozenset({429, 502, 503, 504}))

# Every other engine request (reads, templates, refreshes, deletes), and connections that fail or time out
# on any request, bulk included: the Elasticsearch client's own retries (`max_retries`, `retry_on_status`,
# `retry_on_timeout`), made at once, since the client's transport never sleeps. Requests are idempotent.
ENGINE_REQUEST = RetryPolicy("engine-request", attempts=4, backoff=0.0, cap=0.0, jitter=0.0,
                             statuses=frozenset({429, 502, 503, 504}))

POLICIES = (GITHUB_API, GITHUB_DOWNLOAD, GITHUB_REPORT_LINKS, GITHUB_APP_TOKEN, BULK_WRITE, ENGINE_REQUEST)
