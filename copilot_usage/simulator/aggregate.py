"""The organization-1-day / enterprise-1-day record (github-copilot-api.md §3.8, §8.7), built from the
scope's user records of the day, so that every counter and totals_by_* row equals the sum over them.

Active-user counts over 1/7/28 trailing days come from the day plans' flag bytes (see activity.py): the
same flags that decided each user record's used_* booleans, so "users with used_chat over 28 days" and
`monthly_active_chat_users` agree.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Mapping, Sequence
from typing import Any

from copilot_usage.simulator.activity import (
    ACTIVE,
    ADOPTION_PHASE_SINCE,
    AGENT,
    CHAT,
    CLI,
    CLI_CUSTOMIZATION_SINCE,
    CLOUD_AGENT,
    COPILOT_APP_SINCE,
    COUNTERS,
    COUNTERS_NO_INTERACTIONS,
    PHASES,
    REVIEW_ACTIVE,
    REVIEW_PASSIVE,
    VSCODE_AGENT,
    VSCODE_AGENT_SINCE,
)
from copilot_usage.simulator.population import User

WEEK = 7
MONTH = 28
# Per-phase pull-request averages are not derivable from user records (they carry no PR counts); each
# phase gets the scope's per-user PR numbers scaled by how far along the adoption path it is.
_PHASE_PR_FACTOR = (0.5, 0.8, 1.1, 1.4)


_BITS = (ACTIVE, CHAT, AGENT, CLI, REVIEW_ACTIVE, REVIEW_PASSIVE, CLOUD_AGENT, VSCODE_AGENT)


def active_counts(plans: Sequence[bytes], members: Sequence[int], day: dt.date | None = None,
                  users: Sequence[User] = ()) -> dict[str, int | None]:
    """Active-user fields for the last day of `plans` (oldest first; up to 28 plans, the last is the day).

    With `day` and `users`, fields GitHub added later appear from their dates on: weekly/monthly CLI users,
    Copilot app users (app users on chat days) and VS Code Agents window users. Cloud-agent counts are null
    on days nobody used the cloud agent, as GitHub sends them."""
    size = len(plans[-1])

    def union(window: Sequence[bytes]) -> bytes:
        # OR the flag bytes of several days at once: one big-integer OR per day instead of a loop per user.
        value = functools.reduce(operator.or_, (int.from_bytes(p, "big") for p in window))
        return value.to_bytes(size, "big")

    today, week, month = plans[-1], union(plans[-WEEK:]), union(plans[-MONTH:])
    keys = ("d", "w", "m")
    counts = {f"{k}{bit}": 0 for k in keys for bit in _BITS}
    for user in members:
        for key, flags in (("d", today[user]), ("w", week[user]), ("m", month[user])):
            if not flags:
                continue
            for bit in _BITS:
                if flags & bit:
                    counts[f"{key}{bit}"] += 1
    out: dict[str, int | None] = {
        "daily_active_users": counts[f"d{ACTIVE}"],
        "weekly_active_users": counts[f"w{ACTIVE}"],
        "monthly_active_users": counts[f"m{ACTIVE}"],
        "monthly_active_chat_users": counts[f"m{CHAT}"],
        "monthly_active_agent_users": counts[f"m{AGENT}"],
    }
    if counts[f"d{CLI}"]:  # omitted when there is no CLI usage (§3.8)
        out["daily_active_cli_users"] = counts[f"d{CLI}"]
    for name, bit in (("active_copilot_cloud_agent_users", CLOUD_AGENT),
                      ("active_copilot_code_review_users", REVIEW_ACTIVE),
                      ("passive_copilot_code_review_users", REVIEW_PASSIVE)):
        for period, key in (("daily", "d"), ("weekly", "w"), ("monthly", "m")):
            value = counts[f"{key}{bit}"]
            # GitHub sends null cloud-agent counts where nobody used it (§11, real exports).
            out[f"{period}_{name}"] = None if bit == CLOUD_AGENT and not value else value
    if day is None:
        return out
    if counts[f"w{CLI}"]:
        out["weekly_active_cli_users"] = counts[f"w{CLI}"]
        out["monthly_active_cli_users"] = counts[f"m{CLI}"]
    if day >= VSCODE_AGENT_SINCE:
        for period, key in (("daily", "d"), ("weekly", "w"), ("monthly", "m")):
            out[f"{period}_active_vscode_agent_users"] = counts[f"{key}{VSCODE_AGENT}"]
    if day >= COPILOT_APP_SINCE:
        first = len(plans) - 1 - (day - COPILOT_APP_SINCE).days  # plans before the app existed do not count
        for period, window in (("daily", 1), ("weekly", WEEK), ("monthly", MONTH)):
            chat = union(plans[max(len(plans) - window, first, 0):])
            out[f"{period}_active_copilot_app_users"] = sum(
                1 for u in members if users[u].app_user and chat[u] & CHAT)
    return out


def feature_engagement(plans: Sequence[bytes], members: Sequence[int], users: Sequence[User]) -> dict[str, Any]:
    """copilot_feature_engagement of a 28-day report: users active in the window, and per feature the users who
    used it on at least two days of the window (the dashboard's threshold)."""
    features = (("code_completion", ACTIVE), ("agent_edit", AGENT), ("copilot_code_review_passive", REVIEW_PASSIVE),
                ("copilot_code_review_active", REVIEW_ACTIVE), ("copilot_cloud_agent", CLOUD_AGENT),
                ("copilot_cli", CLI), ("copilot_app", CHAT))
    active = 0
    counts = dict.fromkeys((name for name, _ in features), 0)
    for u in members:
        days = [plan[u] for plan in plans[-MONTH:] if plan[u]]
        if not days:
            continue
        active += 1
        for name, bit in features:
            if name == "copilot_app" and not users[u].app_user:
                continue
            if name == "code_completion" and users[u].server_side_only:
                continue
            if sum(1 for flags in days if flags & bit) >= 2:
                counts[name] += 1
    return {"active_user_count": active,
            "totals_by_feature": [{"feature": name, "active_user_count": counts[name]} for name, _ in features]}


def _group(rows_lists: Sequence[Sequence[Mapping[str, Any]]], dims: tuple[str, ...],
           counters: tuple[str, ...]) -> list[dict[str, Any]]:
    sums: dict[tuple[Any, ...], list[int]] = {}
    for rows in rows_lists:
        for row in rows:
            acc = sums.setdefault(tuple(row[d] for d in dims), [0] * len(counters))
            for i, name in enumerate(counters):
                acc[i] += row[name]
    return [{**dict(zip(dims, key, strict=True)), **dict(zip(counters, values, strict=True))}
            for key, values in sums.items()]


def _cli_totals(records: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    clis = [r["totals_by_cli"] for r in records if "totals_by_cli" in r]
    if not clis:
        return None
    requests = sum(c["request_count"] for c in clis)
    output = sum(c["token_usage"]["output_tokens_sum"] for c in clis)
    prompt = sum(c["token_usage"]["prompt_tokens_sum"] for c in clis)
    return {
        "session_count": sum(c["session_count"] for c in clis),
        "request_count": requests,
        "prompt_count": sum(c["prompt_count"] for c in clis),
        "token_usage": {
            "avg_tokens_per_request": round((output + prompt) / requests, 1) if requests else 0.0,
            "output_tokens_sum": output,
            "prompt_tokens_sum": prompt,
        },
    }


def _third_party(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    agents: dict[str, dict[str, Any]] = {}
    for record in records:
        for row in record.get("totals_by_3rd_party_agent", ()):
            acc = agents.setdefault(row["agent_id"], {"agent_id": row["agent_id"], "agent_name": row["agent_name"],
                                                      "user_initiated_interaction_count": 0, "session_count": 0})
            acc["user_initiated_interaction_count"] += row["user_initiated_interaction_count"]
            acc["session_count"] += 1  # one agent session per user-day: user rows carry no session count
    return list(agents.values())


def _phases(records: Sequence[Mapping[str, Any]], pull_requests: Mapping[str, Any],
            population: Mapping[int, int], day: dt.date) -> list[dict[str, Any]]:
    groups: dict[int, list[Mapping[str, Any]]] = {}
    for record in records:
        phase = record.get("ai_adoption_phase")
        if phase is not None:
            groups.setdefault(phase["phase_number"], []).append(record)
    users = max(1, len(records))
    per_user = {key: pull_requests.get(f"total_{key}", 0) / users for key in ("reviewed", "created", "merged")}
    out = []
    for number in sorted(groups):
        rows = groups[number]
        n = len(rows)
        factor = _PHASE_PR_FACTOR[number]

        def avg(field: str, rows: list[Mapping[str, Any]] = rows, n: int = n) -> float:
            return round(float(sum(r[field] for r in rows)) / n, 1)

        row: dict[str, Any] = {
            "phase": PHASES[number],
            "phase_number": number,
            "total_engaged_users": n,
            "avg_user_initiated_interactions": avg("user_initiated_interaction_count"),
            "avg_code_generation_activities": avg("code_generation_activity_count"),
            "avg_code_acceptance_activities": avg("code_acceptance_activity_count"),
            "avg_loc_added": avg("loc_added_sum"),
            "avg_loc_deleted": avg("loc_deleted_sum"),
            "avg_pull_requests_reviewed": round(per_user["reviewed"] * factor, 1),
            "avg_pull_requests_created": round(per_user["created"] * factor, 1),
            "avg_pull_requests_merged": round(per_user["merged"] * factor, 1),
            "avg_pull_requests_median_minutes_to_merge": round(
                pull_requests.get("median_minutes_to_merge", 0.0) / factor, 1),
        }
        if day >= CLI_CUSTOMIZATION_SINCE:  # the 2026-09-17 additions
            row["users_in_phase_28d"] = population.get(number, n)
            row["total_pull_requests_merged"] = round(per_user["merged"] * factor * n)
            row["avg_pull_requests_minutes_to_review"] = round(60.0 / factor, 1)
            row["avg_pull_requests_review_cycles"] = round(1.0 + 0.5 / factor, 2)
        out.append(row)
    return out


def _session_totals(records: Sequence[Mapping[str, Any]], key: str) -> dict[str, Any] | None:
    blocks = [r[key] for r in records if key in r]
    if not blocks:
        return None
    out: dict[str, Any] = {}
    for block in blocks:
        for name, value in block.items():
            if isinstance(value, dict):
                inner = out.setdefault(name, {})
                for k, v in value.items():
                    inner[k] = inner.get(k, 0) + v
            else:
                out[name] = out.get(name, 0) + value
    tokens = out.get("token_usage")
    if tokens:
        requests = out.get("request_count") or 0
        tokens["avg_tokens_per_request"] = round(
            (tokens["output_tokens_sum"] + tokens["prompt_tokens_sum"]) / requests, 1) if requests else 0.0
    return out


def build_aggregate(day: dt.date, ids: Mapping[str, str], records: Sequence[Mapping[str, Any]],
                    actives: Mapping[str, int | None], pull_requests: dict[str, Any],
                    phase_population: Mapping[int, int] | None = None) -> dict[str, Any]:
    """One aggregate daily record; `records` are the scope's user records of `day` with activity."""
    out: dict[str, Any] = {"day": day.isoformat(), **ids, **actives}
    for name in COUNTERS:
        out[name] = sum(r[name] for r in records)
    out["totals_by_ide"] = _group([r["totals_by_ide"] for r in records], ("ide",), COUNTERS)
    out["totals_by_feature"] = _group([r["totals_by_feature"] for r in records], ("feature",), COUNTERS)
    out["totals_by_language_feature"] = _group(
        [r["totals_by_language_feature"] for r in records], ("language", "feature"), COUNTERS_NO_INTERACTIONS)
    out["totals_by_language_model"] = _group(
        [r["totals_by_language_model"] for r in records], ("language", "model"), COUNTERS_NO_INTERACTIONS)
    out["totals_by_model_feature"] = _group(
        [r["totals_by_model_feature"] for r in records], ("model", "feature"), COUNTERS)
    cli = _cli_totals(records)
    if cli is not None:
        out["totals_by_cli"] = cli
    for key in ("totals_by_copilot_app", "totals_by_vscode_agent"):
        block = _session_totals(records, key)
        if block is not None:
            out[key] = block
    agents = _third_party(records)
    if agents:
        out["totals_by_3rd_party_agent"] = agents
    if day >= ADOPTION_PHASE_SINCE:
        out["totals_by_ai_adoption_phase"] = _phases(records, pull_requests, phase_population or {}, day)
    out["pull_requests"] = pull_requests
    return out
