"""After a collection: per-user retention and the small-team flag, applied to what is already stored.

- `USER_RETENTION_DAYS`: per-user documents (user_daily, user_adoption, seats) whose day is older than that
  many days before today are deleted. Aggregates (usage_daily, usage_breakdown, user_summary_daily,
  seat_summary) and team numbers (team_daily, team_breakdown) are kept. Logged with counts per index.
- `MIN_TEAM_SIZE`: new team documents are flagged as they are written (`privacy.protect`); this pass
  re-flags stored ones whose flag disagrees with the current setting (a changed MIN_TEAM_SIZE, or team
  documents written before the flag existed). Costs one empty search per index when nothing changed.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import NotFoundError

from copilot_usage.privacy import PrivacySettings
from copilot_usage.schema import indices as ix
from copilot_usage.store.errors import StoreError, translated
from copilot_usage.store.writer import BulkWriter, make_searchable

log = logging.getLogger("copilot_usage.retention")

PER_USER_INDICES = (ix.USER_DAILY, ix.USER_ADOPTION, ix.SEATS)
TEAM_INDICES = (ix.TEAM_DAILY, ix.TEAM_BREAKDOWN)


@dataclass
class Aftercare:
    retention_cutoff: dt.date | None = None
    deleted: dict[str, int] = field(default_factory=dict)
    reflagged: dict[str, int] = field(default_factory=dict)


def retention_cutoff(today: dt.date, days: int) -> dt.date:
    """The first day kept: per-user documents dated before it go."""
    return today - dt.timedelta(days=days)


def delete_old_user_documents(es: Any, prefix: str, cutoff: dt.date) -> dict[str, int]:
    deleted: dict[str, int] = {}
    query = {"range": {ix.DAY: {"lt": cutoff.isoformat()}}}
    for index in PER_USER_INDICES:
        name = index.name(prefix)
        with translated(es, f"POST {name}/_delete_by_query"):
            response = es.delete_by_query(index=name, query=query, conflicts="proceed", refresh=True,
                                          ignore_unavailable=True, allow_no_indices=True)
        deleted[index.key] = int(response.get("deleted", 0))
    return deleted


def reflag_small_teams(es: Any, prefix: str, min_team_size: int, page: int = 1000) -> dict[str, int]:
    """Set `small_team` wherever it disagrees with team_members < min_team_size; returns rewrites per index.

    Mismatched documents are read a page at a time and written back whole with the right flag (same id), which
    every engine we support can do (the bundled one has no update-by-query). A page always shrinks the set
    of mismatches, so this ends; a document whose stored id is not the one its fields give is left alone.
    """
    changed: dict[str, int] = {}
    for index in TEAM_INDICES:
        name = index.name(prefix)
        total = 0
        skipped: set[str] = set()
        while True:
            query = {"bool": {"should": [_mismatch(True, min_team_size), _mismatch(False, min_team_size)],
                              "minimum_should_match": 1,
                              "must_not": [{"ids": {"values": sorted(skipped)}}] if skipped else []}}
            with translated(es, f"GET {name}/_search"):
                try:
                    hits = es.search(index=name, size=page, query=query)["hits"]["hits"]
                except NotFoundError:
                    break
            docs = []
            for hit in hits:
                source = dict(hit["_source"])
                source[ix.SMALL_TEAM] = source[ix.TEAM_MEMBERS] < min_team_size
                doc = ix.Doc(index, source)
                if doc.id == hit["_id"]:
                    docs.append(doc)
                else:
                    skipped.add(hit["_id"])
            if not hits:
                break
            result = BulkWriter(es, prefix).write(docs)
            total += result.written
            if result.errors:
                raise StoreError(f"{name}: {len(result.errors)} small_team flags refused, first: "
                                 f"{result.errors[0].reason}")
            make_searchable(es, prefix, index.key)
        changed[index.key] = total
    return changed


def _mismatch(small: bool, min_team_size: int) -> dict[str, Any]:
    """Documents that should have small_team == `small` but do not."""
    size = {"range": {ix.TEAM_MEMBERS: {"lt" if small else "gte": min_team_size}}}
    flag = {"term": {ix.SMALL_TEAM: True}}
    if small:
        return {"bool": {"filter": [size], "must_not": [flag]}}
    return {"bool": {"filter": [size, flag]}}


def after_collection(es: Any, prefix: str, privacy: PrivacySettings, today: dt.date) -> Aftercare:
    """Both passes; raises StoreError (the caller reports it, the collection's own work is already kept)."""
    out = Aftercare()
    out.reflagged = reflag_small_teams(es, prefix, privacy.min_team_size)
    if any(out.reflagged.values()):
        log.info("small teams (MIN_TEAM_SIZE %d): flag changed on %s", privacy.min_team_size, out.reflagged)
    if privacy.user_retention_days:
        out.retention_cutoff = retention_cutoff(today, privacy.user_retention_days)
        out.deleted = delete_old_user_documents(es, prefix, out.retention_cutoff)
        log.info("retention (USER_RETENTION_DAYS %d): deleted %d per-user documents dated before %s: %s",
                 privacy.user_retention_days, sum(out.deleted.values()), out.retention_cutoff, out.deleted)
    return out
