"""Who may call the simulated API: a configured token, any token, or installation tokens it issued.

`POST /app/installations/{id}/access_tokens` accepts any `Authorization: Bearer <JWT>` whose payload
has an `iss` and a future `exp`. The JWT payload is only base64-decoded: its signature is NOT verified,
because the simulator has no App private key to check it against (tests sign with throw-away keys).
Tokens are compared in constant time and never echoed back.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

INSTALLATION_TOKEN_TTL_SECONDS = 3600
INSTALLATION_TOKEN_PREFIX = "ghs_sim"  # noqa: S105 - a recognisable prefix, not a secret


def jwt_claims(token: str) -> dict[str, Any] | None:
    """The payload of a compact JWT, decoded without checking the signature; None when malformed."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        return None
    return claims if isinstance(claims, dict) else None


def _credential(header: str | None) -> tuple[str, str] | None:
    """(scheme, value) of an Authorization header; scheme lower-cased."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if not value:
        return None
    return scheme.lower(), value


class Auth:
    def __init__(self, token: str | None, clock: Callable[[], float] = time.time):
        self._token = token
        self._clock = clock
        self._issued: dict[str, float] = {}  # installation token -> expiry (epoch seconds)
        self._lock = threading.Lock()

    def check(self, header: str | None) -> str | None:
        """None when the request may proceed, else GitHub's 401 message."""
        if not header or not header.strip():
            return "Requires authentication"
        credential = _credential(header)
        if credential is None or credential[0] not in ("bearer", "token"):
            return "Bad credentials"
        value = credential[1]
        with self._lock:
            expiry = self._issued.get(value)
        if expiry is not None and expiry > self._clock():
            return None
        if self._token is None:
            return None  # no token configured: any non-empty token will do
        if hmac.compare_digest(value.encode("utf-8"), self._token.encode("utf-8")):
            return None
        return "Bad credentials"

    def issue_installation_token(self, header: str | None) -> tuple[dict[str, Any] | None, str | None]:
        """(token body, None) for a usable App JWT, else (None, 401 message)."""
        credential = _credential(header)
        if credential is None or credential[0] != "bearer":
            return None, "A JSON web token could not be decoded"
        claims = jwt_claims(credential[1])
        if claims is None:
            return None, "A JSON web token could not be decoded"
        issuer = claims.get("iss")
        if issuer in (None, "") or isinstance(issuer, bool) or not isinstance(issuer, str | int):
            return None, "'Issuer' claim ('iss') must be set to the App ID or client ID"
        expires = claims.get("exp")
        now = self._clock()
        if isinstance(expires, bool) or not isinstance(expires, int | float) or expires <= now:
            return None, "'Expiration time' claim ('exp') must be a numeric value in the future"
        token = INSTALLATION_TOKEN_PREFIX + secrets.token_hex(18)
        expiry = now + INSTALLATION_TOKEN_TTL_SECONDS
        with self._lock:
            self._issued = {t: e for t, e in self._issued.items() if e > now}  # forget expired ones
            self._issued[token] = expiry
        expires_at = dt.datetime.fromtimestamp(int(expiry), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "token": token,
            "expires_at": expires_at,
            "permissions": {
                "organization_copilot_metrics": "read",
                "organization_copilot_seat_management": "read",
                "members": "read",
            },
            "repository_selection": "all",
        }, None
