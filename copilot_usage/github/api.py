"""Requests to the GitHub REST API: headers, the API version, retries and typed errors.

`GitHubApi.get` sends one authenticated GET under the GITHUB_API retry policy: 5xx answers and failed
connections are retried with backoff; rate limits are waited out as the shared `RateBudget` says; every
other answer outside 2xx becomes a typed GitHubError naming the path and what to do. The token is asked
from `token_provider` per request, because GitHub App installation tokens rotate during long runs.

Secrets rule: the token never appears in a log line or an error. Exceptions raised by `requests` embed
the full URL and may quote headers, so they are never chained or formatted into ours; only their class
name is reported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from copilot_usage import defaults
from copilot_usage.github import endpoints
from copilot_usage.github.counters import Counters
from copilot_usage.github.errors import (
    PERMISSION_HEADERS,
    AuthenticationError,
    ForbiddenError,
    GitHubError,
    NotFoundError,
    RateLimitError,
    ServerError,
)
from copilot_usage.github.ratelimit import RateBudget
from copilot_usage.github.redact import mask_message, redact_url
from copilot_usage.retry import GITHUB_API, Attempts, RetryPolicy

log = logging.getLogger(__name__)

# Transport failures worth another try: refused/reset connections, timeouts, bodies cut off mid-way.
TRANSIENT = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
_MESSAGE_LIMIT = 200


class GitHubApi:
    """Authenticated GET requests to one GitHub API host, retried under `policy`, within `budget`."""

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        token_provider: Callable[[], str],
        budget: RateBudget,
        counters: Counters,
        *,
        policy: RetryPolicy = GITHUB_API,
        api_version: str = defaults.GITHUB_API_VERSION,
        timeout: tuple[float, float] = (defaults.CONNECT_TIMEOUT_SECONDS, defaults.HTTP_TIMEOUT_SECONDS),
        user_agent: str,
    ):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"GitHub API URL must start with http:// or https://, got {redact_url(base_url)!r}")
        self._session = session
        self._base = base_url.rstrip("/")
        self._origin = origin(base_url)
        self._token_provider = token_provider
        self._budget = budget
        self._counters = counters
        self._policy = policy
        self._api_version = api_version
        self._timeout = timeout
        self._user_agent = user_agent

    def get(self, path_or_url: str, params: Mapping[str, str] | None = None) -> requests.Response:
        """GET an API path (relative to the base URL) or a same-host absolute URL from a Link header.

        Returns 2xx answers (200, 204) as they are; raises a typed GitHubError for anything else.
        """
        url, path = self._resolve(path_or_url)
        tries = self._policy.start()
        secondary_waits = 0
        while True:
            self._budget.before_request(path)
            token = self._token_provider()
            self._counters.add("api_requests")
            try:
                response = self._session.get(url, params=params, headers=self._headers(token), timeout=self._timeout)
            except TRANSIENT as exc:
                self._retry(tries, path, f"request failed ({type(exc).__name__})", None, None)
                continue
            except requests.RequestException as exc:
                # Not transient (e.g. an invalid header); the requests message may quote the token.
                raise GitHubError(f"request to {path} could not be sent ({type(exc).__name__})", path=path) from None
            self._budget.observe(response.headers)
            status = response.status_code
            log.debug("GET %s -> %s", path, status)
            if 200 <= status < 300:
                return response
            if self._policy.retryable(status):
                wait = self._policy.retry_after(response.headers.get("retry-after"))
                self._retry(tries, path, f"answered {status}", status, wait)
                continue
            if status in (403, 429):
                limit = self._budget.limit_wait(response, path, secondary_waits)
                if limit is not None:
                    if not tries.left:
                        raise RateLimitError(
                            f"GitHub kept rate-limiting {path} after {tries.number} attempts; the next run continues",
                            reset_at=self._policy.clock() + limit.seconds, status=status, path=path,
                        )
                    log.warning("rate limited on %s; waiting %.1f s", path, limit.seconds)
                    tries.pause(limit.seconds)
                    self._counters.add("rate_limit_waits")
                    self._counters.add("retries")
                    if limit.primary:
                        self._budget.window_over()
                    else:
                        secondary_waits += 1
                    continue
            raise self._error_for(response, path, token)

    def get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """The parsed JSON body, or None when GitHub answered 204 No Content."""
        response = self.get(path, params)
        if response.status_code == 204:
            return None
        return json_body(response, display_path(path))

    def paginate(
        self, path: str, params: Mapping[str, str] | None = None, items_key: str | None = None
    ) -> Iterator[Any]:
        """Yield every item of every page, following `Link: <...>; rel="next"` verbatim.

        `items_key` names the list inside each page's object (e.g. "seats"); None means each page body is
        itself the list (e.g. teams). Items that are not objects are counted (`malformed_items`) and still
        yielded: the caller's shaping sets them aside as rejected records, so they show up in the run's
        counts and the ingestion log like a damaged line of a report file does.
        """
        shown = display_path(path)
        next_ref: str | None = path
        next_params = params
        seen: set[str] = set()
        page = 0
        while next_ref is not None:
            response = self.get(next_ref, next_params)
            page += 1
            if response.status_code == 204:
                return
            body = json_body(response, shown)
            items = body if items_key is None else body.get(items_key) if isinstance(body, dict) else None
            if not isinstance(items, list):
                what = "a list" if items_key is None else f"an object with a '{items_key}' list"
                raise GitHubError(f"page {page} of {shown} is not {what}", status=response.status_code, path=shown)
            for item in items:
                if not isinstance(item, dict):
                    self._counters.add("malformed_items")
                    log.warning("a %s item on page %d of %s is not an object", type(item).__name__, page, shown)
                yield item
            link = response.links.get("next", {}).get("url")
            if not link:
                return
            absolute = urljoin(response.url, link)
            if absolute in seen:
                raise GitHubError(f"the Link header of {shown} loops back to an earlier page", path=shown)
            seen.add(absolute)
            next_ref, next_params = absolute, None

    def _retry(self, tries: Attempts, path: str, reason: str, status: int | None, wait: float | None) -> None:
        """Wait before another try, or raise ServerError when the policy's attempts are spent."""
        if not tries.left:
            raise ServerError(
                f"GitHub {reason} for {path} on all {tries.number} attempts; GitHub may be having an outage, "
                "the next run tries again",
                status=status, path=path,
            )
        delay = tries.next_delay(wait)
        log.warning("GitHub %s for %s; retry %d in %.2f s", reason, path, tries.number, delay)
        tries.pause(delay)
        self._counters.add("retries")

    def _resolve(self, path_or_url: str) -> tuple[str, str]:
        if path_or_url.startswith(("http://", "https://")):
            parts = urlsplit(path_or_url)
            if origin(path_or_url) != self._origin:
                # Never send the token to a host other than the configured API host.
                raise GitHubError(
                    f"refusing to follow {redact_url(path_or_url)}: it is not on the GitHub API host",
                    path=parts.path,
                )
            return path_or_url, parts.path
        if not path_or_url.startswith("/"):
            raise ValueError(f"API path must start with '/', got {display_path(path_or_url)!r}")
        return self._base + path_or_url, display_path(path_or_url)

    def _headers(self, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": self._api_version,
            "User-Agent": self._user_agent,
        }

    def _error_for(self, response: requests.Response, path: str, token: str) -> GitHubError:
        error = self._typed_error(response, path, token)
        error.said = github_message(response, token)
        error.permissions = {h: response.headers[h] for h in PERMISSION_HEADERS if h in response.headers}
        return error

    def _typed_error(self, response: requests.Response, path: str, token: str) -> GitHubError:
        status = response.status_code
        said = github_message(response, token)
        said = f" (GitHub said: {said})" if said else ""
        if status == 401:
            return AuthenticationError(
                f"GitHub answered 401 for {path}: the token is invalid or expired; create a new one "
                f"(or check the GitHub App id, installation id and private key){said}",
                status=status, path=path,
            )
        if status == 403:
            return ForbiddenError(
                f"GitHub answered 403 for {path}: {endpoints.forbidden_hint(path)}{said}", status=status, path=path
            )
        if status == 404:
            return NotFoundError(
                f"GitHub answered 404 for {path}: {endpoints.not_found_hint(path)}{said}", status=status, path=path
            )
        if status == 410:
            return GitHubError(
                f"GitHub answered 410 Gone for {path}; if every request fails like this, the API version "
                f"{self._api_version} is no longer supported (set GITHUB_API_VERSION){said}",
                status=status, path=path,
            )
        return GitHubError(f"GitHub answered {status} for {path}{said}", status=status, path=path)


def origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, (parts.hostname or "").lower(), port


def display_path(path: str) -> str:
    """A path without its query string, for messages."""
    return path.split("?", 1)[0]


def json_body(response: requests.Response, shown: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise GitHubError(
            f"GitHub answered {shown} with a body that is not JSON", status=response.status_code, path=shown
        ) from None


def github_message(response: requests.Response, token: str) -> str:
    """GitHub's own error message, shortened, with the token and any URL query masked."""
    try:
        body = response.json()
    except ValueError:
        body = None
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str):
        return ""
    return mask_message(message, token, _MESSAGE_LIMIT)
