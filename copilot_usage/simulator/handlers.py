"""The GitHub API endpoints the simulator serves, once a request is authenticated and past the faults."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from copilot_usage.simulator import billing_usage, reports, routes, snapshots
from copilot_usage.simulator.faults import Faults
from copilot_usage.simulator.replies import REPORT_DOCS, Reply, github_error, json_reply, no_report
from copilot_usage.simulator.signing import LinkSigner
from copilot_usage.simulator.world import ENTERPRISE, ORGANIZATION, SimScope, World

_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SIGNED_VERSION = "2025-01-05"  # the storage service version a SAS-style signed link names
SEATS_PER_PAGE = (50, 100)  # (default, maximum), §4.2
TEAMS_PER_PAGE = (30, 100)  # §5

Query = Mapping[str, list[str]]


def _first(query: Query, name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _positive(text: str | None, default: int) -> int:
    # GitHub ignores page/per_page values it cannot use rather than failing the request.
    return int(text) if text is not None and text.isdigit() and int(text) > 0 else default


def page_params(query: Query, limits: tuple[int, int]) -> tuple[int, int]:
    default, maximum = limits
    return _positive(_first(query, "page"), 1), min(_positive(_first(query, "per_page"), default), maximum)


def link_header(url: str, page: int, per_page: int, rows: int) -> str | None:
    """GitHub's `Link` header (prev, next, last, first); None when everything fits on one page."""
    last = max(1, -(-rows // per_page))
    if last == 1 and page == 1:
        return None

    def at(n: int) -> str:
        return f"<{url}?per_page={per_page}&page={n}>"

    links = []
    if page > 1:
        links.append(f'{at(min(page - 1, last))}; rel="prev"')
    if page < last:
        links.append(f'{at(page + 1)}; rel="next"')
        links.append(f'{at(last)}; rel="last"')
    if page > 1:
        links.append(f'{at(1)}; rel="first"')
    return ", ".join(links)


class ApiHandlers:
    def __init__(self, world: World, signer: LinkSigner, faults: Callable[[], Faults]):
        self.world = world
        self.signer = signer
        self.faults = faults

    def handle(self, action: str, params: Mapping[str, str], query: Query, base: str) -> Reply:
        if action == "legacy":
            return github_error(404, "Not Found", f"{REPORT_DOCS}#retired-{params['legacy']}-api")
        scope = self._scope(params)
        if scope is None:
            return github_error(404, "Not Found")
        if action == "report":
            return self.report(scope, params["report"], query, base)
        if action == "latest":
            return self.latest(scope, params["report"], base)
        if action == "billing":
            return json_reply(200, snapshots.billing(self.world, scope))
        if action == "seats":
            return self.seats(scope, query, base)
        if action == "teams":
            return self.teams(scope, query, base)
        if action == "billing_usage":
            try:
                return json_reply(200, billing_usage.usage_report(self.world, scope, query))
            except billing_usage.BadQuery as exc:
                return github_error(400, str(exc))
        raise AssertionError(f"no handler for {action}")  # the route table and this method disagree

    def _scope(self, params: Mapping[str, str]) -> SimScope | None:
        if "enterprise" in params:
            return self.world.scope(ENTERPRISE, params["enterprise"])
        if "org" in params:
            return self.world.scope(ORGANIZATION, params["org"])
        if "org_id" in params:
            wanted = int(params["org_id"])
            return next((s for s in self.world.scopes(ORGANIZATION) if s.id == wanted), None)
        return None

    def _link(self, ref: reports.BlobRef, base: str) -> str:
        path = ref.path()
        host = self.world.config.download_host
        root = f"http://{host}" if host else base
        query = self.signer.query(path, expired=self.faults().expire_links)
        return f"{root}{routes.BLOB_PREFIX}{path}?sv={SIGNED_VERSION}&sp=r&{query}"

    def report(self, scope: SimScope, report: str, query: Query, base: str) -> Reply:
        kind = reports.report_kind(scope, report, latest=False)
        if kind is None:
            return github_error(404, "Not Found")
        raw = _first(query, "day")
        if not raw:
            return github_error(422, 'Invalid request.\n\n"day" wasn\'t supplied.', REPORT_DOCS)
        try:
            if not _DAY_RE.match(raw):
                raise ValueError(raw)
            day = dt.date.fromisoformat(raw)
        except ValueError:
            return github_error(422, 'Invalid request.\n\nInvalid value for "day": use a date as YYYY-MM-DD.',
                                REPORT_DOCS)
        if not self.world.is_available(scope, day):
            # Not processed yet, or before the first day GitHub has: answered the world's way (§11.2).
            return no_report(self.world.config.no_data_answer)
        refs = reports.links(self.world, scope, report, kind, day)
        return json_reply(200, {"download_links": [self._link(r, base) for r in refs], "report_day": raw})

    def latest(self, scope: SimScope, report: str, base: str) -> Reply:
        kind = reports.report_kind(scope, report, latest=True)
        if kind is None:
            return github_error(404, "Not Found")
        window = self.world.latest_window(scope)
        if window is None:
            return no_report(self.world.config.no_data_answer)
        start, end = window
        refs = reports.links(self.world, scope, report, kind, end)
        return json_reply(200, {"download_links": [self._link(r, base) for r in refs],
                                "report_start_day": start.isoformat(), "report_end_day": end.isoformat()})

    def seats(self, scope: SimScope, query: Query, base: str) -> Reply:
        page, per_page = page_params(query, SEATS_PER_PAGE)
        start = (page - 1) * per_page
        rows, total, seats = snapshots.seats_page(self.world, scope, base, start, start + per_page)
        path = (f"/organizations/{scope.id}/copilot/billing/seats" if scope.kind == ORGANIZATION
                else f"/enterprises/{scope.slug}/copilot/billing/seats")
        return self._paged({"total_seats": total, "seats": seats}, base + path, page, per_page, rows)

    def teams(self, scope: SimScope, query: Query, base: str) -> Reply:
        page, per_page = page_params(query, TEAMS_PER_PAGE)
        start = (page - 1) * per_page
        org = self.world.population.orgs[scope.index]
        everything = snapshots.teams(self.world, org, base)
        url = f"{base}/organizations/{scope.id}/teams"
        return self._paged(everything[start:start + per_page], url, page, per_page, len(everything))

    def _paged(self, payload: Any, url: str, page: int, per_page: int, rows: int) -> Reply:
        link = link_header(url, page, per_page, rows)
        return json_reply(200, payload, {"Link": link} if link else None)
