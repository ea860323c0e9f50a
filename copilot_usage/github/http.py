"""`GitHubHttp`: the GitHub transport of one run, assembled from parts with one job each.

- `api.GitHubApi`: API requests (headers, API version, retries, typed errors, pagination);
- `ratelimit.RateBudget`: the rate-limit budget (reserve, resets, waits), shared by every thread;
- `downloads.Downloader`: signed report links streamed to disk, never logged;
- `counters.Counters`: what the run summary reports (`stats`).

They share one pooled `requests.Session` and one set of counters. Retries follow the GITHUB_API and
GITHUB_DOWNLOAD policies of `copilot_usage.retry`; `sleep`, `clock` and `rng` are injected into both.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Iterator, Mapping
from typing import Any, BinaryIO

import requests
from requests.adapters import HTTPAdapter

from copilot_usage import __version__, defaults
from copilot_usage.github.api import GitHubApi
from copilot_usage.github.counters import Counters
from copilot_usage.github.downloads import Downloader
from copilot_usage.github.ratelimit import SECONDARY_LIMIT_WAIT, RateBudget, RateState
from copilot_usage.github.redact import RedactQueryStrings, install_log_redaction, redact_url
from copilot_usage.retry import GITHUB_API, GITHUB_DOWNLOAD, RetryPolicy

__all__ = ["GitHubHttp", "RateState", "RedactQueryStrings", "redact_url"]

install_log_redaction()


class GitHubHttp:
    """Authenticated, retrying, rate-limit-aware GET requests to the GitHub REST API, plus downloads.

    `retry` and `download_retry` default to the GITHUB_API and GITHUB_DOWNLOAD policies; `max_rate_wait`,
    when given, replaces their `max_wait` (RATE_LIMIT_MAX_WAIT_SECONDS); `sleep`, `clock` and `rng`, when
    given, replace their sleep, clock and random source.
    """

    def __init__(
        self,
        base_url: str,
        token_provider: Callable[[], str],
        *,
        api_version: str = defaults.GITHUB_API_VERSION,
        timeout: tuple[float, float] = (defaults.CONNECT_TIMEOUT_SECONDS, defaults.HTTP_TIMEOUT_SECONDS),
        retry: RetryPolicy = GITHUB_API,
        download_retry: RetryPolicy = GITHUB_DOWNLOAD,
        max_rate_wait: float | None = None,
        reserve: int = 0,
        secondary_wait: float = SECONDARY_LIMIT_WAIT,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        rng: random.Random | None = None,
        user_agent: str = f"copilot-usage/{__version__}",
        session: requests.Session | None = None,
        pool_size: int = 32,
    ):
        def configured(policy: RetryPolicy) -> RetryPolicy:
            policy = policy.using(sleep=sleep, clock=clock, rand=rng.random if rng is not None else None)
            return policy if max_rate_wait is None else dataclasses.replace(policy, max_wait=max_rate_wait)

        if session is None:
            session = requests.Session()
            # Enough pooled connections for the caller's worker threads (the default of 10 would churn).
            adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        self._session = session
        self._counters = Counters()
        api_policy = configured(retry)
        self.budget = RateBudget(api_policy, self._counters, reserve=reserve, secondary_wait=secondary_wait)
        try:
            self.api = GitHubApi(session, base_url, token_provider, self.budget, self._counters, policy=api_policy,
                                 api_version=api_version, timeout=timeout, user_agent=user_agent)
        except ValueError:
            session.close()
            raise
        self.downloads = Downloader(session, self._counters, policy=configured(download_retry), timeout=timeout,
                                    user_agent=user_agent)

    # ---------------------------------------------------------------- what the rest of the package uses

    def get(self, path_or_url: str, params: Mapping[str, str] | None = None) -> requests.Response:
        return self.api.get(path_or_url, params)

    def get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        return self.api.get_json(path, params)

    def paginate(
        self, path: str, params: Mapping[str, str] | None = None, items_key: str | None = None
    ) -> Iterator[Any]:
        return self.api.paginate(path, params, items_key)

    def download(self, url: str, dest: BinaryIO, chunk_size: int = 1 << 16) -> int:
        return self.downloads.download(url, dest, chunk_size)

    @property
    def stats(self) -> dict[str, int]:
        return self._counters.snapshot()

    @property
    def rate(self) -> RateState | None:
        return self.budget.state

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> GitHubHttp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
