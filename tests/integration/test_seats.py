"""Seats snapshot and seat summary through `run`: the simulator's seat pages, fetched and counted here
independently, against what lands in the engine; plus the issue's seat questions as direct queries."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from copilot_usage.run import run
from copilot_usage.schema import indices as ix
from copilot_usage.simulator import SimulatorServer, World
from tests.fixtures.simulator import SIM_AUTH, SIM_TODAY, TIMEOUT, api_get, sim_config
from tests.integration.test_collect import ENT, NOW, ORGS, clock, settings_for

SCOPES = (("organization", ORGS[0], f"/orgs/{ORGS[0]}"), ("organization", ORGS[1], f"/orgs/{ORGS[1]}"),
          ("enterprise", ENT, f"/enterprises/{ENT}"))
RECENT = {"BACKFILL_START": (SIM_TODAY - dt.timedelta(days=2)).isoformat()}  # seats need no report history


def seat_pages(server: SimulatorServer, scope_path: str) -> tuple[int, list[dict[str, Any]]]:
    """(total_seats, every seat row) following the Link header's next page, as GitHub documents it."""
    response = api_get(server, f"{scope_path}/copilot/billing/seats", {"per_page": 100})
    rows: list[dict[str, Any]] = []
    while True:
        assert response.status_code == 200, response.text
        payload = response.json()
        rows.extend(payload["seats"])
        following = response.links.get("next")
        if following is None:
            return payload["total_seats"], rows
        response = requests.get(following["url"], headers=SIM_AUTH, timeout=TIMEOUT)


def utc_day(stamp: str | None) -> dt.date | None:
    return None if stamp is None else dt.datetime.fromisoformat(stamp).astimezone(dt.UTC).date()


def expected_seats(rows: list[dict[str, Any]], snapshot: dt.date) -> list[dict[str, Any]]:
    """Per row: key, derived inactivity, and whether it is the counted row of its login."""
    seen: set[str] = set()
    out = []
    for row in rows:
        assignee = row.get("assignee")
        login = assignee["login"] if assignee else None
        last = utc_day(row["last_activity_at"])
        days = None if last is None else max(0, (snapshot - last).days)
        counted = login is None or login.lower() not in seen
        if login is not None:
            seen.add(login.lower())
        out.append({
            "key": (login, (row.get("organization") or {}).get("login"), (row.get("assigning_team") or {}).get("slug")),
            ix.DAYS_SINCE_LAST_ACTIVITY: days,
            ix.NEVER_USED: last is None,
            ix.INACTIVE_7D: days is None or days >= 7,
            ix.INACTIVE_14D: days is None or days >= 14,
            ix.INACTIVE_28D: days is None or days >= 28,
            ix.COUNTED: counted,
            ix.PLAN_TYPE: row.get("plan_type"),
            ix.UNASSIGNED: assignee is None,
        })
    return out


def scope_filter(scope_type: str, slug: str, day: dt.date, *extra: dict[str, Any]) -> dict[str, Any]:
    return {"bool": {"filter": [{"term": {ix.SCOPE_TYPE: scope_type}}, {"term": {ix.SCOPE: slug}},
                                {"term": {ix.DAY: day.isoformat()}}, *extra]}}


def stored_seats(es: Any, prefix: str, scope_type: str, slug: str, day: dt.date) -> list[dict[str, Any]]:
    hits = es.search(index=ix.SEATS.name(prefix), size=10_000, query=scope_filter(scope_type, slug, day),
                     track_total_hits=True)["hits"]
    assert hits["total"]["value"] == len(hits["hits"])
    return [h["_source"] for h in hits["hits"]]


def seat_summary(es: Any, prefix: str, scope_type: str, slug: str, day: dt.date) -> dict[str, Any]:
    [hit] = es.search(index=ix.SEAT_SUMMARY.name(prefix), query=scope_filter(scope_type, slug, day))["hits"]["hits"]
    return hit["_source"]


def assert_snapshot_matches(server, es, prefix: str, scope_type: str, slug: str, path: str, day: dt.date) -> None:
    total_seats, rows = seat_pages(server, path)
    expected = expected_seats(rows, day)
    docs = stored_seats(es, prefix, scope_type, slug, day)
    assert len(docs) == len(rows)
    fields = (ix.DAYS_SINCE_LAST_ACTIVITY, ix.NEVER_USED, ix.INACTIVE_7D, ix.INACTIVE_14D, ix.INACTIVE_28D,
              ix.COUNTED, ix.PLAN_TYPE, ix.UNASSIGNED)
    assigned = {e["key"]: e for e in expected if e["key"][0] is not None}
    for doc in docs:
        if doc[ix.UNASSIGNED]:
            continue
        key = (doc[ix.USER_LOGIN], doc.get(ix.ORGANIZATION), doc.get(ix.ASSIGNING_TEAM))
        want = assigned.pop(key)
        assert {f: doc.get(f) for f in fields} == {f: want[f] for f in fields}, key
    assert assigned == {}
    assert sum(d[ix.UNASSIGNED] for d in docs) == sum(e[ix.UNASSIGNED] for e in expected)

    summary = seat_summary(es, prefix, scope_type, slug, day)
    counted = [e for e in expected if e[ix.COUNTED]]
    assert summary[ix.SEAT_ROWS] == len(rows)
    assert summary[ix.COUNTED_SEATS] == total_seats == len(counted)
    assert summary[ix.NEVER_USED_SEATS] == sum(e[ix.NEVER_USED] for e in counted)
    for field, bucket in ((ix.INACTIVE_7D_SEATS, ix.INACTIVE_7D), (ix.INACTIVE_14D_SEATS, ix.INACTIVE_14D),
                          (ix.INACTIVE_28D_SEATS, ix.INACTIVE_28D)):
        assert summary[field] == sum(e[bucket] for e in counted), field
    if scope_type == "organization":
        billing = api_get(server, f"{path}/copilot/billing").json()
        assert summary[ix.DERIVED_FROM_SEATS] is False
        for key, value in billing["seat_breakdown"].items():
            assert summary[ix.SEAT_PREFIX + key] == value, key
        for name in ix.BILLING_SETTINGS:
            assert summary.get(name) == billing.get(name), name
    else:
        assert summary[ix.DERIVED_FROM_SEATS] is True
        assert summary[ix.SEAT_TOTAL] == total_seats


@pytest.fixture
def server():
    with SimulatorServer(World(sim_config(days=14))) as s:
        yield s


def test_seat_documents_and_buckets_equal_what_the_seat_pages_imply(server, es, engine_url, prefix):
    summary = run(settings_for(server, engine_url, prefix, **RECENT), es=es, now=clock(NOW))
    assert summary.ok, summary.errors
    for scope_type, slug, path in SCOPES:
        assert_snapshot_matches(server, es, prefix, scope_type, slug, path, SIM_TODAY)


def test_enterprise_duplicate_seats_are_kept_and_only_one_row_per_login_is_counted(server, es, engine_url, prefix):
    assert run(settings_for(server, engine_url, prefix, **RECENT), es=es, now=clock(NOW)).ok
    total_seats, rows = seat_pages(server, f"/enterprises/{ENT}")
    assert len(rows) > total_seats  # the world grants some users seats from both organizations
    docs = stored_seats(es, prefix, "enterprise", ENT, SIM_TODAY)
    assert len(docs) == len(rows)
    counted = Counter(d[ix.USER_LOGIN].lower() for d in docs if d[ix.COUNTED] and not d[ix.UNASSIGNED])
    assert set(counted.values()) == {1}
    logins = {d[ix.USER_LOGIN].lower() for d in docs if not d[ix.UNASSIGNED]}
    assert set(counted) == logins
    assert sum(d[ix.COUNTED] for d in docs) == total_seats


def test_the_seat_questions_are_answered_by_direct_queries(server, es, engine_url, prefix):
    assert run(settings_for(server, engine_url, prefix, **RECENT), es=es, now=clock(NOW)).ok
    org, path = ORGS[0], f"/orgs/{ORGS[0]}"
    total_seats, rows = seat_pages(server, path)
    expected = expected_seats(rows, SIM_TODAY)
    billing = api_get(server, f"{path}/copilot/billing").json()
    index = ix.SEATS.name(prefix)
    counted = {"term": {ix.COUNTED: True}}

    # Plan types of the counted seats.
    plans = es.search(index=index, size=0, query=scope_filter("organization", org, SIM_TODAY, counted),
                      aggs={"p": {"terms": {"field": ix.PLAN_TYPE}}})["aggregations"]["p"]["buckets"]
    assert {b["key"]: b["doc_count"] for b in plans} == Counter(e[ix.PLAN_TYPE] for e in expected if e[ix.COUNTED])

    # Total and active/inactive this cycle, from the summary.
    summary = seat_summary(es, prefix, "organization", org, SIM_TODAY)
    assert summary[ix.SEAT_TOTAL] == total_seats
    assert summary[ix.SEAT_ACTIVE_THIS_CYCLE] == billing["seat_breakdown"]["active_this_cycle"]
    assert summary[ix.SEAT_INACTIVE_THIS_CYCLE] == billing["seat_breakdown"]["inactive_this_cycle"]

    # Assigned but never used.
    never = es.count(index=index, query=scope_filter("organization", org, SIM_TODAY, counted,
                                                     {"term": {ix.NEVER_USED: True}},
                                                     {"term": {ix.UNASSIGNED: False}}))["count"]
    assert never == sum(e[ix.NEVER_USED] and not e[ix.UNASSIGNED] for e in expected)

    # Ranking of inactive users (>= 2 days since last activity), most inactive first.
    ranking = es.search(index=index, size=1000, sort=[{ix.DAYS_SINCE_LAST_ACTIVITY: "desc"}, {ix.USER_LOGIN: "asc"}],
                        query=scope_filter("organization", org, SIM_TODAY, counted,
                                           {"range": {ix.DAYS_SINCE_LAST_ACTIVITY: {"gte": 2}}}))["hits"]["hits"]
    want = sorted(((e[ix.DAYS_SINCE_LAST_ACTIVITY], e["key"][0]) for e in expected
                   if e[ix.COUNTED] and e[ix.DAYS_SINCE_LAST_ACTIVITY] is not None
                   and e[ix.DAYS_SINCE_LAST_ACTIVITY] >= 2), key=lambda p: (-p[0], p[1]))
    assert want, "the world has users inactive for two days or more"
    got = [(h["_source"][ix.DAYS_SINCE_LAST_ACTIVITY], h["_source"][ix.USER_LOGIN]) for h in ranking]
    assert got == want

    # All assigned seats.
    assigned = es.count(index=index, query=scope_filter("organization", org, SIM_TODAY,
                                                        {"term": {ix.UNASSIGNED: False}}))["count"]
    assert assigned == sum(not e[ix.UNASSIGNED] for e in expected)


def test_seat_history_keeps_one_snapshot_per_day(server, es, engine_url, prefix):
    assert run(settings_for(server, engine_url, prefix, **RECENT), es=es, now=clock(NOW)).ok
    tomorrow = SIM_TODAY + dt.timedelta(days=1)
    server.set_today(tomorrow)
    later = settings_for(server, engine_url, prefix, **RECENT, COPILOT_USAGE_TODAY=tomorrow.isoformat())
    assert run(later, es=es, now=clock(NOW + dt.timedelta(days=1))).ok
    for scope_type, slug, path in SCOPES:
        assert_snapshot_matches(server, es, prefix, scope_type, slug, path, tomorrow)
    history = es.search(index=ix.SEAT_SUMMARY.name(prefix), size=0,
                        query={"bool": {"filter": [{"term": {ix.SCOPE: ORGS[0]}}]}},
                        aggs={"d": {"date_histogram": {"field": ix.DAY, "calendar_interval": "day",
                                                       "format": "yyyy-MM-dd"},
                                    "aggs": {"t": {"max": {"field": ix.COUNTED_SEATS}}}}})
    days = [b["key_as_string"] for b in history["aggregations"]["d"]["buckets"]]
    assert days == [SIM_TODAY.isoformat(), tomorrow.isoformat()]
    per_day = es.search(index=ix.SEATS.name(prefix), size=0, query={"term": {ix.SCOPE: ORGS[0]}},
                        aggs={"d": {"terms": {"field": ix.DAY, "format": "yyyy-MM-dd"}}})
    _, rows = seat_pages(server, f"/orgs/{ORGS[0]}")
    assert {b["key_as_string"]: b["doc_count"] for b in per_day["aggregations"]["d"]["buckets"]} == {
        SIM_TODAY.isoformat(): len(rows), tomorrow.isoformat(): len(rows)}


def seat_row_count(server: SimulatorServer, scope_path: str) -> tuple[int, int]:
    """(total_seats, listing rows) from the first and last page only: rendering every page twice is slow."""
    first = api_get(server, f"{scope_path}/copilot/billing/seats", {"per_page": 100})
    assert first.status_code == 200, first.text
    last_link = first.links.get("last")
    if last_link is None:
        return first.json()["total_seats"], len(first.json()["seats"])
    pages = int(parse_qs(urlsplit(last_link["url"]).query)["page"][0])
    last = requests.get(last_link["url"], headers=SIM_AUTH, timeout=TIMEOUT)
    assert last.status_code == 200, last.text
    return first.json()["total_seats"], (pages - 1) * 100 + len(last.json()["seats"])


@pytest.mark.slow  # ~9 s: the simulator renders ~5,000 seat rows at about 2 ms each
def test_thousands_of_seats_are_paged_through_and_all_stored(es, engine_url, prefix):
    with SimulatorServer(World(sim_config(users=2500, days=3))) as big:
        # Only the snapshots: no report day is due, so the run is about seats (and teams) alone.
        only_snapshots = {"BACKFILL_START": SIM_TODAY.isoformat(), "LATE_WINDOW_DAYS": "0"}
        summary = run(settings_for(big, engine_url, prefix, **only_snapshots), es=es, now=clock(NOW))
        assert summary.ok, summary.errors
        for scope_type, slug, path in SCOPES:
            total_seats, rows = seat_row_count(big, path)
            assert rows > 1000, (slug, rows)
            assert es.count(index=ix.SEATS.name(prefix),
                            query=scope_filter(scope_type, slug, SIM_TODAY))["count"] == rows
            assert seat_summary(es, prefix, scope_type, slug, SIM_TODAY)[ix.COUNTED_SEATS] == total_seats
