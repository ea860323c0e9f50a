"""The simulator's URL map: which handler serves a path, and the stable route name it is counted under."""

from __future__ import annotations

import re
from dataclasses import dataclass

API = "api"  # GitHub REST API: authenticated, rate limited, faults apply
APP = "app"  # GitHub App JWT exchange: authenticated by the JWT, not rate limited
META = "meta"  # GET /rate_limit: authenticated, does not spend the budget
BLOB = "blob"  # signed report downloads: no Authorization, not rate limited
BLOB_PREFIX = "/copilot-reports/"
CONTROL = "control"  # /_simulator/*: test control, never counted or faulted

_SEG = r"[^/]+"
_ORG = rf"(?:/orgs/(?P<org>{_SEG})|/organizations/(?P<org_id>\d+))"
_ORG_REPORTS = "organization-1-day|users-1-day|user-teams-1-day|repos-1-day"
_ENT_REPORTS = "enterprise-1-day|users-1-day|user-teams-1-day|repos-1-day"


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    name: str  # e.g. "GET /orgs/{org}/copilot/billing/seats"; "{report}" is filled from the match
    kind: str
    action: str


def _r(method: str, pattern: str, name: str, kind: str, action: str) -> Route:
    return Route(method, re.compile(f"^{pattern}$"), name, kind, action)


ROUTES = (
    _r("GET", rf"/orgs/(?P<org>{_SEG})/copilot/metrics/reports/(?P<report>{_ORG_REPORTS})",
       "GET /orgs/{org}/copilot/metrics/reports/{report}", API, "report"),
    _r("GET", rf"/orgs/(?P<org>{_SEG})/copilot/metrics/reports/(?P<report>organization-28-day|users-28-day)/latest",
       "GET /orgs/{org}/copilot/metrics/reports/{report}/latest", API, "latest"),
    _r("GET", rf"/enterprises/(?P<enterprise>{_SEG})/copilot/metrics/reports/(?P<report>{_ENT_REPORTS})",
       "GET /enterprises/{enterprise}/copilot/metrics/reports/{report}", API, "report"),
    _r("GET", rf"/enterprises/(?P<enterprise>{_SEG})/copilot/metrics/reports/(?P<report>enterprise-28-day|"
       r"users-28-day)/latest", "GET /enterprises/{enterprise}/copilot/metrics/reports/{report}/latest", API,
       "latest"),
    _r("GET", rf"/orgs/(?P<org>{_SEG})/copilot/billing", "GET /orgs/{org}/copilot/billing", API, "billing"),
    # GitHub's Link headers use the numeric /organizations/{id}/ form; both spellings count as one route.
    _r("GET", rf"{_ORG}/copilot/billing/seats", "GET /orgs/{org}/copilot/billing/seats", API, "seats"),
    _r("GET", rf"/enterprises/(?P<enterprise>{_SEG})/copilot/billing/seats",
       "GET /enterprises/{enterprise}/copilot/billing/seats", API, "seats"),
    _r("GET", rf"{_ORG}/teams", "GET /orgs/{org}/teams", API, "teams"),
    # Enhanced billing lives under /organizations/{org} by name; an enterprise slug there is unknown (404).
    _r("GET", rf"/organizations/(?P<org>{_SEG})/settings/billing/usage",
       "GET /organizations/{org}/settings/billing/usage", API, "billing_usage"),
    # The retired APIs: /copilot/usage (2025-03-01) and /copilot/metrics (2026-04-02) answer 404.
    _r("GET", rf"/(?:orgs|enterprises)/{_SEG}(?:/team/{_SEG})?/copilot/(?P<legacy>usage|metrics)",
       "GET (retired) /copilot/{legacy}", API, "legacy"),
    _r("GET", r"/rate_limit", "GET /rate_limit", META, "rate_limit"),
    _r("POST", r"/app/installations/(?P<installation>\d+)/access_tokens",
       "POST /app/installations/{installation_id}/access_tokens", APP, "app_token"),
    # Signed report downloads, shaped like GitHub's copilot-reports host (§11.1): a loopback simulator cannot
    # own that host name, so the host's name is the first path segment (or SimConfig.download_host).
    _r("GET", r"/copilot-reports/(?P<path>.+)", "GET /copilot-reports/{path}", BLOB, "blob"),
    _r("GET", r"/_simulator/stats", "GET /_simulator/stats", CONTROL, "stats"),
    _r("POST", r"/_simulator/reset-stats", "POST /_simulator/reset-stats", CONTROL, "reset_stats"),
    _r("GET", r"/_simulator/control", "GET /_simulator/control", CONTROL, "state"),
    _r("POST", r"/_simulator/control", "POST /_simulator/control", CONTROL, "control"),
)


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | tuple[None, dict[str, str]]:
    """The route serving (method, path) and its path parameters; (None, {}) when nothing does."""
    for route in ROUTES:
        found = route.pattern.match(path)
        if found and route.method == method:
            return route, {k: v for k, v in found.groupdict().items() if v is not None}
    return None, {}


def route_name(route: Route | None, method: str, params: dict[str, str]) -> str:
    if route is None:
        return f"{method} (unknown)"
    name = route.name
    for key in ("report", "legacy"):
        if key in params:
            name = name.replace("{" + key + "}", params[key])
    return name


def kind_of(route: Route | None, path: str) -> str:
    """Unknown paths under the control or blob prefixes keep that kind (never rate limited or faulted)."""
    if route is not None:
        return route.kind
    if path.startswith("/_simulator/"):
        return CONTROL
    if path.startswith(BLOB_PREFIX):
        return BLOB
    return API
