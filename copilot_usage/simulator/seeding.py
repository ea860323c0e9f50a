"""Stable random streams for the simulator.

Every random choice is drawn from a `random.Random` seeded with a SHA-derived hash of (seed, purpose, ids),
never from Python's `hash()` (salted per process), so the same configuration yields the same world in
every process, on every machine and every Python version that keeps `random`'s documented stability.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random

_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15  # odd constant: multiplying by it spreads consecutive ids over 64 bits


def stable_seed(*parts: str | int | float | dt.date | None) -> int:
    """A 64-bit seed from an unambiguous encoding (a JSON array) of `parts`."""
    encoded = json.dumps([p.isoformat() if isinstance(p, dt.date) else p for p in parts], separators=(",", ":"))
    return int.from_bytes(hashlib.blake2b(encoded.encode("utf-8"), digest_size=8).digest(), "big")


def stable_rng(*parts: str | int | float | dt.date | None) -> random.Random:
    return random.Random(stable_seed(*parts))


def mix(seed: int, n: int) -> int:
    """Combine a day-level seed with a user id cheaply (hashing per user would cost more than generating)."""
    return (seed ^ ((n * _GOLDEN) & _MASK64)) & _MASK64
