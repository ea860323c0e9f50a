"""Typed GitHub errors that tell the operator what to do.

Messages carry the request *path* only. Tokens, query strings and signed download links never reach an
error message: callers log these exceptions, and logs leave the machine.
"""

from __future__ import annotations


class GitHubError(Exception):
    """A GitHub request failed. `status` is the HTTP status (None when no response came back)."""

    def __init__(self, message: str, *, status: int | None = None, path: str = ""):
        super().__init__(message)
        self.status = status
        self.path = path


class AuthenticationError(GitHubError):
    """401: the token is invalid or expired."""


class AppAuthError(AuthenticationError):
    """A GitHub App installation token could not be obtained. `status` is GitHub's HTTP status, if any.

    An authentication error like a rejected PAT: no request of the run can succeed without a token, so a
    run that meets it stops as `auth` (it used to be a plain RuntimeError and was counted once per task as
    an unexpected failure, so the run never stopped and the host never heard of it).
    """

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message, status=status)


class ForbiddenError(GitHubError):
    """403 that is not a rate limit: the token lacks a scope/permission, or a policy is off."""


class NotFoundError(GitHubError):
    """404: unknown organization/enterprise, or the feature is not enabled for it."""


class RateLimitError(GitHubError):
    """The primary (or secondary) limit is exhausted and the reset is further away than we may wait."""

    def __init__(self, message: str, *, reset_at: float, status: int | None = None, path: str = ""):
        super().__init__(message, status=status, path=path)
        self.reset_at = reset_at


class BudgetExhausted(Exception):
    """The remaining request budget fell to the configured reserve: stop the run cleanly.

    Deliberately not a GitHubError, so per-item `except GitHubError` handlers do not swallow it and record
    every remaining item as failed.
    """

    def __init__(self, remaining: int, reserve: int, reset_at: float):
        super().__init__(
            f"GitHub API budget reached the reserve ({remaining} requests left, reserve {reserve}); "
            f"stopping until the limit resets at epoch {int(reset_at)}"
        )
        self.remaining = remaining
        self.reserve = reserve
        self.reset_at = reset_at


class ServerError(GitHubError):
    """5xx answers or connection failures persisted after all retries."""


class DownloadError(GitHubError):
    """A report file could not be downloaded (the path names the link without its signature)."""


class LinkExpiredError(DownloadError):
    """The signed download link answered 403/404/410: it expired or the file is gone."""
