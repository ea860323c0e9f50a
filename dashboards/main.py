"""The main dashboard: every classic row rebuilt on the report data, plus pull requests, CLI and freshness."""

from __future__ import annotations

from typing import Any

from copilot_usage.schema import indices as ix
from copilot_usage.shaping.adoption import ADOPTION_SCORE_BANDS
from dashboards.build import build_dashboard, price_variable, variable
from dashboards.panels import (
    DAILY,
    LATEST,
    distinct,
    label,
    latest,
    rate_metrics,
    rate_script,
    rate_series,
    rate_stat,
    series,
    table,
    top,
    top_rate,
    total,
)
from dashboards.periods_row import periods_and_spend
from dashboards.spec import Bucket, Metric, PanelSpec, RowSpec

UID = "copilot-usage-advanced"
U, B, UD, TD, TB = ix.USAGE_DAILY, ix.USAGE_BREAKDOWN, ix.USER_DAILY, ix.TEAM_DAILY, ix.TEAM_BREAKDOWN
GEN, ACC = ix.CODE_GENERATION_ACTIVITY_COUNT, ix.CODE_ACCEPTANCE_ACTIVITY_COUNT
SUGG, ADDED = ix.LOC_SUGGESTED_TO_ADD_SUM, ix.LOC_ADDED_SUM
RATE_TEXT = ("Acceptance rate = sum(code_acceptance_activity_count) / sum(code_generation_activity_count) × 100 "
             "(empty when there were no generations)")
LOC_RATE_TEXT = "Lines acceptance rate = sum(loc_added_sum) / sum(loc_suggested_to_add_sum) × 100"
RANGE_TEXT = "one ratio of the sums over the whole time range (not an average of daily rates)"
# GitHub's list prices per seat and month (USD): Copilot Business, Copilot Enterprise. The dashboard's
# `seat_price` variable offers both; the first is the default.
SEAT_PRICES = (19, 39)
DAY_UNIT = "time:YYYY-MM-DD"  # a day (epoch milliseconds in the answer) shown as a date


def breakdown(kind: str) -> str:
    return f"{ix.BREAKDOWN}:{kind}"


def rate_of(num_id: str, den_id: str, rate_id: str, numerator: str, denominator: str,
            name: str = "Acceptance rate") -> Metric:
    """A rate over two sums the table already shows."""
    from dashboards.panels import OPERANDS

    a, b = OPERANDS[numerator], OPERANDS[denominator]
    return Metric(rate_id, "bucket_script", script=rate_script(numerator, denominator),
                  variables=((a, num_id), (b, den_id)), label=name, unit="percent")


def organization() -> RowSpec:
    return RowSpec("Organization", (
        rate_stat("Acceptance rate (count)", f"How often is a generation accepted? {RATE_TEXT}; {RANGE_TEXT}.", U,
                  ACC, GEN),
        rate_stat("Acceptance rate (lines)", f"How many suggested lines are kept? {LOC_RATE_TEXT}; {RANGE_TEXT}.",
                  U, ADDED, SUGG),
        total("Cumulative acceptances", "How many generations were accepted? sum(code_acceptance_activity_count).",
              U, ACC),
        total("Generations", "How many code generations? sum(code_generation_activity_count).", U, GEN),
        total("Lines added", "How many lines did Copilot add? sum(loc_added_sum).", U, ADDED),
        total("Daily active users (latest)", "Active users on the last reported day: daily_active_users, last value.",
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
        distinct("Number of teams", "Distinct teams in the range: cardinality(team) over every team-day." + note, TD,
                 ix.TEAM, variables=tv),
        top("Top teams by acceptances", "sum(code_acceptance_activity_count) per team, top 10." + note, TD,
            ix.TEAM, ACC, variables=tv),
        top_rate("Top teams by acceptance rate", f"{RATE_TEXT}, per team (of the 10 with most generations), sorted "
                 f"by the rate.{note}", TD, ix.TEAM, ACC, GEN, variables=tv),
        table("Team breakdown", "Per team: sums of generations, acceptances, lines; the busiest day's active_users; "
              f"{RATE_TEXT}." + note, TD, (GEN, ACC, SUGG, ADDED), (ix.TEAM,), variables=tv,
              extra=(Metric("30", "max", ix.ACTIVE_USERS, label="Active users (busiest day)"),
                     rate_of("11", "10", "31", ACC, GEN))),
        table("Team × language breakdown", "Per team and language, from team_breakdown (language_feature rows): "
              "sums of generations, acceptances, lines added; the busiest day's active_users." + note, TB,
              (GEN, ACC, ADDED), (ix.TEAM, ix.LANGUAGE), variables=("scope", "team", "language"),
              query=breakdown(ix.BREAKDOWN_LANGUAGE_FEATURE),
              extra=(Metric("30", "max", ix.ACTIVE_USERS, label="Active users (busiest day)"),)),
        series("Team adoption over time", "Active users per team and day: max(active_users) of team_daily, split by "
               "team (the 10 teams with most team-days)." + note, TD, (ix.ACTIVE_USERS,), agg="max", variables=tv,
               split=ix.TEAM, width=24),
    ))


def dimension(title: str, field: str, kind: str, var: str) -> RowSpec:
    q = breakdown(kind)
    v = ("scope", var)
    name = title.lower()
    return RowSpec(title, (
        distinct(f"Number of {name}", f"Distinct {field} values in the range: cardinality({field}) on {kind} rows.",
                 B, field, variables=v, query=q),
        top(f"Top {name} by acceptances", f"sum(code_acceptance_activity_count) per {field} ({kind} rows), top 10.",
            B, field, ACC, variables=v, query=q, width=10),
        top_rate(f"Top {name} by acceptance rate", f"{RATE_TEXT}, per {field} ({kind} rows; of the 10 with most "
                 "generations), sorted by the rate.", B, field, ACC, GEN, variables=v, query=q, width=10),
        table(f"{title} breakdown", f"Per {field} ({kind} rows): sums of generations, acceptances, "
              f"lines suggested and added; {RATE_TEXT}.", B,
              (GEN, ACC, SUGG, ADDED), (field,), variables=v, query=q, extra=(rate_of("11", "10", "31", ACC, GEN),)),
        series(f"Acceptances by {field} over time", f"sum(code_acceptance_activity_count) per day, split by {field}.",
               B, (ACC,), variables=v, query=q, width=24, split=field),
    ))


def chat() -> RowSpec:
    fq = breakdown(ix.BREAKDOWN_FEATURE)
    chat_q = f"{ix.FEATURE_GROUP}:({ix.FEATURE_GROUP_CHAT} OR {ix.FEATURE_GROUP_AGENT})"
    S = ix.USER_SUMMARY_DAILY
    return RowSpec("Copilot Chat and agents", (
        # Per-mode counts come from the feature rows: the top-level chat_panel_* counters are documented but
        # not confirmed in real files (schema/indices.py), so no panel depends on them.
        series("Chat interactions by mode", "Per day, by feature (ask, edit, agent, plan, custom, inline modes): "
               "sum(user_initiated_interaction_count) over feature rows whose feature_group is chat or agent.", B,
               (ix.USER_INITIATED_INTERACTION_COUNT,), query=f"{fq} AND {chat_q}", split=ix.FEATURE,
               variables=("scope", "feature")),
        series("Chat & agent active users", "monthly_active_chat_users and monthly_active_agent_users (max per day).",
               U, (ix.MONTHLY_ACTIVE_CHAT_USERS, ix.MONTHLY_ACTIVE_AGENT_USERS), agg="max"),
        series("Daily users by feature", "Users per day who used chat, agent mode, the coding agent, code review "
               "(requested themselves), the CLI, the Copilot app and the VS Code Agents window: chat_users, "
               "agent_users, coding_agent_users, code_review_users, cli_users, copilot_app_users, "
               "vscode_agent_users of the users report (max per day).", S,
               (ix.CHAT_USERS, ix.AGENT_USERS, ix.CODING_AGENT_USERS, ix.CODE_REVIEW_USERS, ix.CLI_USERS,
                ix.COPILOT_APP_USERS, ix.VSCODE_AGENT_USERS), agg="max",
               labels=("Chat", "Agent mode", "Coding agent", "Code review", "CLI", "Copilot app",
                       "VS Code Agents window")),
        series("Adoption phases over time", "Users per AI adoption phase and day: phase_0_users (no cohort) … "
               "phase_3_users of the users report (max per day).", S, ix.PHASE_USERS, agg="max",
               labels=("No cohort", "Phase 1", "Phase 2", "Phase 3")),
        table("Features and chat modes", f"Per feature (feature rows): sum(user_initiated_interaction_"
              f"count), generations, acceptances; {RATE_TEXT}.", B,
              (ix.USER_INITIATED_INTERACTION_COUNT, GEN, ACC), (ix.FEATURE,), variables=("scope", "feature"),
              query=fq, extra=(rate_of("12", "11", "31", ACC, GEN),)),
        table("Lines added and deleted by feature", "Per feature (feature rows): sum(loc_added_sum) and "
              "sum(loc_deleted_sum); agent_edit is what agents wrote directly.", B, (ADDED, ix.LOC_DELETED_SUM),
              (ix.FEATURE,), variables=("scope", "feature"), query=fq, width=12, sort_by=label(ADDED)),
        series("Interactions by feature group", "sum(user_initiated_interaction_count) per day by feature_group "
               "(completion, chat, agent, cli, app, other).", B, (ix.USER_INITIATED_INTERACTION_COUNT,), query=fq,
               split=ix.FEATURE_GROUP, width=12),
        *feature_engagement(),
    ))


ENGAGEMENT_TEXT = ("engaged_users: users who used the feature on at least two days of the 28-day window; "
                   "active_users: users active in the window; share = engaged_users / active_users (GitHub's "
                   "latest 28-day aggregate report, since 2026-09-17, collected once a day)")


def feature_engagement() -> tuple[PanelSpec, ...]:
    E = ix.FEATURE_ENGAGEMENT
    share = "Share of active users"
    v = ("scope", "feature")
    return (
        table("Feature engagement (28-day)", f"Per feature, the latest 28-day window in the range (the documents of "
              f"its end day, the greatest day): {ENGAGEMENT_TEXT}; highest share first. A user counts in every "
              "feature they used, so shares do not add up to 100 %.", E, (), (ix.FEATURE,), variables=v, width=12,
              first=(LATEST,), order="12", sort_by=share,
              extra=(Metric("10", "max", ix.ENGAGED_USERS, label="Engaged users"),
                     Metric("11", "max", ix.ACTIVE_USERS, label="Active users (window)"),
                     Metric("12", "max", ix.ENGAGED_SHARE, label=share, unit="percentunit"))),
        series("Feature engagement share over time", f"Per 28-day window end day and feature: {ENGAGEMENT_TEXT}; "
               "one point per day a window was collected.", E, (ix.ENGAGED_SHARE,), agg="max", variables=v,
               split=ix.FEATURE, width=12, unit="percentunit"),
    )


SEAT_ROW_FILTER = f"{ix.COUNTED}:true AND {ix.UNASSIGNED}:false"


def seats() -> RowSpec:
    S, SS = ix.SEATS, ix.SEAT_SUMMARY
    snap = "latest snapshot in the range"

    def seat_stat(title: str, field: str, what: str) -> PanelSpec:
        return latest(title, f"{what}: {field} of the {snap}.", SS, (Metric("1", "max", field, label=title),))

    activity = (
        Metric("10", "max", ix.DAYS_SINCE_LAST_ACTIVITY, label=label(ix.DAYS_SINCE_LAST_ACTIVITY)),
        Metric("11", "max", ix.LAST_ACTIVITY_AT, label="Last activity", unit="dateTimeFromNow"),
        Metric("12", "max", ix.NEVER_USED, label="Never used (1 = yes)"),
    )
    return RowSpec("Seat Analysis", (
        PanelSpec("Plan type", f"The billing plan of the {snap}: terms(plan_type).", SS, "table",
                  (Metric("1", "count", hide=True),),
                  (LATEST, Bucket("2", "terms", ix.PLAN_TYPE, 5, label="Plan")), width=4, height=4),
        seat_stat("Total seats", ix.SEAT_TOTAL, "Seats billed (billing seat_breakdown.total)"),
        seat_stat("Active this cycle", ix.SEAT_ACTIVE_THIS_CYCLE, "Seats used this billing cycle"),
        seat_stat("Inactive this cycle", ix.SEAT_INACTIVE_THIS_CYCLE, "Seats not used this billing cycle"),
        seat_stat("Assigned but never used", ix.NEVER_USED_SEATS, "Seats with no last_activity_at"),
        seat_stat("Inactive ≥ 28 days", ix.INACTIVE_28D_SEATS, "Seats never used or idle 28 days or more"),
        latest("Seat utilization", f"Seats used in the last 28 days ÷ all seats: (counted_seats − "
               f"inactive_28d_seats) / counted_seats × 100, {snap}.", SS,
               (Metric("1", "max", ix.COUNTED_SEATS, hide=True), Metric("3", "max", ix.INACTIVE_28D_SEATS, hide=True),
                Metric("4", "bucket_script", script="params.seats > 0 ? (params.seats - params.idle) / params.seats "
                       "* 100 : null", variables=(("seats", "1"), ("idle", "3")), label="Seat utilization")),
               unit="percent", width=6),
        latest("Monthly cost of idle seats", f"inactive_28d_seats × the seat price (dashboard variable seat_price, "
               f"USD per seat and month; GitHub list prices ${SEAT_PRICES[0]} Business, ${SEAT_PRICES[1]} "
               f"Enterprise), {snap}.", SS,
               (Metric("1", "max", ix.INACTIVE_28D_SEATS, hide=True),
                Metric("2", "bucket_script", script="params.idle * $seat_price", variables=(("idle", "1"),),
                       label="Monthly cost of idle seats")), unit="currencyUSD", width=6),
        table("Inactive users ranking (≥ 2 days)", f"Assigned seats ({snap}) never used or idle 2 days or more, "
              "by login, longest idle first; never-used seats have no days.", S, (), (ix.USER_LOGIN,),
              query=f"{SEAT_ROW_FILTER} AND ({ix.NEVER_USED}:true OR {ix.DAYS_SINCE_LAST_ACTIVITY}:>=2)", width=12,
              size=500, extra=activity, first=(LATEST,), order="10", sort_by=label(ix.DAYS_SINCE_LAST_ACTIVITY)),
        table("All assigned seats", f"Every assigned seat of the {snap} (never-used ones included): login, last "
              "activity as a relative date, days since, never used.", S, (), (ix.USER_LOGIN,),
              query=SEAT_ROW_FILTER, width=12, size=500, extra=activity, first=(LATEST,), order="_key"),
        table("Seats to reclaim", f"Assigned seats ({snap}) never used or idle 7 days or more, with the idle "
              "buckets (1 = yes): never used, ≥ 7, ≥ 14, ≥ 28 days.", S, (), (ix.USER_LOGIN,),
              query=f"{SEAT_ROW_FILTER} AND {ix.INACTIVE_7D}:true", size=500, first=(LATEST,), order="10",
              extra=(activity[0], activity[1], activity[2],
                     Metric("13", "max", ix.INACTIVE_7D, label="Idle ≥ 7 days"),
                     Metric("14", "max", ix.INACTIVE_14D, label="Idle ≥ 14 days"),
                     Metric("15", "max", ix.INACTIVE_28D, label="Idle ≥ 28 days")),
              sort_by=label(ix.DAYS_SINCE_LAST_ACTIVITY)),
        series("Seat history", "Per snapshot day: max of seat_total, assigned_seats, seat_active_this_cycle, "
               "never_used_seats.", SS, (ix.SEAT_TOTAL, ix.ASSIGNED_SEATS, ix.SEAT_ACTIVE_THIS_CYCLE,
                                         ix.NEVER_USED_SEATS), agg="max", width=24),
        series("Billing usage (net amount)", "Organization billing usage report: sum(net_amount) per day by "
               "product (organizations whose token may read billing), in USD.", ix.BILLING_USAGE, (ix.NET_AMOUNT,),
               split=ix.PRODUCT, width=24, unit="currencyUSD"),
    ))


LINE_RATE_IDS = ("5", "6", "7")


def over_time(title: str, field: str, kind: str, var: str) -> PanelSpec:
    return PanelSpec(title, f"sum(code_acceptance_activity_count) per day and {field} ({kind} rows), coloured by "
                     "value: the 10 values with most rows.", B, "heatmap",
                     (Metric("1", "sum", ACC, label="Acceptances"),), (Bucket("9", "terms", field, 10), DAILY),
                     query=breakdown(kind), width=8, height=9,
                     variables=("scope", var))


def heatmaps() -> RowSpec:
    panels = [
        over_time("Languages over time", ix.LANGUAGE, ix.BREAKDOWN_LANGUAGE_FEATURE, "language"),
        over_time("Editors over time", ix.IDE, ix.BREAKDOWN_IDE, "ide"),
        over_time("Models over time", ix.MODEL, ix.BREAKDOWN_MODEL_FEATURE, "model"),
    ]
    for kind, other, var, used in ((ix.BREAKDOWN_LANGUAGE_FEATURE, ix.FEATURE, "feature", ix.FEATURES),
                                   (ix.BREAKDOWN_LANGUAGE_MODEL, ix.MODEL, "model", ix.MODELS)):
        v = ("scope", "language", var)
        panels.append(table(f"Language × {other}: acceptance", f"Per language and {other} ({kind} rows): sums of "
                            f"generations and acceptances; {RATE_TEXT}; {LOC_RATE_TEXT}.", B, (GEN, ACC),
                            (ix.LANGUAGE, other), variables=v, query=breakdown(kind), width=12,
                            extra=(rate_of("11", "10", "12", ACC, GEN),
                                   *rate_metrics(ADDED, SUGG, LINE_RATE_IDS, name="Lines acceptance rate"))))
        # The report has no per-cell user counts; user_daily lists each user's languages and {other}s of the day.
        panels.append(table(f"Users per language × {other} (any use that day)", f"Distinct users per language × "
                            f"{other}: cardinality(user_id) over user-days whose languages and {used} include both "
                            "(a user counts in every pair they touched that day).", UD, (), (ix.LANGUAGES, used),
                            extra=(Metric("30", "cardinality", ix.USER_ID, label="Users"),),
                            query=f"{ix.ACTIVE}:true", width=12, order="30"))
    # Language × IDE only exists per user: user_daily carries top_language and top_ide.
    panels.append(table("User-days by top language × top IDE", "Each user-day counted once, under that day's top "
                        "language and top IDE: distinct users, sums of generations and acceptances; "
                        f"{RATE_TEXT}.", UD, (GEN, ACC), (ix.TOP_LANGUAGE, ix.TOP_IDE),
                        extra=(Metric("30", "cardinality", ix.USER_ID, label="Users"),
                               Metric("32", "count", label="User-days"), rate_of("11", "10", "31", ACC, GEN)),
                        query=f"{ix.ACTIVE}:true", width=12))
    panels.append(table("Lines by top language × top IDE", f"Each user-day under its top language × top IDE: "
                        f"{LOC_RATE_TEXT}.", UD, (SUGG, ADDED), (ix.TOP_LANGUAGE, ix.TOP_IDE),
                        extra=(rate_of("11", "10", "31", ADDED, SUGG, "Lines acceptance rate"),), width=12))
    return RowSpec("Breakdown Heatmap", tuple(panels))


def users() -> RowSpec:
    uv = ("scope", "user")
    A = ix.USER_ADOPTION
    # The first step is Grafana's base colour whatever its value; 0 (not null) because the 11.6 schema wants a number.
    bands = tuple((band.low, band.color) for band in ADOPTION_SCORE_BANDS)
    score = "Adoption score"
    return RowSpec("User Metrics Analytics", (
        distinct("Total users", "Distinct active users in the range: cardinality(user_id) where active.", UD,
                 ix.USER_ID, variables=uv, query=f"{ix.ACTIVE}:true"),
        total("User generations", "sum(code_generation_activity_count) over user rows.", UD, GEN, variables=uv),
        total("User acceptances", "sum(code_acceptance_activity_count) over user rows.", UD, ACC, variables=uv),
        rate_stat("User acceptance rate", f"{RATE_TEXT} over user rows; {RANGE_TEXT}.", UD, ACC, GEN, variables=uv),
        series("Daily active users (users report)", "cardinality(user_id) per day where active.", UD, (ix.USER_ID,),
               agg="cardinality", variables=uv, query=f"{ix.ACTIVE}:true", labels=("Active users",)),
        PanelSpec("Top 10 adoption leaderboard", "The 10 highest adoption scores (0–100) of the latest 28-day window "
                  "in the range (user_adoption documents of its last day), highest first; bands red 0–40, orange "
                  "40–60, yellow 60–80, green 80–95, blue 95–100 (docs/metrics.md).", A, "table",
                  (Metric("1", "max", ix.ADOPTION_SCORE, label=score),
                   Metric("2", "max", ix.ACTIVE_DAYS, label="Active days"),
                   Metric("3", "max", ix.FEATURE_BREADTH, label="Features used")),
                  (LATEST, Bucket("4", "terms", ix.USER_LOGIN, 10, "1", label="User")), width=12, height=9,
                  thresholds=bands, variables=uv, unit="none", scale=(0, 100), sort_by=score, band_column=score),
        table("Per-user metrics", "Per login: count of active days (user-day docs), sums of interactions, "
              f"generations, acceptances, lines added; {RATE_TEXT}.", UD,
              (ix.USER_INITIATED_INTERACTION_COUNT, GEN, ACC, ADDED), (ix.USER_LOGIN,), variables=uv, size=500,
              query=f"{ix.ACTIVE}:true", extra=(Metric("30", "count", label="Active days"),
                                                rate_of("12", "11", "31", ACC, GEN)), width=12),
        PanelSpec("Per-user daily drill-down", "One row per user and day (pick users with the user filter): "
                  f"interactions, generations, acceptances, lines added; {RATE_TEXT}.", UD, "table",
                  (*(Metric(str(i + 10), "sum", f, label=label(f)) for i, f in
                     enumerate((ix.USER_INITIATED_INTERACTION_COUNT, GEN, ACC, ADDED))),
                   rate_of("12", "11", "31", ACC, GEN)),
                  (Bucket("20", "terms", ix.USER_LOGIN, 100, "_key", label="User"),
                   Bucket("21", "terms", ix.DAY, 31, "_key", label="Day", unit=DAY_UNIT)),
                  query=f"{ix.ACTIVE}:true", variables=uv, width=12, height=9),
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
        table("Review times by repository", "Per repository, pull requests written and reviewed by people (the "
              "repos report's pull_request_review_times, GitHub's only combination so far): the mean over the "
              "range of GitHub's daily medians, in minutes, from ready to first review, first to final review "
              "and final review to merge (a median over the range cannot be rebuilt from daily medians), and "
              "the merged pull requests those times cover.", ix.REPO_DAILY, REVIEW_MEDIANS, (ix.REPOSITORY,),
              agg="avg", extra=(Metric("30", "sum", ix.PR_REVIEW_TIMES_TOTAL_MERGED, label="Merged PRs timed"),),
              query=f"{ix.PR_REVIEW_TIMES_TOTAL_MERGED}:>0"),
    ))


REVIEW_MEDIANS = tuple(ix.PR_PREFIX + name for name in ix.REVIEW_TIME_MINUTES if name.startswith("median_"))


def cli_credits() -> RowSpec:
    S = ix.USER_SUMMARY_DAILY
    return RowSpec("CLI and AI credits", (
        series("CLI activity", "Per day: sum of cli_session_count, cli_request_count, cli_prompt_count.", U,
               (ix.CLI_SESSION_COUNT, ix.CLI_REQUEST_COUNT, ix.CLI_PROMPT_COUNT)),
        series("CLI customization", "Per day: interactions that used a skill, a custom agent, an MCP server, a "
               "slash command or a plugin (sum of skill_, custom_agent_, mcp_, slash_cmd_ and plugin_"
               "interaction_count over the users report).", UD, ix.CUSTOMIZATION_INTERACTION_COUNTS,
               labels=("Skills", "Custom agents", "MCP servers", "Slash commands", "Plugins")),
        series("AI credits used", "Per day: sum(ai_credits_used) over the users report.", S, (ix.AI_CREDITS_USED,)),
        table("AI credits per user", "Per login: sum(ai_credits_used).", UD, (ix.AI_CREDITS_USED,),
              (ix.USER_LOGIN,), variables=("scope", "user")),
    ))


def freshness() -> RowSpec:
    L = ix.INGESTION_LOG
    done = f"{ix.STATUS}:{ix.STATUS_COMPLETE}"
    return RowSpec("Data Freshness", (
        table("Last complete day per scope and report", "max(day) of ingestion_log documents with status "
              "complete, per report; sum(record_count).", L, (), (ix.REPORT,), query=done, width=12,
              extra=(Metric("30", "max", ix.DAY, label="Last complete day", unit=DAY_UNIT),
                     Metric("31", "sum", ix.RECORD_COUNT, label="Records"))),
        table("Failures", "ingestion_log documents with status failed per report: count and "
              "max(attempts).", L, (ix.ATTEMPTS,), (ix.REPORT,), agg="max",
              query=f"{ix.STATUS}:{ix.STATUS_FAILED}", width=12, extra=(Metric("30", "count", label="Failed days"),)),
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
        periods_and_spend(),
        heatmaps(),
        users(),
        pull_requests(),
        cli_credits(),
        freshness(),
    ]


def variables() -> list[Any]:
    scoped = ("scope_type", "scope")
    return [
        variable("scope_type"),
        variable("scope", ("scope_type",)),
        variable("team", scoped),
        variable("language", scoped),
        variable("ide", scoped),
        variable("model", scoped),
        variable("feature", scoped),
        variable("user", scoped),
        price_variable("seat_price", "Seat price (USD / month)", SEAT_PRICES),
    ]


def dashboard() -> dict[str, Any]:
    return build_dashboard(
        UID, "Copilot Usage Advanced Dashboard",
        "GitHub Copilot usage metrics reports, seats, teams and data freshness; formulas in each panel description.",
        rows(), variables(), ["copilot", "usage"],
    )
