"""The retry policy: schedule, cap, jitter, server-requested waits, retryable outcomes, the attempt bound,
and the named policies as docs/architecture.md documents them."""

from __future__ import annotations

import dataclasses
import email.utils
import random
import re
from pathlib import Path

import pytest

from copilot_usage.retry import (
    BULK_WRITE,
    ENGINE_REQUEST,
    GITHUB_API,
    GITHUB_APP_TOKEN,
    GITHUB_DOWNLOAD,
    GITHUB_REPORT_LINKS,
    POLICIES,
    RetryPolicy,
    parse_retry_after,
)
from copilot_usage.store.errors import UNAVAILABLE_STATUSES

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"
NOW = 1_800_000_000.0


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def exact(**changes: object) -> RetryPolicy:
    """A policy without jitter, for schedules that can be compared exactly."""
    base = RetryPolicy("test", attempts=6, backoff=1.0, cap=10.0, jitter=0.0, statuses=frozenset({503}),
                       max_wait=60.0)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


# ---------------------------------------------------------------- schedule and cap


def test_backoff_doubles_from_the_first_retry_and_stops_at_the_cap() -> None:
    policy = exact()
    assert [policy.backoff_delay(n) for n in range(1, 7)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert policy.backoff_delay(10_000) == 10.0  # no overflow for absurd retry numbers
    assert policy.worst_case_backoff() == 1 + 2 + 4 + 8 + 10


def test_full_jitter_spreads_over_zero_to_the_ceiling() -> None:
    rng = random.Random(5)
    policy = exact(jitter=1.0).using(rand=rng.random)
    delays = [policy.backoff_delay(3) for _ in range(500)]
    assert all(0.0 <= d <= 4.0 for d in delays)
    assert min(delays) < 0.4
    assert max(delays) > 3.6


def test_equal_jitter_keeps_at_least_half_the_ceiling() -> None:
    rng = random.Random(6)
    policy = exact(jitter=0.5).using(rand=rng.random)
    delays = [policy.backoff_delay(2) for _ in range(500)]
    assert all(1.0 <= d <= 2.0 for d in delays)
    assert min(delays) < 1.1
    assert max(delays) > 1.9


def test_named_policies_keep_their_jitter_bounds() -> None:
    for rand in (lambda: 0.0, lambda: 0.999999):
        for policy in POLICIES:
            p = policy.using(rand=rand)
            for retry in range(1, policy.attempts):
                ceiling = policy.ceiling(retry)
                assert ceiling * (1 - policy.jitter) <= p.backoff_delay(retry) <= ceiling


# ---------------------------------------------------------------- waits the server asks for


def test_a_server_wait_is_the_lower_bound_when_it_is_short_enough() -> None:
    policy = exact()
    assert policy.delay(1, wait=7.0) == 7.0  # longer than the backoff of 1 s
    assert policy.delay(4, wait=3.0) == 8.0  # shorter: the backoff stands
    assert policy.delay(1, wait=60.0) == 60.0  # exactly max_wait is still honoured
    assert policy.delay(1, wait=61.0) == 1.0  # longer than max_wait: not honoured (the caller decides)
    assert policy.honours(60.0)
    assert not policy.honours(60.5)
    assert not policy.honours(None)


def test_retry_after_in_seconds_and_as_an_http_date() -> None:
    assert parse_retry_after("9", NOW) == 9.0
    assert parse_retry_after(" 2.5 ", NOW) == 2.5
    assert parse_retry_after("-4", NOW) == 0.0
    date = email.utils.formatdate(NOW + 30, usegmt=True)
    assert parse_retry_after(date, NOW) == 30.0
    assert parse_retry_after(email.utils.formatdate(NOW - 30, usegmt=True), NOW) == 0.0
    for unreadable in (None, "", "soon", "inf", "nan"):
        assert parse_retry_after(unreadable, NOW) is None
    assert exact(clock=lambda: NOW).retry_after(date) == 30.0


# ---------------------------------------------------------------- what is retried


def test_only_the_listed_statuses_are_retryable() -> None:
    policy = exact(statuses=frozenset({502, 503}))
    assert policy.retryable(503)
    assert policy.retryable(502)
    for status in (None, 200, 400, 401, 403, 404, 409, 410, 422, 500, 501):
        assert not policy.retryable(status)


def test_what_each_named_policy_retries() -> None:
    server_errors = {500, 502, 503, 504}
    assert GITHUB_API.statuses == server_errors  # 403/429 are rate limits: waited out, not backed off
    assert GITHUB_DOWNLOAD.statuses == server_errors | {429}  # the CDN's throttling
    assert GITHUB_APP_TOKEN.statuses == server_errors
    assert GITHUB_REPORT_LINKS.statuses == frozenset()  # retried on an expired link, not on a status
    # The engine: the same busy statuses for both layers, and the ones the store calls "unavailable".
    assert BULK_WRITE.statuses == ENGINE_REQUEST.statuses == frozenset(UNAVAILABLE_STATUSES)
    for policy in POLICIES:
        assert not {400, 401, 403, 404, 409, 410, 422} & policy.statuses, policy.name


# ---------------------------------------------------------------- the attempt bound


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_a_call_makes_at_most_the_policy_attempts(policy: RetryPolicy) -> None:
    sleeps = Sleeps()
    tries = policy.using(sleep=sleeps, rand=lambda: 0.5).start()
    made = 1
    while tries.left:
        tries.pause(tries.next_delay())
        made += 1
    assert made == tries.number == policy.attempts
    assert len(sleeps) == policy.retries
    assert sum(sleeps) <= policy.worst_case_backoff()
    with pytest.raises(RuntimeError, match="attempts are used"):
        tries.pause(0.0)


def test_each_call_counts_its_own_attempts() -> None:
    policy = exact(attempts=2).using(sleep=Sleeps())
    first, second = policy.start(), policy.start()
    first.pause(first.next_delay())
    assert (first.left, second.left) == (0, 1)


def test_the_bulk_write_worst_case_is_documented() -> None:
    assert BULK_WRITE.worst_case_backoff() == 15.0  # "1+2+4+8 = 15 s" in retry.py and the docs


# ---------------------------------------------------------------- the object


def test_policies_are_immutable_and_injection_makes_a_new_one() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        GITHUB_API.attempts = 99  # type: ignore[misc]
    sleeps = Sleeps()
    injected = GITHUB_API.using(sleep=sleeps, clock=lambda: NOW)
    assert injected is not GITHUB_API
    assert injected == GITHUB_API  # sleep, clock and random source are not part of the policy's identity
    assert injected.sleep is sleeps
    assert GITHUB_API.sleep is not sleeps
    assert "sleep" not in repr(injected)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"attempts": 0}, "attempts"),
        ({"backoff": -1.0}, "backoff"),
        ({"cap": float("nan")}, "cap"),
        ({"max_wait": -0.5}, "max_wait"),
        ({"jitter": 1.5}, "jitter"),
    ],
)
def test_nonsense_is_refused(changes: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        exact(**changes)
# ---------------------------------------------------------------- the documentation


def test_the_architecture_retry_table_matches_the_policies() -> None:
    """docs/architecture.md "Retries": one row per policy, with its attempts, backoff, cap and jitter."""
    rows: dict[str, list[str]] = {}
    for line in ARCHITECTURE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*`([A-Z_]+)`\s*\|(.*)\|\s*$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")]
    names = {"GITHUB_API": GITHUB_API, "GITHUB_DOWNLOAD": GITHUB_DOWNLOAD, "GITHUB_REPORT_LINKS": GITHUB_REPORT_LINKS,
             "GITHUB_APP_TOKEN": GITHUB_APP_TOKEN, "BULK_WRITE": BULK_WRITE, "ENGINE_REQUEST": ENGINE_REQUEST}
    assert set(names) == set(rows), "one row per named policy in retry.py"
    assert len(names) == len(POLICIES)
    for name, policy in names.items():
        _layer, _what, attempts, backoff, *_ = rows[name]
        assert attempts == str(policy.attempts), name
        if policy.cap:
            expected = f"{policy.backoff:g} s doubling, cap {policy.cap:g} s, {_jitter_name(policy.jitter)}"
        else:
            expected = "none"
        assert backoff == expected, name


def _jitter_name(jitter: float) -> str:
    return {0.0: "no jitter", 0.5: "equal jitter", 1.0: "full jitter"}[jitter]
