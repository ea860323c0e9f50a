"""The extra queries behind the HTML report's charts: daily series, feature shares, seats to reclaim and the
adoption leaderboard. Each reads the stored indices the dashboards read, for one scope and one period.

`charts_for` adds a `charts` key to each scope of `report.summarize`'s result; the JSON and CSV formats do
not include it (their fields are pinned for scripts, docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from elasticsearch import Elasticsearch

from copilot_usage import report
from copilot_usage.model import Scope
from copilot_usage.schema import indices as ix

RECLAIM_AFTER_DAYS = 28  # the dashboards' "inactive" bucket: no activity for 28 days or more
RECLAIM_LIMIT = 15
LEADERBOARD_SIZE = 10
_MAX_DAYS = 1000  # one document per scope and day: a period longer than this is cut to its newest days


def _hits(body: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [h.get("_source", {}) for h in (body or {}).get("hits", {}).get("hits", [])]


def daily_series(es: Elasticsearch, prefix: str, scope: Scope, since: dt.date, until: dt.date) -> list[dict[str, Any]]:
    """One point per stored day: active users and code generations/acceptances with their rate."""
    body = report._search(
        es, ix.USAGE_DAILY, prefix, query={"bool": {"filter": report._scope_filter(scope, since, until)}},
        sort=[{ix.DAY: "desc"}], size=_MAX_DAYS,
        source=[ix.DAY, ix.DAILY_ACTIVE_USERS, ix.WEEKLY_ACTIVE_USERS, ix.MONTHLY_ACTIVE_USERS,
                 ix.CODE_GENERATION_ACTIVITY_COUNT, ix.CODE_ACCEPTANCE_ACTIVITY_COUNT],
    )
    points = []
    for src in reversed(_hits(body)):
        generated = int(src.get(ix.CODE_GENERATION_ACTIVITY_COUNT) or 0)
        accepted = int(src.get(ix.CODE_ACCEPTANCE_ACTIVITY_COUNT) or 0)
        points.append({
            "day": str(src.get(ix.DAY, ""))[:10],
            "daily_active_users": int(src.get(ix.DAILY_ACTIVE_USERS) or 0),
            "weekly_active_users": int(src.get(ix.WEEKLY_ACTIVE_USERS) or 0),
            "monthly_active_users": int(src.get(ix.MONTHLY_ACTIVE_USERS) or 0),
            "code_generations": generated,
            "code_acceptances": accepted,
            "acceptance_rate": round(accepted / generated, 4) if generated else None,
        })
    return points


def feature_shares(es: Elasticsearch, prefix: str, scope: Scope, since: dt.date,
                   until: dt.date) -> list[dict[str, Any]]:
    """Code generations and interactions per feature group (completion, chat, agent, CLI, app) with shares."""
    body = report._search(
        es, ix.USAGE_BREAKDOWN, prefix,
        query={"bool": {"filter": [*report._scope_filter(scope, since, until),
                                   {"term": {ix.BREAKDOWN: ix.BREAKDOWN_FEATURE}}]}},
        aggs={"groups": {"terms": {"field": ix.FEATURE_GROUP, "size": len(ix.FEATURE_GROUPS) + 1},
                         "aggs": {"g": {"sum": {"field": ix.CODE_GENERATION_ACTIVITY_COUNT}},
                                  "i": {"sum": {"field": ix.USER_INITIATED_INTERACTION_COUNT}}}}},
    )
    buckets = (body or {}).get("aggregations", {}).get("groups", {}).get("buckets", [])
    rows: list[dict[str, Any]] = [{"name": str(b["key"]), "code_generations": int(b["g"]["value"] or 0),
             "interactions": int(b["i"]["value"] or 0)} for b in buckets]
    total = sum(r["code_generations"] for r in rows)
    for r in rows:
        r["share"] = round(r["code_generations"] / total, 4) if total else None
    return sorted(rows, key=lambda r: (-r["code_generations"], r["name"]))


def reclaimable_seats(es: Elasticsearch, prefix: str, scope: Scope, snapshot_day: str | None,
                      limit: int = RECLAIM_LIMIT) -> list[dict[str, Any]]:
    """Assigned seats never used or idle for RECLAIM_AFTER_DAYS days, longest idle first (newest snapshot)."""
    if not snapshot_day:
        return []
    body = report._search(
        es, ix.SEATS, prefix,
        query={"bool": {
            "filter": [*report._scope_filter(scope), {"term": {ix.DAY: snapshot_day}},
                       {"term": {ix.COUNTED: True}}, {"term": {ix.UNASSIGNED: False}}],
            "should": [{"term": {ix.NEVER_USED: True}},
                       {"range": {ix.DAYS_SINCE_LAST_ACTIVITY: {"gte": RECLAIM_AFTER_DAYS}}}],
            "minimum_should_match": 1,
        }},
        sort=[{ix.NEVER_USED: "desc"}, {ix.DAYS_SINCE_LAST_ACTIVITY: {"order": "desc", "missing": "_last"}},
              {ix.USER_LOGIN: "asc"}],
        size=limit,
    )
    return [{
        "user_login": src.get(ix.USER_LOGIN),
        "never_used": bool(src.get(ix.NEVER_USED)),
        "days_since_last_activity": src.get(ix.DAYS_SINCE_LAST_ACTIVITY),
        "last_activity_editor": src.get(ix.LAST_ACTIVITY_EDITOR),
        "assigning_team": src.get(ix.ASSIGNING_TEAM_NAME) or src.get(ix.ASSIGNING_TEAM),
    } for src in _hits(body)]


def leaderboard(es: Elasticsearch, prefix: str, scope: Scope, until: dt.date,
                size: int = LEADERBOARD_SIZE) -> dict[str, Any]:
    """The adoption leaderboard of the newest scored window ending on or before `until` (docs/operations.md)."""
    latest = report._search(
        es, ix.USER_ADOPTION, prefix,
        query={"bool": {"filter": report._scope_filter(scope, None, until)}},
        aggs={"last": {"max": {"field": ix.DAY}}},
    )
    day = report._day_from(report._value((latest or {}).get("aggregations"), "last"))
    if day is None:
        return {"day": None, "users": []}
    body = report._search(
        es, ix.USER_ADOPTION, prefix,
        query={"bool": {"filter": [*report._scope_filter(scope), {"term": {ix.DAY: day.isoformat()}}]}},
        aggs={"users": {"terms": {"field": ix.USER_LOGIN, "size": size,
                                  "order": [{"score": "desc"}, {"_key": "asc"}]},
                        "aggs": {"score": {"max": {"field": ix.ADOPTION_SCORE}}}}},
    )
    buckets = (body or {}).get("aggregations", {}).get("users", {}).get("buckets", [])
    return {"day": day.isoformat(),
            "users": [{"user_login": str(b["key"]), "adoption_score": round(float(b["score"]["value"] or 0), 1)}
                      for b in buckets]}


def charts_for(es: Elasticsearch, prefix: str, summary: dict[str, Any]) -> dict[str, Any]:
    """`summary` (from report.summarize) with each scope's chart data under `charts`."""
    for s in summary["scopes"]:
        if s.get("until") is None:
            continue
        scope = Scope.parse(s["scope"])
        since, until = dt.date.fromisoformat(s["since"]), dt.date.fromisoformat(s["until"])
        s["charts"] = {
            "daily": daily_series(es, prefix, scope, since, until),
            "feature_shares": feature_shares(es, prefix, scope, since, until),
            "reclaimable_seats": reclaimable_seats(es, prefix, scope, s["seat_waste"].get("snapshot_day")),
            "leaderboard": leaderboard(es, prefix, scope, until),
        }
    return summary
