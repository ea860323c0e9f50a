"""Pull-request activity per repository and day, and its roll-up into a scope's `pull_requests` block.

GitHub's repos-1-day example is not public (github-copilot-api.md §11.3). The simulator serves what two
independent consumers read, one NDJSON row per repository with pull-request activity that day:

    {"day": "YYYY-MM-DD",
     "organization_id": "9901" | "enterprise_id": "13201",   (org reports also carry enterprise_id)
     "repo_id": 80000003, "repo_owner_name": "sim-org-1", "repo_name": "infra", "repo_visibility": "private",
     "pull_requests": {<the same keys as the aggregate record's pull_requests block, §3.8>},
     "pull_request_review_times": [{"authored_by": "human", "reviewed_by": "human", "total_merged": 2,
                                    "median_minutes_ready_to_first_review": 41.0, "p90_...": ..., ...}]}

`pull_request_review_times` appears from 2026-09-25 (no backfill), only on days something was merged.

Repositories without pull-request activity that day are omitted. A scope's aggregate `pull_requests`
block sums its repository rows; its medians are the median of the repositories' medians (GitHub's true
medians need per-PR data the reports do not carry).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
from collections.abc import Iterable
from typing import Any

COMMENT_TYPES = ("bug_risk", "security", "performance", "readability", "maintainability")
_SUMMED = (
    "total_created", "total_reviewed", "total_merged", "total_suggestions", "total_applied_suggestions",
    "total_created_by_copilot", "total_reviewed_by_copilot", "total_merged_created_by_copilot",
    "total_merged_reviewed_by_copilot", "total_copilot_suggestions", "total_copilot_applied_suggestions",
)
_MEDIANS = (
    "median_minutes_to_merge", "median_minutes_to_merge_copilot_authored", "median_minutes_to_merge_copilot_reviewed",
)
# Key order of a block, as in the API doc's example (§8.7).
_ORDER = (
    "total_created", "total_reviewed", "total_merged", "median_minutes_to_merge", "total_suggestions",
    "total_applied_suggestions", "total_created_by_copilot", "total_reviewed_by_copilot",
    "total_merged_created_by_copilot", "total_merged_reviewed_by_copilot", "median_minutes_to_merge_copilot_authored",
    "median_minutes_to_merge_copilot_reviewed", "total_copilot_suggestions", "total_copilot_applied_suggestions",
    "copilot_suggestions_by_comment_type",
)


def repo_pull_requests(rng: random.Random, activity: float, weekend: bool) -> dict[str, Any] | None:
    """One repository's pull-request block for a day, or None when it had no pull-request activity."""
    rnd = rng.random
    if rnd() >= activity * (0.2 if weekend else 1.0):
        return None
    created = 1 + int(rnd() * 6)
    reviewed = int(created * (0.5 + rnd()))
    merged = int(created * rnd() * 1.2)
    by_copilot = int(created * rnd() * 0.4)
    reviewed_by_copilot = int(reviewed * rnd() * 0.8)
    suggestions = reviewed * (1 + int(rnd() * 4))
    copilot_suggestions = int(suggestions * rnd() * 0.7)
    block: dict[str, Any] = {
        "total_created": created,
        "total_reviewed": reviewed,
        "total_merged": merged,
        "total_suggestions": suggestions,
        "total_applied_suggestions": int(suggestions * (0.2 + 0.4 * rnd())),
        "total_created_by_copilot": by_copilot,
        "total_reviewed_by_copilot": reviewed_by_copilot,
        "total_merged_created_by_copilot": min(merged, int(by_copilot * rnd() * 1.5)),
        "total_merged_reviewed_by_copilot": min(merged, reviewed_by_copilot),
        "total_copilot_suggestions": copilot_suggestions,
        "total_copilot_applied_suggestions": int(copilot_suggestions * (0.1 + 0.4 * rnd())),
    }
    # Medians are absent when nothing was merged (the API doc's second example omits them).
    if merged:
        block["median_minutes_to_merge"] = round(30 + rnd() * 600, 1)
    if block["total_merged_created_by_copilot"]:
        block["median_minutes_to_merge_copilot_authored"] = round(20 + rnd() * 300, 1)
    if block["total_merged_reviewed_by_copilot"]:
        block["median_minutes_to_merge_copilot_reviewed"] = round(30 + rnd() * 400, 1)
    # Split Copilot's suggestions over comment types; the last type takes the rest so the rows add up
    # (applied <= suggested holds per row because applied_left <= remaining at every step).
    remaining, applied_left = copilot_suggestions, block["total_copilot_applied_suggestions"]
    by_type = []
    for i, comment_type in enumerate(COMMENT_TYPES):
        share = remaining if i == len(COMMENT_TYPES) - 1 else int(remaining * (0.3 + 0.5 * rnd()))
        applied = min(applied_left, share)
        if share:
            by_type.append({"comment_type": comment_type, "total_copilot_suggestions": share,
                            "total_copilot_applied_suggestions": applied})
        remaining -= share
        applied_left -= applied
    block["copilot_suggestions_by_comment_type"] = by_type
    return _ordered(block)


REVIEW_TIMES_SINCE = dt.date(2026, 9, 25)
_REVIEW_STAGES = ("ready_to_first_review", "first_to_final_review", "final_review_to_merge")


def review_times(rng: random.Random, block: dict[str, Any], day: dt.date) -> list[dict[str, Any]] | None:
    """The repository's pull_request_review_times entries (human-authored, human-reviewed), or None."""
    merged = block["total_merged"] - block["total_merged_created_by_copilot"]
    if day < REVIEW_TIMES_SINCE or merged <= 0:
        return None
    entry: dict[str, Any] = {"authored_by": "human", "reviewed_by": "human", "total_merged": merged}
    for stage in _REVIEW_STAGES:
        median = round(5 + rng.random() * 300, 1)
        entry[f"median_minutes_{stage}"] = median
        entry[f"p90_minutes_{stage}"] = round(median * (1.5 + rng.random() * 3), 1)
    return [entry]


def sum_pull_requests(blocks: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Roll repository blocks up into a scope's `pull_requests` block."""
    totals = dict.fromkeys(_SUMMED, 0)
    medians: dict[str, list[float]] = {m: [] for m in _MEDIANS}
    by_type: dict[str, list[int]] = {}
    for block in blocks:
        for key in _SUMMED:
            totals[key] += block[key]
        for key in _MEDIANS:
            if key in block:
                medians[key].append(block[key])
        for row in block["copilot_suggestions_by_comment_type"]:
            acc = by_type.setdefault(row["comment_type"], [0, 0])
            acc[0] += row["total_copilot_suggestions"]
            acc[1] += row["total_copilot_applied_suggestions"]
    out: dict[str, Any] = dict(totals)
    for key, values in medians.items():
        if values:
            out[key] = round(statistics.median(values), 1)
    out["copilot_suggestions_by_comment_type"] = [
        {"comment_type": t, "total_copilot_suggestions": s, "total_copilot_applied_suggestions": a}
        for t, (s, a) in by_type.items()
    ]
    return _ordered(out)


def _ordered(block: dict[str, Any]) -> dict[str, Any]:
    return {key: block[key] for key in _ORDER if key in block}
