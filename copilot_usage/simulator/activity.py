"""Who is active on a day, and what one user's day of Copilot use looks like (users-1-day record body).

Two levels, so that cross-day numbers stay cheap at 20,000 users:
- `day_plan` decides for every user at once which feature families they touched that day (one byte of
  flags per user). Weekly/monthly active counts only need these flags.
- `user_core` expands one user's flags into the full record body. Counters are drawn per "cell" (one
  IDE x feature x language [x model] use) and every totals_by_* array and top-level counter is summed from
  the same cells, so a record is always internally consistent.

CLI use is reported only in `totals_by_cli`, never in `totals_by_ide`/`totals_by_feature` (the API doc,
§3.7 semantics), so the top-level counters equal the sums over `totals_by_ide` and over `totals_by_feature`.
"""

from __future__ import annotations

import datetime as dt
import operator
import random
from collections.abc import Sequence
from typing import Any

from copilot_usage.simulator.population import User
from copilot_usage.simulator.seeding import stable_rng

ACTIVE = 1
CHAT = 2  # any chat_* feature (the agent panel mode is a chat mode too, so AGENT implies CHAT)
AGENT = 4
CLI = 8
REVIEW_ACTIVE = 16
REVIEW_PASSIVE = 32
CLOUD_AGENT = 64
_WEEKEND_FACTOR = 0.15

COUNTERS = (
    "user_initiated_interaction_count",
    "code_generation_activity_count",
    "code_acceptance_activity_count",
    "loc_suggested_to_add_sum",
    "loc_suggested_to_delete_sum",
    "loc_added_sum",
    "loc_deleted_sum",
)
# Rows of totals_by_language_feature / totals_by_language_model carry no interaction count.
COUNTERS_NO_INTERACTIONS = COUNTERS[1:]

# ide -> (ide_version, plugin, plugin_version, editor name used in seats' last_activity_editor)
IDE_INFO = {
    "vscode": ("1.107.1", "copilot-chat", "0.35.3", "vscode"),
    "intellij": ("2026.2.1", "copilot-intellij", "1.5.60-243", "JetBrains-IU"),
    "visualstudio": ("17.14.8", "copilot-vs", "17.14.512", "VisualStudio"),
    "eclipse": ("4.37", "copilot-eclipse", "0.12.0", "Eclipse"),
    "xcode": ("26.1", "copilot-xcode", "0.44.0", "Xcode"),
}
CLI_VERSION = "1.0.8"
_CHAT_FEATURES = ("chat_inline", "chat_panel_ask_mode", "chat_panel_edit_mode", "chat_panel_plan_mode")
_CHAT_WEIGHTS = (30, 40, 20, 10)
_THIRD_PARTY_AGENTS = (("2246796", "Claude (Anthropic)"), ("1143301", "Codex (OpenAI)"))
PHASES = ("No Cohort", "Phase 1", "Phase 2", "Phase 3")
# Fields GitHub added later (changelogs S13, S14): older rows do not carry them.
AI_CREDITS_SINCE = dt.date(2026, 6, 19)
ADOPTION_PHASE_SINCE = dt.date(2026, 5, 29)
UNKNOWN_FIELD = "totals_by_future_thing"  # a field no consumer knows yet; consumers must tolerate it


def day_plan(users: Sequence[User], seed: int, day: dt.date) -> bytes:
    """One byte of activity flags per user (0 = not active that day)."""
    rnd = stable_rng(seed, "plan", day).random
    factor = _WEEKEND_FACTOR if day.weekday() >= 5 else 1.0
    out = bytearray(len(users))
    for user in users:
        r = rnd()
        if (
            not user.seat_orgs
            or user.never_used
            or (user.active_from is not None and day < user.active_from)
            or (user.active_until is not None and day > user.active_until)
            or r >= user.propensity * factor
        ):
            continue
        flags = ACTIVE
        if user.server_side_only:
            # Only server-side signals: pull-request review and the cloud agent.
            if rnd() < 0.5:
                flags |= REVIEW_PASSIVE
            if rnd() < 0.3:
                flags |= CLOUD_AGENT
        else:
            if rnd() < user.chat_rate:
                flags |= CHAT
                if rnd() < user.agent_rate:
                    flags |= AGENT
            if rnd() < user.cli_rate:
                flags |= CLI
            if rnd() < user.review_active_rate:
                flags |= REVIEW_ACTIVE
            if rnd() < user.review_passive_rate:
                flags |= REVIEW_PASSIVE
            if rnd() < user.cloud_agent_rate:
                flags |= CLOUD_AGENT
        out[user.index] = flags
    return bytes(out)


def _stamp(day: str, rnd: Any) -> str:
    seconds = int(rnd() * 86_399)
    return f"{day}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.000Z"


def _add(table: dict[Any, list[int]], key: Any, counts: list[int]) -> None:
    acc = table.get(key)
    table[key] = counts if acc is None else list(map(operator.add, acc, counts))


def user_core(user: User, day: dt.date, flags: int, rng: random.Random) -> dict[str, Any]:
    """The body of a users-1-day record (everything after user_id, user_login, day and the scope ids)."""
    rnd = rng.random
    iso = day.isoformat()
    # (ide, feature, language, model or None, seven counters in COUNTERS order)
    cells: list[tuple[str, str, str, str | None, list[int]]] = []
    ides, languages, models = user.ides, user.languages, user.models
    second_ide = ides[1] if len(ides) > 1 else None
    cli: dict[str, Any] | None = None
    agents: list[dict[str, Any]] = []
    if not user.server_side_only:
        intensity = 0.4 + rnd()
        for language in languages[: 1 + int(rnd() * len(languages))]:
            gen = 3 + int(rnd() * 50 * intensity)
            acc = int(gen * (0.15 + 0.3 * rnd()))
            ide = second_ide if second_ide and rnd() < 0.3 else ides[0]
            cells.append((ide, "code_completion", language, None,
                          [0, gen, acc, gen * (2 + int(rnd() * 4)), 0, acc * (1 + int(rnd() * 3)), 0]))
        if flags & CHAT:
            features = [] if flags & AGENT and rnd() < 0.4 else [rng.choices(_CHAT_FEATURES, _CHAT_WEIGHTS)[0]]
            if rnd() < 0.25:
                features.append(rng.choices(_CHAT_FEATURES, _CHAT_WEIGHTS)[0])
            for feature in dict.fromkeys(features):
                uic = 1 + int(rnd() * 20 * intensity)
                gen = int(uic * (0.5 + rnd() * 1.5))
                acc = int(gen * (0.1 + 0.4 * rnd()))
                added = acc * (2 + int(rnd() * 5))
                deleted = int(added * 0.3 * rnd()) if feature == "chat_panel_edit_mode" else 0
                ide = second_ide if second_ide and rnd() < 0.3 else ides[0]
                cells.append((ide, feature, languages[int(rnd() * len(languages))],
                              models[int(rnd() * len(models))],
                              [uic, gen, acc, gen * (3 + int(rnd() * 8)), 0, added, deleted]))
        if flags & AGENT:
            ide = second_ide if second_ide and rnd() < 0.3 else ides[0]
            language, model = languages[int(rnd() * len(languages))], models[int(rnd() * len(models))]
            uic = 1 + int(rnd() * 30 * intensity)
            gen = int(uic * (0.3 + rnd()))
            acc = int(gen * (0.2 + 0.4 * rnd()))
            cells.append((ide, "chat_panel_agent_mode", language, model,
                          [uic, gen, acc, gen * (4 + int(rnd() * 10)), 0, acc * (2 + int(rnd() * 4)), 0]))
            # Edits the agent applied itself: no interactions or suggestions of their own (§3.7).
            cells.append((ide, "agent_edit", language, model,
                          [0, 0, 0, 0, 0, 10 + int(rnd() * 200), int(rnd() * 60)]))
            if rnd() < 0.15:
                agent_id, agent_name = _THIRD_PARTY_AGENTS[int(rnd() * len(_THIRD_PARTY_AGENTS))]
                agents.append({"agent_id": agent_id, "agent_name": agent_name,
                               "user_initiated_interaction_count": 1 + int(rnd() * 4)})
        if flags & CLI:
            sessions = 1 + int(rnd() * 4)
            requests = sessions * (1 + int(rnd() * 8))
            output_tokens = requests * int(800 + rnd() * 2000)
            prompt_tokens = requests * int(1500 + rnd() * 4000)
            cli = {
                "session_count": sessions,
                "request_count": requests,
                "prompt_count": max(1, requests // 3),
                "token_usage": {
                    "avg_tokens_per_request": round((output_tokens + prompt_tokens) / requests, 1),
                    "output_tokens_sum": output_tokens,
                    "prompt_tokens_sum": prompt_tokens,
                },
                "last_known_cli_version": {"cli_version": CLI_VERSION, "sampled_at": _stamp(iso, rnd)},
            }

    by_ide: dict[str, list[int]] = {}
    by_feature: dict[str, list[int]] = {}
    by_lang_feature: dict[tuple[str, str], list[int]] = {}
    by_lang_model: dict[tuple[str, str], list[int]] = {}
    by_model_feature: dict[tuple[str, str], list[int]] = {}
    totals = [0] * 7
    for ide, feature, language, model, counts in cells:
        totals = list(map(operator.add, totals, counts))
        _add(by_ide, ide, counts)
        _add(by_feature, feature, counts)
        _add(by_lang_feature, (language, feature), counts)
        if model is not None:  # model tables cover chat and agent use, not completions (§3.7)
            _add(by_lang_model, (language, model), counts)
            _add(by_model_feature, (model, feature), counts)
    core: dict[str, Any] = dict(zip(COUNTERS, totals, strict=True))
    core["used_agent"] = bool(flags & AGENT)
    core["used_chat"] = bool(flags & CHAT)
    core["used_cli"] = bool(flags & CLI)
    core["used_copilot_code_review_active"] = bool(flags & REVIEW_ACTIVE)
    core["used_copilot_code_review_passive"] = bool(flags & REVIEW_PASSIVE)
    core["used_copilot_coding_agent"] = bool(flags & CLOUD_AGENT)
    core["used_copilot_cloud_agent"] = bool(flags & CLOUD_AGENT)  # same value, kept for compatibility
    if day >= AI_CREDITS_SINCE:
        credits = totals[0] * 0.04 + totals[1] * 0.01 + (cli["request_count"] * 0.05 if cli else 0.0)
        if flags & CLOUD_AGENT:
            credits += 1.0 + rnd() * 3
        core["ai_credits_used"] = round(credits, 2)
    if day >= ADOPTION_PHASE_SINCE:
        core["ai_adoption_phase"] = {"phase": PHASES[user.phase], "phase_number": user.phase, "version": "v1"}
    core["totals_by_ide"] = [_ide_row(ide, values, iso, rnd) for ide, values in by_ide.items()]
    core["totals_by_feature"] = [{"feature": f, **dict(zip(COUNTERS, v, strict=True))} for f, v in by_feature.items()]
    core["totals_by_language_feature"] = [
        {"language": lang, "feature": f, **dict(zip(COUNTERS_NO_INTERACTIONS, v[1:], strict=True))}
        for (lang, f), v in by_lang_feature.items()
    ]
    core["totals_by_language_model"] = [
        {"language": lang, "model": m, **dict(zip(COUNTERS_NO_INTERACTIONS, v[1:], strict=True))}
        for (lang, m), v in by_lang_model.items()
    ]
    core["totals_by_model_feature"] = [
        {"model": m, "feature": f, **dict(zip(COUNTERS, v, strict=True))} for (m, f), v in by_model_feature.items()
    ]
    if cli is not None:
        core["totals_by_cli"] = cli
    if agents:
        core["totals_by_3rd_party_agent"] = agents
    if rnd() < 0.03:
        core[UNKNOWN_FIELD] = [{"thing": "preview", "count": 1 + int(rnd() * 9)}]
    return core


def _ide_row(ide: str, values: list[int], iso: str, rnd: Any) -> dict[str, Any]:
    ide_version, plugin, plugin_version, _ = IDE_INFO[ide]
    sampled = _stamp(iso, rnd)
    return {
        "ide": ide,
        **dict(zip(COUNTERS, values, strict=True)),
        "last_known_ide_version": {"ide_version": ide_version, "sampled_at": sampled},
        "last_known_plugin_version": {"plugin": plugin, "plugin_version": plugin_version, "sampled_at": sampled},
    }
