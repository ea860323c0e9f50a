"""The top-level fields of GitHub's report records that this version of the collector knows.

GitHub adds fields to the usage-metrics reports every few months (§11 of the API notes). A field not listed
here is news: the raw archive keeps it (files are archived whole), the run summary and `status` name it once
("new field seen: X in report Y"), and after an upgrade that reads it, `reprocess` brings it into the indices.
Known means read by a shaper or deliberately left aside (GitHub's partition and ETL bookkeeping); the lists
follow GitHub's documented examples and the late-2026 reports (docs/metrics.md). Only the top level is
checked: that is where GitHub has added things so far (new totals_by_* arrays, new counters).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# GitHub's bookkeeping on every export: partition keys and the export run's id, not usage.
_BOOKKEEPING = frozenset({"day_partition", "entity_id_partition", "etl_id", "report_start_day", "report_end_day"})
_SCOPE = frozenset({"day", "enterprise_id", "organization_id"})
_COUNTERS = frozenset({
    "user_initiated_interaction_count", "code_generation_activity_count", "code_acceptance_activity_count",
    "loc_suggested_to_add_sum", "loc_suggested_to_delete_sum", "loc_added_sum", "loc_deleted_sum",
})
_BREAKDOWNS = frozenset({
    "totals_by_ide", "totals_by_feature", "totals_by_language_feature", "totals_by_language_model",
    "totals_by_model_feature", "totals_by_cli", "totals_by_copilot_app", "totals_by_3rd_party_agent",
    "totals_by_vscode_agent",
})
_CUSTOMIZATION = frozenset(
    name for kind in ("skill", "custom_agent", "mcp", "slash_cmd", "plugin")
    for name in (f"totals_by_{kind}", f"distinct_{kind}_use_count")
)
_ACTIVE_USERS = frozenset(
    f"{period}_{kind}" for period in ("daily", "weekly", "monthly")
    for kind in ("active_users", "active_cli_users", "active_copilot_app_users", "active_copilot_cloud_agent_users",
                 "active_copilot_code_review_users", "passive_copilot_code_review_users", "active_vscode_agent_users")
) | frozenset({"monthly_active_chat_users", "monthly_active_agent_users"})

KNOWN_FIELDS: dict[str, frozenset[str]] = {
    "aggregate": _BOOKKEEPING | _SCOPE | _COUNTERS | _BREAKDOWNS | _ACTIVE_USERS | frozenset({
        "pull_requests", "totals_by_ai_adoption_phase",
    }),
    # The 28-day aggregate wrapper, as the feature-engagement snapshot reads it (its days are aggregate records).
    "feature_engagement": _BOOKKEEPING | frozenset({
        "enterprise_id", "organization_id", "created_at", "day_totals", "copilot_feature_engagement",
    }),
    "users": _BOOKKEEPING | _SCOPE | _COUNTERS | _BREAKDOWNS | _CUSTOMIZATION | frozenset({
        "user_id", "user_login", "ai_adoption_phase", "ai_credits_used", "used_agent", "used_chat", "used_cli",
        "used_copilot_app", "used_copilot_cloud_agent", "used_copilot_coding_agent",
        "used_copilot_code_review_active", "used_copilot_code_review_passive", "used_vscode_agent",
        "last_known_ide_version", "last_known_plugin_version",
    }),
    "user-teams": _BOOKKEEPING | _SCOPE | frozenset({"user_id", "user_login", "team_id", "slug", "team_slug"}),
    "repos": _BOOKKEEPING | _SCOPE | frozenset({
        "repo_id", "repo_owner_name", "repo_name", "repo_visibility", "repository_id", "repository",
        "pull_requests", "pull_request_review_times",
    }),
}


def new_fields(report: str, record: Mapping[str, Any]) -> set[str]:
    """Top-level keys of `record` that this collector does not know for `report` (pure; empty if the report
    is not one whose fields are tracked)."""
    known = KNOWN_FIELDS.get(report)
    if known is None:
        return set()
    return {key for key in record if key not in known}
