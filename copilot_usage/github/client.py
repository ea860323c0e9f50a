"""`GitHubClient`: what the rest of the product asks GitHub for, built from `Settings`.

A thin facade: endpoints.py knows the paths, http.py the transport, reports.py the downloads.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from copilot_usage import defaults
from copilot_usage.github import endpoints
from copilot_usage.github.errors import GitHubError
from copilot_usage.github.http import GitHubHttp, RateState
from copilot_usage.github.reports import ReportDownload, fetch_latest_28_day, fetch_report
from copilot_usage.model import Report, Scope
from copilot_usage.settings import Settings

BILLING_USAGE_ITEMS = "usageItems"  # the list in the billing usage report's body


class GitHubClient:
    def __init__(self, http: GitHubHttp):
        self.http = http

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        token_provider: Callable[[], str] | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> GitHubClient:
        """Build from settings; `token_provider` (e.g. a GitHub App's) wins over the PAT in settings."""
        github = settings.github
        if token_provider is None:
            if github.token is None:
                raise ValueError(
                    "no GitHub credential: set GITHUB_PAT, or pass a token provider "
                    "(GitHub App or Key Vault) to GitHubClient.from_settings"
                )
            secret = github.token
            token_provider = secret.reveal
        read_timeout = github.timeout_seconds
        http = GitHubHttp(
            github.api_url,
            token_provider,
            api_version=github.api_version,
            timeout=(min(defaults.CONNECT_TIMEOUT_SECONDS, read_timeout), read_timeout),
            max_rate_wait=float(github.rate_limit_max_wait_seconds),
            reserve=github.rate_limit_reserve,
            sleep=sleep,
            clock=clock,
        )
        return cls(http)

    def report(self, scope: Scope, report: Report, day: dt.date, workdir: Path) -> ReportDownload | None:
        """One daily report's files, or None when GitHub has not produced it yet (204)."""
        return fetch_report(self.http, scope, report, day, workdir)

    def latest_28_day(
        self, scope: Scope, kind: Literal["aggregate", "users"], workdir: Path
    ) -> ReportDownload | None:
        return fetch_latest_28_day(self.http, scope, kind, workdir)

    def seats(self, scope: Scope) -> Iterator[Any]:  # items as GitHub sent them; shaping rejects non-objects
        endpoint = endpoints.seats(scope)
        return self.http.paginate(endpoint.path, endpoint.params, endpoint.items_key)

    def billing(self, scope: Scope) -> dict[str, Any] | None:
        """The organization's Copilot settings and seat breakdown; None for enterprises (no endpoint)."""
        endpoint = endpoints.billing(scope)
        if endpoint is None:
            return None
        body = self.http.get_json(endpoint.path, endpoint.params)
        if not isinstance(body, dict):
            raise GitHubError(f"GitHub answered {endpoint.path} without a JSON object", path=endpoint.path)
        return body

    def billing_usage(self, scope: Scope, day: dt.date) -> list[Any] | None:
        """The `usageItems` of the organization's billing usage report for `day`; None for enterprises."""
        endpoint = endpoints.billing_usage(scope, day)
        if endpoint is None:
            return None
        body = self.http.get_json(endpoint.path, endpoint.params)
        items = body.get(BILLING_USAGE_ITEMS) if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise GitHubError(
                f"GitHub answered {endpoint.path} without a {BILLING_USAGE_ITEMS} list", path=endpoint.path
            )
        return items

    def teams(self, scope: Scope) -> Iterator[Any]:  # likewise
        """The organization's teams; nothing for an enterprise (its teams come from the user-teams report)."""
        endpoint = endpoints.teams(scope)
        if endpoint is None:
            return iter(())
        return self.http.paginate(endpoint.path, endpoint.params, endpoint.items_key)

    @property
    def stats(self) -> dict[str, int]:
        return self.http.stats

    @property
    def rate(self) -> RateState | None:
        return self.http.rate

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
