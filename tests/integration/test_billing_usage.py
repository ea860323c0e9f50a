"""The org billing usage report through a whole `run`: simulator on loopback + a real engine.

Documents equal the simulator's lines; a token that may not read billing costs one 403, recorded once, and
the report is not asked for again until BILLING_RETRY_DAYS have passed.
"""

from __future__ import annotations

import datetime as dt

import pytest

from copilot_usage.model import Scope, ScopeType
from copilot_usage.planner import BILLING_RETRY_DAYS, NOT_ACCESSIBLE
from copilot_usage.run import run
from copilot_usage.schema import indices as ix
from copilot_usage.settings import Settings
from copilot_usage.simulator import SimulatorServer, World
from copilot_usage.store.ingestion_log import IngestionLog
from tests.fixtures.simulator import SIM_TODAY, api_get, sim_config

ORGS = ("sim-org-1", "sim-org-2")
NOW = dt.datetime(2026, 11, 20, 10, 5, tzinfo=dt.UTC)
YESTERDAY = SIM_TODAY - dt.timedelta(days=1)
ROUTE = "GET /organizations/{org}/settings/billing/usage"
# Our field <- the simulator's key, for every field a line carries.
FIELDS = {ix.PRODUCT: "product", ix.SKU: "sku", ix.QUANTITY: "quantity", ix.UNIT_TYPE: "unitType",
          ix.PRICE_PER_UNIT: "pricePerUnit", ix.GROSS_AMOUNT: "grossAmount", ix.DISCOUNT_AMOUNT: "discountAmount",
          ix.NET_AMOUNT: "netAmount", ix.ORGANIZATION: "organizationName", ix.REPOSITORY: "repositoryName"}


def settings_for(server: SimulatorServer, engine_url: str, prefix: str, orgs: tuple[str, ...],
                 today: dt.date = SIM_TODAY) -> Settings:
    return Settings.from_env({
        "GITHUB_PAT": "sim-token",
        "GITHUB_API_URL": server.url,
        "ORGANIZATION_SLUGS": ",".join(orgs),
        "ELASTICSEARCH_URL": engine_url,
        "INDEX_PREFIX": prefix,
        "COPILOT_USAGE_TODAY": today.isoformat(),
        # Only the newest report day: this test is about the billing snapshot, not the backfill.
        "BACKFILL_START": (today - dt.timedelta(days=2)).isoformat(),
        "MAX_CONCURRENCY": "2",
    })


def billing_docs(es, prefix: str, org: str) -> list[dict]:
    hits = es.search(index=ix.BILLING_USAGE.name(prefix), size=100, query={"bool": {"filter": [
        {"term": {ix.SCOPE: org}}]}})["hits"]["hits"]
    return [h["_source"] for h in hits]


@pytest.fixture
def world() -> World:
    return World(sim_config())


@pytest.fixture
def server(world):
    with SimulatorServer(world) as s:
        yield s


def test_documents_equal_the_simulators_lines_for_yesterday(server, es, engine_url, prefix):
    summary = run(settings_for(server, engine_url, prefix, ORGS), es=es, now=lambda: NOW)
    assert summary.ok, summary.errors
    assert server.stats()["requests"][ROUTE] == len(ORGS)
    query = {"year": YESTERDAY.year, "month": YESTERDAY.month, "day": YESTERDAY.day}
    for org in ORGS:
        lines = api_get(server, f"/organizations/{org}/settings/billing/usage", query).json()["usageItems"]
        assert len(lines) == 3
        expected = sorted(
            ({"day": YESTERDAY.isoformat(), "scope_type": "organization", "scope": org,
              **{ours: line[theirs] for ours, theirs in FIELDS.items() if theirs in line}} for line in lines),
            key=lambda d: (d[ix.PRODUCT], d[ix.SKU]))
        docs = sorted(billing_docs(es, prefix, org), key=lambda d: (d[ix.PRODUCT], d[ix.SKU]))
        assert docs == expected
        entry = IngestionLog(es, prefix).load(Scope(ScopeType.ORGANIZATION, org))[("billing_usage", YESTERDAY)]
        assert entry.status == "complete"
        assert entry.record_count == 3
        assert entry.document_count == 3
    assert summary.documents["billing_usage"] == 3 * len(ORGS)


def test_a_403_is_recorded_once_the_run_is_ok_and_the_report_is_skipped_for_a_week(
        server, world, es, engine_url, prefix):
    org = ORGS[0]
    server.faults.forbidden_paths = [f"/organizations/{org}/settings/billing/usage"]
    first = run(settings_for(server, engine_url, prefix, (org,)), es=es, now=lambda: NOW)
    assert first.ok, first.errors
    assert server.stats()["requests"][ROUTE] == 1
    log = IngestionLog(es, prefix).load(Scope(ScopeType.ORGANIZATION, org))
    entry = log[("billing_usage", YESTERDAY)]
    assert entry.status == "empty"
    assert entry.error is not None
    assert entry.error.startswith(NOT_ACCESSIBLE)
    assert "Administration: read" in entry.error
    assert [key for key in log if key[0] == "billing_usage"] == [("billing_usage", YESTERDAY)]
    assert billing_docs(es, prefix, org) == []

    # The next days: no request at all for the report, while everything else is still collected.
    for days_later in (1, BILLING_RETRY_DAYS - 1):
        today = SIM_TODAY + dt.timedelta(days=days_later)
        server.set_today(today)
        server.reset_stats()
        later = run(settings_for(server, engine_url, prefix, (org,), today), es=es,
                    now=lambda d=days_later: NOW + dt.timedelta(days=d))
        assert later.ok, later.errors
        assert ROUTE not in server.stats()["requests"]
        assert later.tasks_run > 0

    # A week after the 403 it is asked again; with the permission granted by then, it is collected.
    server.faults.forbidden_paths = []
    today = SIM_TODAY + dt.timedelta(days=BILLING_RETRY_DAYS)
    server.set_today(today)
    server.reset_stats()
    again = run(settings_for(server, engine_url, prefix, (org,), today), es=es,
                now=lambda: NOW + dt.timedelta(days=BILLING_RETRY_DAYS))
    assert again.ok, again.errors
    assert server.stats()["requests"][ROUTE] == 1
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert {d[ix.DAY] for d in billing_docs(es, prefix, org)} == {yesterday}
