"""The main dashboard: every classic row rebuilt on the report data, plus pull requests, CLI and freshness."""

from __future__ import annotations

from typing import Any

from copilot_usage.schema import indices as ix
from copilot_usage.shaping.adoption import ADOPTION_SCORE_BANDS
from dashboards.build import build_dashboard, variable
from dashboards.panels import count_terms, rate_metrics, rate_series, rate_stat, series, table, top, top_rate, total
from dashboards.spec import Bucket, Metric, PanelSpec, RowSpec

UID = "copilot-usage-advanced"
U, B, UD, TD, TB = ix.USAGE_DAILY, ix.USAGE_BREAKDOWN, ix.USER_DAILY, ix.TEAM_DAILY, ix.TEAM_BREAKDOWN
GEN, ACC = ix.CODE_GENERATION_ACTIVITY_COUNT, ix.CODE_ACCEPTANCE_ACTIVITY_COUNT
SUGG, ADDED = ix.LOC_SUGGESTED_TO_ADD_SUM, ix.LOC_ADDED_SUM
RATE_TEXT = "Acceptance rate = sum(code_acceptance_activity_count) / sum(code_generation_activity_count) × 100"
LOC_RATE_TEXT = "Lines acceptance rate = sum(loc_added_sum) / sum(loc_suggested_to_add_sum) × 100"


def breakdown(kind: str) -> str:
    return f"{ix.BREAKDOWN}:{kind}"


def organization() -> RowSpec:
    return RowSpec("Organization", (
        rate_stat("Acceptance rate (count)", f"How often is a generation accepted? {RATE_TEXT}.", U, ACC, GEN),
        rate_stat("Acceptance rate (lines)", f"How many suggested lines are kept? {LOC_RATE_TEXT}.", U, ADDED, SUGG),
        total("Cumulative acceptances", "How many generations were accepted? sum(code_acceptance_activity_count).",
              U, ACC),
        total("Generations", "How many code generations? sum(code_generation_activity_count).", U, GEN),
        total("Lines added", "How many lines did Copilot add? sum(loc_added_sum).", U, ADDED),
        total("Daily active users (latest)", "Active users on the last day: daily_active_users, last value.",
              U, ix.DAILY_ACTIVE_USERS, agg="max", reduce="lastNotNull"),
        rate_series("Acceptance rate over time", f"Daily acceptance rate. {RATE_TEXT}, per day.", U, ACC, GEN),
        series("Daily / weekly / monthly active users", "Active users per day as GitHub reports them: "
               "daily_active_users, weekly_active_users, monthly_active_users (max per day).", U,
               (ix.DAILY_ACTIVE_USERS, ix.WEEKLY_ACTIVE_USERS, ix.MONTHLY_ACTIVE_USERS), agg="max"),
        series("Generations & acceptances over time", "sum(code_generation_activity_count) and "
               "sum(code_acceptance_activity_count) per day.", U, (GEN, ACC)),
        series("Lines suggested & added over time", "sum(loc_suggested_to_add_sum) and sum(loc_added_sum) per day.",
               U, (SUGG, ADDED)),
    ))


def teams() -> RowSpec:
    note = " Teams overlap (a user can be in several), so team values are never summed into org totals."
    tv = ("scope", "team")
    return RowSpec("Teams", (
        count_terms("Number of teams", "Distinct teams with activity: cardinality(team)." + note, TD, ix.TEAM,
                    variables=tv),
        top("Top teams by acceptances", "sum(code_acceptance_activity_count) per team, top 10." + note, TD,
            ix.TEAM, ACC, variables=tv),
        top_rate("Top teams by acceptance rate", f"{RATE_TEXT}, per team (the 10 with most generations).{note}",
                 TD, ix.TEAM, ACC, GEN, variables=tv),
        table("Team breakdown", "Per team: max active_users per day, sums of generations, acceptances, lines; "
              "acceptance rate as above." + note, TD, (GEN, ACC, SUGG, ADDED), (ix.TEAM,), variables=tv,
              extra=(Metric("30", "max", ix.ACTIVE_USERS),)),
        table("Team × language breakdown", "Per team and language, from team_breakdown (language_feature rows): "
              "sums of generations, acceptances, lines added; max active_users." + note, TB,
              (GEN, ACC, ADDED), (ix.TEAM, ix.LANGUAGE), variables=("scope", "team", "language"),
              query=breakdown(ix.BREAKDOWN_LANGUAGE_FEATURE), extra=(Metric("30", "max", ix.ACTIVE_USERS),)),
    ))


def dimension(title: str, field: str, kind: str, var: str) -> RowSpec:
    q = breakdown(kind)
    v = ("scope", var)
    name = title.lower()
    return RowSpec(title, (
        count_terms(f"Number of {name}", f"Distinct {field} values in use: cardinality({field}) on {kind} rows.",
                    B, field, variables=v, query=q),
        top(f"Top {name} by acceptances", f"sum(code_acceptance_activity_count) per {field} ({kind} rows), top 10.",
            B, field, ACC, variables=v, query=q, width=10),
        top_rate(f"Top {name} by acceptance rate", f"{RATE_TEXT}, per {field} ({kind} rows).", B, field, ACC, GEN,
                 variables=v, query=q, width=10),
        table(f"{title} breakdown", f"Per {field} ({kind} rows): sums of generations, acceptances, "
              f"lines suggested and added; {RATE_TEXT}.", B,
              (GEN, ACC, SUGG, ADDED), (field,), variables=v, query=q,
              extra=rate_metrics(ACC, GEN)),
        series(f"Acceptances by {field} over time", f"sum(code_acceptance_activity_count) per day, split by {field}.",
               B, (ACC,), variables=v, query=q, width=24, split=field),
    ))


def chat() -> RowSpec:
    fq = breakdown(ix.BREAKDOWN_FEATURE)
    chat_q = f"{ix.FEATURE_GROUP}:({ix.FEATURE_GROUP_CHAT} OR {ix.FEATURE_GROUP_AGENT})"
    return RowSpec("Copilot Chat and agents", (
        # Per-mode counts come from the feature rows: the top-level chat_panel_* counters are documented but
        # not confirmed in real files (schema/indices.py), so no panel depends on them.
        series("Chat interactions by mode", "Per day, by feature (ask, edit, agent, plan, custom, inline modes): "
               "sum(user_initiated_interaction_count) over feature rows whose feature_group is chat or agent.", B,
               (ix.USER_INITIATED_INTERACTION_COUNT,), query=f"{fq} AND {chat_q}", split=ix.FEATURE,
               variables=("scope", "feature")),
        series("Chat & agent active users", "monthly_active_chat_users and monthly_active_agent_users (max per day).",
               U, (ix.MONTHLY_ACTIVE_CHAT_USERS, ix.MONTHLY_ACTIVE_AGENT_USERS), agg="max"),
        table("Features and chat modes", f"Per feature (feature rows): sum(user_initiated_interaction_"
              f"count), generations, acceptances; {RATE_TEXT} where generations exist.", B,
              (ix.USER_INITIATED_INTERACTION_COUNT, GEN, ACC), (ix.FEATURE,), variables=("scope", "feature"),
              query=fq, extra=rate_metrics(ACC, GEN)),
        series("Interactions by feature group", "sum(user_initiated_interaction_count) per day by feature_group "
               "(completion, chat, agent, cli, app, other).", B, (ix.USER_INITIATED_INTERACTION_COUNT,), query=fq,
               split=ix.FEATURE_GROUP, width=24),
    ))


def seats() -> RowSpec:
    S, SS = ix.SEATS, ix.SEAT_SUMMARY
    return RowSpec("Seat Analysis", (
        PanelSpec("Plan type", "The billing plan of the latest snapshot: terms(plan_type).", SS, "table",
                  (Metric("1", "count"),), (Bucket("2", "terms", ix.PLAN_TYPE, 5),), width=4, height=4),
        total("Total seats", "seat_total of the latest snapshot (billing seat_breakdown.total).", SS, ix.SEAT_TOTAL,
              agg="max", reduce="lastNotNull"),
        total("Active this cycle", "seat_active_this_cycle, latest snapshot.", SS, ix.SEAT_ACTIVE_THIS_CYCLE,
              agg="max", reduce="lastNotNull"),
        total("Inactive this cycle", "seat_inactive_this_cycle, latest snapshot.", SS, ix.SEAT_INACTIVE_THIS_CYCLE,
              agg="max", reduce="lastNotNull"),
        total("Assigned but never used", "never_used_seats (seats with no last_activity_at), latest snapshot.", SS,
              ix.NEVER_USED_SEATS, agg="max", reduce="lastNotNull"),
        total("Inactive ≥ 28 days", "inactive_28d_seats, latest snapshot.", SS, ix.INACTIVE_28D_SEATS, agg="max",
              reduce="lastNotNull"),
        table("Inactive users ranking (≥ 2 days)", "Seats whose days_since_last_activity ≥ 2, by login: "
              "max(days_since_last_activity), descending.", S, (ix.DAYS_SINCE_LAST_ACTIVITY,), (ix.USER_LOGIN,),
              agg="max", query=f"{ix.DAYS_SINCE_LAST_ACTIVITY}:>=2", width=12, size=100),
        table("All assigned seats", "Every assigned seat: login, assigning team, last activity editor; "
              "max(days_since_last_activity).", S, (ix.DAYS_SINCE_LAST_ACTIVITY,),
              (ix.USER_LOGIN, ix.LAST_ACTIVITY_EDITOR), agg="max", query=f"{ix.UNASSIGNED}:false", width=12,
              size=500),
        series("Seat history", "Per snapshot day: max of seat_total, assigned_seats, seat_active_this_cycle, "
               "never_used_seats.", SS, (ix.SEAT_TOTAL, ix.ASSIGNED_SEATS, ix.SEAT_ACTIVE_THIS_CYCLE,
                                         ix.NEVER_USED_SEATS), agg="max", width=24),
        series("Billing usage (net amount)", "Organization billing usage report: sum(net_amount) per day by "
               "product (organizations whose token may read billing).", ix.BILLING_USAGE, (ix.NET_AMOUNT,),
               split=ix.PRODUCT, width=24),
    ))


LINE_RATE_IDS = ("5", "6", "7")


def heatmaps() -> RowSpec:
    panels = []
    for kind, other, var, used in ((ix.BREAKDOWN_LANGUAGE_FEATURE, ix.FEATURE, "feature", ix.FEATURES),
                                   (ix.BREAKDOWN_LANGUAGE_MODEL, ix.MODEL, "model", ix.MODELS)):
        v = ("scope", "language", var)
        panels.append(table(f"Language × {other}: acceptance", f"Per language and {other} ({kind} rows): sums of "
                            f"generations and acceptances; {RATE_TEXT}; {LOC_RATE_TEXT}.", B, (GEN, ACC),
                            (ix.LANGUAGE, other), variables=v, query=breakdown(kind), width=12,
                            extra=(*rate_metrics(ACC, GEN), *rate_metrics(ADDED, SUGG, LINE_RATE_IDS))))
        # The report has no per-cell user counts; user_daily lists each user's languages and {other}s of the day.
        panels.append(table(f"Language × {other}: active users", f"Active users per language × {other}: "
                            f"cardinality(user_id) over user-days whose languages and {used} include both (a user "
                            "counts in every pair they touched that day).", UD, (), (ix.LANGUAGES, used),
                            extra=(Metric("30", "cardinality", ix.USER_ID),), query=f"{ix.ACTIVE}:true", width=12))
    # Language × IDE only exists per user: user_daily carries top_language and top_ide.
    panels.append(table("Language × IDE: active users", "Per top_language × top_ide of each user-day: "
                        "cardinality(user_id) (active users), sums of generations and acceptances; "
                        f"{RATE_TEXT}.", UD, (GEN, ACC), (ix.TOP_LANGUAGE, ix.TOP_IDE),
                        extra=(Metric("30", "cardinality", ix.USER_ID), *rate_metrics(ACC, GEN)),
                        query=f"{ix.ACTIVE}:true", width=12))
    panels.append(table("Language × IDE: lines", f"Per top_language × top_ide: {LOC_RATE_TEXT}.", UD, (SUGG, ADDED),
                        (ix.TOP_LANGUAGE, ix.TOP_IDE), extra=rate_metrics(ADDED, SUGG), width=12))
    return RowSpec("Breakdown Heatmap", tuple(panels))


def users() -> RowSpec:
    uv = ("scope", "user")
    A = ix.USER_ADOPTION
    # The first step is Grafana's base colour whatever its value; 0 (not null) because the 11.6 schema wants a number.
    bands = tuple((band.low, band.color) for band in ADOPTION_SCORE_BANDS)
    return RowSpec("User Metrics Analytics", (
        count_terms("Total users", "Distinct active users: cardinality(user_id) where active.", UD, ix.USER_ID,
                    variables=uv, query=f"{ix.ACTIVE}:true"),
        total("User generations", "sum(code_generation_activity_count) over user rows.", UD, GEN, variables=uv),
        total("User acceptances", "sum(code_acceptance_activity_count) over user rows.", UD, ACC, variables=uv),
        rate_stat("User acceptance rate", RATE_TEXT + " over user rows.", UD, ACC, GEN, variables=uv),
        series("Daily active users (users report)", "cardinality(user_id) per day where active.", UD, (ix.USER_ID,),
               agg="cardinality", variables=uv, query=f"{ix.ACTIVE}:true"),
        PanelSpec("Top 10 adoption leaderboard", "Adoption score 0–100 per user (latest window, max(adoption_score)); "
                  "bands red 0–40, orange 40–60, yellow 60–80, green 80–95, blue 95–100 (docs/metrics.md).", A,
                  "bargauge", (Metric("1", "max", ix.ADOPTION_SCORE),),
                  (Bucket("2", "terms", ix.USER_LOGIN, 10, "1"),), width=12, height=8, thresholds=bands,
                  variables=uv, unit="none", reduce="max", scale=(0, 100)),
        table("Per-user metrics", "Per login: count of active days (user-day docs), sums of interactions, "
              f"generations, acceptances, lines added; {RATE_TEXT}.", UD,
              (ix.USER_INITIATED_INTERACTION_COUNT, GEN, ACC, ADDED), (ix.USER_LOGIN,), variables=uv, size=500,
              query=f"{ix.ACTIVE}:true", extra=(Metric("30", "count"), *rate_metrics(ACC, GEN))),
    ))


def pull_requests() -> RowSpec:
    return RowSpec("Pull requests and code review", (
        series("Pull requests", "Per day: sum of pr_total_created, pr_total_merged, pr_total_created_by_copilot, "
               "pr_total_reviewed_by_copilot.", U, (ix.PR_TOTAL_CREATED, ix.PR_TOTAL_MERGED,
                                                   ix.PR_TOTAL_CREATED_BY_COPILOT, ix.PR_TOTAL_REVIEWED_BY_COPILOT)),
        series("Code review users", "daily_active_copilot_code_review_users and daily_passive_copilot_code_review_"
               "users (max per day).", U, (ix.DAILY_ACTIVE_COPILOT_CODE_REVIEW_USERS,
                                           ix.DAILY_PASSIVE_COPILOT_CODE_REVIEW_USERS), agg="max"),
        table("Repositories", "Per repository (repos report): sums of PRs created, merged, created by Copilot.",
              ix.REPO_DAILY, (ix.PR_TOTAL_CREATED, ix.PR_TOTAL_MERGED, ix.PR_TOTAL_CREATED_BY_COPILOT),
              (ix.REPOSITORY,)),
    ))


def cli_credits() -> RowSpec:
    S = ix.USER_SUMMARY_DAILY
    return RowSpec("CLI and AI credits", (
        series("CLI activity", "Per day: sum of cli_session_count, cli_request_count, cli_prompt_count.", U,
               (ix.CLI_SESSION_COUNT, ix.CLI_REQUEST_COUNT, ix.CLI_PROMPT_COUNT)),
        series("AI credits used", "Per day: sum(ai_credits_used) over the users report; max(ai_credit_users).", S,
               (ix.AI_CREDITS_USED,)),
        table("AI credits per user", "Per login: sum(ai_credits_used).", UD, (ix.AI_CREDITS_USED,),
              (ix.USER_LOGIN,), variables=("scope", "user")),
    ))


def freshness() -> RowSpec:
    L = ix.INGESTION_LOG
    done = f"{ix.STATUS}:{ix.STATUS_COMPLETE}"
    return RowSpec("Data Freshness", (
        table("Last complete day per scope and report", "max(day) of ingestion_log documents with status "
              "complete, per scope × report.", L, (), (ix.SCOPE, ix.REPORT), query=done, width=12,
              extra=(Metric("30", "max", ix.DAY), Metric("31", "sum", ix.RECORD_COUNT))),
        table("Failures", "ingestion_log documents with status failed per scope × report: count and "
              "max(attempts).", L, (ix.ATTEMPTS,), (ix.SCOPE, ix.REPORT), agg="max",
              query=f"{ix.STATUS}:{ix.STATUS_FAILED}", width=12, extra=(Metric("30", "count"),)),
        series("Days by status", "count of ingestion_log documents per day, split by status (gaps show as not "
               "complete).", L, (), agg="count", split=ix.STATUS, width=24),
    ))


def rows() -> list[RowSpec]:
    return [
        organization(),
        teams(),
        dimension("Languages", ix.LANGUAGE, ix.BREAKDOWN_LANGUAGE_FEATURE, "language"),
        dimension("Editors", ix.IDE, ix.BREAKDOWN_IDE, "ide"),
        dimension("Models", ix.MODEL, ix.BREAKDOWN_MODEL_FEATURE, "model"),
        chat(),
        seats(),
        heatmaps(),
        users(),
        pull_requests(),
        cli_credits(),
        freshness(),
    ]


def variables() -> list[Any]:
    return [
        variable("scope"),
        variable("team", ("scope",)),
        variable("language", ("scope",)),
        variable("ide", ("scope",)),
        variable("model", ("scope",)),
        variable("feature", ("scope",)),
        variable("user", ("scope",)),
    ]


def dashboard() -> dict[str, Any]:
    return build_dashboard(
        UID, "Copilot Usage Advanced Dashboard",
        "GitHub Copilot usage metrics reports, seats, teams and data freshness; formulas in each panel description.",
        rows(), variables(), ["copilot", "usage"],
    )
