"""Users report (+ user-teams join) -> user_daily, team_daily, team_breakdown, user_summary_daily.

Fixtures are GitHub's documented examples: users-1-day (§8.6) and user-teams-1-day (§8.8, re-dated to the
users' day, since the two examples were published for different days).
"""

import copy
import datetime as dt
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from copilot_usage.model import Scope, ScopeType
from copilot_usage.schema import indices as ix
from copilot_usage.shaping.errors import RecordError
from copilot_usage.shaping.users import Membership, TeamRef, UsersShaper, membership_from_user_teams

DATA = Path(__file__).parent / "data"
ORG = Scope(ScopeType.ORGANIZATION, "octo-org")
DAY = dt.date(2026, 11, 20)
COMMON = {"day": "2026-11-20", "scope_type": "organization", "scope": "octo-org"}
REPO_ROOT = Path(__file__).resolve().parents[2]


def users() -> list[dict]:
    return [json.loads(line) for line in (DATA / "users_1_day.ndjson").read_text().splitlines() if line.strip()]


def user_teams(day: str = "2026-11-20") -> list[dict]:
    rows = [json.loads(line) for line in (DATA / "user_teams_1_day.ndjson").read_text().splitlines() if line.strip()]
    return [{**row, "day": day} for row in rows]


def shape_all(records, teams=None, day=DAY, scope=ORG):
    membership, rejected = membership_from_user_teams(teams if teams is not None else user_teams(), scope, day)
    assert rejected == []
    shaper = UsersShaper(scope, day, membership)
    user_docs = [shaper.user(r) for r in records]
    return user_docs, shaper.finish()


def by_index(docs, index):
    return [d.source for d in docs if d.index is index]


ALICE = {
    **COMMON,
    "user_id": 1001, "user_login": "alice", "organization_id": "9919", "enterprise_id": "13213",
    "user_initiated_interaction_count": 50, "code_generation_activity_count": 40, "code_acceptance_activity_count": 12,
    "loc_suggested_to_add_sum": 200, "loc_suggested_to_delete_sum": 0, "loc_added_sum": 88, "loc_deleted_sum": 6,
    "used_agent": True, "used_chat": True, "used_cli": True, "used_copilot_code_review_active": False,
    "used_copilot_code_review_passive": True, "used_copilot_coding_agent": False, "used_copilot_cloud_agent": False,
    "ai_credits_used": 12.5, "adoption_phase": "Phase 2", "adoption_phase_number": 2,
    "cli_session_count": 2, "cli_request_count": 9, "cli_prompt_count": 3, "cli_output_tokens_sum": 15600,
    "cli_prompt_tokens_sum": 24000, "cli_version": "1.0.8",
    "teams": ["backend", "frontend"],
    "top_ide": "vscode", "top_language": "typescript", "top_model": "claude-sonnet-4.6",
    "top_feature": "code_completion",
    "ides": ["vscode"], "languages": ["typescript"], "models": ["claude-sonnet-4.6"],
    "features": ["agent_edit", "chat_panel_agent_mode", "code_completion"],
    "last_known_ide": "vscode", "ide_version": "1.107.1", "plugin": "copilot-chat", "plugin_version": "0.35.3",
    "acceptance_rate": 0.3,  # 12 / 40
    # Suggested lines accepted, code completion only: 40 / 150 (88 / 200 over everything mixes agent lines in).
    "loc_acceptance_rate": 0.266667,
    "completion_loc_suggested_to_add_sum": 150, "completion_loc_added_sum": 40,
    # chat_panel_agent_mode 12 + agent_edit 36 added (6 deleted) of 88 lines added.
    "agent_loc_added_sum": 48, "agent_loc_deleted_sum": 6, "agent_loc_added_share": 0.545455,
    # No copilot_cli feature row: the one IDE row holds everything.
    "ide_user_initiated_interaction_count": 50, "ide_code_generation_activity_count": 40, "ide_loc_added_sum": 88,
    "cli_user_initiated_interaction_count": 0, "cli_code_generation_activity_count": 0, "cli_loc_added_sum": 0,
    "ide_generation_share": 1.0, "cli_generation_share": 0.0,
    "server_side_only": False, "active": True,
}
BOB = {
    **COMMON,
    "user_id": 1002, "user_login": "bob", "organization_id": "9919", "enterprise_id": "13213",
    "user_initiated_interaction_count": 0, "code_generation_activity_count": 25, "code_acceptance_activity_count": 7,
    "loc_suggested_to_add_sum": 80, "loc_suggested_to_delete_sum": 0, "loc_added_sum": 24, "loc_deleted_sum": 0,
    "used_agent": False, "used_chat": False, "used_cli": False, "used_copilot_code_review_active": False,
    "used_copilot_code_review_passive": False, "used_copilot_coding_agent": False, "used_copilot_cloud_agent": False,
    "ai_credits_used": 0.0, "adoption_phase": "Phase 1", "adoption_phase_number": 1,
    "teams": ["frontend"],
    "top_ide": "intellij", "top_language": "java", "top_feature": "code_completion",
    "ides": ["intellij"], "languages": ["java"], "models": [], "features": ["code_completion"],
    "last_known_ide": "intellij", "ide_version": "2026.2.1", "plugin": "copilot-intellij",
    "plugin_version": "1.5.60-243",
    "acceptance_rate": 0.28, "loc_acceptance_rate": 0.3,  # 24 / 80 (all code completion)
    "completion_loc_suggested_to_add_sum": 80, "completion_loc_added_sum": 24,
    "agent_loc_added_sum": 0, "agent_loc_deleted_sum": 0, "agent_loc_added_share": 0.0,
    "ide_user_initiated_interaction_count": 0, "ide_code_generation_activity_count": 25, "ide_loc_added_sum": 24,
    "cli_user_initiated_interaction_count": 0, "cli_code_generation_activity_count": 0, "cli_loc_added_sum": 0,
    "ide_generation_share": 1.0, "cli_generation_share": 0.0,
    "server_side_only": False, "active": True,
}


def test_user_daily_golden():
    user_docs, _ = shape_all(users())
    assert [d.index for d in user_docs] == [ix.USER_DAILY, ix.USER_DAILY]
    assert user_docs[0].source == ALICE
    assert user_docs[1].source == BOB


def test_team_daily_golden_and_overlap():
    _, finished = shape_all(users())
    teams = by_index(finished, ix.TEAM_DAILY)
    assert [t["team"] for t in teams] == ["backend", "frontend"]
    backend, frontend = teams
    assert frontend == {
        **COMMON, "team": "frontend", "team_id": 42, "team_members": 2, "member_count": 2, "active_users": 2,
        "chat_users": 1, "agent_users": 1, "cli_users": 1, "code_review_users": 0, "coding_agent_users": 0,
        "user_initiated_interaction_count": 50, "code_generation_activity_count": 65,
        "code_acceptance_activity_count": 19, "loc_suggested_to_add_sum": 280, "loc_suggested_to_delete_sum": 0,
        "loc_added_sum": 112, "loc_deleted_sum": 6, "ai_credits_used": 12.5,
        "cli_session_count": 2, "cli_request_count": 9, "cli_prompt_count": 3, "cli_output_tokens_sum": 15600,
        "cli_prompt_tokens_sum": 24000,
        "acceptance_rate": 0.292308,  # 19 / 65
        # Summed feature rows of alice and bob: code completion 64 / 230; agent lines 12 + 36 of 112.
        "loc_acceptance_rate": 0.278261,
        "completion_loc_suggested_to_add_sum": 230, "completion_loc_added_sum": 64,
        "agent_loc_added_sum": 48, "agent_loc_deleted_sum": 6, "agent_loc_added_share": 0.428571,
        "ide_user_initiated_interaction_count": 50, "ide_code_generation_activity_count": 65,
        "ide_loc_added_sum": 112, "cli_user_initiated_interaction_count": 0, "cli_code_generation_activity_count": 0,
        "cli_loc_added_sum": 0, "ide_generation_share": 1.0, "cli_generation_share": 0.0,
    }
    assert backend["member_count"] == 1
    assert backend["code_generation_activity_count"] == 40
    # alice is in both teams and counts in both: team totals overlap and exceed the scope's.
    [summary] = by_index(finished, ix.USER_SUMMARY_DAILY)
    assert backend["member_count"] + frontend["member_count"] == 3 > summary["users_in_report"] == 2


def test_team_breakdown_golden():
    _, finished = shape_all(users())
    rows = by_index(finished, ix.TEAM_BREAKDOWN)
    frontend = {(r["breakdown"], r.get("ide"), r.get("feature"), r.get("language"), r.get("model")): r
                for r in rows if r["team"] == "frontend"}
    assert frontend["feature", None, "code_completion", None, None] == {
        **COMMON, "team": "frontend", "team_id": 42, "breakdown": "feature", "feature": "code_completion",
        "feature_group": "completion", "user_initiated_interaction_count": 0, "code_generation_activity_count": 55,
        "code_acceptance_activity_count": 16, "loc_suggested_to_add_sum": 230, "loc_suggested_to_delete_sum": 0,
        "loc_added_sum": 64, "loc_deleted_sum": 0, "active_users": 2, "acceptance_rate": 0.290909,
        "team_members": 2,  # the team's size, so MIN_TEAM_SIZE can hide the rows of a small team
    }
    assert frontend["ide", "intellij", None, None, None]["active_users"] == 1
    assert {r["team_members"] for r in rows if r["team"] == "backend"} == {1}
    language_model = frontend["language_model", None, None, "typescript", "claude-sonnet-4.6"]
    assert "user_initiated_interaction_count" not in language_model  # GitHub has none on these rows
    assert language_model["loc_added_sum"] == 48
    assert {r["breakdown"] for r in rows} == set(ix.USER_BREAKDOWNS)
    assert len(frontend) == 10  # 2 ides + 3 features + 3 language x feature + 1 language x model + 1 model x feature
    assert len([r for r in rows if r["team"] == "backend"]) == 8


def test_user_summary_golden():
    _, finished = shape_all(users())
    assert finished[-1].index is ix.USER_SUMMARY_DAILY
    assert finished[-1].source == {
        **COMMON, "users_in_report": 2, "active_users": 2, "chat_users": 1, "agent_users": 1, "cli_users": 1,
        "code_review_users": 0, "coding_agent_users": 0, "code_review_passive_users": 1, "copilot_app_users": 0,
        "vscode_agent_users": 0, "ai_credit_users": 1, "server_side_only_users": 0, "phase_0_users": 0,
        "phase_1_users": 1,
        "phase_2_users": 1, "phase_3_users": 0, "phase_unknown_users": 0, "ai_credits_used": 12.5,
        "cli_session_count": 2, "cli_request_count": 9, "cli_prompt_count": 3, "cli_output_tokens_sum": 15600,
        "cli_prompt_tokens_sum": 24000,
    }


def test_team_join_uses_that_days_membership():
    day1, day2 = dt.date(2026, 11, 20), dt.date(2026, 11, 21)
    alice = users()[0]
    day1_teams = [{"user_id": 1001, "day": "2026-11-20", "team_id": 1, "slug": "team-a"}]
    day2_teams = [{"user_id": 1001, "day": "2026-11-21", "team_id": 2, "slug": "team-b"}]
    docs1, finished1 = shape_all([alice], day1_teams, day1)
    docs2, finished2 = shape_all([{**alice, "day": "2026-11-21"}], day2_teams, day2)
    assert docs1[0].source["teams"] == ["team-a"]
    assert docs2[0].source["teams"] == ["team-b"]
    assert [t["team"] for t in by_index(finished1, ix.TEAM_DAILY)] == ["team-a"]
    assert [t["team"] for t in by_index(finished2, ix.TEAM_DAILY)] == ["team-b"]
    assert {r["team"] for r in by_index(finished2, ix.TEAM_BREAKDOWN)} == {"team-b"}


def test_membership_of_another_day_or_scope_is_refused():
    membership, _ = membership_from_user_teams(user_teams(), ORG, DAY)
    with pytest.raises(ValueError, match="cannot be joined"):
        UsersShaper(ORG, DAY + dt.timedelta(days=1), membership)
    with pytest.raises(ValueError, match="cannot be joined"):
        UsersShaper(Scope(ScopeType.ORGANIZATION, "other"), DAY, membership)


def test_membership_rows_are_checked_and_rejects_reported():
    rows = [
        *user_teams(),
        {"user_id": 1003, "day": "2026-11-19", "team_id": 7, "slug": "old"},
        {"user_id": "1004", "day": "2026-11-20", "team_id": 7, "slug": "x"},
        {"user_id": 1005, "day": "2026-11-20", "team_id": 7},
        "not a row",
        {**user_teams()[0]},  # a repeated row is harmless
    ]
    membership, rejected = membership_from_user_teams(rows, ORG, DAY)
    assert rejected == [
        "day 2026-11-19 is not the expected day 2026-11-20",
        "user_id is not a number",
        "slug is missing",
        "user-teams row is not an object",
    ]
    assert membership.teams_of(1001) == (TeamRef(43, "backend"), TeamRef(42, "frontend"))
    assert membership.team_sizes == {TeamRef(42, "frontend"): 2, TeamRef(43, "backend"): 1}
    assert len(membership) == 2


def test_same_slug_different_team_ids_stay_apart():
    # An enterprise's user-teams can hold business teams of two orgs with the same slug.
    teams = [{"user_id": 1001, "day": "2026-11-20", "team_id": 1, "slug": "platform"},
             {"user_id": 1002, "day": "2026-11-20", "team_id": 2, "slug": "platform"}]
    user_docs, finished = shape_all(users(), teams)
    daily = by_index(finished, ix.TEAM_DAILY)
    assert [(t["team"], t["team_id"], t["member_count"]) for t in daily] == [("platform", 1, 1), ("platform", 2, 1)]
    assert len({d.id for d in finished}) == len(finished)
    assert user_docs[0].source["teams"] == ["platform"]


def test_team_without_members_in_the_report_gets_a_zero_row():
    teams = [*user_teams(), {"user_id": 9999, "day": "2026-11-20", "team_id": 77, "slug": "quiet"}]
    _, finished = shape_all(users(), teams)
    [quiet] = [t for t in by_index(finished, ix.TEAM_DAILY) if t["team"] == "quiet"]
    assert quiet == {**COMMON, "team": "quiet", "team_id": 77, "team_members": 1, "member_count": 0,
                     "active_users": 0, "chat_users": 0, "agent_users": 0, "cli_users": 0, "code_review_users": 0,
                     "coding_agent_users": 0, "acceptance_rate": None, "loc_acceptance_rate": None}
    assert not [r for r in by_index(finished, ix.TEAM_BREAKDOWN) if r["team"] == "quiet"]


def test_without_membership_only_the_summary_is_emitted():
    shaper = UsersShaper(ORG, DAY)
    docs = [shaper.user(r) for r in users()]
    assert all(d.source["teams"] == [] for d in docs)
    assert [d.index for d in shaper.finish()] == [ix.USER_SUMMARY_DAILY]
    assert Membership.empty(ORG, DAY).teams == []


def test_server_side_only_user():
    record = {"user_id": 5, "user_login": "ghost", "day": "2026-11-20", "used_copilot_code_review_passive": True,
              "totals_by_ide": [], "totals_by_feature": None, "future_field": [1, 2]}
    shaper = UsersShaper(ORG, DAY)
    doc = shaper.user(record).source
    assert doc == {**COMMON, "user_id": 5, "user_login": "ghost", "used_copilot_code_review_passive": True,
                   "teams": [], "ides": [], "languages": [], "models": [], "features": [], "acceptance_rate": None,
                   "loc_acceptance_rate": None, "server_side_only": True, "active": True}
    # A row with nothing in it is a seated user without activity that day (about 40 % of a real report's
    # rows): not active, so not a server-side-only user either.
    silent = shaper.user({"user_id": 6, "user_login": "idle", "day": "2026-11-20"}).source
    assert (silent["server_side_only"], silent["active"]) == (False, False)
    summary = shaper.finish()[-1].source
    assert summary["server_side_only_users"] == 1
    assert summary["active_users"] == 1  # the idle row shows no activity at all
    assert summary["phase_unknown_users"] == 2
    assert "ai_credits_used" not in summary  # no user reported credits: absent, not 0


def test_top_dimensions_rank_by_generations_then_interactions_then_name():
    record = {
        "user_id": 7, "user_login": "ranker", "day": "2026-11-20",
        "totals_by_ide": [
            {"ide": "vscode", "code_generation_activity_count": 5, "user_initiated_interaction_count": 1},
            {"ide": "intellij", "code_generation_activity_count": 5, "user_initiated_interaction_count": 9},
            {"ide": "xcode", "code_generation_activity_count": 1, "user_initiated_interaction_count": 99},
        ],
        "totals_by_feature": [
            {"feature": "chat_inline", "code_generation_activity_count": 3},
            {"feature": "agent_edit", "code_generation_activity_count": 3},
        ],
        "totals_by_language_feature": [
            {"language": "go", "feature": "code_completion", "code_generation_activity_count": 4},
            {"language": "rust", "feature": "code_completion", "code_generation_activity_count": 3},
            {"language": "rust", "feature": "chat_inline", "code_generation_activity_count": 3},
        ],
        "totals_by_language_model": [{"language": "go", "model": "gpt-5", "code_generation_activity_count": 9}],
    }
    doc = UsersShaper(ORG, DAY).user(record).source
    assert doc["top_ide"] == "intellij"  # tie on generations, more interactions
    assert doc["top_feature"] == "agent_edit"  # full tie: alphabetical
    assert doc["top_language"] == "rust"  # summed over features: 6 > 4
    assert doc["top_model"] == "gpt-5"  # no model x feature rows: language x model is the fallback
    assert doc["languages"] == ["go", "rust"]
    assert doc["features"] == ["agent_edit", "chat_inline", "code_completion"]
    assert "last_known_ide" not in doc


def test_last_known_ide_is_the_latest_sample():
    record = copy.deepcopy(users()[0])
    newer = copy.deepcopy(record["totals_by_ide"][0])
    sampled = "2026-11-20T18:00:00Z"  # later than the vscode sample
    newer.update(ide="visualstudio", last_known_ide_version={"ide_version": "17.14", "sampled_at": sampled},
                 last_known_plugin_version={"plugin": "", "plugin_version": "", "sampled_at": sampled})
    record["totals_by_ide"].append(newer)
    doc = UsersShaper(ORG, DAY).user(record).source
    assert (doc["last_known_ide"], doc["ide_version"]) == ("visualstudio", "17.14")
    assert "plugin" not in doc  # GitHub's documented empty plugin strings mean unknown
    assert doc["ides"] == ["visualstudio", "vscode"]


def test_tolerated_values():
    record = users()[1]
    long_login = "ü" * 3000
    record.update(user_login=long_login, user_id=1002.0, code_generation_activity_count=25.9,
                  loc_added_sum=2**63 - 1, used_chat=1, unknown={"nested": True}, ai_adoption_phase=None)
    doc = UsersShaper(ORG, DAY).user(record).source
    assert doc["user_login"] == long_login  # kept; the keyword's ignore_above protects the index
    assert doc["user_id"] == 1002
    assert doc["code_generation_activity_count"] == 25
    assert doc["loc_added_sum"] == 2**63 - 1
    assert doc["used_chat"] is True
    assert "adoption_phase" not in doc


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda r: r.pop("user_id"), "user_id is missing"),
        (lambda r: r.update(user_id="1001"), "user_id is not a number"),
        (lambda r: r.update(user_id=2**64), "user_id does not fit in a 64-bit integer"),
        (lambda r: r.pop("user_login"), "user_login is missing"),
        (lambda r: r.update(user_login={"login": "x"}), "user_login is not a string"),
        (lambda r: r.pop("day"), "day is missing"),
        (lambda r: r.update(day="2026-11-21"), "day 2026-11-21 is not the expected day 2026-11-20"),
        (lambda r: r.update(code_acceptance_activity_count="12"), "code_acceptance_activity_count is not a number"),
        (lambda r: r.update(loc_added_sum=float("inf")), "loc_added_sum is not a finite number"),
        (lambda r: r.update(used_chat="yes"), "used_chat is not a boolean"),
        (lambda r: r.update(ai_credits_used="12.5"), "ai_credits_used is not a number"),
        (lambda r: r.update(ai_adoption_phase="Phase 2"), "ai_adoption_phase is not an object"),
        (lambda r: r.update(totals_by_ide="vscode"), "totals_by_ide is not an array"),
        (lambda r: r["totals_by_language_model"][0].update(model=["a"]),
         "totals_by_language_model[].model is not a string"),
        (lambda r: r["totals_by_cli"]["token_usage"].update(output_tokens_sum="lots"),
         "totals_by_cli.token_usage.output_tokens_sum is not a number"),
        (lambda r: r["totals_by_ide"][0].update(last_known_ide_version="1.107"),
         "last_known_ide_version is not an object"),
    ],
)
def test_bad_records_raise_and_count_nothing(mutate, reason):
    membership, _ = membership_from_user_teams(user_teams(), ORG, DAY)
    shaper = UsersShaper(ORG, DAY, membership)
    bad = users()[0]
    mutate(bad)
    with pytest.raises(RecordError) as caught:
        shaper.user(bad)
    assert caught.value.reason == reason
    assert "alice" not in reason
    shaper.user(users()[1])
    finished = shaper.finish()
    assert finished[-1].source["users_in_report"] == 1
    assert [t["member_count"] for t in by_index(finished, ix.TEAM_DAILY)] == [0, 1]


def test_record_that_is_not_an_object():
    with pytest.raises(RecordError, match="record is not an object"):
        UsersShaper(ORG, DAY).user("alice")  # type: ignore[arg-type]


def test_memory_is_bounded_by_teams_not_users():
    membership, _ = membership_from_user_teams(
        [{"user_id": i, "day": "2026-11-20", "team_id": i % 3, "slug": f"t{i % 3}"} for i in range(4000)], ORG, DAY)
    alice, bob = users()
    shaper = UsersShaper(ORG, DAY, membership)
    for i in range(200):
        shaper.user({**(alice if i % 2 else bob), "user_id": i, "user_login": f"u{i}"})
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for i in range(200, 2200):
            shaper.user({**(alice if i % 2 else bob), "user_id": i, "user_login": f"u{i}"})
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    # Per user only the id is remembered (to set aside a user repeated in another file: ~100 bytes each);
    # a kept document or record costs kilobytes, so keeping any of them would blow this bound many times over.
    per_user_id = 128
    assert grown < 40_000 + 2000 * per_user_id, f"shaper state grew by {grown} bytes over 2000 users"
    assert len(shaper.finish()) == len(UsersShaper(ORG, DAY, membership).finish()) + 3 * 10  # same rows per team


def test_ids_are_stable_across_processes():
    """Ids and sources must not depend on hash seeds or set order (re-runs overwrite, never duplicate)."""
    _, finished = shape_all(users())
    here = [d.id for d in shape_all(users())[0] + finished]
    script = (
        "import json, sys, datetime as dt\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from tests.unit.test_shaping_users import shape_all, users\n"
        "a, b = shape_all(users())\n"
        "print(json.dumps([d.id for d in a + b]))\n"
    )
    for seed in ("1", "4242"):
        out = subprocess.run(
            [sys.executable, "-c", script, str(REPO_ROOT)],
            capture_output=True, text=True, check=True, cwd=REPO_ROOT, env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert json.loads(out.stdout) == here
