"""The simulated world's data, checked through the live simulator like a client sees it.

Consistency checks recompute every number from the users reports the server serves, so a wrong sum, a
user counted twice or a leaked team would show up here, not in a dashboard.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

import pytest

from copilot_usage.simulator import SimulatorServer, World
from tests.fixtures.simulator import (
    SIM_TODAY,
    api_get,
    download,
    report_links,
    report_rows,
    row_is_active,
    sim_config,
)

ORG = "/orgs/sim-org-1"
ORG2 = "/orgs/sim-org-2"
ENT = "/enterprises/sim-enterprise-1"
COUNTERS = (
    "user_initiated_interaction_count", "code_generation_activity_count", "code_acceptance_activity_count",
    "loc_suggested_to_add_sum", "loc_suggested_to_delete_sum", "loc_added_sum", "loc_deleted_sum",
)
NO_UIC = COUNTERS[1:]
BREAKDOWNS = (
    ("totals_by_ide", ("ide",), COUNTERS),
    ("totals_by_feature", ("feature",), COUNTERS),
    ("totals_by_language_feature", ("language", "feature"), NO_UIC),
    ("totals_by_language_model", ("language", "model"), NO_UIC),
    ("totals_by_model_feature", ("model", "feature"), COUNTERS),
)
NEWEST = SIM_TODAY - dt.timedelta(days=2)
FLOOR = SIM_TODAY - dt.timedelta(days=39)  # days=40
SERVED = [FLOOR + dt.timedelta(days=i) for i in range((NEWEST - FLOOR).days + 1)]


NOT_IDES = ("copilot_cli", "copilot_app")  # features inside the totals but never in totals_by_ide (§11.1)


def day(back: int) -> dt.date:
    return NEWEST - dt.timedelta(days=back)


is_active = row_is_active


def active_rows(server: SimulatorServer, scope: str, d: dt.date) -> list[dict[str, Any]]:
    return [r for r in report_rows(server, scope, "users-1-day", d) if is_active(r)]


def grouped_sums(records: list[dict[str, Any]], key: str, dims: tuple[str, ...],
                 counters: tuple[str, ...]) -> dict[tuple[Any, ...], dict[str, int]]:
    out: dict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    for record in records:
        for row in record[key]:
            for counter in counters:
                out[tuple(row[d] for d in dims)][counter] += row[counter]
    return {k: dict(v) for k, v in out.items()}


def keyed(rows: list[dict[str, Any]], dims: tuple[str, ...], counters: tuple[str, ...]) -> dict[Any, dict[str, int]]:
    return {tuple(r[d] for d in dims): {c: r[c] for c in counters} for r in rows}


# --- configuration and cast ---------------------------------------------------------------------------

def test_config_errors_name_the_field() -> None:
    with pytest.raises(ValueError, match=r"SimConfig\.users"):
        sim_config(users=0)
    with pytest.raises(ValueError, match=r"SimConfig\.today"):
        sim_config(today="2026-11-20")
    with pytest.raises(ValueError, match=r"SimConfig\.orgs"):
        sim_config(orgs=-1)


def test_cast_memberships_seats_and_unusual_logins() -> None:
    world = World(sim_config(users=300))
    users = world.population.users
    org_counts = Counter(len(u.orgs) for u in users)
    assert set(org_counts) <= {1, 2}
    assert org_counts[1] > org_counts[2] > 0
    assert all(o.enterprise is not None and o.enterprise.slug == "sim-enterprise-1" for o in world.population.orgs)
    assert len({u.login for u in users}) == len({u.id for u in users}) == 300
    assert any(not u.login.isascii() for u in users)
    assert max(len(u.login) for u in users) > 100
    assert any(not u.seated for u in users)
    assert any(u.server_side_only for u in users)
    assert all(set(u.seat_orgs) <= set(u.orgs) for u in users)
    assert any(len(u.seat_orgs) > 1 for u in users)  # seats granted by several orgs
    three = World(sim_config(orgs=5, users=400)).population.users
    assert max(len(u.orgs) for u in three) == 3
    assert min(len(u.orgs) for u in three) == 1


def test_same_seed_serves_byte_identical_files_and_another_seed_differs() -> None:
    files: dict[int, list[bytes]] = {}
    for run, seed in enumerate((7, 7, 8)):
        with SimulatorServer(World(sim_config(seed=seed))) as server:
            got = []
            for scope, report in ((ORG, "users-1-day"), (ORG, "organization-1-day"), (ORG, "user-teams-1-day"),
                                  (ENT, "repos-1-day"), (ENT, "users-1-day")):
                got.extend(download(link) for link in report_links(server, scope, report, day(1)))
            files[run] = got
    assert files[0] == files[1]
    assert files[0] != files[2]
    assert all(files[0])
    assert len(files[0]) >= 5


# --- record shapes --------------------------------------------------------------------------------------

def test_user_records_have_the_documented_fields_and_are_internally_consistent(simulator: SimulatorServer) -> None:
    records = report_rows(simulator, ORG, "users-1-day", day(0))
    assert records
    for r in records:
        assert isinstance(r["user_id"], int)
        assert isinstance(r["user_login"], str)
        assert r["day"] == day(0).isoformat()
        assert r["organization_id"] == "9901"
        assert r["enterprise_id"] == "13201"
        for name in COUNTERS:
            assert isinstance(r[name], int)
        for name in ("used_agent", "used_chat", "used_cli", "used_copilot_code_review_active",
                     "used_copilot_code_review_passive", "used_copilot_coding_agent", "used_copilot_cloud_agent"):
            assert isinstance(r[name], bool)
        assert isinstance(r["ai_credits_used"], float)
        assert r["ai_adoption_phase"]["version"] == "v1"
        assert r["ai_adoption_phase"]["phase_number"] in (0, 1, 2, 3)
        # Top-level counters are the sums over features; the IDEs hold everything but CLI and app work.
        not_ide = [row for row in r["totals_by_feature"] if row["feature"] in NOT_IDES]
        for name in COUNTERS:
            assert r[name] == sum(row[name] for row in r["totals_by_feature"])
            assert sum(row[name] for row in r["totals_by_ide"]) == r[name] - sum(row[name] for row in not_ide)
        assert not {row["ide"] for row in r["totals_by_ide"]} & set(NOT_IDES)
        if not is_active(r):  # a seated user without activity that day
            assert all(r[key] == [] for key, _, _ in BREAKDOWNS)
            assert not any(k in r for k in ("totals_by_cli", "totals_by_copilot_app", "totals_by_vscode_agent"))
            continue
        for row in r["totals_by_ide"]:
            assert set(row["last_known_ide_version"]) == {"ide_version", "sampled_at"}
            assert set(row["last_known_plugin_version"]) == {"plugin", "plugin_version", "sampled_at"}
        features = {row["feature"] for row in r["totals_by_feature"]}
        assert r["used_chat"] == any(f.startswith("chat_") for f in features)
        assert r["used_agent"] == ("chat_panel_agent_mode" in features)
        assert r["used_agent"] == ("agent_edit" in features)
        assert r["used_cli"] == ("totals_by_cli" in r) == ("copilot_cli" in features)
        assert r["used_copilot_cloud_agent"] == r["used_copilot_coding_agent"]
        assert r["used_vscode_agent"] == ("totals_by_vscode_agent" in r)
        assert r.get("used_copilot_app", False) == ("totals_by_copilot_app" in r) == ("copilot_app" in features)
        if "totals_by_cli" in r:
            cli = r["totals_by_cli"]
            tokens = cli["token_usage"]
            assert tokens["avg_tokens_per_request"] == pytest.approx(
                (tokens["output_tokens_sum"] + tokens["prompt_tokens_sum"]) / cli["request_count"], abs=0.05)
    assert any("totals_by_cli" in r for r in records)


def test_about_forty_percent_of_user_rows_have_no_activity(simulator: SimulatorServer) -> None:
    rows = [r for d in SERVED[-14:] for r in report_rows(simulator, ENT, "users-1-day", d)]
    idle = sum(1 for r in rows if not is_active(r))
    assert 0.3 < idle / len(rows) < 0.5


def test_lines_added_routinely_exceed_lines_suggested(simulator: SimulatorServer) -> None:
    # Agent edits and the CLI write lines that were never suggested (§11.1): what real exports look like.
    over = [d for d in SERVED[-10:] if (a := report_rows(simulator, ORG, "organization-1-day", d)[0])
            ["loc_added_sum"] > a["loc_suggested_to_add_sum"]]
    assert len(over) >= 8
    # ... while for code completion, accepted lines never exceed the suggested ones.
    for d in SERVED[-10:]:
        (aggregate,) = report_rows(simulator, ORG, "organization-1-day", d)
        completion = next(f for f in aggregate["totals_by_feature"] if f["feature"] == "code_completion")
        assert completion["loc_added_sum"] <= completion["loc_suggested_to_add_sum"]


def test_2026_fields_appear_from_their_dates(simulator: SimulatorServer) -> None:
    rows = [r for d in SERVED[-10:] for r in active_rows(simulator, ORG, d)]
    assert any(r["used_vscode_agent"] and not r["totals_by_feature"] for r in rows)  # only in the Agents window
    customized = [r for r in rows if "totals_by_skill" in r]
    assert customized
    for r in customized:
        assert r["distinct_skill_use_count"] >= len(r["totals_by_skill"])
    spellings = {key for r in customized for item in r["totals_by_skill"] for key in item if key != "skill"}
    assert spellings == {"interaction_count", "user_initiated_interaction_count"}
    (aggregate,) = report_rows(simulator, ORG, "organization-1-day", NEWEST)
    for name in ("daily_active_vscode_agent_users", "weekly_active_vscode_agent_users",
                 "monthly_active_vscode_agent_users", "weekly_active_cli_users", "monthly_active_cli_users",
                 "daily_active_copilot_app_users", "weekly_active_copilot_app_users",
                 "monthly_active_copilot_app_users"):
        assert isinstance(aggregate[name], int), name
    assert all("users_in_phase_28d" in p for p in aggregate["totals_by_ai_adoption_phase"])
    (wrapper,) = report_rows(simulator, ORG, "organization-28-day")
    engagement = wrapper["copilot_feature_engagement"]
    assert engagement["active_user_count"] == wrapper["day_totals"][-1]["monthly_active_users"]
    assert {f["feature"] for f in engagement["totals_by_feature"]} >= {"code_completion", "copilot_cli"}


def test_older_days_lack_fields_github_added_later() -> None:
    world = World(sim_config(today=dt.date(2026, 6, 1)))  # credits arrived 2026-06-19, phases 2026-05-29
    with SimulatorServer(world) as server:
        old = report_rows(server, ORG, "users-1-day", dt.date(2026, 5, 27))
        mid = report_rows(server, ORG, "users-1-day", dt.date(2026, 5, 29))
    assert old
    assert mid
    assert all("ai_credits_used" not in r and "ai_adoption_phase" not in r for r in old)
    assert all("ai_credits_used" not in r and "ai_adoption_phase" in r for r in mid)


def test_some_records_carry_an_unknown_field(simulator: SimulatorServer) -> None:
    records = [r for d in SERVED[::2] for r in report_rows(simulator, ENT, "users-1-day", d)]
    unknown = [r for r in records if "totals_by_future_thing" in r]
    assert 0 < len(unknown) < len(records) // 5


def test_server_side_only_users_are_active_with_empty_breakdowns(simulator: SimulatorServer,
                                                                 sim_world: World) -> None:
    server_only = {u.id for u in sim_world.population.users if u.server_side_only}
    seen = 0
    for d in SERVED[-10:]:
        records = active_rows(simulator, ORG, d)
        aggregate = report_rows(simulator, ORG, "organization-1-day", d)[0]
        assert aggregate["daily_active_users"] == len(records)
        for r in records:
            if r["user_id"] in server_only:
                seen += 1
                assert all(r[key] == [] for key, _, _ in BREAKDOWNS)
                assert all(r[name] == 0 for name in COUNTERS)
                assert "totals_by_cli" not in r
                assert not r["used_chat"]
                assert not r["used_agent"]
                assert r["used_copilot_code_review_passive"] or r["used_copilot_cloud_agent"]
            elif not (r["used_vscode_agent"] and not r["totals_by_feature"]):
                assert r["totals_by_feature"]
    assert seen > 0


# --- aggregates ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scope", [ORG, ORG2, ENT])
def test_aggregate_equals_the_sums_over_that_days_user_records(simulator: SimulatorServer, scope: str) -> None:
    for back in range(0, 8, 2):  # weekdays and a weekend
        d = day(back)
        records = active_rows(simulator, scope, d)
        (aggregate,) = report_rows(simulator, scope, "organization-1-day" if scope != ENT else "enterprise-1-day", d)
        assert aggregate["day"] == d.isoformat()
        assert aggregate["daily_active_users"] == len(records) > 0
        for name in COUNTERS:
            assert aggregate[name] == sum(r[name] for r in records), name
        for key, dims, counters in BREAKDOWNS:
            assert keyed(aggregate[key], dims, counters) == grouped_sums(records, key, dims, counters), key
        clis = [r["totals_by_cli"] for r in records if "totals_by_cli" in r]
        if clis:
            assert aggregate["daily_active_cli_users"] == len(clis)
            for name in ("session_count", "request_count", "prompt_count"):
                assert aggregate["totals_by_cli"][name] == sum(c[name] for c in clis)
            assert aggregate["totals_by_cli"]["token_usage"]["output_tokens_sum"] == sum(
                c["token_usage"]["output_tokens_sum"] for c in clis)
        else:
            assert "daily_active_cli_users" not in aggregate
            assert "totals_by_cli" not in aggregate
        for field, flag in (("daily_active_copilot_cloud_agent_users", "used_copilot_cloud_agent"),
                            ("daily_active_copilot_code_review_users", "used_copilot_code_review_active"),
                            ("daily_passive_copilot_code_review_users", "used_copilot_code_review_passive")):
            users = sum(1 for r in records if r[flag])
            assert aggregate[field] == (users if users or "cloud" not in field else None), field  # null, not 0
        for field, flag in (("daily_active_vscode_agent_users", "used_vscode_agent"),
                            ("daily_active_copilot_app_users", "used_copilot_app")):
            assert aggregate[field] == sum(1 for r in records if r.get(flag)), field
        for key, names in (("totals_by_vscode_agent", ("session_count", "total_user_messages")),
                           ("totals_by_copilot_app", ("session_count", "request_count", "prompt_count"))):
            blocks = [r[key] for r in records if key in r]
            for name in names:
                assert (aggregate[key][name] if blocks else 0) == sum(b[name] for b in blocks), (key, name)
        phases = Counter(r["ai_adoption_phase"]["phase_number"] for r in records)
        assert {p["phase_number"]: p["total_engaged_users"] for p in aggregate["totals_by_ai_adoption_phase"]} == phases
        agents = Counter()
        for r in records:
            for row in r.get("totals_by_3rd_party_agent", []):
                agents[row["agent_id"]] += row["user_initiated_interaction_count"]
        assert {a["agent_id"]: a["user_initiated_interaction_count"]
                for a in aggregate.get("totals_by_3rd_party_agent", [])} == agents


@pytest.mark.parametrize("scope", [ORG, ENT])
def test_weekly_and_monthly_active_users_match_the_trailing_users_reports(simulator: SimulatorServer,
                                                                          scope: str) -> None:
    d = day(0)
    days = [d - dt.timedelta(days=back) for back in range(28)]
    reports = {x: report_rows(simulator, scope, "users-1-day", x) for x in days}
    name = "organization-1-day" if scope == ORG else "enterprise-1-day"
    (aggregate,) = report_rows(simulator, scope, name, d)

    def users(window: int, flag: str | None = None) -> int:
        return len({r["user_id"] for x in days[:window] for r in reports[x]
                    if is_active(r) and (flag is None or r.get(flag))})

    assert aggregate["weekly_active_users"] == users(7)
    assert aggregate["monthly_active_users"] == users(28)
    assert aggregate["monthly_active_chat_users"] == users(28, "used_chat")
    assert aggregate["monthly_active_agent_users"] == users(28, "used_agent")
    assert aggregate["weekly_active_copilot_cloud_agent_users"] == users(7, "used_copilot_cloud_agent")
    assert aggregate["monthly_active_copilot_code_review_users"] == users(28, "used_copilot_code_review_active")
    assert aggregate["monthly_passive_copilot_code_review_users"] == users(28, "used_copilot_code_review_passive")
    assert aggregate["weekly_active_cli_users"] == users(7, "used_cli")
    assert aggregate["monthly_active_cli_users"] == users(28, "used_cli")
    assert aggregate["monthly_active_vscode_agent_users"] == users(28, "used_vscode_agent")
    assert aggregate["weekly_active_copilot_app_users"] == users(7, "used_copilot_app")
    assert aggregate["daily_active_users"] < aggregate["weekly_active_users"] <= aggregate["monthly_active_users"]


def test_enterprise_counts_each_user_once_while_orgs_count_them_in_each_org(simulator: SimulatorServer) -> None:
    multi_org_seen = False
    for back in (0, 1, 2):
        d = day(back)
        ent = report_rows(simulator, ENT, "users-1-day", d)
        orgs = {scope: report_rows(simulator, scope, "users-1-day", d) for scope in (ORG, ORG2)}
        ent_ids = [r["user_id"] for r in ent]
        assert len(ent_ids) == len(set(ent_ids))
        assert set(ent_ids) == {r["user_id"] for rows in orgs.values() for r in rows}
        assert all("organization_id" not in r and r["enterprise_id"] == "13201" for r in ent)
        by_user = {r["user_id"]: r for r in ent}
        both = {r["user_id"] for r in orgs[ORG]} & {r["user_id"] for r in orgs[ORG2]}
        multi_org_seen = multi_org_seen or bool(both)
        for rows in orgs.values():  # identical activity in every org, only the scope ids differ
            for r in rows:
                same = {k: v for k, v in r.items() if k != "organization_id"}
                assert same == by_user[r["user_id"]]
        daily = {
            scope: report_rows(simulator, scope, name, d)[0]["daily_active_users"]
            for scope, name in ((ORG, "organization-1-day"), (ORG2, "organization-1-day"), (ENT, "enterprise-1-day"))
        }
        both_active = {u for u in both if is_active(by_user[u])}
        assert daily[ORG] + daily[ORG2] == daily[ENT] + len(both_active)
    assert multi_org_seen


def test_repos_rows_use_the_repo_naming_and_sum_to_the_pull_requests_block(simulator: SimulatorServer) -> None:
    d = day(1)
    review_times_seen = 0
    for scope, name in ((ORG, "organization-1-day"), (ENT, "enterprise-1-day")):
        repos = report_rows(simulator, scope, "repos-1-day", d)
        (aggregate,) = report_rows(simulator, scope, name, d)
        assert repos
        for row in repos:
            assert {"day", "repo_id", "repo_owner_name", "repo_name", "repo_visibility", "pull_requests"} <= set(row)
            assert not {"repository_id", "repository"} & set(row)  # the older guess is not served
            assert row["day"] == d.isoformat()
            assert isinstance(row["repo_id"], int)
            assert row["repo_visibility"] in ("private", "internal", "public")
            for entry in row.get("pull_request_review_times", []):
                review_times_seen += 1
                assert (entry["authored_by"], entry["reviewed_by"]) == ("human", "human")
                assert 0 < entry["total_merged"] <= row["pull_requests"]["total_merged"]
                for stage in ("ready_to_first_review", "first_to_final_review", "final_review_to_merge"):
                    assert entry[f"median_minutes_{stage}"] <= entry[f"p90_minutes_{stage}"]
            pr = row["pull_requests"]
            assert pr["total_created_by_copilot"] <= pr["total_created"]
            assert sum(t["total_copilot_suggestions"] for t in pr["copilot_suggestions_by_comment_type"]) == \
                pr["total_copilot_suggestions"]
        for key in ("total_created", "total_reviewed", "total_merged", "total_copilot_suggestions"):
            assert aggregate["pull_requests"][key] == sum(r["pull_requests"][key] for r in repos)
    assert review_times_seen > 0
    def names(scope: str) -> set[tuple[str, str]]:
        return {(r["repo_owner_name"], r["repo_name"]) for r in report_rows(simulator, scope, "repos-1-day", d)}

    assert names(ENT) == names(ORG) | names(ORG2)


def test_28_day_reports_repeat_the_daily_reports(simulator: SimulatorServer) -> None:
    (wrapper,) = report_rows(simulator, ORG, "organization-28-day")
    assert wrapper["report_end_day"] == NEWEST.isoformat()
    assert wrapper["report_start_day"] == (NEWEST - dt.timedelta(days=27)).isoformat()
    assert wrapper["organization_id"] == "9901"
    assert len(wrapper["day_totals"]) == 28
    for total in wrapper["day_totals"][-3:]:
        d = dt.date.fromisoformat(total["day"])
        assert total == report_rows(simulator, ORG, "organization-1-day", d)[0]
    rows = report_rows(simulator, ORG, "users-28-day")
    assert all(r["report_start_day"] == wrapper["report_start_day"] for r in rows)
    for d in (NEWEST, NEWEST - dt.timedelta(days=20)):
        daily = active_rows(simulator, ORG, d)  # the 28-day file has one row per user per active day
        in_window = [{k: v for k, v in r.items() if not k.startswith("report_")} for r in rows
                     if r["day"] == d.isoformat()]
        assert in_window == daily


# --- teams ---------------------------------------------------------------------------------------------------

def test_user_teams_leave_out_teams_with_fewer_than_five_active_seated_members(simulator: SimulatorServer) -> None:
    all_teams = {t["slug"] for t in api_get(simulator, f"{ORG}/teams").json()}
    left_out = 0
    for d in SERVED:
        active = {r["user_id"] for r in active_rows(simulator, ORG, d)}
        rows = report_rows(simulator, ORG, "user-teams-1-day", d)
        members: dict[str, set[int]] = defaultdict(set)
        for row in rows:
            assert set(row) == {"user_id", "user_login", "day", "organization_id", "team_id", "slug"}
            members[row["slug"]].add(row["user_id"])
        for slug, users in members.items():
            assert len(users & active) >= 5, (d, slug)
        left_out += len(all_teams - set(members))
    assert left_out > 0  # the rule is exercised, not vacuous


def test_user_teams_follow_membership_as_it_was_that_day(simulator: SimulatorServer, sim_world: World) -> None:
    pop = sim_world.population
    rows_by_day = {d: report_rows(simulator, ORG, "user-teams-1-day", d) for d in SERVED}
    observed = 0
    for (user_index, org), membership in pop.memberships.items():
        if membership.moved is None or membership.move_day is None or org != 0:
            continue
        user = pop.users[user_index]
        old = {pop.teams[t].slug for t in set(membership.base) - set(membership.moved)}
        new = {pop.teams[t].slug for t in set(membership.moved) - set(membership.base)}
        before: set[str] = set()
        after: set[str] = set()
        for d, rows in rows_by_day.items():
            slugs = {r["slug"] for r in rows if r["user_id"] == user.id}
            (before if d < membership.move_day else after).update(slugs)
        assert not old & after, user.login  # never under the old team once moved
        assert not new & before, user.login  # never under the new team before the move
        observed += bool(old & before) + bool(new & after)
    assert observed > 0  # at least one move is visible in the reports


def test_teams_listing_has_nested_teams_with_parents(simulator: SimulatorServer) -> None:
    teams = api_get(simulator, f"{ORG}/teams").json()
    assert len(teams) == 3
    by_id = {t["id"]: t for t in teams}
    nested = [t for t in teams if t["parent"] is not None]
    assert nested
    for t in teams:
        assert t["type"] == "organization"
        assert t["organization_id"] == 9901
        assert t["slug"].startswith("team-")
    for t in nested:
        assert t["parent"]["slug"] == by_id[t["parent"]["id"]]["slug"]


# --- revisions -------------------------------------------------------------------------------------------

def test_revision_changes_only_days_within_the_last_seven(simulator: SimulatorServer) -> None:
    def files() -> dict[dt.date, bytes]:
        out = {}
        for d in SERVED:
            out[d] = b"".join(download(x) for x in report_links(simulator, ORG, "users-1-day", d))
            out[d] += b"".join(download(x) for x in report_links(simulator, ORG, "organization-1-day", d))
        return out

    before = files()
    simulator.set_revision(1)
    after = files()
    cutoff = SIM_TODAY - dt.timedelta(days=7)
    assert [d for d in SERVED if before[d] != after[d]] == [d for d in SERVED if d >= cutoff]


def test_days_keep_their_last_revision_after_leaving_the_window() -> None:
    world = World(sim_config())
    d = SIM_TODAY - dt.timedelta(days=3)
    old = SIM_TODAY - dt.timedelta(days=20)
    assert world.effective_revision(d) == world.effective_revision(old) == 0
    world.set_revision(2)
    assert (world.effective_revision(d), world.effective_revision(old)) == (2, 0)
    world.set_today(SIM_TODAY + dt.timedelta(days=30))
    world.set_revision(3)
    assert (world.effective_revision(d), world.effective_revision(old)) == (2, 0)
    assert world.effective_revision(SIM_TODAY + dt.timedelta(days=28)) == 3


# --- seats and billing -------------------------------------------------------------------------------------

def _utc_day(stamp: str) -> dt.date:
    return dt.datetime.fromisoformat(stamp).astimezone(dt.UTC).date()


def test_seat_last_activity_matches_the_users_reports(simulator: SimulatorServer) -> None:
    seats = api_get(simulator, f"{ORG}/copilot/billing/seats", {"per_page": 100}).json()["seats"]
    last_seen: dict[str, dt.date] = {}
    for d in SERVED:
        for r in active_rows(simulator, ORG, d):
            last_seen[r["user_login"]] = d
    assigned = [s for s in seats if s["assignee"] is not None]
    assert len(assigned) < len(seats)  # an unassigned seat is listed too
    for seat in assigned:
        login = seat["assignee"]["login"]
        if seat["last_activity_at"] is None:
            assert login not in last_seen
            assert seat["last_activity_editor"] is None
            continue
        when = _utc_day(seat["last_activity_at"])
        assert when <= SIM_TODAY - dt.timedelta(days=1)  # seat activity lags by up to a day
        if FLOOR <= when <= NEWEST:
            assert last_seen.get(login) == when, login
        elif when < FLOOR:
            assert login not in last_seen, login
    assert any(s["last_activity_at"] is None for s in assigned)
    assert any(s["assigning_team"] is not None for s in assigned)
    assert any((s["last_activity_editor"] or "").startswith("vscode/") for s in assigned)


def test_enterprise_seat_listing_repeats_logins_per_granting_org_but_counts_them_once(
        simulator: SimulatorServer) -> None:
    body = api_get(simulator, f"{ENT}/copilot/billing/seats", {"per_page": 100}).json()
    seats = body["seats"]
    logins = Counter(s["assignee"]["login"] for s in seats if s["assignee"])
    assert max(logins.values()) > 1
    assert body["total_seats"] == len(logins) + sum(1 for s in seats if s["assignee"] is None)
    assert {s["organization"]["login"] for s in seats} == {"sim-org-1", "sim-org-2"}
    org_rows = sum(len(api_get(simulator, f"{o}/copilot/billing/seats", {"per_page": 100}).json()["seats"])
                   for o in (ORG, ORG2))
    assert len(seats) == org_rows


def test_billing_seat_breakdown_agrees_with_the_seats() -> None:
    with SimulatorServer(World(sim_config(users=300))) as server:
        seats = []
        page = 1
        while True:
            body = api_get(server, f"{ORG}/copilot/billing/seats", {"per_page": 100, "page": page}).json()
            seats += body["seats"]
            if len(body["seats"]) < 100:
                break
            page += 1
        billing = api_get(server, f"{ORG}/copilot/billing").json()
    breakdown = billing["seat_breakdown"]
    cycle = SIM_TODAY.replace(day=1)
    assert breakdown["total"] == len(seats)
    assert breakdown["pending_cancellation"] == sum(1 for s in seats if s["pending_cancellation_date"]) > 0
    active = sum(1 for s in seats if s["last_activity_at"] and _utc_day(s["last_activity_at"]) >= cycle)
    assert breakdown["active_this_cycle"] == active
    assert breakdown["inactive_this_cycle"] == len(seats) - active
    assert billing["plan_type"] == "business"
    assert billing["seat_management_setting"] in ("assign_all", "assign_selected", "disabled", "unconfigured")


def test_report_readiness_follows_githubs_late_2026_lag_and_weekend_delay() -> None:
    """§11.5 over a whole year: with GitHub's lag the newest day served is 4 days old, 5 when a weekend fell in
    the 3 processing days; readiness never goes backwards; the default keeps today-2."""
    from copilot_usage.simulator.config import (
        GITHUB_2026_LAG_DAYS,
        GITHUB_2026_WEEKEND_EXTRA_DAYS,
        REPORT_LAG_DAYS,
        newest_served,
        ready_on,
    )

    lag, extra = GITHUB_2026_LAG_DAYS, GITHUB_2026_WEEKEND_EXTRA_DAYS
    first = dt.date(2026, 1, 1)
    days = [first + dt.timedelta(days=n) for n in range(366)]
    ages = Counter()
    for today in days:
        newest = newest_served(today, lag, extra)
        ages[(today - newest).days] += 1
        assert ready_on(newest, lag, extra) <= today < ready_on(newest + dt.timedelta(days=1), lag, extra)
        assert newest_served(today, REPORT_LAG_DAYS, 0) == today - dt.timedelta(days=REPORT_LAG_DAYS)
    assert set(ages) == {4, 5}
    assert all(ready_on(a, lag, extra) <= ready_on(a + dt.timedelta(days=1), lag, extra) for a in days)
    # Thursday 2026-12-03: Friday, Saturday and Sunday to process, so Tuesday; Monday's is ready on Friday.
    assert ready_on(dt.date(2026, 12, 3), lag, extra) == dt.date(2026, 12, 8)
    assert ready_on(dt.date(2026, 11, 30), lag, extra) == dt.date(2026, 12, 4)
    with pytest.raises(ValueError, match="report_lag_days"):
        sim_config(report_lag_days=0)
