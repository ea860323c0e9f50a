"""Downloads of GitHub's signed report links, streamed to a file.

A signed link carries its credential in the query string, so it is as secret as a token: no log line or
error ever shows more than `redact_url` of it, no Authorization header (nor ~/.netrc credentials) is ever
sent with it, and redirects are followed by hand so no hop gains any. Failures another try may fix (5xx,
429, broken connections, timeouts, bodies cut short) are retried under the GITHUB_DOWNLOAD policy, each
time from the start of the destination; an expired link (403/404/410) raises LinkExpiredError at once.
"""

from __future__ import annotations

import logging
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

import requests

from copilot_usage import defaults
from copilot_usage.github.api import TRANSIENT
from copilot_usage.github.counters import Counters
from copilot_usage.github.errors import DownloadError, LinkExpiredError
from copilot_usage.github.ratelimit import int_header
from copilot_usage.github.redact import redact_url
from copilot_usage.retry import GITHUB_DOWNLOAD, RetryPolicy

log = logging.getLogger(__name__)

EXPIRED_LINK_STATUSES = frozenset({403, 404, 410})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5


class _Retryable(Exception):
    """Internal: one download attempt failed in a way another attempt may fix."""

    def __init__(self, reason: str, status: int | None = None, wait: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.wait = wait


def _strip_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    # Passing an auth callable also stops requests from adding ~/.netrc credentials to a signed link.
    request.headers.pop("Authorization", None)
    return request


class Downloader:
    """Streams signed links into files under `policy`; shares the session and counters of the client."""

    def __init__(
        self,
        session: requests.Session,
        counters: Counters,
        *,
        policy: RetryPolicy = GITHUB_DOWNLOAD,
        timeout: tuple[float, float] = (defaults.CONNECT_TIMEOUT_SECONDS, defaults.HTTP_TIMEOUT_SECONDS),
        user_agent: str,
    ):
        self._session = session
        self._counters = counters
        self._policy = policy
        self._timeout = timeout
        self._user_agent = user_agent

    def download(self, url: str, dest: BinaryIO, chunk_size: int = 1 << 16) -> int:
        """Stream a signed report link into `dest` and return the number of bytes written.

        Sends no Authorization and no GitHub headers: the signature in the link is the credential. Before
        each retry `dest` is cut back to where it started, so no partial data survives, and a download that
        fails for good leaves it as it was. 403/404/410 raise LinkExpiredError.
        """
        parts = urlsplit(url)
        shown = redact_url(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DownloadError(f"not an http(s) download link: {shown}", path=parts.path)
        start = dest.tell()
        tries = self._policy.start()
        while True:
            dest.seek(start)
            dest.truncate()
            try:
                written = self._download_once(url, dest, chunk_size, shown)
            except _Retryable as exc:
                if not tries.left:
                    dest.seek(start)
                    dest.truncate()
                    raise DownloadError(
                        f"could not download {shown}: {exc.reason} (on all {tries.number} attempts)",
                        status=exc.status, path=parts.path,
                    ) from None
                delay = tries.next_delay(exc.wait)
                log.warning("download of %s failed (%s); retry %d in %.2f s", shown, exc.reason, tries.number, delay)
                tries.pause(delay)
                self._counters.add("retries")
                continue
            except BaseException:
                dest.seek(start)
                dest.truncate()
                raise
            self._counters.add("downloads")
            self._counters.add("bytes_downloaded", written)
            return written

    def _download_once(self, url: str, dest: BinaryIO, chunk_size: int, shown: str) -> int:
        response = self._open_link(url, shown)
        with response:
            status = response.status_code
            log.debug("download %s -> %s", shown, status)
            if status in EXPIRED_LINK_STATUSES:
                raise LinkExpiredError(
                    f"download link {shown} answered {status}: it expired or the file is gone; request fresh links",
                    status=status, path=urlsplit(url).path,
                )
            if self._policy.retryable(status):
                wait = self._policy.retry_after(response.headers.get("retry-after"))
                raise _Retryable(f"answered {status}", status, wait)
            if not 200 <= status < 300:
                raise DownloadError(f"download link {shown} answered {status}", status=status, path=urlsplit(url).path)
            # Content-Length counts the encoded bytes; only compare it when nothing decodes the body.
            encoding = response.headers.get("content-encoding", "identity").strip().lower()
            expected = int_header(response.headers, "content-length") if encoding == "identity" else None
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
            except TRANSIENT as exc:
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
