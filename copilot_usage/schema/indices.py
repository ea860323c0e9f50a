"""The one module that owns index names, mappings and id keys.

Shaping, the store, the dashboards and the tests read names and fields from here; nothing else spells an
index or field name on its own. Mappings are explicit and `dynamic: false`: a field that is not listed
here is kept in `_source` but not indexed, so an unexpected field can never break a write. Source fields
GitHub adds later live in the raw archive until a mapping here models them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from copilot_usage.schema.ids import doc_id

# Field types, so mappings read as a table.
KEYWORD: dict[str, Any] = {"type": "keyword", "ignore_above": 1024}
DATE: dict[str, Any] = {"type": "date", "format": "strict_date_optional_time||yyyy-MM-dd"}
LONG: dict[str, Any] = {"type": "long"}
DOUBLE: dict[str, Any] = {"type": "double"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
TEXT: dict[str, Any] = {"type": "text"}

# Every document carries these: the Grafana time field and the scope it belongs to.
DAY = "day"
SCOPE_TYPE = "scope_type"
SCOPE = "scope"
COMMON: dict[str, dict[str, Any]] = {DAY: DATE, SCOPE_TYPE: KEYWORD, SCOPE: KEYWORD}


@dataclass(frozen=True)
class IndexDef:
    """One index: its logical key, the fields that make a document unique, and its mapping."""

    key: str
    id_fields: tuple[str, ...]
    properties: Mapping[str, Mapping[str, Any]]
    description: str

    def name(self, prefix: str) -> str:
        return f"{prefix}{self.key}"

    def doc_id(self, source: Mapping[str, Any]) -> str:
        """The id of a document from its key fields; the index key is part of it so ids never collide."""
        return doc_id(self.key, *(source.get(f) for f in self.id_fields))

    def mappings(self) -> dict[str, Any]:
        return {"dynamic": False, "properties": {**COMMON, **self.properties}}

    def fields(self) -> frozenset[str]:
        """Every mapped field path, with object sub-fields as dotted paths."""
        return frozenset(_paths(self.mappings()["properties"]))


def _paths(properties: Mapping[str, Any], prefix: str = "") -> list[str]:
    out = []
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        if "properties" in spec:
            out.extend(_paths(spec["properties"], path + "."))
        else:
            out.append(path)
    return out


class Doc:
    """A document ready for the store: which index, its id, its source."""

    __slots__ = ("id", "index", "source")

    def __init__(self, index: IndexDef, source: dict[str, Any]):
        self.index = index
        self.source = source
        self.id = index.doc_id(source)

    def __repr__(self) -> str:
        return f"Doc({self.index.key}, {self.id[:12]})"


# --- ingestion log ---------------------------------------------------------------------------------
# One document per (scope, report, day): what the collector knows about that day. The planner reads it;
# the data-freshness panels chart it.
REPORT = "report"
STATUS = "status"
RECORD_COUNT = "record_count"
REJECTED_COUNT = "rejected_count"
CONTENT_HASH = "content_hash"
ATTEMPTS = "attempts"
ERROR = "error"
FETCHED_AT = "fetched_at"
FIRST_FETCHED_AT = "first_fetched_at"
# Top-level fields of the day's records this collector does not know yet (shaping/known_fields.py).
NEW_FIELDS = "new_fields"
DOCUMENT_COUNT = "document_count"

STATUS_COMPLETE = "complete"
STATUS_NOT_READY = "not_ready"
STATUS_EMPTY = "empty"
STATUS_FAILED = "failed"
STATUSES = (STATUS_COMPLETE, STATUS_NOT_READY, STATUS_EMPTY, STATUS_FAILED)

INGESTION_LOG = IndexDef(
    key="ingestion_log",
    id_fields=(SCOPE_TYPE, SCOPE, REPORT, DAY),
    properties={
        REPORT: KEYWORD,
        STATUS: KEYWORD,
        RECORD_COUNT: LONG,
        REJECTED_COUNT: LONG,
        DOCUMENT_COUNT: LONG,
        CONTENT_HASH: KEYWORD,
        ATTEMPTS: LONG,
        ERROR: {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 512}}},
        FETCHED_AT: DATE,
        FIRST_FETCHED_AT: DATE,
        NEW_FIELDS: KEYWORD,
    },
    description="what the collector knows about each (scope, report, day): status, counts, content hash",
)

# --- shared field names ------------------------------------------------------------------------------
# GitHub's names are kept wherever GitHub has one, so a reader can match a panel to the API reference.
ORGANIZATION_ID = "organization_id"
ENTERPRISE_ID = "enterprise_id"

# The activity counters GitHub reports per user, per scope and per breakdown row.
USER_INITIATED_INTERACTION_COUNT = "user_initiated_interaction_count"
CODE_GENERATION_ACTIVITY_COUNT = "code_generation_activity_count"
CODE_ACCEPTANCE_ACTIVITY_COUNT = "code_acceptance_activity_count"
LOC_SUGGESTED_TO_ADD_SUM = "loc_suggested_to_add_sum"
LOC_SUGGESTED_TO_DELETE_SUM = "loc_suggested_to_delete_sum"
LOC_ADDED_SUM = "loc_added_sum"
LOC_DELETED_SUM = "loc_deleted_sum"
COUNTERS = (
    USER_INITIATED_INTERACTION_COUNT,
    CODE_GENERATION_ACTIVITY_COUNT,
    CODE_ACCEPTANCE_ACTIVITY_COUNT,
    LOC_SUGGESTED_TO_ADD_SUM,
    LOC_SUGGESTED_TO_DELETE_SUM,
    LOC_ADDED_SUM,
    LOC_DELETED_SUM,
)

# Derived ratios (formulas in docs/metrics.md); null when the denominator is zero or unknown. Every field
# named *_rate or *_share is a fraction in [0, 1]: a quotient outside it is stored as null, never as 4,460 %.
ACCEPTANCE_RATE = "acceptance_rate"
# Suggested lines accepted, for code completion only: the one feature where lines are suggested then accepted.
LOC_ACCEPTANCE_RATE = "loc_acceptance_rate"
COMPLETION_LOC_SUGGESTED_TO_ADD_SUM = "completion_loc_suggested_to_add_sum"
COMPLETION_LOC_ADDED_SUM = "completion_loc_added_sum"
# Lines agents wrote (features of feature_group agent: agent mode, plan mode, agent edits) and their share.
AGENT_LOC_ADDED_SUM = "agent_loc_added_sum"
AGENT_LOC_DELETED_SUM = "agent_loc_deleted_sum"
AGENT_LOC_ADDED_SHARE = "agent_loc_added_share"
# IDE and CLI parts of the top-level totals (CLI is inside them since 2026-04-10, never in totals_by_ide):
# ide_* = Σ totals_by_ide, cli_* = the copilot_cli feature row; *_share = part / top-level total.
IDE_USER_INITIATED_INTERACTION_COUNT = "ide_user_initiated_interaction_count"
IDE_CODE_GENERATION_ACTIVITY_COUNT = "ide_code_generation_activity_count"
IDE_LOC_ADDED_SUM = "ide_loc_added_sum"
CLI_USER_INITIATED_INTERACTION_COUNT = "cli_user_initiated_interaction_count"
CLI_CODE_GENERATION_ACTIVITY_COUNT = "cli_code_generation_activity_count"
CLI_LOC_ADDED_SUM = "cli_loc_added_sum"
IDE_GENERATION_SHARE = "ide_generation_share"
CLI_GENERATION_SHARE = "cli_generation_share"
LINE_AND_SURFACE_COUNTS = (
    COMPLETION_LOC_SUGGESTED_TO_ADD_SUM,
    COMPLETION_LOC_ADDED_SUM,
    AGENT_LOC_ADDED_SUM,
    AGENT_LOC_DELETED_SUM,
    IDE_USER_INITIATED_INTERACTION_COUNT,
    IDE_CODE_GENERATION_ACTIVITY_COUNT,
    IDE_LOC_ADDED_SUM,
    CLI_USER_INITIATED_INTERACTION_COUNT,
    CLI_CODE_GENERATION_ACTIVITY_COUNT,
    CLI_LOC_ADDED_SUM,
)
SHARES = (AGENT_LOC_ADDED_SHARE, IDE_GENERATION_SHARE, CLI_GENERATION_SHARE)

# Scope-level active-user counts of the aggregate report.
DAILY_ACTIVE_USERS = "daily_active_users"
WEEKLY_ACTIVE_USERS = "weekly_active_users"
MONTHLY_ACTIVE_USERS = "monthly_active_users"
MONTHLY_ACTIVE_CHAT_USERS = "monthly_active_chat_users"
MONTHLY_ACTIVE_AGENT_USERS = "monthly_active_agent_users"
DAILY_ACTIVE_CLI_USERS = "daily_active_cli_users"
DAILY_ACTIVE_COPILOT_CLOUD_AGENT_USERS = "daily_active_copilot_cloud_agent_users"
WEEKLY_ACTIVE_COPILOT_CLOUD_AGENT_USERS = "weekly_active_copilot_cloud_agent_users"
MONTHLY_ACTIVE_COPILOT_CLOUD_AGENT_USERS = "monthly_active_copilot_cloud_agent_users"
DAILY_ACTIVE_COPILOT_CODE_REVIEW_USERS = "daily_active_copilot_code_review_users"
WEEKLY_ACTIVE_COPILOT_CODE_REVIEW_USERS = "weekly_active_copilot_code_review_users"
MONTHLY_ACTIVE_COPILOT_CODE_REVIEW_USERS = "monthly_active_copilot_code_review_users"
DAILY_PASSIVE_COPILOT_CODE_REVIEW_USERS = "daily_passive_copilot_code_review_users"
WEEKLY_PASSIVE_COPILOT_CODE_REVIEW_USERS = "weekly_passive_copilot_code_review_users"
MONTHLY_PASSIVE_COPILOT_CODE_REVIEW_USERS = "monthly_passive_copilot_code_review_users"
DAILY_ACTIVE_COPILOT_APP_USERS = "daily_active_copilot_app_users"  # unconfirmed; kept when GitHub sends it
WEEKLY_ACTIVE_COPILOT_APP_USERS = "weekly_active_copilot_app_users"
MONTHLY_ACTIVE_COPILOT_APP_USERS = "monthly_active_copilot_app_users"
WEEKLY_ACTIVE_CLI_USERS = "weekly_active_cli_users"
MONTHLY_ACTIVE_CLI_USERS = "monthly_active_cli_users"
# The VS Code Agents window (changelog 2026-09-11).
DAILY_ACTIVE_VSCODE_AGENT_USERS = "daily_active_vscode_agent_users"
WEEKLY_ACTIVE_VSCODE_AGENT_USERS = "weekly_active_vscode_agent_users"
MONTHLY_ACTIVE_VSCODE_AGENT_USERS = "monthly_active_vscode_agent_users"
ACTIVE_USER_COUNTS = (
    DAILY_ACTIVE_USERS,
    WEEKLY_ACTIVE_USERS,
    MONTHLY_ACTIVE_USERS,
    MONTHLY_ACTIVE_CHAT_USERS,
    MONTHLY_ACTIVE_AGENT_USERS,
    DAILY_ACTIVE_CLI_USERS,
    DAILY_ACTIVE_COPILOT_CLOUD_AGENT_USERS,
    WEEKLY_ACTIVE_COPILOT_CLOUD_AGENT_USERS,
    MONTHLY_ACTIVE_COPILOT_CLOUD_AGENT_USERS,
    DAILY_ACTIVE_COPILOT_CODE_REVIEW_USERS,
    WEEKLY_ACTIVE_COPILOT_CODE_REVIEW_USERS,
    MONTHLY_ACTIVE_COPILOT_CODE_REVIEW_USERS,
    DAILY_PASSIVE_COPILOT_CODE_REVIEW_USERS,
    WEEKLY_PASSIVE_COPILOT_CODE_REVIEW_USERS,
    MONTHLY_PASSIVE_COPILOT_CODE_REVIEW_USERS,
    DAILY_ACTIVE_COPILOT_APP_USERS,
    WEEKLY_ACTIVE_COPILOT_APP_USERS,
    MONTHLY_ACTIVE_COPILOT_APP_USERS,
    WEEKLY_ACTIVE_CLI_USERS,
    MONTHLY_ACTIVE_CLI_USERS,
    DAILY_ACTIVE_VSCODE_AGENT_USERS,
    WEEKLY_ACTIVE_VSCODE_AGENT_USERS,
    MONTHLY_ACTIVE_VSCODE_AGENT_USERS,
)
# Top-level chat-mode counters: documented, but whether real files carry them is unconfirmed.
CHAT_PANEL_AGENT_MODE = "chat_panel_agent_mode"
CHAT_PANEL_ASK_MODE = "chat_panel_ask_mode"
CHAT_PANEL_CUSTOM_MODE = "chat_panel_custom_mode"
CHAT_PANEL_EDIT_MODE = "chat_panel_edit_mode"
CHAT_PANEL_PLAN_MODE = "chat_panel_plan_mode"
CHAT_PANEL_UNKNOWN_MODE = "chat_panel_unknown_mode"
CHAT_PANEL_MODES = (
    CHAT_PANEL_AGENT_MODE,
    CHAT_PANEL_ASK_MODE,
    CHAT_PANEL_CUSTOM_MODE,
    CHAT_PANEL_EDIT_MODE,
    CHAT_PANEL_PLAN_MODE,
    CHAT_PANEL_UNKNOWN_MODE,
)

# The aggregate `pull_requests` block, flattened with a `pr_` prefix (also used by repo_daily).
PR_TOTAL_CREATED = "pr_total_created"
PR_TOTAL_REVIEWED = "pr_total_reviewed"
PR_TOTAL_MERGED = "pr_total_merged"
PR_MEDIAN_MINUTES_TO_MERGE = "pr_median_minutes_to_merge"
PR_TOTAL_SUGGESTIONS = "pr_total_suggestions"
PR_TOTAL_APPLIED_SUGGESTIONS = "pr_total_applied_suggestions"
PR_TOTAL_CREATED_BY_COPILOT = "pr_total_created_by_copilot"
PR_TOTAL_REVIEWED_BY_COPILOT = "pr_total_reviewed_by_copilot"
PR_TOTAL_MERGED_CREATED_BY_COPILOT = "pr_total_merged_created_by_copilot"
PR_TOTAL_MERGED_REVIEWED_BY_COPILOT = "pr_total_merged_reviewed_by_copilot"
PR_MEDIAN_MINUTES_TO_MERGE_COPILOT_AUTHORED = "pr_median_minutes_to_merge_copilot_authored"
PR_MEDIAN_MINUTES_TO_MERGE_COPILOT_REVIEWED = "pr_median_minutes_to_merge_copilot_reviewed"
PR_TOTAL_COPILOT_SUGGESTIONS = "pr_total_copilot_suggestions"
PR_TOTAL_COPILOT_APPLIED_SUGGESTIONS = "pr_total_copilot_applied_suggestions"
PR_PREFIX = "pr_"  # pr_<GitHub key>: shaping maps a pull_requests key to its field with this prefix
PR_COUNTS = (
    PR_TOTAL_CREATED,
    PR_TOTAL_REVIEWED,
    PR_TOTAL_MERGED,
    PR_TOTAL_SUGGESTIONS,
    PR_TOTAL_APPLIED_SUGGESTIONS,
    PR_TOTAL_CREATED_BY_COPILOT,
    PR_TOTAL_REVIEWED_BY_COPILOT,
    PR_TOTAL_MERGED_CREATED_BY_COPILOT,
    PR_TOTAL_MERGED_REVIEWED_BY_COPILOT,
    PR_TOTAL_COPILOT_SUGGESTIONS,
    PR_TOTAL_COPILOT_APPLIED_SUGGESTIONS,
)
PR_MEDIANS = (
    PR_MEDIAN_MINUTES_TO_MERGE,
    PR_MEDIAN_MINUTES_TO_MERGE_COPILOT_AUTHORED,
    PR_MEDIAN_MINUTES_TO_MERGE_COPILOT_REVIEWED,
)

# CLI activity flattened from the `totals_by_cli` object (token sums from its token_usage).
CLI_SESSION_COUNT = "cli_session_count"
CLI_REQUEST_COUNT = "cli_request_count"
CLI_PROMPT_COUNT = "cli_prompt_count"
CLI_OUTPUT_TOKENS_SUM = "cli_output_tokens_sum"
CLI_PROMPT_TOKENS_SUM = "cli_prompt_tokens_sum"
CLI_AVG_TOKENS_PER_REQUEST = "cli_avg_tokens_per_request"
CLI_VERSION = "cli_version"
CLI_COUNTS = (CLI_SESSION_COUNT, CLI_REQUEST_COUNT, CLI_PROMPT_COUNT, CLI_OUTPUT_TOKENS_SUM, CLI_PROMPT_TOKENS_SUM)
# The VS Code Agents window, flattened from `totals_by_vscode_agent` (aggregate and user rows).
VSCODE_AGENT_SESSION_COUNT = "vscode_agent_session_count"
VSCODE_AGENT_TOTAL_USER_MESSAGES = "vscode_agent_total_user_messages"
VSCODE_AGENT_COUNTS = (VSCODE_AGENT_SESSION_COUNT, VSCODE_AGENT_TOTAL_USER_MESSAGES)
# CLI customization (changelog 2026-09-17), user rows: distinct_<kind>_use_count as GitHub sends it, and
# <kind>_interaction_count = Σ of the top items' counts in totals_by_<kind> (either count-key spelling).
CUSTOMIZATION_KINDS = ("skill", "custom_agent", "mcp", "slash_cmd", "plugin")
DISTINCT_USE_COUNTS = tuple(f"distinct_{kind}_use_count" for kind in CUSTOMIZATION_KINDS)
CUSTOMIZATION_INTERACTION_COUNTS = tuple(f"{kind}_interaction_count" for kind in CUSTOMIZATION_KINDS)

# --- breakdown rows ------------------------------------------------------------------------------------
BREAKDOWN = "breakdown"
# Values of `breakdown`: which GitHub array (or object) a row came from.
BREAKDOWN_IDE = "ide"
BREAKDOWN_FEATURE = "feature"
BREAKDOWN_LANGUAGE_FEATURE = "language_feature"
BREAKDOWN_LANGUAGE_MODEL = "language_model"
BREAKDOWN_MODEL_FEATURE = "model_feature"
BREAKDOWN_CLI = "cli"
BREAKDOWN_COPILOT_APP = "copilot_app"
BREAKDOWN_THIRD_PARTY_AGENT = "third_party_agent"
BREAKDOWN_AI_ADOPTION_PHASE = "ai_adoption_phase"
BREAKDOWN_PR_COMMENT_TYPE = "pr_comment_type"
# The five user-level breakdowns; team_breakdown sums exactly these.
USER_BREAKDOWNS = (
    BREAKDOWN_IDE,
    BREAKDOWN_FEATURE,
    BREAKDOWN_LANGUAGE_FEATURE,
    BREAKDOWN_LANGUAGE_MODEL,
    BREAKDOWN_MODEL_FEATURE,
)
BREAKDOWNS = (
    *USER_BREAKDOWNS,
    BREAKDOWN_CLI,
    BREAKDOWN_COPILOT_APP,
    BREAKDOWN_THIRD_PARTY_AGENT,
    BREAKDOWN_AI_ADOPTION_PHASE,
    BREAKDOWN_PR_COMMENT_TYPE,
)

# Dimensions (absent on rows that do not have them).
IDE = "ide"
FEATURE = "feature"
LANGUAGE = "language"
MODEL = "model"
AGENT_ID = "agent_id"
AGENT_NAME = "agent_name"
PHASE = "phase"
PHASE_NUMBER = "phase_number"
COMMENT_TYPE = "comment_type"

# Derived grouping of `feature` values (mapping in shaping/features.py and docs/metrics.md).
FEATURE_GROUP = "feature_group"
FEATURE_GROUP_COMPLETION = "completion"
FEATURE_GROUP_CHAT = "chat"
FEATURE_GROUP_AGENT = "agent"
FEATURE_GROUP_CLI = "cli"
FEATURE_GROUP_APP = "app"
FEATURE_GROUP_OTHER = "other"
FEATURE_GROUPS = (
    FEATURE_GROUP_COMPLETION,
    FEATURE_GROUP_CHAT,
    FEATURE_GROUP_AGENT,
    FEATURE_GROUP_CLI,
    FEATURE_GROUP_APP,
    FEATURE_GROUP_OTHER,
)

# Counters of the CLI / Copilot app / third-party agent rows (GitHub's names, token_usage flattened).
SESSION_COUNT = "session_count"
REQUEST_COUNT = "request_count"
PROMPT_COUNT = "prompt_count"
OUTPUT_TOKENS_SUM = "output_tokens_sum"
PROMPT_TOKENS_SUM = "prompt_tokens_sum"
AVG_TOKENS_PER_REQUEST = "avg_tokens_per_request"
# Adoption-phase rows: engaged users and per-user averages.
TOTAL_ENGAGED_USERS = "total_engaged_users"
AVG_USER_INITIATED_INTERACTIONS = "avg_user_initiated_interactions"
AVG_CODE_GENERATION_ACTIVITIES = "avg_code_generation_activities"
AVG_CODE_ACCEPTANCE_ACTIVITIES = "avg_code_acceptance_activities"
AVG_LOC_ADDED = "avg_loc_added"
AVG_LOC_DELETED = "avg_loc_deleted"
AVG_PULL_REQUESTS_REVIEWED = "avg_pull_requests_reviewed"
AVG_PULL_REQUESTS_CREATED = "avg_pull_requests_created"
AVG_PULL_REQUESTS_MERGED = "avg_pull_requests_merged"
AVG_PULL_REQUESTS_MEDIAN_MINUTES_TO_MERGE = "avg_pull_requests_median_minutes_to_merge"
AVG_PULL_REQUESTS_MINUTES_TO_REVIEW = "avg_pull_requests_minutes_to_review"
AVG_PULL_REQUESTS_REVIEW_CYCLES = "avg_pull_requests_review_cycles"
# 2026-09-17: the phase's whole rolling 28-day population (total_engaged_users stays that day's users).
USERS_IN_PHASE_28D = "users_in_phase_28d"
TOTAL_PULL_REQUESTS_MERGED = "total_pull_requests_merged"
PHASE_COUNTS = (TOTAL_ENGAGED_USERS, USERS_IN_PHASE_28D, TOTAL_PULL_REQUESTS_MERGED)
PHASE_AVERAGES = (
    AVG_USER_INITIATED_INTERACTIONS,
    AVG_CODE_GENERATION_ACTIVITIES,
    AVG_CODE_ACCEPTANCE_ACTIVITIES,
    AVG_LOC_ADDED,
    AVG_LOC_DELETED,
    AVG_PULL_REQUESTS_REVIEWED,
    AVG_PULL_REQUESTS_CREATED,
    AVG_PULL_REQUESTS_MERGED,
    AVG_PULL_REQUESTS_MEDIAN_MINUTES_TO_MERGE,
    AVG_PULL_REQUESTS_MINUTES_TO_REVIEW,
    AVG_PULL_REQUESTS_REVIEW_CYCLES,
)
# Code-review comment-type rows.
TOTAL_COPILOT_SUGGESTIONS = "total_copilot_suggestions"
TOTAL_COPILOT_APPLIED_SUGGESTIONS = "total_copilot_applied_suggestions"

# --- users ---------------------------------------------------------------------------------------------
USER_ID = "user_id"
USER_LOGIN = "user_login"
USED_AGENT = "used_agent"
USED_CHAT = "used_chat"
USED_CLI = "used_cli"
USED_COPILOT_CODE_REVIEW_ACTIVE = "used_copilot_code_review_active"
USED_COPILOT_CODE_REVIEW_PASSIVE = "used_copilot_code_review_passive"
USED_COPILOT_CODING_AGENT = "used_copilot_coding_agent"
USED_COPILOT_CLOUD_AGENT = "used_copilot_cloud_agent"
USED_COPILOT_APP = "used_copilot_app"
USED_VSCODE_AGENT = "used_vscode_agent"
USED_FLAGS = (
    USED_AGENT,
    USED_CHAT,
    USED_CLI,
    USED_COPILOT_CODE_REVIEW_ACTIVE,
    USED_COPILOT_CODE_REVIEW_PASSIVE,
    USED_COPILOT_CODING_AGENT,
    USED_COPILOT_CLOUD_AGENT,
    USED_COPILOT_APP,
    USED_VSCODE_AGENT,
)
AI_CREDITS_USED = "ai_credits_used"
ADOPTION_PHASE = "adoption_phase"
ADOPTION_PHASE_NUMBER = "adoption_phase_number"
TEAMS = "teams"
TOP_IDE = "top_ide"
TOP_LANGUAGE = "top_language"
TOP_MODEL = "top_model"
TOP_FEATURE = "top_feature"
IDES = "ides"
LANGUAGES = "languages"
MODELS = "models"
FEATURES = "features"
# The most recently sampled IDE of the day and its versions (GitHub's leaf names under last_known_*).
LAST_KNOWN_IDE = "last_known_ide"
IDE_VERSION = "ide_version"
PLUGIN = "plugin"
PLUGIN_VERSION = "plugin_version"
SERVER_SIDE_ONLY = "server_side_only"
ACTIVE = "active"

# Users counted per team or per scope (team_daily, user_summary_daily).
TEAM = "team"
TEAM_ID = "team_id"
TEAM_MEMBERS = "team_members"
MEMBER_COUNT = "member_count"
# True when the team had fewer than MIN_TEAM_SIZE members that day (team_members): stored, but left out of the
# dashboards, the report and the digest (copilot_usage/privacy.py).
SMALL_TEAM = "small_team"
USERS_IN_REPORT = "users_in_report"
ACTIVE_USERS = "active_users"
CHAT_USERS = "chat_users"
AGENT_USERS = "agent_users"
CLI_USERS = "cli_users"
CODE_REVIEW_USERS = "code_review_users"
CODE_REVIEW_PASSIVE_USERS = "code_review_passive_users"
CODING_AGENT_USERS = "coding_agent_users"
VSCODE_AGENT_USERS = "vscode_agent_users"
COPILOT_APP_USERS = "copilot_app_users"
AI_CREDIT_USERS = "ai_credit_users"
SERVER_SIDE_ONLY_USERS = "server_side_only_users"
PHASE_0_USERS = "phase_0_users"
PHASE_1_USERS = "phase_1_users"
PHASE_2_USERS = "phase_2_users"
PHASE_3_USERS = "phase_3_users"
PHASE_UNKNOWN_USERS = "phase_unknown_users"
PHASE_USERS = (PHASE_0_USERS, PHASE_1_USERS, PHASE_2_USERS, PHASE_3_USERS)  # index = phase_number

# --- repositories --------------------------------------------------------------------------------------
# `repository` ("owner/name") and `repository_id` identify a row whatever naming GitHub's file used: the
# repos-1-day rows carry repo_id / repo_owner_name / repo_name / repo_visibility (what independent consumers
# read), older guesses repository_id / repository; shaping derives the missing ones (docs/metrics.md).
REPOSITORY = "repository"
REPOSITORY_ID = "repository_id"
REPO_OWNER_NAME = "repo_owner_name"
REPO_NAME = "repo_name"
REPO_VISIBILITY = "repo_visibility"
# pull_request_review_times[] (since 2026-09-25): one entry per (authored_by, reviewed_by), GitHub's names. The
# human-authored, human-reviewed entry (the only combination GitHub reports so far) is flattened into pr_*
# fields; the raw archive keeps the array as GitHub sent it.
PULL_REQUEST_REVIEW_TIMES = "pull_request_review_times"
AUTHORED_BY = "authored_by"
REVIEWED_BY = "reviewed_by"
TOTAL_MERGED = "total_merged"
REVIEW_TIME_MINUTES = (
    "median_minutes_ready_to_first_review",
    "p90_minutes_ready_to_first_review",
    "median_minutes_first_to_final_review",
    "p90_minutes_first_to_final_review",
    "median_minutes_final_review_to_merge",
    "p90_minutes_final_review_to_merge",
)
HUMAN = "human"
PR_REVIEW_TIMES_TOTAL_MERGED = "pr_review_times_total_merged"
PR_REVIEW_TIME_FIELDS = tuple(PR_PREFIX + name for name in REVIEW_TIME_MINUTES)

# --- seats and billing ---------------------------------------------------------------------------------
SEAT_KEY = "seat_key"
ASSIGNEE_TYPE = "assignee_type"
ASSIGNEE_TYPE_NONE = "none"
UNASSIGNED = "unassigned"
ORGANIZATION = "organization"
PLAN_TYPE = "plan_type"
ASSIGNING_TEAM = "assigning_team"
ASSIGNING_TEAM_NAME = "assigning_team_name"
CREATED_AT = "created_at"
PENDING_CANCELLATION_DATE = "pending_cancellation_date"
LAST_ACTIVITY_AT = "last_activity_at"
LAST_ACTIVITY_EDITOR = "last_activity_editor"
LAST_ACTIVITY_IDE = "last_activity_ide"
LAST_AUTHENTICATED_AT = "last_authenticated_at"
DAYS_SINCE_LAST_ACTIVITY = "days_since_last_activity"
NEVER_USED = "never_used"
INACTIVE_7D = "inactive_7d"
INACTIVE_14D = "inactive_14d"
INACTIVE_28D = "inactive_28d"
INACTIVE_DAYS = ((7, INACTIVE_7D), (14, INACTIVE_14D), (28, INACTIVE_28D))
COUNTED = "counted"

SEAT_TOTAL = "seat_total"
SEAT_ADDED_THIS_CYCLE = "seat_added_this_cycle"
SEAT_PENDING_CANCELLATION = "seat_pending_cancellation"
SEAT_PENDING_INVITATION = "seat_pending_invitation"
SEAT_ACTIVE_THIS_CYCLE = "seat_active_this_cycle"
SEAT_INACTIVE_THIS_CYCLE = "seat_inactive_this_cycle"
SEAT_BREAKDOWN_FIELDS = (
    SEAT_TOTAL,
    SEAT_ADDED_THIS_CYCLE,
    SEAT_PENDING_CANCELLATION,
    SEAT_PENDING_INVITATION,
    SEAT_ACTIVE_THIS_CYCLE,
    SEAT_INACTIVE_THIS_CYCLE,
)
SEAT_PREFIX = "seat_"  # seat_<GitHub seat_breakdown key>
IDE_CHAT = "ide_chat"
PLATFORM_CHAT = "platform_chat"
CLI_POLICY = "cli"  # GitHub's name for the CLI policy setting in the billing response
PUBLIC_CODE_SUGGESTIONS = "public_code_suggestions"
SEAT_MANAGEMENT_SETTING = "seat_management_setting"
BILLING_SETTINGS = (PLAN_TYPE, IDE_CHAT, PLATFORM_CHAT, CLI_POLICY, PUBLIC_CODE_SUGGESTIONS, SEAT_MANAGEMENT_SETTING)
DERIVED_FROM_SEATS = "derived_from_seats"
SEAT_ROWS = "seat_rows"
COUNTED_SEATS = "counted_seats"
ASSIGNED_SEATS = "assigned_seats"
UNASSIGNED_SEATS = "unassigned_seats"
NEVER_USED_SEATS = "never_used_seats"
INACTIVE_7D_SEATS = "inactive_7d_seats"
INACTIVE_14D_SEATS = "inactive_14d_seats"
INACTIVE_28D_SEATS = "inactive_28d_seats"
PENDING_CANCELLATION_SEATS = "pending_cancellation_seats"

# --- teams (snapshot of the teams listing) -------------------------------------------------------------
TEAM_NAME = "name"
TEAM_DESCRIPTION = "description"
TEAM_TYPE = "type"
PARENT_SLUG = "parent_slug"
PARENT_NAME = "parent_name"

# --- adoption score ------------------------------------------------------------------------------------
WINDOW_START = "window_start"
WINDOW_DAYS = "window_days"
ACTIVE_DAYS = "active_days"
FEATURE_BREADTH = "feature_breadth"
ADOPTION_SCORE = "adoption_score"
ADOPTION_BAND = "adoption_band"
ACTIVE_DAYS_POINTS = "active_days_points"
FEATURE_BREADTH_POINTS = "feature_breadth_points"
INTERACTIONS_POINTS = "interactions_points"
ACCEPTANCES_POINTS = "acceptances_points"
ACCEPTANCE_RATE_POINTS = "acceptance_rate_points"


def _typed(names: tuple[str, ...], spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: spec for name in names}


_SCOPE_IDS = {ORGANIZATION_ID: KEYWORD, ENTERPRISE_ID: KEYWORD}
_COUNTER_FIELDS = _typed(COUNTERS, LONG)
_RATES = {ACCEPTANCE_RATE: DOUBLE, LOC_ACCEPTANCE_RATE: DOUBLE}
_LINES_AND_SURFACES = {**_typed(LINE_AND_SURFACE_COUNTS, LONG), **_typed(SHARES, DOUBLE)}
_PR_FIELDS = {**_typed(PR_COUNTS, LONG), **_typed(PR_MEDIANS, DOUBLE)}
_CLI_COUNT_FIELDS = _typed(CLI_COUNTS, LONG)
_ENGAGED_USERS = _typed(
    (ACTIVE_USERS, CHAT_USERS, AGENT_USERS, CLI_USERS, CODE_REVIEW_USERS, CODING_AGENT_USERS), LONG
)

USAGE_DAILY = IndexDef(
    key="usage_daily",
    id_fields=(SCOPE_TYPE, SCOPE, DAY),
    properties={
        **_SCOPE_IDS,
        **_typed(ACTIVE_USER_COUNTS, LONG),
        **_COUNTER_FIELDS,
        **_typed(CHAT_PANEL_MODES, LONG),
        **_PR_FIELDS,
        **_CLI_COUNT_FIELDS,
        CLI_AVG_TOKENS_PER_REQUEST: DOUBLE,
        **_typed(VSCODE_AGENT_COUNTS, LONG),
        **_RATES,
        **_LINES_AND_SURFACES,
    },
    description="one per (scope, day): the aggregate report's active users, counters, pull requests and CLI",
)

USAGE_BREAKDOWN = IndexDef(
    key="usage_breakdown",
    id_fields=(SCOPE_TYPE, SCOPE, DAY, BREAKDOWN, IDE, FEATURE, LANGUAGE, MODEL, AGENT_ID, PHASE_NUMBER, PHASE,
               COMMENT_TYPE),
    properties={
        BREAKDOWN: KEYWORD,
        **_typed((IDE, FEATURE, LANGUAGE, MODEL, AGENT_ID, AGENT_NAME, PHASE, COMMENT_TYPE), KEYWORD),
        PHASE_NUMBER: LONG,
        FEATURE_GROUP: KEYWORD,
        **_COUNTER_FIELDS,
        ACCEPTANCE_RATE: DOUBLE,
        **_typed((SESSION_COUNT, REQUEST_COUNT, PROMPT_COUNT, OUTPUT_TOKENS_SUM, PROMPT_TOKENS_SUM), LONG),
        AVG_TOKENS_PER_REQUEST: DOUBLE,
        **_typed(PHASE_COUNTS, LONG),
        **_typed(PHASE_AVERAGES, DOUBLE),
        TOTAL_COPILOT_SUGGESTIONS: LONG,
        TOTAL_COPILOT_APPLIED_SUGGESTIONS: LONG,
    },
    description="one per (scope, day, breakdown row): every totals_by_* row of the aggregate report",
)

USER_DAILY = IndexDef(
    key="user_daily",
    id_fields=(SCOPE_TYPE, SCOPE, DAY, USER_ID),
    properties={
        USER_ID: LONG,
        USER_LOGIN: KEYWORD,
        **_SCOPE_IDS,
        **_COUNTER_FIELDS,
        **_typed(USED_FLAGS, BOOLEAN),
        AI_CREDITS_USED: DOUBLE,
        ADOPTION_PHASE: KEYWORD,
        ADOPTION_PHASE_NUMBER: LONG,
        **_CLI_COUNT_FIELDS,
        CLI_VERSION: KEYWORD,
        **_typed((TEAMS, TOP_IDE, TOP_LANGUAGE, TOP_MODEL, TOP_FEATURE, IDES, LANGUAGES, MODELS, FEATURES), KEYWORD),
        **_typed((LAST_KNOWN_IDE, IDE_VERSION, PLUGIN, PLUGIN_VERSION), KEYWORD),
        **_typed(VSCODE_AGENT_COUNTS, LONG),
        **_typed(DISTINCT_USE_COUNTS, LONG),
        **_typed(CUSTOMIZATION_INTERACTION_COUNTS, LONG),
        **_RATES,
        **_LINES_AND_SURFACES,
        SERVER_SIDE_ONLY: BOOLEAN,
        ACTIVE: BOOLEAN,
    },
    description="one per (scope, user, day): the user's counters, features used, teams that day, top dimensions",
)

TEAM_DAILY = IndexDef(
    key="team_daily",
    id_fields=(SCOPE_TYPE, SCOPE, DAY, TEAM_ID, TEAM),
    properties={
        TEAM: KEYWORD,
        TEAM_ID: LONG,
        TEAM_MEMBERS: LONG,
        MEMBER_COUNT: LONG,
        **_ENGAGED_USERS,
        **_COUNTER_FIELDS,
        AI_CREDITS_USED: DOUBLE,
        **_CLI_COUNT_FIELDS,
        **_RATES,
        **_LINES_AND_SURFACES,
        SMALL_TEAM: BOOLEAN,
    },
    description="one per (scope, team, day): members' users-report rows summed; teams overlap, never sum them",
)

TEAM_BREAKDOWN = IndexDef(
    key="team_breakdown",
    id_fields=(SCOPE_TYPE, SCOPE, DAY, TEAM_ID, TEAM, BREAKDOWN, IDE, FEATURE, LANGUAGE, MODEL),
    properties={
        TEAM: KEYWORD,
        TEAM_ID: LONG,
        BREAKDOWN: KEYWORD,
        **_typed((IDE, FEATURE, LANGUAGE, MODEL, FEATURE_GROUP), KEYWORD),
        **_COUNTER_FIELDS,
        ACTIVE_USERS: LONG,
        ACCEPTANCE_RATE: DOUBLE,
        TEAM_MEMBERS: LONG,
        SMALL_TEAM: BOOLEAN,
    },
    description="one per (scope, team, day, breakdown row): members' ide/feature/language/model rows summed",
)

USER_SUMMARY_DAILY = IndexDef(
    key="user_summary_daily",
    id_fields=(SCOPE_TYPE, SCOPE, DAY),
    properties={
        USERS_IN_REPORT: LONG,
        **_ENGAGED_USERS,
        **_typed((CODE_REVIEW_PASSIVE_USERS, COPILOT_APP_USERS, AI_CREDIT_USERS, SERVER_SIDE_ONLY_USERS,
                  VSCODE_AGENT_USERS), LONG),
        **_typed((*PHASE_USERS, PHASE_UNKNOWN_USERS), LONG),
        AI_CREDITS_USED: DOUBLE,
        **_CLI_COUNT_FIELDS,
    },
    description="one per (scope, day): per-scope sums over the users report (AI credits, CLI, phases, features)",
)

REPO_DAILY = IndexDef(
    key="repo_daily",
    id_fields=(SCOPE_TYPE, SCOPE, DAY, REPOSITORY_ID, REPOSITORY),
    properties={
        REPOSITORY: KEYWORD,
        REPOSITORY_ID: KEYWORD,
        **_typed((REPO_OWNER_NAME, REPO_NAME, REPO_VISIBILITY), KEYWORD),
        **_SCOPE_IDS,
        **_PR_FIELDS,
        PR_REVIEW_TIMES_TOTAL_MERGED: LONG,
        **_typed(PR_REVIEW_TIME_FIELDS, DOUBLE),
    },
    description="one per (scope, repository, day): pull-request activity of the repos report",
)

SEATS = IndexDef(
    key="seats",
    id_fields=(SCOPE_TYPE, SCOPE, DAY, SEAT_KEY, ORGANIZATION, ASSIGNING_TEAM),
    properties={
        SEAT_KEY: KEYWORD,
        USER_LOGIN: KEYWORD,
        USER_ID: LONG,
        ASSIGNEE_TYPE: KEYWORD,
        UNASSIGNED: BOOLEAN,
        ORGANIZATION: KEYWORD,
        PLAN_TYPE: KEYWORD,
        ASSIGNING_TEAM: KEYWORD,
        ASSIGNING_TEAM_NAME: KEYWORD,
        CREATED_AT: DATE,
        PENDING_CANCELLATION_DATE: DATE,
        LAST_ACTIVITY_AT: DATE,
        LAST_ACTIVITY_EDITOR: KEYWORD,
        LAST_ACTIVITY_IDE: KEYWORD,
        LAST_AUTHENTICATED_AT: DATE,
        DAYS_SINCE_LAST_ACTIVITY: LONG,
        **_typed((NEVER_USED, INACTIVE_7D, INACTIVE_14D, INACTIVE_28D, COUNTED), BOOLEAN),
    },
    description="one per (scope, seat, snapshot day): plan, assigning team, last activity, inactivity buckets",
)

SEAT_SUMMARY = IndexDef(
    key="seat_summary",
    id_fields=(SCOPE_TYPE, SCOPE, DAY),
    properties={
        **_typed(SEAT_BREAKDOWN_FIELDS, LONG),
        **_typed(BILLING_SETTINGS, KEYWORD),
        DERIVED_FROM_SEATS: BOOLEAN,
        **_typed(
            (SEAT_ROWS, COUNTED_SEATS, ASSIGNED_SEATS, UNASSIGNED_SEATS, NEVER_USED_SEATS, INACTIVE_7D_SEATS,
             INACTIVE_14D_SEATS, INACTIVE_28D_SEATS, PENDING_CANCELLATION_SEATS),
            LONG,
        ),
    },
    description="one per (scope, snapshot day): billing seat breakdown and settings, plus counts from the seats",
)

TEAMS_SNAPSHOT = IndexDef(
    key="teams",
    id_fields=(SCOPE_TYPE, SCOPE, DAY, TEAM_ID, TEAM),
    properties={
        TEAM_ID: LONG,
        TEAM: KEYWORD,
        TEAM_NAME: KEYWORD,
        TEAM_DESCRIPTION: KEYWORD,
        PARENT_SLUG: KEYWORD,
        PARENT_NAME: KEYWORD,
        TEAM_TYPE: KEYWORD,
    },
    description="one per (scope, team, snapshot day): the teams listing (names for slugs, hierarchy)",
)

USER_ADOPTION = IndexDef(
    key="user_adoption",
    id_fields=(SCOPE_TYPE, SCOPE, DAY, USER_ID),
    properties={
        USER_ID: LONG,
        USER_LOGIN: KEYWORD,
        WINDOW_START: DATE,
        WINDOW_DAYS: LONG,
        ACTIVE_DAYS: LONG,
        **_typed(
            (USER_INITIATED_INTERACTION_COUNT, CODE_GENERATION_ACTIVITY_COUNT, CODE_ACCEPTANCE_ACTIVITY_COUNT,
             LOC_ADDED_SUM),
            LONG,
        ),
        ACCEPTANCE_RATE: DOUBLE,
        FEATURE_BREADTH: LONG,
        ADOPTION_SCORE: DOUBLE,
        ADOPTION_BAND: KEYWORD,
        **_typed(
            (ACTIVE_DAYS_POINTS, FEATURE_BREADTH_POINTS, INTERACTIONS_POINTS, ACCEPTANCES_POINTS,
             ACCEPTANCE_RATE_POINTS),
            DOUBLE,
        ),
    },
    description="one per (scope, user, window end day): the absolute adoption score and its components",
)


# --- org billing usage (enhanced billing platform) ---------------------------------------------------------
# GitHub's usageItems keys in snake_case; `organization` and `repository` reuse the shared names above.
PRODUCT = "product"
SKU = "sku"
QUANTITY = "quantity"
UNIT_TYPE = "unit_type"
PRICE_PER_UNIT = "price_per_unit"
GROSS_AMOUNT = "gross_amount"
DISCOUNT_AMOUNT = "discount_amount"
NET_AMOUNT = "net_amount"
BILLING_AMOUNTS = (PRICE_PER_UNIT, GROSS_AMOUNT, DISCOUNT_AMOUNT, NET_AMOUNT)

BILLING_USAGE = IndexDef(
    key="billing_usage",
    # An org's report has one line per (day, product, sku), split by repository where GitHub names one.
    id_fields=(SCOPE_TYPE, SCOPE, DAY, PRODUCT, SKU, REPOSITORY),
    properties={
        **_typed((PRODUCT, SKU, UNIT_TYPE, ORGANIZATION, REPOSITORY), KEYWORD),
        **_typed((QUANTITY, *BILLING_AMOUNTS), DOUBLE),
    },
    description="one per (scope, day, product, sku, repository): the organization's billing usage report",
)

# --- feature engagement (the 28-day aggregate report's copilot_feature_engagement, since 2026-09-17) ---------
# One document per (scope, window end day, feature); `day` is the window's last day (GitHub's report_end_day).
# engaged_users: users who used the feature on at least two days of the window (GitHub's threshold);
# active_users: users active in the window; engaged_share = engaged_users / active_users, in [0, 1].
ENGAGED_USERS = "engaged_users"
ENGAGED_SHARE = "engaged_share"
WINDOW_END = "window_end"

FEATURE_ENGAGEMENT = IndexDef(
    key="feature_engagement",
    id_fields=(SCOPE_TYPE, SCOPE, DAY, FEATURE),
    properties={
        **_SCOPE_IDS,
        FEATURE: KEYWORD,
        FEATURE_GROUP: KEYWORD,
        ENGAGED_USERS: LONG,
        ACTIVE_USERS: LONG,
        ENGAGED_SHARE: DOUBLE,
        WINDOW_START: DATE,
        WINDOW_END: DATE,
        WINDOW_DAYS: LONG,
    },
    description="one per (scope, 28-day window end day, feature): users who used the feature on two days or "
                "more of the window, of the users active in it",
)

# --- period over period and seat spend (derived after each collection: copilot_usage/periods.py, spend.py) ---
# One document per (scope, period kind), replaced by every run: the latest period against the one before it.
PERIOD = "period"  # week | 28d | month
PERIOD_START = "period_start"  # `day` is the period's last day
PREVIOUS_START = "previous_start"
PREVIOUS_END = "previous_end"
PREVIOUS_PREFIX = "previous_"
DELTA_PREFIX = "delta_"
TARGET_PREFIX = "target_"
AVERAGE_DAILY_ACTIVE_USERS = "average_daily_active_users"
ADOPTION = "adoption"  # active users / counted seats
IDE_SHARE = "ide_share"
AGENT_SHARE = "agent_share"
CLI_SHARE = "cli_share"
PERIOD_COUNT_METRICS = (ACTIVE_USERS, AVERAGE_DAILY_ACTIVE_USERS, CODE_GENERATION_ACTIVITY_COUNT,
                        CODE_ACCEPTANCE_ACTIVITY_COUNT)
PERIOD_RATE_METRICS = (ACCEPTANCE_RATE, ADOPTION, IDE_SHARE, AGENT_SHARE, CLI_SHARE)
PERIOD_METRICS = PERIOD_COUNT_METRICS + PERIOD_RATE_METRICS
TARGETS_MISSED = "targets_missed"
# Seat spend per month at the configured list prices, from the newest seat snapshot.
CURRENCY = "currency"
IDLE_SEATS = "idle_seats"  # used once, inactive for 28 days or more
SEAT_COST = "seat_cost"
IDLE_SEAT_COST = "idle_seat_cost"
NEVER_USED_SEAT_COST = "never_used_seat_cost"
UNUSED_SEAT_COST = "unused_seat_cost"  # idle + never used
SEAT_COSTS = (SEAT_COST, IDLE_SEAT_COST, NEVER_USED_SEAT_COST, UNUSED_SEAT_COST)
SEAT_SPEND_FIELDS = {
    CURRENCY: KEYWORD, COUNTED_SEATS: LONG, IDLE_SEATS: LONG, NEVER_USED_SEATS: LONG, **_typed(SEAT_COSTS, DOUBLE),
}

PERIOD_SUMMARY = IndexDef(
    key="period_summary",
    id_fields=(SCOPE_TYPE, SCOPE, PERIOD),
    properties={
        PERIOD: KEYWORD,
        **_typed((PERIOD_START, PREVIOUS_START, PREVIOUS_END), DATE),
        ACTIVE_USERS: LONG,
        CODE_GENERATION_ACTIVITY_COUNT: LONG,
        CODE_ACCEPTANCE_ACTIVITY_COUNT: LONG,
        **_typed((AVERAGE_DAILY_ACTIVE_USERS, *PERIOD_RATE_METRICS), DOUBLE),
        **_typed(tuple(PREVIOUS_PREFIX + m for m in PERIOD_METRICS), DOUBLE),
        **_typed(tuple(DELTA_PREFIX + m for m in PERIOD_METRICS), DOUBLE),
        **_typed(tuple(TARGET_PREFIX + m for m in PERIOD_METRICS), DOUBLE),
        TARGETS_MISSED: LONG,
        **SEAT_SPEND_FIELDS,
    },
    description="one per (scope, period kind), replaced each run: the latest week, 28 days or month against "
                "the one before, with targets and seat spend",
)

TEAM_SEAT_SPEND = IndexDef(
    key="team_seat_spend",
    id_fields=(SCOPE_TYPE, SCOPE, ASSIGNING_TEAM),
    properties={ASSIGNING_TEAM: KEYWORD, **SEAT_SPEND_FIELDS},
    description="one per (scope, assigning team of MIN_TEAM_SIZE seats or more), replaced each run: seat spend "
                "of the newest snapshot",
)


# Every index the product writes. Shaping defines nothing of its own: it builds documents for these.
# Computed across days after a run (adoption windows, period summaries, seat spend), not written by one day's
# report: a day is complete without them, and the run after an interrupted one rewrites them.
DERIVED_INDICES = (USER_ADOPTION, PERIOD_SUMMARY, TEAM_SEAT_SPEND)


def all_indices() -> list[IndexDef]:
    return [
        INGESTION_LOG,
        USAGE_DAILY,
        USAGE_BREAKDOWN,
        USER_DAILY,
        TEAM_DAILY,
        TEAM_BREAKDOWN,
        USER_SUMMARY_DAILY,
        REPO_DAILY,
        SEATS,
        SEAT_SUMMARY,
        TEAMS_SNAPSHOT,
        USER_ADOPTION,
        BILLING_USAGE,
        FEATURE_ENGAGEMENT,
        PERIOD_SUMMARY,
        TEAM_SEAT_SPEND,
    ]


def index_by_key(key: str) -> IndexDef:
    for index in all_indices():
        if index.key == key:
            return index
    raise KeyError(f"no index definition {key!r}")
