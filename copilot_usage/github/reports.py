"""Fetch one Copilot usage metrics report: ask for its signed links, download every file to disk.

Files are streamed to temporary files (bounded memory whatever the report size) and kept as the exact
bytes GitHub served, so the raw archive and the content hash describe what was really downloaded.
Signed links expire after about an hour, so an expired link gets a fresh set of links (GITHUB_REPORT_LINKS).

"No report for this day" has three spellings (github-copilot-api.md §11.2): 204 No Content, 200 with an
empty body, and 404 for that day. All three mean the same, so a report request answers None for each of them:
one day's 404 must never look like an inaccessible scope (a 403 still does).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from copilot_usage.github import endpoints
from copilot_usage.github.errors import GitHubError, LinkExpiredError, NotFoundError
from copilot_usage.github.http import GitHubHttp
from copilot_usage.github.records import Malformed, iter_records
from copilot_usage.model import Report, Scope
from copilot_usage.retry import GITHUB_REPORT_LINKS

log = logging.getLogger(__name__)
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class ReportDownload:
    """The downloaded files of one report. Delete them with `close()` (or use it as a context manager).

    `day` is the report day (for a 28-day report: its last day, with `start_day` its first).
    """

    scope: Scope
    report: Report
    day: dt.date
    files: list[Path]
    sha256: str
    size_bytes: int
    start_day: dt.date | None = None
    window_days: int = 1
    malformed: list[tuple[int, Malformed]] = field(default_factory=list)

    def iter_records(self) -> Iterator[dict[str, Any]]:
        """Every record of every file in link order; bad entries go to `malformed` as (file index, entry)."""
        self.malformed.clear()  # a second pass must not count the same bad lines twice
        for index, path in enumerate(self.files):
            with path.open("rb") as handle:
                for entry in iter_records(handle):
                    if isinstance(entry, Malformed):
                        self.malformed.append((index, entry))
                    else:
                        yield entry

    def close(self) -> None:
        _remove(self.files)

    def __enter__(self) -> ReportDownload:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def fetch_report(
    http: GitHubHttp, scope: Scope, report: Report, day: dt.date, workdir: Path
) -> ReportDownload | None:
    """Download one daily report. None when GitHub has no report for the day (204, an empty 200 or a 404):
    not ready yet near today, no data far in the past; never zero usage."""
    endpoint = endpoints.report_links(scope, report, day)
    fetched = _fetch(http, endpoint, workdir, f"{scope.type.value}-{scope.slug}-{report.value}-{day}")
    if fetched is None:
        return None
    files, body = fetched
    served_day = _day_field(body, "report_day", endpoint.path)
    if served_day is not None and served_day != day:
        _remove(files)
        raise GitHubError(
            f"GitHub answered {endpoint.path} for day {day} with a report for {served_day}", path=endpoint.path
        )
    return _result(scope, report, day, files)


def fetch_latest_28_day(
    http: GitHubHttp, scope: Scope, kind: Literal["aggregate", "users"], workdir: Path
) -> ReportDownload | None:
    """Download the rolling 28-day report GitHub last produced (aggregate or per user)."""
    endpoint = endpoints.latest_28_day(scope, kind)
    report = Report.AGGREGATE if kind == "aggregate" else Report.USERS
    fetched = _fetch(http, endpoint, workdir, f"{scope.type.value}-{scope.slug}-{report.value}-28-day")
    if fetched is None:
        return None
    files, body = fetched
    try:
        end = _day_field(body, "report_end_day", endpoint.path)
        start = _day_field(body, "report_start_day", endpoint.path)
        if end is None:
            raise GitHubError(f"GitHub answered {endpoint.path} without a report_end_day", path=endpoint.path)
    except GitHubError:
        _remove(files)
        raise
    return _result(scope, report, end, files, start_day=start, window_days=28)


def _fetch(
    http: GitHubHttp, endpoint: endpoints.Endpoint, workdir: Path, label: str
) -> tuple[list[Path], dict[str, Any]] | None:
    """(files, links body), or None when there is no report. An expired link gets the whole set asked for
    again, as the GITHUB_REPORT_LINKS policy allows (once, at once)."""
    workdir.mkdir(parents=True, exist_ok=True)
    tries = GITHUB_REPORT_LINKS.start()
    while True:
        body = _links_body(http, endpoint)
        if body is None:
            return None
        links = _links(body, endpoint.path)
        try:
            return _download_all(http, links, workdir, label), body
        except LinkExpiredError:
            if not tries.left:
                raise
            log.warning("a download link of %s expired; requesting fresh links", endpoint.path)
            tries.pause(tries.next_delay())


def _links_body(http: GitHubHttp, endpoint: endpoints.Endpoint) -> Any:
    """The parsed links body, or None for each spelling of "no report for this day"."""
    try:
        response = http.get(endpoint.path, endpoint.params)
    except NotFoundError:
        log.debug("%s answered 404: no report for %s", endpoint.path, dict(endpoint.params))
        return None
    if response.status_code == 204 or not response.content.strip():
        log.debug("%s answered %d with no body: no report", endpoint.path, response.status_code)
        return None
    try:
        return response.json()
    except ValueError:
        raise GitHubError(f"GitHub answered {endpoint.path} with a body that is not JSON",
                          status=response.status_code, path=endpoint.path) from None


def _links(body: Any, path: str) -> list[str]:
    links = body.get("download_links") if isinstance(body, dict) else None
    if not isinstance(links, list) or not all(isinstance(x, str) for x in links):
        raise GitHubError(f"GitHub answered {path} without a download_links list of URLs", path=path)
    return links


def _download_all(http: GitHubHttp, links: list[str], workdir: Path, label: str) -> list[Path]:
    files: list[Path] = []
    try:
        for index, url in enumerate(links):
            # The file name says what the file is; it never contains the signed link.
            prefix = _UNSAFE_NAME_CHARS.sub("_", f"{label}-part{index + 1}-")
            fd, name = tempfile.mkstemp(prefix=prefix, suffix=".download", dir=workdir)
            path = Path(name)
            files.append(path)
            with os.fdopen(fd, "w+b") as handle:
                http.download(url, handle)
    except BaseException:
        _remove(files)
        raise
    return files


def _result(
    scope: Scope,
    report: Report,
    day: dt.date,
    files: list[Path],
    *,
    start_day: dt.date | None = None,
    window_days: int = 1,
) -> ReportDownload:
    digest = hashlib.sha256()
    size = 0
    for path in files:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    return ReportDownload(scope, report, day, files, digest.hexdigest(), size,
                          start_day=start_day, window_days=window_days)


def _day_field(body: dict[str, Any], name: str, path: str) -> dt.date | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise GitHubError(f"GitHub answered {path} with an invalid {name} {str(value)[:40]!r}", path=path) from None


def _remove(files: list[Path]) -> None:
    for path in files:
        path.unlink(missing_ok=True)
