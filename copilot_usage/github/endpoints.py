"""The one place that knows every GitHub endpoint the collector calls: path, pagination, error hints.

Paths come from `Scope.api_base`, which already escapes the slug. The hints are the permission facts of
GitHub's REST reference (see docs/github-copilot-api.md, sections 3.4, 4 and 5), so a 403 or 404 tells
the operator which scope, permission or policy to fix.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote

from copilot_usage.model import Report, Scope, ScopeType
from copilot_usage.registry import github_name

PER_PAGE = "100"  # the maximum GitHub allows for seats and teams: fewer requests per snapshot


@dataclass(frozen=True)
class Endpoint:
    """One request: `path` is relative to the API root; `items_key` names the list in a paginated body
    (None = the body itself is the list)."""

    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    paginated: bool = False
    items_key: str | None = None


def report_links(scope: Scope, report: Report, day: dt.date) -> Endpoint:
    """The signed download links of one daily report (200 links, or 204 = not ready yet)."""
    return Endpoint(
        f"{scope.api_base}/copilot/metrics/reports/{github_name(report, scope.type)}",
        {"day": day.isoformat()},
    )


def latest_28_day(scope: Scope, kind: Literal["aggregate", "users"]) -> Endpoint:
    """The rolling 28-day report ending at GitHub's latest processed day (no parameters)."""
    if kind not in ("aggregate", "users"):
        raise ValueError(f"28-day report kind must be 'aggregate' or 'users', got {kind!r}")
    name = github_name(Report(kind), scope.type, latest=True)
    return Endpoint(f"{scope.api_base}/copilot/metrics/reports/{name}/latest")


def seats(scope: Scope) -> Endpoint:
    return Endpoint(f"{scope.api_base}/copilot/billing/seats", {"per_page": PER_PAGE}, True, "seats")


def billing(scope: Scope) -> Endpoint | None:
    """Organization Copilot settings and seat breakdown; enterprises have no such endpoint (None)."""
    if scope.type is not ScopeType.ORGANIZATION:
        return None
    return Endpoint(f"{scope.api_base}/copilot/billing")


def teams(scope: Scope) -> Endpoint | None:
    """The organization's teams (the body is a list); None for enterprises."""
    if scope.type is not ScopeType.ORGANIZATION:
        return None
    return Endpoint(f"{scope.api_base}/teams", {"per_page": PER_PAGE}, True, None)


def billing_usage(scope: Scope, day: dt.date) -> Endpoint | None:
    """The organization's enhanced-billing usage report for one UTC day; None for enterprises.

    GitHub serves it under `/organizations/{org}` (not `/orgs/`), selected by year, month and day; the body
    is one object whose `usageItems` list holds every line (no pagination is documented).
    """
    if scope.type is not ScopeType.ORGANIZATION:
        return None
    org = quote(scope.slug, safe="")
    params = {"year": str(day.year), "month": str(day.month), "day": str(day.day)}
    return Endpoint(f"/organizations/{org}/settings/billing/usage", params)


@dataclass(frozen=True)
class _Family:
    pattern: re.Pattern[str]
    forbidden: str
    not_found: str


# Link headers may use the numeric `/organizations/{id}/` form, and a GHES base URL adds a prefix such as
# `/api/v3`, so the patterns search the end of the path instead of matching from its start.
_ORG = r"/(?:orgs|organizations)/[^/]+"
_ENT = r"/enterprises/[^/]+"
_FAMILIES = (
    _Family(
        re.compile(_ORG + r"/copilot/metrics/reports/"),
        "the token needs the classic scope read:org, or the fine-grained / GitHub App permission "
        "'Organization Copilot metrics: read'; the user must be an organization owner (or hold "
        "'View Organization Copilot Metrics'), and the 'Copilot usage metrics' policy must be enabled",
        "unknown organization, or Copilot usage metrics are not available for it (no Copilot seats, "
        "or the 'Copilot usage metrics' policy is off)",
    ),
    _Family(
        re.compile(_ENT + r"/copilot/metrics/reports/"),
        "the token needs the classic scope manage_billing:copilot or read:enterprise, or the enterprise "
        "permission 'Enterprise Copilot metrics: read'; the user must be an enterprise owner or billing "
        "manager, and the 'Copilot usage metrics' policy must be enabled everywhere",
        "unknown enterprise, or Copilot usage metrics are not available for it (no Copilot seats, "
        "or the 'Copilot usage metrics' policy is off)",
    ),
    _Family(
        re.compile(_ORG + r"/copilot/billing(?:/seats)?/?$"),
        "the token needs the classic scope manage_billing:copilot or read:org, or the fine-grained / "
        "GitHub App permission 'GitHub Copilot Business: read'; the user must be an organization owner",
        "unknown organization, or it has no Copilot Business/Enterprise subscription",
    ),
    _Family(
        re.compile(_ENT + r"/copilot/billing(?:/seats)?/?$"),
        "the token needs the classic scope manage_billing:copilot or read:enterprise (fine-grained and "
        "GitHub App tokens are not documented for this endpoint); the user must be an enterprise owner "
        "or billing manager",
        "unknown enterprise, or it has no Copilot subscription",
    ),
    _Family(
        re.compile(_ORG + r"/settings/billing/usage/?$"),
        "the user must be an organization administrator and a fine-grained token needs the organization "
        "permission 'Administration: read'; the organization must be on GitHub's enhanced billing platform",
        "unknown organization, or it is not on GitHub's enhanced billing platform",
    ),
    _Family(
        re.compile(_ORG + r"/teams/?$"),
        "the token needs the classic scope read:org, or the fine-grained / GitHub App permission "
        "'Members: read'",
        "unknown organization",
    ),
)
_DEFAULT_FORBIDDEN = "the token lacks a scope or permission this endpoint needs"
_DEFAULT_NOT_FOUND = "unknown organization/enterprise, or the feature is not enabled for it"


def _family(path: str) -> _Family | None:
    return next((f for f in _FAMILIES if f.pattern.search(path)), None)


def forbidden_hint(path: str) -> str:
    """What a 403 (that is not a rate limit) on `path` most likely means and how to fix it."""
    family = _family(path)
    return family.forbidden if family else _DEFAULT_FORBIDDEN


def not_found_hint(path: str) -> str:
    """What a 404 on `path` most likely means."""
    family = _family(path)
    return family.not_found if family else _DEFAULT_NOT_FOUND
