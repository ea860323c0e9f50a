"""GitHub App authentication: a private key becomes short-lived installation tokens.

`InstallationTokenProvider` is a `() -> str` callable, the same shape as a PAT provider, so the HTTP
client asks it for a token on every request and never knows which kind it got. Tokens live one hour;
we reuse one until five minutes before it expires, and mint at most one at a time across threads.
Neither the key, the JWT nor the token ever appears in a message or repr. A token request that fails on
the way (no connection, 5xx) is tried again under the GITHUB_APP_TOKEN policy, with a fresh JWT each time.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from copilot_usage import __version__, defaults
from copilot_usage.github.errors import AppAuthError
from copilot_usage.retry import GITHUB_APP_TOKEN, RetryPolicy

if TYPE_CHECKING:
    from copilot_usage.settings import Settings

# GitHub accepts a JWT for at most 10 minutes; backdating iat absorbs clock drift between us and GitHub.
JWT_BACKDATE_SECONDS = 60
JWT_LIFETIME_SECONDS = 540
REFRESH_MARGIN_SECONDS = 300

log = logging.getLogger(__name__)


def load_app_key(private_key: str) -> RSAPrivateKey:
    """Parse a GitHub App private key (PEM, PKCS#1 or PKCS#8); the error never shows the key."""
    try:
        key = load_pem_private_key(private_key.strip().encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError):
        raise AppAuthError(
            "the GitHub App private key is not a readable PEM private key: paste the whole .pem file "
            "GitHub generated, including the BEGIN/END lines"
        ) from None
    if not isinstance(key, RSAPrivateKey):
        raise AppAuthError("the GitHub App private key must be an RSA key (GitHub signs App JWTs with RS256)")
    return key


def app_jwt(app_id: int, key: RSAPrivateKey, now: float) -> str:
    """The JWT GitHub expects from an App: RS256, issued by the App id, valid for nine minutes."""
    issued = int(now)
    claims = {"iat": issued - JWT_BACKDATE_SECONDS, "exp": issued + JWT_LIFETIME_SECONDS, "iss": str(app_id)}
    return jwt.encode(claims, key, algorithm="RS256")


class InstallationTokenProvider:
    def __init__(
        self,
        app_id: int,
        installation_id: int,
        private_key: str,
        api_url: str,
        *,
        clock: Callable[[], float] = time.time,
        session: requests.Session | None = None,
        api_version: str = defaults.GITHUB_API_VERSION,
        timeout: float = defaults.HTTP_TIMEOUT_SECONDS,
        retry: RetryPolicy = GITHUB_APP_TOKEN,
        sleep: Callable[[float], None] | None = None,
    ):
        """`retry` (the GITHUB_APP_TOKEN policy) runs with this provider's `clock` and, if given, `sleep`."""
        self.app_id = app_id
        self.installation_id = installation_id
        self._key = load_app_key(private_key)
        self._url = f"{api_url.rstrip('/')}/app/installations/{int(installation_id)}/access_tokens"
        self._clock = clock
        self._session = session or requests.Session()
        self._api_version = api_version
        self._timeout = timeout
        self._retry = retry.using(sleep=sleep, clock=clock)
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0
        self.expires_at: float | None = None
        self.mint_count = 0

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> InstallationTokenProvider:
        github = settings.github
        if github.app_id is None or github.app_installation_id is None:
            raise AppAuthError("GITHUB_APP_ID and GITHUB_APP_INSTALLATION_ID are not set")
        if github.app_private_key is None:
            raise AppAuthError(
                "no GitHub App private key: set GITHUB_APP_PRIVATE_KEY, or KEY_VAULT_URI with "
                "GITHUB_APP_PRIVATE_KEY_SECRET_NAME (and resolve secrets before building the provider)"
            )
        kwargs.setdefault("api_version", github.api_version)
        kwargs.setdefault("timeout", github.timeout_seconds)
        return cls(
            github.app_id,
            github.app_installation_id,
            github.app_private_key.reveal(),
            github.api_url,
            **kwargs,
        )

    def __repr__(self) -> str:
        return f"InstallationTokenProvider(app_id={self.app_id}, installation_id={self.installation_id})"

    def __call__(self) -> str:
        # One lock around check-and-mint: concurrent workers wait for one fresh token instead of
        # each minting their own.
        with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                self._token, self.expires_at = self._mint()
                self._refresh_at = self.expires_at - REFRESH_MARGIN_SECONDS
                self.mint_count += 1
            return self._token

    def _mint(self) -> tuple[str, float]:
        what = f"GitHub App {self.app_id} installation {self.installation_id}"
        tries = self._retry.start()
        while True:
            headers = {
                # A fresh JWT per attempt: a retry after a long wait must not send an expired one.
                "Authorization": f"Bearer {app_jwt(self.app_id, self._key, self._clock())}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": self._api_version,
                "User-Agent": f"copilot-usage/{__version__}",
            }
            try:
                response = self._session.post(self._url, headers=headers, timeout=self._timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                reason = type(exc).__name__
                if not tries.left:
                    raise AppAuthError(f"cannot reach GitHub to get a token for {what} [{reason}]") from None
                wait = None
            else:
                if not self._retry.retryable(response.status_code) or not tries.left:
                    return self._parse(response, what)
                reason = f"HTTP {response.status_code}"
                wait = self._retry.retry_after(response.headers.get("retry-after"))
            delay = tries.next_delay(wait)
            log.warning("token request for %s failed (%s); retry %d in %.1f s", what, reason, tries.number, delay)
            tries.pause(delay)

    def _parse(self, response: requests.Response, what: str) -> tuple[str, float]:
        status = response.status_code
        if status in (200, 201):
            try:
                body = response.json()
                token = body["token"]
                expires = dt.datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
            except (ValueError, KeyError, TypeError, AttributeError):
                raise AppAuthError(
                    f"GitHub answered the token request for {what} without a usable token/expires_at", status
                ) from None
            if not isinstance(token, str) or not token:
                raise AppAuthError(f"GitHub answered the token request for {what} with an empty token", status)
            if expires.tzinfo is None:
                expires = expires.replace(tzinfo=dt.UTC)
            return token, expires.timestamp()
        hint = {
            401: "GitHub rejected the App's JWT: check GITHUB_APP_ID and that the private key belongs to this "
            "App (a key deleted in the App settings stops working at once); also check the machine clock",
            403: "GitHub refused to issue a token: the App may be suspended, or the installation does not allow it",
            404: "no such installation for this App: check GITHUB_APP_INSTALLATION_ID and that the App is "
            "installed on the organization or enterprise",
            422: "GitHub rejected the token request (the App's requested permissions or repositories are invalid)",
        }.get(status, "unexpected answer from GitHub")
        raise AppAuthError(
            f"cannot get an installation token for {what} (HTTP {status}): {hint}{_github_message(response)}", status
        )


def _github_message(response: requests.Response) -> str:
    """GitHub's own short error text (e.g. 'A JSON web token could not be decoded'), printable and capped."""
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        return ""
    if not isinstance(message, str) or not message:
        return ""
    cleaned = "".join(c if c.isprintable() else " " for c in message)[:120]
    return f" [GitHub: {cleaned}]"
