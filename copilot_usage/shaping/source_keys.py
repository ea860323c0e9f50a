"""Keys of GitHub's records that are not also index field names (those come from schema/indices.py).

Kept in one place so a renamed GitHub key is a one-line change.
"""

from __future__ import annotations

TOTALS_BY_IDE = "totals_by_ide"
TOTALS_BY_FEATURE = "totals_by_feature"
TOTALS_BY_LANGUAGE_FEATURE = "totals_by_language_feature"
TOTALS_BY_LANGUAGE_MODEL = "totals_by_language_model"
TOTALS_BY_MODEL_FEATURE = "totals_by_model_feature"
TOTALS_BY_CLI = "totals_by_cli"
TOTALS_BY_COPILOT_APP = "totals_by_copilot_app"
TOTALS_BY_3RD_PARTY_AGENT = "totals_by_3rd_party_agent"
TOTALS_BY_AI_ADOPTION_PHASE = "totals_by_ai_adoption_phase"
TOTALS_BY_VSCODE_AGENT = "totals_by_vscode_agent"
TOTAL_USER_MESSAGES = "total_user_messages"
# CLI customization arrays: totals_by_<kind>[] items {<kind>: name, interaction_count | user_initiated_...}
INTERACTION_COUNT = "interaction_count"
TOKEN_USAGE = "token_usage"  # noqa: S105 (a JSON key, not a secret)
LAST_KNOWN_IDE_VERSION = "last_known_ide_version"
LAST_KNOWN_PLUGIN_VERSION = "last_known_plugin_version"
LAST_KNOWN_CLI_VERSION = "last_known_cli_version"
SAMPLED_AT = "sampled_at"
AI_ADOPTION_PHASE = "ai_adoption_phase"
PULL_REQUESTS = "pull_requests"
COPILOT_SUGGESTIONS_BY_COMMENT_TYPE = "copilot_suggestions_by_comment_type"

# 28-day aggregate wrappers: the window, and copilot_feature_engagement{active_user_count,
# totals_by_feature[{feature, active_user_count}]} (2026-09-17)
REPORT_START_DAY = "report_start_day"
REPORT_END_DAY = "report_end_day"
DAY_TOTALS = "day_totals"
COPILOT_FEATURE_ENGAGEMENT = "copilot_feature_engagement"
ACTIVE_USER_COUNT = "active_user_count"

# repos rows: GitHub's repository id (stored as repository_id, the name the documents always had)
REPO_ID = "repo_id"

# user-teams rows
SLUG = "slug"

# seats, billing, teams
ASSIGNEE = "assignee"
LOGIN = "login"
ID = "id"
TYPE = "type"
NAME = "name"
DESCRIPTION = "description"
PARENT = "parent"
SEAT_BREAKDOWN = "seat_breakdown"
