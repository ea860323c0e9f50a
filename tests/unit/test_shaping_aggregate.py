"""Aggregate report -> usage_daily + usage_breakdown, checked against GitHub's documented example (§8.7)."""

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from copilot_usage.model import Scope, ScopeType
from copilot_usage.schema import indices as ix
from copilot_usage.shaping.aggregate import shape_aggregate
from copilot_usage.shaping.errors import RecordError

DATA = Path(__file__).parent / "data"
ORG = Scope(ScopeType.ORGANIZATION, "octo-org")
DAY = dt.date(2026, 11, 20)
COMMON = {"day": "2026-11-20", "scope_type": "organization", "scope": "octo-org"}
LOC_ZEROS = {"loc_suggested_to_delete_sum": 0}


def record() -> dict:
    return json.loads((DATA / "organization_1_day.json").read_text())


def rows_of(docs, breakdown):
    return [d.source for d in docs if d.index is ix.USAGE_BREAKDOWN and d.source["breakdown"] == breakdown]


def test_usage_daily_golden():
    docs = shape_aggregate(ORG, DAY, record())
    assert docs[0].index is ix.USAGE_DAILY
    assert docs[0].source == {
        **COMMON,
        "organization_id": "9919",
        "enterprise_id": "13213",
        "daily_active_users": 42,
        "weekly_active_users": 61,
        "monthly_active_users": 75,
        "monthly_active_chat_users": 58,
        "monthly_active_agent_users": 33,
        "daily_active_cli_users": 9,
        "daily_active_copilot_cloud_agent_users": 3,
        "weekly_active_copilot_cloud_agent_users": 7,
        "monthly_active_copilot_cloud_agent_users": 11,
        "daily_active_copilot_code_review_users": 5,
        "weekly_active_copilot_code_review_users": 12,
        "monthly_active_copilot_code_review_users": 20,
        "daily_passive_copilot_code_review_users": 8,
        "weekly_passive_copilot_code_review_users": 19,
        "monthly_passive_copilot_code_review_users": 30,
        "user_initiated_interaction_count": 1310,
        "code_generation_activity_count": 2250,
        "code_acceptance_activity_count": 690,
        "loc_suggested_to_add_sum": 9100,
        "loc_suggested_to_delete_sum": 0,
        "loc_added_sum": 5400,
        "loc_deleted_sum": 820,
        "pr_total_created": 18,
        "pr_total_reviewed": 25,
        "pr_total_merged": 15,
        "pr_median_minutes_to_merge": 212.5,
        "pr_total_suggestions": 40,
        "pr_total_applied_suggestions": 11,
        "pr_total_created_by_copilot": 3,
        "pr_total_reviewed_by_copilot": 9,
        "pr_total_merged_created_by_copilot": 2,
        "pr_total_merged_reviewed_by_copilot": 6,
        "pr_median_minutes_to_merge_copilot_authored": 95.0,
        "pr_median_minutes_to_merge_copilot_reviewed": 180.0,
        "pr_total_copilot_suggestions": 22,
        "pr_total_copilot_applied_suggestions": 7,
        "cli_session_count": 14,
        "cli_request_count": 96,
        "cli_prompt_count": 31,
        "cli_output_tokens_sum": 160000,
        "cli_prompt_tokens_sum": 233600,
        "cli_avg_tokens_per_request": 4100.0,
        "acceptance_rate": 0.306667,  # 690 / 2250
        # Suggested lines accepted, for code completion only: 2600 / 7200 (not 5400 / 9100 over everything).
        "loc_acceptance_rate": 0.361111,
        "completion_loc_suggested_to_add_sum": 7200,
        "completion_loc_added_sum": 2600,
        # Agent-group features: chat_panel_agent_mode (400 added) + agent_edit (2300 added, 820 deleted).
        "agent_loc_added_sum": 2700,
        "agent_loc_deleted_sum": 820,
        "agent_loc_added_share": 0.5,  # 2700 / 5400
        # The example has no copilot_cli row: Σ totals_by_ide (1000+310, 1700+550, 4300+1100) is everything.
        "ide_user_initiated_interaction_count": 1310,
        "ide_code_generation_activity_count": 2250,
        "ide_loc_added_sum": 5400,
        "cli_user_initiated_interaction_count": 0,
        "cli_code_generation_activity_count": 0,
        "cli_loc_added_sum": 0,
        "ide_generation_share": 1.0,
        "cli_generation_share": 0.0,
    }


def test_breakdown_rows_golden():
    docs = shape_aggregate(ORG, DAY, record())
    assert all(d.index is ix.USAGE_BREAKDOWN for d in docs[1:])
    counts = {b: len(rows_of(docs, b)) for b in ix.BREAKDOWNS}
    assert counts == {
        "ide": 2, "feature": 4, "language_feature": 2, "language_model": 1, "model_feature": 1, "cli": 1,
        "copilot_app": 0, "third_party_agent": 1, "ai_adoption_phase": 2, "pr_comment_type": 2,
    }
    assert rows_of(docs, "ide")[1] == {
        **COMMON, "breakdown": "ide", "ide": "intellij", "user_initiated_interaction_count": 310,
        "code_generation_activity_count": 550, "code_acceptance_activity_count": 170, "loc_suggested_to_add_sum": 2100,
        **LOC_ZEROS, "loc_added_sum": 1100, "loc_deleted_sum": 120, "acceptance_rate": 0.309091,
    }
    features = {r["feature"]: r for r in rows_of(docs, "feature")}
    assert {f: r["feature_group"] for f, r in features.items()} == {
        "code_completion": "completion", "chat_panel_agent_mode": "agent", "chat_panel_ask_mode": "chat",
        "agent_edit": "agent",
    }
    # agent_edit has no generations: its acceptance rate is null, not 0 or a division error.
    assert features["agent_edit"]["acceptance_rate"] is None
    assert features["agent_edit"]["loc_added_sum"] == 2300
    assert rows_of(docs, "language_feature")[0] == {
        **COMMON, "breakdown": "language_feature", "language": "typescript", "feature": "code_completion",
        "feature_group": "completion", "code_generation_activity_count": 1100, "code_acceptance_activity_count": 350,
        "loc_suggested_to_add_sum": 4500, **LOC_ZEROS, "loc_added_sum": 1700, "loc_deleted_sum": 0,
        "acceptance_rate": 0.318182,
    }
    # GitHub sends no interaction count on language rows: it stays absent instead of becoming 0.
    assert "user_initiated_interaction_count" not in rows_of(docs, "language_model")[0]
    assert rows_of(docs, "model_feature")[0]["model"] == "claude-sonnet-4.6"
    assert rows_of(docs, "cli") == [{
        **COMMON, "breakdown": "cli", "feature_group": "cli", "session_count": 14, "request_count": 96,
        "prompt_count": 31, "output_tokens_sum": 160000, "prompt_tokens_sum": 233600, "avg_tokens_per_request": 4100.0,
    }]
    assert rows_of(docs, "third_party_agent") == [{
        **COMMON, "breakdown": "third_party_agent", "feature_group": "agent", "agent_id": "2246796",
        "agent_name": "Claude (Anthropic)", "user_initiated_interaction_count": 6, "session_count": 4,
    }]
    assert rows_of(docs, "ai_adoption_phase")[1] == {
        **COMMON, "breakdown": "ai_adoption_phase", "phase_number": 1, "phase": "Phase 1", "total_engaged_users": 35,
        "avg_user_initiated_interactions": 22.0, "avg_code_generation_activities": 40.5,
        "avg_code_acceptance_activities": 12.1, "avg_loc_added": 90.3, "avg_loc_deleted": 11.0,
        "avg_pull_requests_reviewed": 0.6, "avg_pull_requests_created": 0.8, "avg_pull_requests_merged": 0.7,
        "avg_pull_requests_median_minutes_to_merge": 240.0,
    }
    assert rows_of(docs, "pr_comment_type") == [
        {**COMMON, "breakdown": "pr_comment_type", "comment_type": "bug_risk", "total_copilot_suggestions": 12,
         "total_copilot_applied_suggestions": 4},
        {**COMMON, "breakdown": "pr_comment_type", "comment_type": "security", "total_copilot_suggestions": 3,
         "total_copilot_applied_suggestions": 1},
    ]


def test_breakdown_ids_are_distinct_and_stable():
    first = [d.id for d in shape_aggregate(ORG, DAY, record())]
    second = [d.id for d in shape_aggregate(ORG, DAY, record())]
    assert first == second
    assert len(set(first)) == len(first)


def test_copilot_app_object_becomes_one_row():
    rec = record()
    rec["totals_by_copilot_app"] = {"session_count": 3, "request_count": 7, "prompt_count": 4,
                                    "token_usage": {"output_tokens_sum": 900, "prompt_tokens_sum": 1200}}
    [row] = rows_of(shape_aggregate(ORG, DAY, rec), "copilot_app")
    assert row == {**COMMON, "breakdown": "copilot_app", "feature_group": "app", "session_count": 3,
                   "request_count": 7, "prompt_count": 4, "output_tokens_sum": 900, "prompt_tokens_sum": 1200}


def test_duplicate_rows_in_one_array_are_summed_not_overwritten():
    rec = record()
    rec["totals_by_ide"].append(dict(rec["totals_by_ide"][0]))  # vscode twice
    rec["pull_requests"]["copilot_suggestions_by_comment_type"].append(
        {"comment_type": "security", "total_copilot_suggestions": 2, "total_copilot_applied_suggestions": 2})
    docs = shape_aggregate(ORG, DAY, rec)
    vscode = [r for r in rows_of(docs, "ide") if r["ide"] == "vscode"]
    assert len(vscode) == 1
    assert vscode[0]["code_generation_activity_count"] == 3400
    security = [r for r in rows_of(docs, "pr_comment_type") if r["comment_type"] == "security"]
    assert security[0]["total_copilot_suggestions"] == 5
    assert len({d.id for d in docs}) == len(docs)


def test_minimal_record_tolerates_absent_blocks():
    docs = shape_aggregate(ORG, DAY, {"day": "2026-11-20", "daily_active_users": 3, "unknown_field": {"x": 1},
                                      "totals_by_ide": None, "pull_requests": None})
    assert [d.index for d in docs] == [ix.USAGE_DAILY]
    assert docs[0].source == {**COMMON, "daily_active_users": 3, "acceptance_rate": None, "loc_acceptance_rate": None}


def test_enterprise_scope_and_28_day_element():
    ent = Scope(ScopeType.ENTERPRISE, "octo-ent")
    rec = record()
    del rec["organization_id"]
    rec.update({"etl_id": "green", "day_partition": "2026-11-20"})  # internal fields GitHub leaves in
    daily = shape_aggregate(ent, DAY, rec)[0]
    assert daily.source["scope_type"] == "enterprise"
    assert "organization_id" not in daily.source
    assert daily.id != shape_aggregate(ORG, DAY, record())[0].id


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda r: r.pop("day"), "day is missing"),
        (lambda r: r.update(day="2026-11-19"), "day 2026-11-19 is not the expected day 2026-11-20"),
        (lambda r: r.update(day="yesterday"), "day is not a date (YYYY-MM-DD)"),
        (lambda r: r.update(daily_active_users="42"), "daily_active_users is not a number"),
        (lambda r: r.update(loc_added_sum=True), "loc_added_sum is not a number"),
        (lambda r: r.update(loc_added_sum=2**63), "loc_added_sum does not fit in a 64-bit integer"),
        (lambda r: r.update(totals_by_ide={"ide": "vscode"}), "totals_by_ide is not an array"),
        (lambda r: r.update(totals_by_feature=["code_completion"]), "totals_by_feature[] is not an object"),
        (lambda r: r["totals_by_ide"][0].update(code_generation_activity_count="many"),
         "totals_by_ide[].code_generation_activity_count is not a number"),
        (lambda r: r["pull_requests"].update(median_minutes_to_merge="n/a"),
         "pull_requests.median_minutes_to_merge is not a number"),
        (lambda r: r.update(totals_by_cli=[1]), "totals_by_cli is not an object"),
        (lambda r: r["totals_by_ai_adoption_phase"][0].update(phase_number="zero"),
         "totals_by_ai_adoption_phase[].phase_number is not a number"),
    ],
)
def test_bad_records_raise_record_error(mutate, reason):
    rec = copy.deepcopy(record())
    mutate(rec)
    with pytest.raises(RecordError) as caught:
        shape_aggregate(ORG, DAY, rec)
    assert caught.value.reason == reason


def test_not_an_object():
    with pytest.raises(RecordError, match="record is not an object"):
        shape_aggregate(ORG, DAY, ["day"])  # type: ignore[arg-type]


def test_floats_for_counters_are_truncated_and_large_values_kept():
    rec = record()
    rec["daily_active_users"] = 42.0
    rec["loc_added_sum"] = 2**63 - 1
    daily = shape_aggregate(ORG, DAY, rec)[0].source
    assert daily["daily_active_users"] == 42
    assert type(daily["daily_active_users"]) is int
    assert daily["loc_added_sum"] == 2**63 - 1
