"""Damaged records of every other kind (aggregate, repos, user-teams, seats, teams, billing usage) are set aside,
the rest kept.

For each kind a fake GitHub (pytest-httpserver) serves real simulator data twice: once as it is, once with
damaged records mixed in. Each damaged record is a copy of a real one, changed in one way and renamed
(ghost ids, logins, slugs), so that if it were wrongly kept it would show up as an extra or changed document.
Both collections go to the same engine under two prefixes; the data indices must be identical, and the
damaged records counted as rejected in the run summary and in the day's ingestion-log entry.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from copilot_usage.model import Report, Scope, ScopeType, Snapshot
from copilot_usage.planner import Task
from copilot_usage.registry import github_name
from copilot_usage.run import RunSummary
from copilot_usage.schema import indices as ix
from copilot_usage.shaping import source_keys as src
from copilot_usage.simulator import SimulatorServer
from tests.fixtures.simulator import SIM_TODAY, api_get, report_rows
from tests.reliability.harness import NOW, collect, harness_world, settings_for
from tests.reliability.harness import snapshot as take_snapshot

ORG = "bad-org"
SCOPE = Scope(ScopeType.ORGANIZATION, ORG)
DAY = SIM_TODAY - dt.timedelta(days=3)
OTHER_DAY = (DAY - dt.timedelta(days=1)).isoformat()
SIM_ORG = "/orgs/sim-org-1"
API = f"/orgs/{ORG}"

# A raw line and how many rejected units it makes (a JSON array of two numbers is two malformed elements).
Line = tuple[bytes, int]
HTML_LINE: Line = (b"<html>502 Bad Gateway</html>", 1)
NUMBERS_LINE: Line = (b"[1, 2]", 2)
NULL_LINE: Line = (b"null", 1)


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _changed(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy with top-level changes; a value of `...` removes the key."""
    out = copy.deepcopy(record)
    for key, value in changes.items():
        if value is ...:
            out.pop(key, None)
        else:
            out[key] = value
    return out


@dataclass
class Served:
    """What the fake GitHub serves for one kind: report files (name -> lines) and/or API paths (-> JSON)."""

    report: Report | None = None
    files: dict[str, bytes] | None = None
    extra_reports: dict[Report, dict[str, bytes]] | None = None
    api: dict[str, Any] | None = None


@dataclass
class Kind:
    name: str
    unit: Report | Snapshot
    day: dt.date
    # What is served without and with the damaged records, how many records shaping sets aside, and how
    # many non-object items of an API page the client skips (counted in the summary's github stats).
    build: Callable[[SimulatorServer], tuple[Served, Served, int, int]]


def _lines(records: list[Any]) -> list[bytes]:
    return [_json(r) for r in records]


def _body(lines: list[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in lines)


CUT_RECORD = b'{"day": "' + DAY.isoformat().encode() + b'", "organi'  # cut off mid-record, no newline


def _with_damage(good: list[bytes], damaged: list[Line]) -> tuple[dict[str, bytes], int]:
    """Two files: the first half of the good lines with the damaged ones after them, then the rest and a
    record cut off mid-way."""
    half = len(good) // 2 or 1
    first = _body([*good[:half], *(line for line, _ in damaged)])
    return {"part-1.json": first, "part-2.json": _body(good[half:]) + CUT_RECORD}, sum(n for _, n in damaged) + 1


def _split(good: list[bytes]) -> dict[str, bytes]:
    half = len(good) // 2 or 1
    return {"part-1.json": _body(good[:half]), "part-2.json": _body(good[half:])}


def _aggregate(sim: SimulatorServer) -> tuple[Served, Served, int, int]:
    [record] = report_rows(sim, SIM_ORG, github_name(Report.AGGREGATE, ScopeType.ORGANIZATION), DAY)
    counter = ix.ACTIVE_USER_COUNTS[0]
    # After the good record, so a wrongly kept copy would overwrite its usage_daily document.
    damaged = [
        (_json(_changed(record, day=OTHER_DAY)), 1),
        (_json(_changed(record, day="17/11/2026")), 1),
        (_json(_changed(record, day=...)), 1),
        (_json(_changed(record, **{counter: "999"})), 1),
        (_json(_changed(record, **{counter: 10**30})), 1),
        (_json(_changed(record, totals_by_ide={"ide": "vscode"})), 1),
        (_json(_changed(record, **{src.PULL_REQUESTS: "many"})), 1),
        (_json(_changed(record, **{src.TOTALS_BY_CLI: [1]})), 1),
        HTML_LINE, NUMBERS_LINE, NULL_LINE,
    ]
    rejected = sum(n for _, n in damaged) + 1  # + the cut record
    good = Served(Report.AGGREGATE, {"day.json": _body([_json(record)])})
    bad = Served(Report.AGGREGATE, {"day.json": _body([_json(record), *(line for line, _ in damaged)]),
                                    "cut.json": CUT_RECORD})
    return good, bad, rejected, 0


def _repos(sim: SimulatorServer) -> tuple[Served, Served, int, int]:
    rows = report_rows(sim, SIM_ORG, github_name(Report.REPOS, ScopeType.ORGANIZATION), DAY)
    assert rows, "the simulator served no repository rows for the day"
    row = rows[0]

    def ghost(n: int, **changes: Any) -> dict[str, Any]:
        # The simulator serves GitHub's repo_* naming (repo_id, repo_owner_name, repo_name).
        return _changed(row, **{"repo_name": f"ghost-{n}", "repo_id": 90_000_000 + n, **changes})

    pull_requests = _changed(row.get(src.PULL_REQUESTS) or {}, total_created="2")
    damaged = [
        (_json(ghost(1, day=OTHER_DAY)), 1),
        (_json(ghost(2, repo_id=..., repo_owner_name=..., repo_name=...)), 1),  # nothing names it
        (_json(ghost(3, **{src.PULL_REQUESTS: "many"})), 1),
        (_json(ghost(4, **{src.PULL_REQUESTS: pull_requests})), 1),
        (_json(ghost(5, repo_name=["a", "b"])), 1),
        (_json(ghost(6, repo_id=1.5e300)), 1),  # an id that is neither text nor an integer
        (_json(ghost(7, repository_id=7)), 1),  # the older id naming, disagreeing with repo_id
        HTML_LINE, NUMBERS_LINE, NULL_LINE,
    ]
    files, rejected = _with_damage(_lines(rows), damaged)
    return Served(Report.REPOS, _split(_lines(rows))), Served(Report.REPOS, files), rejected, 0


def _user_teams(sim: SimulatorServer) -> tuple[Served, Served, int, int]:
    users = report_rows(sim, SIM_ORG, github_name(Report.USERS, ScopeType.ORGANIZATION), DAY)
    rows = report_rows(sim, SIM_ORG, github_name(Report.USER_TEAMS, ScopeType.ORGANIZATION), DAY)
    assert users, "the simulator served no users rows for the day"
    assert rows, "the simulator served no user-teams rows for the day"
    row = rows[0]

    def ghost(**changes: Any) -> dict[str, Any]:
        # A real user in a team that does not exist: kept by mistake, it would add a team_daily document.
        return _changed(row, **{"slug": "ghost-team", "team_id": 999_999, **changes})

    damaged = [
        (_json(ghost(day=OTHER_DAY)), 1),
        (_json(ghost(day=...)), 1),
        (_json(ghost(**{ix.USER_ID: ...})), 1),
        (_json(ghost(**{ix.USER_ID: "someone"})), 1),
        (_json(ghost(**{ix.USER_ID: 10**30})), 1),
        (_json(ghost(slug=...)), 1),
        (_json(ghost(slug={"name": "ghost"})), 1),
        (_json(ghost(team_id="x")), 1),
        HTML_LINE, NUMBERS_LINE, NULL_LINE,
    ]
    files, rejected = _with_damage(_lines(rows), damaged)
    users_files = _split(_lines(users))
    good = Served(Report.USERS, users_files, {Report.USER_TEAMS: _split(_lines(rows))})
    bad = Served(Report.USERS, users_files, {Report.USER_TEAMS: files})
    return good, bad, rejected, 0


def _seats(sim: SimulatorServer) -> tuple[Served, Served, int, int]:
    page = api_get(sim, f"{SIM_ORG}/copilot/billing/seats", {"per_page": 100}).json()
    billing = api_get(sim, f"{SIM_ORG}/copilot/billing").json()
    seats = page["seats"]
    assert 4 < len(seats) < 100, "expected one page of seats"
    seat = seats[1]

    def ghost(n: int, **changes: Any) -> dict[str, Any]:
        assignee = {**seat[src.ASSIGNEE], "login": f"ghost-{n}", "id": 7_000_000 + n}
        return _changed(seat, **{"assignee": assignee, **changes})

    damaged = [
        ghost(1, created_at="yesterday"),
        ghost(2, last_activity_at=12345),
        ghost(3, pending_cancellation_date="soon"),
        ghost(4, organization="sim-org-1"),
        ghost(5, assigning_team=["team"]),
        _changed(seat, assignee={"id": 7_000_006, "type": "User"}),  # an assignee without a login
        ghost(7, assignee="ghost-7"),
    ]
    not_objects = [5, None, "seat"]
    mixed = [*seats[:2], *damaged, *not_objects, *seats[2:], copy.deepcopy(seats[0])]  # + an exact repeat
    path = f"{API}/copilot/billing/seats"
    good = Served(api={f"{API}/copilot/billing": billing, path: {**page, "seats": seats}})
    bad = Served(api={f"{API}/copilot/billing": billing, path: {**page, "seats": mixed}})
    return good, bad, len(damaged) + 1 + len(not_objects), len(not_objects)


def _teams(sim: SimulatorServer) -> tuple[Served, Served, int, int]:
    teams = api_get(sim, f"{SIM_ORG}/teams", {"per_page": 100}).json()
    assert len(teams) >= 2
    team = teams[0]

    def ghost(n: int, **changes: Any) -> dict[str, Any]:
        return _changed(team, **{"id": 800_000 + n, "slug": f"ghost-{n}", **changes})

    damaged = [
        ghost(1, id=...),
        ghost(2, id="abc"),
        ghost(3, id=10**30),
        ghost(4, slug=...),
        ghost(5, slug=""),
        ghost(6, parent="team-platform-1"),
        ghost(7, name=["Platform"]),
        ghost(8, description={"text": "x"}),
    ]
    not_objects = [None, "team", 42]
    mixed = [teams[0], *damaged, *not_objects, *teams[1:]]
    good, bad = Served(api={f"{API}/teams": teams}), Served(api={f"{API}/teams": mixed})
    return good, bad, len(damaged) + len(not_objects), len(not_objects)


def _billing_usage(sim: SimulatorServer) -> tuple[Served, Served, int, int]:
    day = SIM_TODAY - dt.timedelta(days=1)
    query = {"year": day.year, "month": day.month, "day": day.day}
    items = api_get(sim, "/organizations/sim-org-1/settings/billing/usage", query).json()["usageItems"]
    assert len(items) >= 2
    item = items[0]

    def ghost(n: int, **changes: Any) -> dict[str, Any]:
        return _changed(item, **{"repositoryName": f"sim-org-1/ghost-{n}", **changes})

    damaged = [
        ghost(1, date=(day - dt.timedelta(days=1)).isoformat()),  # another day
        ghost(2, date=...),
        ghost(3, date="yesterday"),
        ghost(4, product=...),
        ghost(5, sku={"name": "copilot"}),
        ghost(6, quantity=-3),
        ghost(7, quantity="12"),
        ghost(8, quantity=...),
        ghost(9, pricePerUnit="free"),
        ghost(10, netAmount=float("inf")),
        ghost(11, grossAmount=10**400),
    ]
    not_objects = [5, None, "line"]
    mixed = [items[0], *damaged, *not_objects, *items[1:]]
    path = f"/organizations/{ORG}/settings/billing/usage"
    good, bad = Served(api={path: {"usageItems": items}}), Served(api={path: {"usageItems": mixed}})
    return good, bad, len(damaged) + len(not_objects), 0


KINDS = [
    Kind("aggregate", Report.AGGREGATE, DAY, _aggregate),
    Kind("repos", Report.REPOS, DAY, _repos),
    Kind("user-teams", Report.USERS, DAY, _user_teams),
    Kind("seats", Snapshot.SEATS, SIM_TODAY, _seats),
    Kind("teams", Snapshot.TEAMS, SIM_TODAY, _teams),
    Kind("billing-usage", Snapshot.BILLING_USAGE, SIM_TODAY - dt.timedelta(days=1), _billing_usage),
]


def _serve_report(server: HTTPServer, report: Report, files: dict[str, bytes]) -> None:
    base = server.url_for("").rstrip("/")
    name = github_name(report, ScopeType.ORGANIZATION)
    links = [f"{base}/files/{name}/{f}?se=1&sig=fake" for f in files]
    server.expect_request(f"{API}/copilot/metrics/reports/{name}").respond_with_json(
        {"download_links": links, "report_day": DAY.isoformat()})
    for f, body in files.items():
        server.expect_request(f"/files/{name}/{f}").respond_with_data(body, content_type="application/x-ndjson")


def _serve(server: HTTPServer, served: Served) -> None:
    server.clear()
    if served.report is not None and served.files is not None:
        _serve_report(server, served.report, served.files)
    for report, files in (served.extra_reports or {}).items():
        _serve_report(server, report, files)
    if served.report is Report.USERS and Report.USER_TEAMS not in (served.extra_reports or {}):
        server.expect_request(f"{API}/copilot/metrics/reports/user-teams-1-day").respond_with_response(
            Response(status=204))
    for path, payload in (served.api or {}).items():
        server.expect_request(path).respond_with_json(payload)


def _run(server: HTTPServer, es: Any, engine_url: str, prefix: str, kind: Kind, served: Served) -> RunSummary:
    _serve(server, served)
    base = server.url_for("").rstrip("/")
    settings = settings_for(base, engine_url, prefix, ORGANIZATION_SLUGS=ORG, ENTERPRISE_SLUGS="")
    return collect(settings, es, NOW, tasks=lambda c, n: [Task(SCOPE, kind.unit, kind.day, "missing")])


def _data(prefix_snapshot: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in prefix_snapshot.items() if k != ix.INGESTION_LOG.key}


def _log_entry(snap: dict[str, dict[str, Any]], unit: Report | Snapshot) -> dict[str, Any]:
    [entry] = [s for s in snap[ix.INGESTION_LOG.key].values() if s[ix.REPORT] == unit.value]
    return entry


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_damaged_records_are_set_aside_and_the_rest_is_stored(kind: Kind, httpserver, es, engine_url):
    with SimulatorServer(harness_world()) as sim:
        good, bad, rejected, skipped = kind.build(sim)

    clean = _run(httpserver, es, engine_url, "good_", kind, good)
    assert clean.ok, clean.errors
    assert clean.rejected_records == 0
    damaged = _run(httpserver, es, engine_url, "bad_", kind, bad)

    assert damaged.ok, damaged.errors  # never a crash, never a failed day
    assert damaged.stopped is None
    assert damaged.rejected_records == rejected
    assert damaged.github.get("malformed_items", 0) == skipped
    expected, actual = take_snapshot(es, "good_"), take_snapshot(es, "bad_")
    assert sum(len(docs) for docs in _data(expected).values()) > 0
    assert _data(actual) == _data(expected)  # every good record stored as if nothing sat next to it
    entry = _log_entry(actual, kind.unit)
    assert entry[ix.STATUS] == ix.STATUS_COMPLETE
    assert entry[ix.REJECTED_COUNT] == rejected
    assert entry[ix.DOCUMENT_COUNT] == _log_entry(expected, kind.unit)[ix.DOCUMENT_COUNT]
