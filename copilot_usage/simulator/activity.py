"""Who is active on a day, and what one user's day of Copilot use looks like (users-1-day record body).

Two levels, so that cross-day numbers stay cheap at 20,000 users:
- `day_plan` decides for every user at once which feature families they touched that day (one byte of
  flags per user). Weekly/monthly active counts only need these flags.
- `user_core` expands one user's flags into the full record body. Counters are drawn per "cell" (one
  IDE x feature x language [x model] use) and every totals_by_* array and top-level counter is summed from
  the same cells, so a record is always internally consistent.

Semantics of late 2026 (github-copilot-api.md §11): Copilot CLI activity is inside the top-level counters
and appears as feature `copilot_cli` in the feature, language x feature and model arrays, never in
`totals_by_ide`; so is the Copilot app (`copilot_app`). The top-level counters equal the sums over
`totals_by_feature`, while Σ `totals_by_ide` is only the IDE share. Agent edits and the CLI add lines that
were never suggested, so `loc_added_sum` routinely exceeds `loc_suggested_to_add_sum`.

A user seated but not active that day still gets a row with nothing in it (`idle_core`): about 40 % of the
rows of a real users report. Fields GitHub added in 2026 appear from their changelog dates on.
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
VSCODE_AGENT = 128  # the VS Code Agents window (changelog 2026-09-11)
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
CLI_IN_TOTALS_SINCE = dt.date(2026, 4, 10)  # CLI activity counted in the top-level totals and feature arrays
COPILOT_APP_SINCE = dt.date(2026, 7, 28)
VSCODE_AGENT_SINCE = dt.date(2026, 9, 11)
CLI_CUSTOMIZATION_SINCE = dt.date(2026, 9, 17)
# CLI customization arrays: (array, item key, names GitHub shows; customer-defined names are folded to other/custom)
CUSTOMIZATIONS = (
    ("totals_by_skill", "skill", "distinct_skill_use_count", ("other", "code-review", "test-writer")),
    ("totals_by_custom_agent", "custom_agent", "distinct_custom_agent_use_count", ("other", "planner")),
    ("totals_by_mcp", "mcp", "distinct_mcp_use_count", ("other", "github")),
    ("totals_by_slash_cmd", "slash_cmd", "distinct_slash_cmd_use_count", ("custom", "model", "plan", "review")),
    ("totals_by_plugin", "plugin", "distinct_plugin_use_count", ("other",)),
)
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
            if flags == ACTIVE:
                flags |= REVIEW_PASSIVE  # seen only through a server-side signal: there is always one
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
    if day >= VSCODE_AGENT_SINCE:
        _add_vscode_agent(users, seed, day, factor, out)
    return bytes(out)


def _add_vscode_agent(users: Sequence[User], seed: int, day: dt.date, factor: float, out: bytearray) -> None:
    """VS Code Agents window use, drawn from its own stream (earlier draws stay as they were): a third of the
    chat users that day, plus a few users whose only activity of the day is there."""
    rnd = stable_rng(seed, "vscode-agent", day).random
    for user in users:
        r = rnd()
        if (not user.seat_orgs or user.never_used or user.server_side_only
                or (user.active_from is not None and day < user.active_from)
                or (user.active_until is not None and day > user.active_until)):
            continue
        flags = out[user.index]
        if flags & CHAT and r < 0.35:
            out[user.index] = flags | VSCODE_AGENT
        elif not flags and r < 0.03 * factor:
            out[user.index] = ACTIVE | VSCODE_AGENT


def _stamp(day: str, rnd: Any) -> str:
    seconds = int(rnd() * 86_399)
    return f"{day}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.000Z"


def _add(table: dict[Any, list[int]], key: Any, counts: list[int]) -> None:
    acc = table.get(key)
    table[key] = counts if acc is None else list(map(operator.add, acc, counts))


def idle_core(user: User, day: dt.date) -> dict[str, Any]:
    """The row of a seated user with no activity that day: zero counters, every flag false, empty arrays."""
    core: dict[str, Any] = dict.fromkeys(COUNTERS, 0)
    for name in ("used_agent", "used_chat", "used_cli", "used_copilot_code_review_active",
                 "used_copilot_code_review_passive", "used_copilot_coding_agent", "used_copilot_cloud_agent"):
        core[name] = False
    if day >= VSCODE_AGENT_SINCE:
        core["used_vscode_agent"] = False
    if day >= AI_CREDITS_SINCE:
        core["ai_credits_used"] = 0.0
    if day >= ADOPTION_PHASE_SINCE:
        core["ai_adoption_phase"] = {"phase": PHASES[user.phase], "phase_number": user.phase, "version": "v1"}
    for array in ("totals_by_ide", "totals_by_feature", "totals_by_language_feature", "totals_by_language_model",
                  "totals_by_model_feature"):
        core[array] = []
    return core


def uses_app(user: User, day: dt.date, flags: int) -> bool:
    """Copilot app use that day: app users on their chat days, from the app's changelog date on."""
    return user.app_user and bool(flags & CHAT) and day >= COPILOT_APP_SINCE


def user_core(user: User, day: dt.date, flags: int, rng: random.Random,
              extra: random.Random | None = None) -> dict[str, Any]:
    """The body of a users-1-day record (everything after user_id, user_login, day and the scope ids).

    `rng` draws what the record always had; `extra` (a stream of its own) what GitHub added later, so adding
    a field never changes the numbers drawn before it."""
    rnd = rng.random
    extra = extra or random.Random(rng.random())
    iso = day.isoformat()
    # (ide or None, feature, language, model or None, seven counters in COUNTERS order); ide None = not an IDE
    cells: list[tuple[str | None, str, str, str | None, list[int]]] = []
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
                          # Lines of the accepted suggestions: far fewer than an agent writes (§11.1).
                          [0, gen, acc, acc * (3 + int(rnd() * 4)), 0, acc * (1 + int(rnd() * 3)), 0]))
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
                              [uic, gen, acc, added + acc * int(rnd() * 8), 0, added, deleted]))
        if flags & AGENT:
            ide = second_ide if second_ide and rnd() < 0.3 else ides[0]
            language, model = languages[int(rnd() * len(languages))], models[int(rnd() * len(models))]
            uic = 1 + int(rnd() * 30 * intensity)
            gen = int(uic * (0.3 + rnd()))
            acc = int(gen * (0.2 + 0.4 * rnd()))
            cells.append((ide, "chat_panel_agent_mode", language, model,
                          [uic, gen, acc, acc * (5 + int(rnd() * 10)), 0, acc * (2 + int(rnd() * 4)), 0]))
            # Edits the agent applied itself: no interactions or suggestions of their own (§3.7), and many
            # more lines than were ever suggested (§11.1).
            cells.append((ide, "agent_edit", language, model,
                          [0, 0, 0, 0, 0, 10 + int(rnd() * 200) + int(extra.random() * 400), int(rnd() * 60)]))
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

    vscode_agent = None
    if flags & VSCODE_AGENT:
        sessions = 1 + int(extra.random() * 3)
        vscode_agent = {"session_count": sessions, "total_user_messages": sessions * (1 + int(extra.random() * 12))}
        if user.server_side_only or not flags & ~(ACTIVE | VSCODE_AGENT):
            cells.clear()  # active only in the Agents window: nothing else to report
    if cli is not None and day >= CLI_IN_TOTALS_SINCE:
        # CLI work is inside the totals as feature copilot_cli (not an IDE): lines written, none suggested.
        language, model = languages[int(extra.random() * len(languages))], models[int(extra.random() * len(models))]
        gen = cli["request_count"] * (2 + int(extra.random() * 6))
        added = 20 + int(extra.random() * 600)
        cells.append((None, "copilot_cli", language, model,
                      [cli["prompt_count"], gen, int(gen * (0.3 + 0.4 * extra.random())), 0, 0, added,
                       int(added * 0.4 * extra.random())]))
    app: dict[str, Any] | None = None
    if uses_app(user, day, flags):
        requests = 1 + int(extra.random() * 10)
        app = {"session_count": 1 + requests // 4, "request_count": requests, "prompt_count": max(1, requests // 2),
               "token_usage": {"avg_tokens_per_request": 3200.0, "output_tokens_sum": requests * 1200,
                               "prompt_tokens_sum": requests * 2000}}
        gen = requests * (1 + int(extra.random() * 3))
        cells.append((None, "copilot_app", languages[0], models[0],
                      [app["prompt_count"], gen, int(gen * 0.5), gen * 2, 0, gen * 3, 0]))

    by_ide: dict[str, list[int]] = {}
    by_feature: dict[str, list[int]] = {}
    by_lang_feature: dict[tuple[str, str], list[int]] = {}
    by_lang_model: dict[tuple[str, str], list[int]] = {}
    by_model_feature: dict[tuple[str, str], list[int]] = {}
    totals = [0] * 7
    for cell_ide, feature, language, cell_model, counts in cells:
        totals = list(map(operator.add, totals, counts))
        if cell_ide is not None:  # CLI and app work is in the totals and feature arrays, never in totals_by_ide
            _add(by_ide, cell_ide, counts)
        _add(by_feature, feature, counts)
        _add(by_lang_feature, (language, feature), counts)
        if cell_model is not None:  # model tables cover chat and agent use, not completions (§3.7)
            _add(by_lang_model, (language, cell_model), counts)
            _add(by_model_feature, (cell_model, feature), counts)
    core: dict[str, Any] = dict(zip(COUNTERS, totals, strict=True))
    core["used_agent"] = bool(flags & AGENT)
    core["used_chat"] = bool(flags & CHAT)
    core["used_cli"] = bool(flags & CLI)
    core["used_copilot_code_review_active"] = bool(flags & REVIEW_ACTIVE)
    core["used_copilot_code_review_passive"] = bool(flags & REVIEW_PASSIVE)
    core["used_copilot_coding_agent"] = bool(flags & CLOUD_AGENT)
    core["used_copilot_cloud_agent"] = bool(flags & CLOUD_AGENT)  # same value, kept for compatibility
    if day >= VSCODE_AGENT_SINCE:
        core["used_vscode_agent"] = vscode_agent is not None
    if app is not None:
        core["used_copilot_app"] = True  # omitted on rows without app activity
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
    if app is not None:
        core["totals_by_copilot_app"] = app
    if vscode_agent is not None:
        core["totals_by_vscode_agent"] = vscode_agent
    if day >= CLI_CUSTOMIZATION_SINCE:
        core.update(_customizations(cli is not None, user.id, extra))
    if agents:
        core["totals_by_3rd_party_agent"] = agents
    if rnd() < 0.03:
        core[UNKNOWN_FIELD] = [{"thing": "preview", "count": 1 + int(rnd() * 9)}]
    return core


def _customizations(cli_user: bool, user_id: int, rng: random.Random) -> dict[str, Any]:
    """CLI customization use: each array's top items and how many distinct ones were used. Consumers disagree
    on the item count's name (§11.3), so even and odd users get each spelling."""
    count_key = "interaction_count" if user_id % 2 else "user_initiated_interaction_count"
    out: dict[str, Any] = {}
    for array, item_key, distinct, names in CUSTOMIZATIONS:
        used = [name for name in names if cli_user and rng.random() < 0.4]
        out[distinct] = len(used) + (int(rng.random() * 4) if used and names[0] in ("other", "custom") else 0)
        if used:
            out[array] = [{item_key: name, count_key: 1 + int(rng.random() * 15)} for name in used]
    return out


def _ide_row(ide: str, values: list[int], iso: str, rnd: Any) -> dict[str, Any]:
    ide_version, plugin, plugin_version, _ = IDE_INFO[ide]
    sampled = _stamp(iso, rnd)
    return {
        "ide": ide,
        **dict(zip(COUNTERS, values, strict=True)),
        "last_known_ide_version": {"ide_version": ide_version, "sampled_at": sampled},
        "last_known_plugin_version": {"plugin": plugin, "plugin_version": plugin_version, "sampled_at": sampled},
    }
