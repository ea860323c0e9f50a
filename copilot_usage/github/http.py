"""HTTP transport for the GitHub REST API and its signed report links.

One `GitHubHttp` is shared by the worker threads of a run, so every piece of mutable state (counters,
the last seen rate-limit headers, the random source) sits behind one lock. The token is fetched from
`token_provider` per request because GitHub App installation tokens rotate during long runs.

Secrets rule: the token and the query string of a signed link never appear in a log line or an error.
Exceptions raised by `requests` embed the full URL, so they are never chained or formatted into ours;
only their class name is reported.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

from copilot_usage import __version__, defaults
from copilot_usage.github import endpoints
from copilot_usage.github.errors import (
    PERMISSION_HEADERS,
    AuthenticationError,
    BudgetExhausted,
    DownloadError,
    ForbiddenError,
    GitHubError,
    LinkExpiredError,
    NotFoundError,
    RateLimitError,
    ServerError,
)

log = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
EXPIRED_LINK_STATUSES = frozenset({403, 404, 410})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
# Transport failures worth another try: refused/reset connections, timeouts, bodies cut off mid-way.
_TRANSIENT = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
_URL_RE = re.compile(r"https?://[^\s\"'<>]+")
_MESSAGE_LIMIT = 200


class RedactQueryStrings(logging.Filter):
    """urllib3 logs every request line at DEBUG, query string included; for a signed download link the
    query string is the credential. This filter cuts query strings from those records' arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                a.split("?", 1)[0] + "?…" if isinstance(a, str) and "?" in a else a for a in record.args
            )
        return True


def _install_log_redaction() -> None:
    target = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, RedactQueryStrings) for f in target.filters):
        target.addFilter(RedactQueryStrings())


_install_log_redaction()


def redact_url(url: str) -> str:
    """`scheme://host/path`, with any query replaced by `?…`: safe to log, still says which file."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if parts.port:
        host = f"{host}:{parts.port}"
    query = "?…" if parts.query else ""
    prefix = f"{parts.scheme}://{host}" if parts.scheme else host
    return f"{prefix}{parts.path}{query}"


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter (a uniform delay in [0, min(max, base * 2**attempt)])."""

    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0

    def __post_init__(self) -> None:
        if self.max_retries < 0 or self.backoff_base < 0 or self.backoff_max < 0:
            raise ValueError("RetryPolicy values must not be negative")

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before retry number `attempt` (0 = the first retry)."""
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** min(max(attempt, 0), 60))
        return rng.uniform(0.0, ceiling)


@dataclass(frozen=True)
class RateState:
    """GitHub's primary rate-limit window as last reported (`reset` is epoch seconds)."""

    limit: int | None
    remaining: int
    reset: float
    used: int | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateState | None:
        remaining = _int_header(headers, "x-ratelimit-remaining")
        reset = _int_header(headers, "x-ratelimit-reset")
        if remaining is None or reset is None:
            return None
        return cls(
            limit=_int_header(headers, "x-ratelimit-limit"),
            remaining=remaining,
            reset=float(reset),
            used=_int_header(headers, "x-ratelimit-used"),
        )


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


class _Retryable(Exception):
    """Internal: one download attempt failed in a way another attempt may fix."""

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


def _strip_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    # Passing an auth callable also stops requests from adding ~/.netrc credentials to a signed link.
    request.headers.pop("Authorization", None)
    return request


class GitHubHttp:
    """Authenticated, retrying, rate-limit-aware GET requests to the GitHub REST API, plus downloads."""

    #: Wait after a secondary-limit answer that names no Retry-After (GitHub asks for at least a minute).
    secondary_wait: float = 60.0

    def __init__(
        self,
        base_url: str,
        token_provider: Callable[[], str],
        *,
        api_version: str = defaults.GITHUB_API_VERSION,
        timeout: tuple[float, float] = (10.0, 30.0),
        retry: RetryPolicy | None = None,
        max_rate_wait: float = 120.0,
        reserve: int = 0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        user_agent: str = f"copilot-usage/{__version__}",
        session: requests.Session | None = None,
        pool_size: int = 32,
    ):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"GitHub API URL must start with http:// or https://, got {redact_url(base_url)!r}")
        self._base = base_url.rstrip("/")
        self._origin = _origin(base_url)
        self._token_provider = token_provider
        self._api_version = api_version
        self._timeout = timeout
        self._retry = retry or RetryPolicy()
        self._max_rate_wait = max_rate_wait
        self._reserve = reserve
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._user_agent = user_agent
        if session is None:
            session = requests.Session()
            # Enough pooled connections for the caller's worker threads (the default of 10 would churn).
            adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        self._session = session
        self._lock = threading.Lock()
        self._rate: RateState | None = None
        self._stats = {
            "api_requests": 0,
            "downloads": 0,
            "retries": 0,
            "rate_limit_waits": 0,
            "bytes_downloaded": 0,
            "malformed_items": 0,
        }

    # ---------------------------------------------------------------- state

    @property
    def stats(self) -> dict[str, int]:
        with self._lock:
            return dict(self._stats)

    @property
    def rate(self) -> RateState | None:
        with self._lock:
            return self._rate

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> GitHubHttp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _count(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._stats[name] += amount

    def _jitter(self, attempt: int) -> float:
        with self._lock:
            return self._retry.delay(attempt, self._rng)

    def _update_rate(self, response: requests.Response) -> None:
        new = RateState.from_headers(response.headers)
        if new is None:
            return
        with self._lock:
            old = self._rate
            # Answers of concurrent requests arrive out of order: within one window the lowest remaining
            # count is the true one; an answer from an older window is stale.
            if old is None or new.reset > old.reset or (new.reset == old.reset and new.remaining < old.remaining):
                self._rate = new

    # ---------------------------------------------------------------- API requests

    def get(self, path_or_url: str, params: Mapping[str, str] | None = None) -> requests.Response:
        """GET an API path (relative to the base URL) or a same-host absolute URL from a Link header.

        Returns 2xx answers (200, 204) as they are; raises a typed GitHubError for anything else.
        """
        url, path = self._resolve(path_or_url)
        attempt = 0
        secondary_waits = 0
        while True:
            self._check_budget(path)
            token = self._token_provider()
            self._count("api_requests")
            try:
                response = self._session.get(
                    url,
                    params=params,
                    headers=self._api_headers(token),
                    timeout=self._timeout,
                )
            except _TRANSIENT as exc:
                attempt = self._backoff(attempt, path, f"request failed ({type(exc).__name__})", None)
                continue
            except requests.RequestException as exc:
                # Not transient (e.g. an invalid header); the requests message may quote the token.
                raise GitHubError(f"request to {path} could not be sent ({type(exc).__name__})", path=path) from None
            self._update_rate(response)
            status = response.status_code
            log.debug("GET %s -> %s", path, status)
            if 200 <= status < 300:
                return response
            if status in RETRYABLE_STATUSES:
                retry_after = self._retry_after(response)
                attempt = self._backoff(attempt, path, f"answered {status}", status, retry_after)
                continue
            if status in (403, 429):
                wait = self._rate_limit_wait(response, path, secondary_waits)
                if wait is not None:
                    delay, primary = wait
                    if attempt >= self._retry.max_retries:
                        raise RateLimitError(
                            f"GitHub kept rate-limiting {path} after {attempt + 1} attempts; "
                            "the next run continues",
                            reset_at=self._clock() + delay, status=status, path=path,
                        )
                    log.warning("rate limited on %s; waiting %.1f s", path, delay)
                    self._sleep(delay)
                    self._count("rate_limit_waits")
                    self._count("retries")
                    attempt += 1
                    if primary:
                        with self._lock:
                            self._rate = None  # that window is over; the next answer tells the new one
                    else:
                        secondary_waits += 1
                    continue
            raise self._error_for(response, path, token)

    def get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """The parsed JSON body, or None when GitHub answered 204 No Content."""
        response = self.get(path, params)
        if response.status_code == 204:
            return None
        return _json_body(response, _display_path(path))

    def paginate(
        self, path: str, params: Mapping[str, str] | None = None, items_key: str | None = None
    ) -> Iterator[Any]:
        """Yield every item of every page, following `Link: <...>; rel="next"` verbatim.

        `items_key` names the list inside each page's object (e.g. "seats"); None means each page body is
        itself the list (e.g. teams). Items that are not objects are counted in stats and still yielded:
        the caller's shaping sets them aside as rejected records, so they show up in the run's counts and
        the ingestion log like a damaged line of a report file does.
        """
        shown = _display_path(path)
        next_ref: str | None = path
        next_params = params
        seen: set[str] = set()
        page = 0
        while next_ref is not None:
            response = self.get(next_ref, next_params)
            page += 1
            if response.status_code == 204:
                return
            body = _json_body(response, shown)
            items = body if items_key is None else body.get(items_key) if isinstance(body, dict) else None
            if not isinstance(items, list):
                what = "a list" if items_key is None else f"an object with a '{items_key}' list"
                raise GitHubError(
                    f"page {page} of {shown} is not {what}", status=response.status_code, path=shown
                )
            for item in items:
                if not isinstance(item, dict):
                    self._count("malformed_items")
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

    def _resolve(self, path_or_url: str) -> tuple[str, str]:
        if path_or_url.startswith(("http://", "https://")):
            parts = urlsplit(path_or_url)
            if _origin(path_or_url) != self._origin:
                # Never send the token to a host other than the configured API host.
                raise GitHubError(
                    f"refusing to follow {redact_url(path_or_url)}: it is not on the GitHub API host",
                    path=parts.path,
                )
            return path_or_url, parts.path
        if not path_or_url.startswith("/"):
            raise ValueError(f"API path must start with '/', got {_display_path(path_or_url)!r}")
        return self._base + path_or_url, _display_path(path_or_url)

    def _api_headers(self, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": self._api_version,
            "User-Agent": self._user_agent,
        }

    def _check_budget(self, path: str) -> None:
        rate = self.rate
        if rate is None:
            return
        now = self._clock()
        if rate.reset <= now or rate.remaining > self._reserve:
            return
        if self._reserve == 0:
            # No reserve to protect: this is simply the primary limit, so wait for the reset if allowed.
            delay = rate.reset - now + 1
            if delay > self._max_rate_wait:
                raise RateLimitError(_limit_message(path, rate.reset, delay, self._max_rate_wait),
                                     reset_at=rate.reset, path=path)
            log.warning("rate limit used up; waiting %.1f s for the reset before %s", delay, path)
            self._sleep(delay)
            self._count("rate_limit_waits")
            with self._lock:
                if self._rate is rate:
                    self._rate = None
            return
        raise BudgetExhausted(rate.remaining, self._reserve, rate.reset)

    def _backoff(
        self, attempt: int, path: str, reason: str, status: int | None, at_least: float | None = None
    ) -> int:
        """Sleep before another try and return the new attempt number, or raise ServerError when spent."""
        if attempt >= self._retry.max_retries:
            raise ServerError(
                f"GitHub {reason} for {path} on all {attempt + 1} attempts; GitHub may be having an outage, "
                "the next run tries again",
                status=status, path=path,
            )
        delay = self._jitter(attempt)
        if at_least is not None and at_least <= self._max_rate_wait:
            delay = max(delay, at_least)
        log.warning("GitHub %s for %s; retry %d in %.2f s", reason, path, attempt + 1, delay)
        self._sleep(delay)
        self._count("retries")
        return attempt + 1

    def _retry_after(self, response: requests.Response) -> float | None:
        value = response.headers.get("retry-after")
        if value is None:
            return None
        value = value.strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - self._clock())

    def _rate_limit_wait(
        self, response: requests.Response, path: str, secondary_waits: int
    ) -> tuple[float, bool] | None:
        """(seconds to wait, is-primary) when this 403/429 is a rate limit; None when it is not one.

        Follows GitHub's order: Retry-After first, then a used-up primary window, then the generic
        secondary-limit back-off. Raises RateLimitError when the wait is longer than allowed.
        """
        now = self._clock()
        retry_after = self._retry_after(response)
        if retry_after is not None:
            if retry_after > self._max_rate_wait:
                raise RateLimitError(_limit_message(path, now + retry_after, retry_after, self._max_rate_wait),
                                     reset_at=now + retry_after, status=response.status_code, path=path)
            return retry_after, False
        remaining = _int_header(response.headers, "x-ratelimit-remaining")
        reset = _int_header(response.headers, "x-ratelimit-reset")
        if remaining == 0 and reset is not None:
            delay = max(0.0, reset - now) + 1
            if delay > self._max_rate_wait:
                raise RateLimitError(_limit_message(path, reset, delay, self._max_rate_wait),
                                     reset_at=float(reset), status=response.status_code, path=path)
            return delay, True
        # GitHub's messages say "secondary rate limit" (or "API rate limit exceeded" when a proxy dropped
        # the x-ratelimit headers); either way, back off instead of reporting a missing permission.
        if response.status_code == 429 or "rate limit" in response.text.lower():
            delay = self.secondary_wait * 2**secondary_waits
            if delay > self._max_rate_wait:
                raise RateLimitError(_limit_message(path, now + delay, delay, self._max_rate_wait),
                                     reset_at=now + delay, status=response.status_code, path=path)
            return delay, False
        return None

    def _error_for(self, response: requests.Response, path: str, token: str) -> GitHubError:
        error = self._typed_error(response, path, token)
        error.said = _github_message(response, token)
        error.permissions = {h: response.headers[h] for h in PERMISSION_HEADERS if h in response.headers}
        return error

    def _typed_error(self, response: requests.Response, path: str, token: str) -> GitHubError:
        status = response.status_code
        said = _github_message(response, token)
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

    # ---------------------------------------------------------------- downloads

    def download(self, url: str, dest: BinaryIO, chunk_size: int = 1 << 16) -> int:
        """Stream a signed report link into `dest` and return the number of bytes written.

        Sends no Authorization and no GitHub headers: the signature in the link is the credential. Retries
        5xx answers, broken connections, timeouts and truncated bodies; before each retry `dest` is cut
        back to where it started so no partial data survives. 403/404/410 raise LinkExpiredError.
        """
        parts = urlsplit(url)
        shown = redact_url(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DownloadError(f"not an http(s) download link: {shown}", path=parts.path)
        start = dest.tell()
        attempt = 0
        while True:
            dest.seek(start)
            dest.truncate()
            try:
                written = self._download_once(url, dest, chunk_size, shown)
            except _Retryable as exc:
                if attempt >= self._retry.max_retries:
                    dest.seek(start)
                    dest.truncate()
                    raise DownloadError(
                        f"could not download {shown}: {exc.reason} (on all {attempt + 1} attempts)",
                        status=exc.status, path=parts.path,
                    ) from None
                delay = self._jitter(attempt)
                if exc.retry_after is not None and exc.retry_after <= self._max_rate_wait:
                    delay = max(delay, exc.retry_after)
                log.warning("download of %s failed (%s); retry %d in %.2f s", shown, exc.reason, attempt + 1, delay)
                self._sleep(delay)
                self._count("retries")
                attempt += 1
                continue
            except BaseException:
                dest.seek(start)
                dest.truncate()
                raise
            self._count("downloads")
            self._count("bytes_downloaded", written)
            return written

    def _download_once(self, url: str, dest: BinaryIO, chunk_size: int, shown: str) -> int:
        response = self._open_link(url, shown)
        with response:
            status = response.status_code
            log.debug("download %s -> %s", shown, status)
            if status in EXPIRED_LINK_STATUSES:
                raise LinkExpiredError(
                    f"download link {shown} answered {status}: it expired or the file is gone; "
                    "request fresh links",
                    status=status, path=urlsplit(url).path,
                )
            if status in RETRYABLE_STATUSES or status == 429:
                raise _Retryable(f"answered {status}", status, self._retry_after(response))
            if not 200 <= status < 300:
                raise DownloadError(f"download link {shown} answered {status}", status=status,
                                    path=urlsplit(url).path)
            # Content-Length counts the encoded bytes; only compare it when nothing decodes the body.
            encoding = response.headers.get("content-encoding", "identity").strip().lower()
            expected = _int_header(response.headers, "content-length") if encoding == "identity" else None
            written = 0
            chunks = response.iter_content(chunk_size)
            while True:
                try:
                    chunk = next(chunks)
                except StopIteration:
                    break
                except requests.RequestException as exc:
                    raise _Retryable(
                        f"the transfer broke off after {written} bytes ({type(exc).__name__})", status
                    ) from None
                dest.write(chunk)  # a local write error (disk full) is not retried: it propagates
                written += len(chunk)
            if expected is not None and written < expected:
                raise _Retryable(f"the body was truncated ({written} of {expected} bytes)", status)
            return written

    def _open_link(self, url: str, shown: str) -> requests.Response:
        """GET with stream=True, following redirects by hand so no hop ever gains credentials."""
        # None removes a header a caller-supplied session might add by default.
        headers: dict[str, str | None] = {
            "Authorization": None,
            "X-GitHub-Api-Version": None,
            "Accept": "*/*",
            "User-Agent": self._user_agent,
        }
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                response = self._session.get(
                    current,
                    headers=headers,
                    auth=_strip_auth,
                    timeout=self._timeout,
                    stream=True,
                    allow_redirects=False,
                )
            except _TRANSIENT as exc:
                raise _Retryable(f"request failed ({type(exc).__name__})") from None
            except requests.RequestException as exc:
                raise DownloadError(f"could not download {shown} ({type(exc).__name__})",
                                    path=urlsplit(url).path) from None
            location = response.headers.get("location")
            if response.status_code not in REDIRECT_STATUSES or not location:
                return response
            response.close()
            current = urljoin(current, location)
            if urlsplit(current).scheme not in ("http", "https"):
                break
        raise DownloadError(f"download link {shown} redirects too often or to a non-http(s) URL",
                            path=urlsplit(url).path)


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, (parts.hostname or "").lower(), port


def _display_path(path: str) -> str:
    """A path without its query string, for messages."""
    return path.split("?", 1)[0]


def _json_body(response: requests.Response, shown: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise GitHubError(
            f"GitHub answered {shown} with a body that is not JSON", status=response.status_code, path=shown
        ) from None


def _github_message(response: requests.Response, token: str) -> str:
    """GitHub's own error message, shortened, with the token and any URL query masked."""
    try:
        body = response.json()
    except ValueError:
        body = None
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str):
        return ""
    if token:
        message = message.replace(token, "***")
    message = _URL_RE.sub(lambda m: redact_url(m.group(0)), message)
    message = " ".join(message.split())
    return message[:_MESSAGE_LIMIT] + ("…" if len(message) > _MESSAGE_LIMIT else "")


def _limit_message(path: str, reset_at: float, delay: float, cap: float) -> str:
    when = dt.datetime.fromtimestamp(reset_at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return (
        f"GitHub rate limit reached on {path}; it resets at {when} (in {delay:.0f} s), later than the "
        f"allowed wait of {cap:.0f} s (RATE_LIMIT_MAX_WAIT_SECONDS); the next run continues"
    )
