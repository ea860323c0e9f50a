"""The ingestion log against a real engine (osmem)."""

from __future__ import annotations

import datetime as dt

import pytest
from elasticsearch import Elasticsearch

from copilot_usage.model import Scope, ScopeType
from copilot_usage.schema.indices import INGESTION_LOG, STATUSES, IndexDef
from copilot_usage.store.client import make_client
from copilot_usage.store.errors import StoreError
from copilot_usage.store.ingestion_log import ERROR_LIMIT, IngestionLog, LogEntry, freshness, next_entry
from copilot_usage.store.templates import ensure_indices
from tests.fixtures.engine import EngineProxy

ORG = Scope(ScopeType.ORGANIZATION, "octo-org")
OTHER_ORG = Scope(ScopeType.ORGANIZATION, "other-org")
ENTERPRISE = Scope(ScopeType.ENTERPRISE, "octo-ent")
T0 = dt.datetime(2026, 3, 1, 5, 0, 0, 123456, tzinfo=dt.UTC)
DAY = dt.date(2026, 2, 27)


def entry(scope: Scope, report: str, day: dt.date, status: str = "complete", **kw: object) -> LogEntry:
    fields: dict[str, object] = {"fetched_at": T0, "record_count": 3, "document_count": 4,
                                 "content_hash": "ab" * 32, **kw}
    return LogEntry(scope.type.value, scope.slug, report, day, status, **fields)  # type: ignore[arg-type]


@pytest.fixture
def log(es: Elasticsearch, prefix: str) -> IngestionLog:
    ensure_indices(es, prefix, [INGESTION_LOG])
    return IngestionLog(es, prefix)


def test_round_trip(log: IngestionLog) -> None:
    written = [
        entry(ORG, "aggregate", DAY),
        entry(ORG, "users", DAY, "failed", error="download failed: 502", record_count=0, document_count=0,
              content_hash=None),
        entry(ORG, "aggregate", DAY - dt.timedelta(days=1), "not_ready", record_count=0, document_count=0),
        entry(OTHER_ORG, "aggregate", DAY),
        entry(ENTERPRISE, "aggregate", DAY, "empty", record_count=0, document_count=0),
    ]
    stored = log.record_many(written)
    assert [s.attempts for s in stored] == [1] * 5
    assert all(s.first_fetched_at == s.fetched_at for s in stored)
    # Kept to the millisecond, in UTC, so what comes back equals what was stored.
    assert stored[0].fetched_at == T0.replace(microsecond=123000)

    loaded = log.load(ORG)
    assert set(loaded) == {("aggregate", DAY), ("users", DAY), ("aggregate", DAY - dt.timedelta(days=1))}
    assert loaded == {s.key: s for s in stored[:3]}
    assert loaded[("users", DAY)].error == "download failed: 502"
    assert log.load(ENTERPRISE)[("aggregate", DAY)].status == "empty"
    assert log.load(Scope(ScopeType.ENTERPRISE, "octo-org")) == {}  # same slug, other scope type
    assert log.last_load_skipped == 0


def test_record_counts_attempts_and_keeps_the_first_fetch_time(log: IngestionLog) -> None:
    first = log.record(entry(ORG, "aggregate", DAY, "not_ready", record_count=0, fetched_at=T0))
    later = T0 + dt.timedelta(hours=1)
    second = log.record(entry(ORG, "aggregate", DAY, "failed", error="timeout", fetched_at=later))
    last = T0 + dt.timedelta(hours=2)
    third = log.record(entry(ORG, "aggregate", DAY, "complete", fetched_at=last, attempts=99))
    assert [first.attempts, second.attempts, third.attempts] == [1, 2, 3]
    assert third.first_fetched_at == first.fetched_at
    assert third.fetched_at == last.replace(microsecond=123000)
    loaded = log.load(ORG)[("aggregate", DAY)]
    assert loaded == third
    assert (loaded.status, loaded.error, loaded.attempts) == ("complete", None, 3)


def test_same_day_twice_in_one_call_counts_twice(log: IngestionLog) -> None:
    stored = log.record_many([entry(ORG, "repos", DAY, "not_ready"), entry(ORG, "repos", DAY, "complete")])
    assert [s.attempts for s in stored] == [1, 2]
    assert log.load(ORG)[("repos", DAY)].attempts == 2


def test_a_year_of_six_reports_loads_in_pages(engine_proxy: EngineProxy, prefix: str) -> None:
    es = make_client(engine_proxy.url)
    ensure_indices(es, prefix, [INGESTION_LOG])
    log = IngestionLog(es, prefix)
    reports = ["aggregate", "users", "user-teams", "repos", "seats", "billing"]
    days = [DAY - dt.timedelta(days=i) for i in range(365)]
    log.record_many(entry(ORG, r, d) for r in reports for d in days)
    log.record(entry(OTHER_ORG, "aggregate", DAY))

    engine_proxy.requests.clear()
    loaded = log.load(ORG)
    assert len(loaded) == 365 * 6
    assert set(loaded) == {(r, d) for r in reports for d in days}
    assert all(e.scope == "octo-org" for e in loaded.values())
    assert len(engine_proxy.seen("/_search")) == 3  # 2,190 entries in pages of 1,000


def test_load_refreshes_the_log_so_it_sees_every_entry_written_before(engine_proxy: EngineProxy,
                                                                          prefix: str) -> None:
    """Periodic refresh off (as during a large backfill): only the load's own refresh makes the entry
    visible. Writes do not wait for a refresh (`wait_for` would hang for good with refresh off)."""
    es = make_client(engine_proxy.url)
    ensure_indices(es, prefix, [INGESTION_LOG])
    es.indices.put_settings(index=INGESTION_LOG.name(prefix), settings={"index.refresh_interval": "-1"})
    log = IngestionLog(es, prefix)
    log.record(entry(ORG, "aggregate", DAY))
    (bulk,) = engine_proxy.seen("/_bulk")
    assert "refresh" not in bulk.path
    assert set(IngestionLog(es, prefix).load(ORG)) == {("aggregate", DAY)}
    paths = [r.path for r in engine_proxy.requests]
    refresh = next(i for i, p in enumerate(paths) if "/_refresh" in p)
    assert refresh < next(i for i, p in enumerate(paths) if "/_search" in p)


def test_malformed_entries_are_set_aside(es: Elasticsearch, log: IngestionLog, prefix: str) -> None:
    log.record(entry(ORG, "aggregate", DAY))
    index = INGESTION_LOG.name(prefix)
    es.index(index=index, id="junk-1", document={"scope_type": "organization", "scope": "octo-org",
                                                  "report": "users", "day": "2026-02-27", "status": "bogus",
                                                  "fetched_at": "2026-03-01T00:00:00Z"}, refresh=True)
    es.index(index=index, id="junk-2", document={"scope_type": "organization", "scope": "octo-org",
                                                  "report": "repos", "day": "2026-02-27", "status": "complete"},
             refresh=True)
    loaded = log.load(ORG)
    assert set(loaded) == {("aggregate", DAY)}
    assert log.last_load_skipped == 2


def test_missing_index_means_nothing_logged_yet(es: Elasticsearch, prefix: str) -> None:
    assert IngestionLog(es, prefix).load(ORG) == {}
    assert freshness(es, prefix) == []


def test_refused_entries_raise(es: Elasticsearch, prefix: str) -> None:
    # An index whose mapping contradicts the definition: every write of `status` fails to parse.
    properties = {**INGESTION_LOG.properties, "status": {"type": "long"}}
    broken = IndexDef(INGESTION_LOG.key, INGESTION_LOG.id_fields, properties, "a broken ingestion log")
    ensure_indices(es, prefix, [broken])
    with pytest.raises(StoreError, match="could not record 1 ingestion log entries") as refused:
        IngestionLog(es, prefix).record(entry(ORG, "aggregate", DAY))
    assert "mapper_parsing_exception" in str(refused.value)


def test_freshness_summary(log: IngestionLog, es: Elasticsearch, prefix: str) -> None:
    day = dt.date(2026, 2, 1)
    batch = [entry(ORG, "aggregate", day + dt.timedelta(days=i)) for i in range(5)]
    batch += [
        entry(ORG, "aggregate", day + dt.timedelta(days=5), "failed", error="older failure",
              fetched_at=T0 - dt.timedelta(hours=3)),
        entry(ORG, "aggregate", day + dt.timedelta(days=6), "failed", error="HTTP 500 from the report download",
              fetched_at=T0 + dt.timedelta(minutes=5)),
        entry(ORG, "aggregate", day + dt.timedelta(days=7), "not_ready"),
        entry(ORG, "users", day, "empty", record_count=0, document_count=0),
        entry(ENTERPRISE, "aggregate", day, "complete"),
    ]
    log.record_many(batch)
    rows = freshness(es, prefix)
    assert [(r["scope_type"], r["scope"], r["report"]) for r in rows] == [
        ("enterprise", "octo-ent", "aggregate"),
        ("organization", "octo-org", "aggregate"),
        ("organization", "octo-org", "users"),
    ]
    aggregate = rows[1]
    assert {s: aggregate[s] for s in STATUSES} == {"complete": 5, "not_ready": 1, "empty": 0, "failed": 2}
    assert aggregate["total"] == 8
    assert aggregate["last_complete_day"] == day + dt.timedelta(days=4)
    assert aggregate["latest_error"] == "HTTP 500 from the report download"
    assert aggregate["latest_error_day"] == day + dt.timedelta(days=6)
    assert aggregate["last_fetched_at"] == (T0 + dt.timedelta(minutes=5)).replace(microsecond=123000)
    users = rows[2]
    assert {s: users[s] for s in STATUSES} == {"complete": 0, "not_ready": 0, "empty": 1, "failed": 0}
    assert users["last_complete_day"] is None
    assert users["latest_error"] is None


def test_log_entry_validation() -> None:
    with pytest.raises(ValueError, match="status must be one of"):
        entry(ORG, "aggregate", DAY, "done")
    with pytest.raises(ValueError, match="timezone-aware"):
        entry(ORG, "aggregate", DAY, fetched_at=dt.datetime(2026, 3, 1))
    with pytest.raises(ValueError, match="day must be a date"):
        entry(ORG, "aggregate", dt.datetime(2026, 3, 1, tzinfo=dt.UTC))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="attempts"):
        entry(ORG, "aggregate", DAY, attempts=-1)
    long_error = entry(ORG, "aggregate", DAY, "failed", error="e" * 5000)
    assert long_error.error is not None
    assert len(long_error.error) == ERROR_LIMIT
    plus_two = dt.timezone(dt.timedelta(hours=2))
    other_zone = entry(ORG, "aggregate", DAY, fetched_at=dt.datetime(2026, 3, 1, 7, tzinfo=plus_two))
    assert other_zone.fetched_at == dt.datetime(2026, 3, 1, 5, tzinfo=dt.UTC)


def test_next_entry_is_pure() -> None:
    new = entry(ORG, "aggregate", DAY, fetched_at=T0 + dt.timedelta(days=1))
    previous = entry(ORG, "aggregate", DAY, "not_ready", attempts=4, first_fetched_at=T0 - dt.timedelta(days=3))
    result = next_entry(new, previous)
    assert (result.attempts, result.first_fetched_at) == (5, previous.first_fetched_at)
    assert new.attempts == 0  # the input is untouched
    assert next_entry(new, None).attempts == 1
