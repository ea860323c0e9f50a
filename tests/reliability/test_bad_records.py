"""Bad API records: each is counted and set aside (or kept, when it is only unusual), never losing the rest.

A fake GitHub (pytest-httpserver) serves one users report day whose files hold real simulator records plus a
corpus of damaged ones, each under its own user id, so the outcome of every case can be read back.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug import Response

from copilot_usage.model import Report, Scope, ScopeType
from copilot_usage.planner import Task
from copilot_usage.schema import indices as ix
from copilot_usage.simulator import SimulatorServer
from tests.fixtures.simulator import SIM_TODAY, report_rows
from tests.reliability.harness import NOW, collect, harness_world, settings_for

ORG = "bad-org"
DAY = SIM_TODAY - dt.timedelta(days=3)
FIRST_CASE_ID = 9_000_000

Mutation = Callable[[dict[str, Any]], dict[str, Any]]


def _without(key: str) -> Mutation:
    return lambda r: {k: v for k, v in r.items() if k != key}


def _with(key: str, value: Any) -> Mutation:
    return lambda r: {**r, key: value}


# (case, mutation, kept?)  `kept` is the documented outcome: False = counted as rejected and set aside.
CASES: list[tuple[str, Mutation, bool]] = [
    ("missing user_login", _without(ix.USER_LOGIN), False),
    ("null code_generation_activity_count", _with(ix.CODE_GENERATION_ACTIVITY_COUNT, None), True),
    ("text counter", _with(ix.CODE_GENERATION_ACTIVITY_COUNT, "12"), False),
    ("negative counter", _with(ix.LOC_ADDED_SUM, -5), True),  # odd, but a number: kept as sent
    ("huge counter", _with(ix.LOC_ADDED_SUM, 10**30), False),
    ("wrong day", _with(ix.DAY, (DAY - dt.timedelta(days=1)).isoformat()), False),
    ("breakdown is not a list", _with("totals_by_ide", {"ide": "vscode"}), False),
    ("unknown new field", _with("brand_new_metric_2027", {"nested": [1, 2]}), True),
    ("unicode login", _with(ix.USER_LOGIN, "ユーザー-straße-😀"), True),
    ("very long login", _with(ix.USER_LOGIN, "l" * 2000), True),
]


def _corpus(base: dict[str, Any]) -> list[dict[str, Any]]:
    records = []
    for n, (_, mutate, _) in enumerate(CASES):
        record = copy.deepcopy(base)
        record[ix.USER_ID] = FIRST_CASE_ID + n
        record[ix.USER_LOGIN] = f"case-{n}"
        records.append(mutate(record))
    return records


def _lines(records: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


@pytest.fixture
def good_rows() -> list[dict[str, Any]]:
    with SimulatorServer(harness_world()) as server:
        return report_rows(server, "/orgs/sim-org-1", "users-1-day", DAY)


def test_damaged_records_are_set_aside_and_the_rest_is_stored(httpserver, es, engine_url, good_rows):
    good, duplicate = good_rows[:-1], good_rows[0]
    files = {
        "good.json": _lines(good[: len(good) // 2]),
        "corpus.json": _lines([*_corpus(good[0]), {k: v for k, v in good[0].items() if k != ix.USER_ID}]),
        "empty.json": b"",
        "not-json.json": b"<html>502 Bad Gateway</html>\n",
        "cut.json": _lines(good[len(good) // 2:]) + b'{"user_id": 1, "user_lo',  # cut off mid-record
        "not-records.json": b"[1, 2]\n",  # JSON, but numbers where records belong
        "duplicate.json": _lines([duplicate]),  # the same user again, in another file
    }
    base = httpserver.url_for("").rstrip("/")
    links = [f"{base}/files/{name}?se=1&sig=fake" for name in files]
    httpserver.expect_request(f"/orgs/{ORG}/copilot/metrics/reports/users-1-day").respond_with_json(
        {"download_links": links, "report_day": DAY.isoformat()})
    httpserver.expect_request(f"/orgs/{ORG}/copilot/metrics/reports/user-teams-1-day").respond_with_response(
        Response(status=204))
    for name, body in files.items():
        httpserver.expect_request(f"/files/{name}").respond_with_data(body, content_type="application/x-ndjson")

    settings = settings_for(base, engine_url, "bad_", ORGANIZATION_SLUGS=ORG, ENTERPRISE_SLUGS="")
    scope = Scope(ScopeType.ORGANIZATION, ORG)
    summary = collect(settings, es, NOW, tasks=lambda c, n: [Task(scope, Report.USERS, DAY, "missing")])

    es.indices.refresh(index=ix.USER_DAILY.name("bad_"))
    hits = es.search(index=ix.USER_DAILY.name("bad_"), size=1000, query={"match_all": {}})["hits"]["hits"]
    stored = {h["_source"][ix.USER_ID]: h["_source"] for h in hits}
    outcomes = {name: (FIRST_CASE_ID + n) in stored for n, (name, _, _) in enumerate(CASES)}
    assert outcomes == {name: kept for name, _, kept in CASES}
    assert {r[ix.USER_ID] for r in good} <= set(stored)  # every good record kept, whatever sat next to it
    case = {name: stored.get(FIRST_CASE_ID + n) for n, (name, _, _) in enumerate(CASES)}
    assert ix.CODE_GENERATION_ACTIVITY_COUNT not in case["null code_generation_activity_count"]  # null = absent
    assert case["negative counter"][ix.LOC_ADDED_SUM] == -5
    assert case["unicode login"][ix.USER_LOGIN] == "ユーザー-straße-😀"
    assert case["very long login"][ix.USER_LOGIN] == "l" * 2000
    assert "brand_new_metric_2027" not in case["unknown new field"]  # unknown fields are not indexed
    rejected_cases = sum(1 for _, _, kept in CASES if not kept) + 1  # + the record without a user_id
    malformed = 4  # the HTML page, the cut record, and each of the two numbers
    assert summary.rejected_records == rejected_cases + malformed + 1  # + the duplicate user, set aside
    assert summary.records == len(good) + len(CASES) + 1 + 1  # + the id-less record + the duplicate
    # The run summary says why, per reason, with one example of where (collect, like import).
    reasons = summary.to_dict()["rejected_reasons"]
    assert sum(seen["count"] for seen in reasons.values()) == summary.rejected_records
    assert reasons["user_id is missing"]["count"] == 1
    assert all(f"organization:{ORG} users " in seen["example"] for seen in reasons.values())
    assert len(stored) == len(good) + sum(1 for _, _, kept in CASES if kept)  # the duplicate is one document
    [entry] = [h["_source"] for h in es.search(index=ix.INGESTION_LOG.name("bad_"), query={"term": {
        ix.REPORT: Report.USERS.value}})["hits"]["hits"]]
    assert entry[ix.STATUS] == ix.STATUS_COMPLETE  # set-aside records do not hold the day back
    assert entry[ix.REJECTED_COUNT] == summary.rejected_records


def test_a_user_repeated_in_another_file_counts_once_in_the_scope_summary(httpserver, es, engine_url, good_rows):
    base = httpserver.url_for("").rstrip("/")
    files = {"a.json": _lines(good_rows), "b.json": _lines(good_rows[:1])}
    httpserver.expect_request(f"/orgs/{ORG}/copilot/metrics/reports/users-1-day").respond_with_json(
        {"download_links": [f"{base}/files/{n}" for n in files], "report_day": DAY.isoformat()})
    httpserver.expect_request(f"/orgs/{ORG}/copilot/metrics/reports/user-teams-1-day").respond_with_response(
        Response(status=204))
    for name, body in files.items():
        httpserver.expect_request(f"/files/{name}").respond_with_data(body)
    settings = settings_for(base, engine_url, "dup_", ORGANIZATION_SLUGS=ORG, ENTERPRISE_SLUGS="")
    scope = Scope(ScopeType.ORGANIZATION, ORG)
    summary = collect(settings, es, NOW, tasks=lambda c, n: [Task(scope, Report.USERS, DAY, "missing")])
    assert summary.ok, summary.errors
    es.indices.refresh(index=ix.USER_SUMMARY_DAILY.name("dup_"))
    [doc] = es.search(index=ix.USER_SUMMARY_DAILY.name("dup_"))["hits"]["hits"]
    assert doc["_source"][ix.USERS_IN_REPORT] == len(good_rows)
