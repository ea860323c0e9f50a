"""Signed, expiring download links, like the SAS URLs GitHub hands out for report files.

The signature is HMAC-SHA256 over (path, expiry) with a random key per server, so links from another
server instance, edited paths and edited expiries are all refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable


class LinkSigner:
    def __init__(self, ttl_seconds: int, clock: Callable[[], float] = time.time, key: bytes | None = None):
        self._key = key or secrets.token_bytes(32)
        self._ttl = ttl_seconds
        self._clock = clock

    def _sig(self, path: str, expiry: int) -> str:
        return hmac.new(self._key, f"{path}\n{expiry}".encode(), hashlib.sha256).hexdigest()

    def query(self, path: str, expired: bool = False) -> str:
        """The `se=...&sig=...` query string for `path` (already past its expiry when `expired`)."""
        now = int(self._clock())
        expiry = now - 1 if expired else now + self._ttl
        return f"se={expiry}&sig={self._sig(path, expiry)}"

    def check(self, path: str, expiry: str | None, sig: str | None) -> str | None:
        """None when the link is valid, else the reason (which never contains the signature)."""
        if not expiry or not sig or not expiry.isdigit():
            return "Signature fields not well formed."
        if not hmac.compare_digest(self._sig(path, int(expiry)), sig):
            return "Signature did not match."
        if int(expiry) < self._clock():
            return "Signed expiry time has passed."
        return None
