"""`feature_group`: GitHub's feature values folded into the few groups the chat-mode panels show.

Known values map explicitly; unknown future values fall back by name (`chat_*` -> chat, anything with
`agent` -> agent), then to other. The table is repeated in docs/metrics.md.
"""

from __future__ import annotations

from functools import lru_cache

from copilot_usage.schema.indices import (
    FEATURE_GROUP_AGENT,
    FEATURE_GROUP_APP,
    FEATURE_GROUP_CHAT,
    FEATURE_GROUP_CLI,
    FEATURE_GROUP_COMPLETION,
    FEATURE_GROUP_OTHER,
)

FEATURE_GROUP_OF: dict[str, str] = {
    "code_completion": FEATURE_GROUP_COMPLETION,
    "chat_inline": FEATURE_GROUP_CHAT,
    "chat_panel_ask_mode": FEATURE_GROUP_CHAT,
    "chat_panel_edit_mode": FEATURE_GROUP_CHAT,
    "chat_panel_custom_mode": FEATURE_GROUP_CHAT,
    "chat_panel_unknown_mode": FEATURE_GROUP_CHAT,
    # Plan mode drafts a plan in the chat panel for the agent to carry out; it is agentic work.
    "chat_panel_plan_mode": FEATURE_GROUP_AGENT,
    "chat_panel_agent_mode": FEATURE_GROUP_AGENT,
    "agent_edit": FEATURE_GROUP_AGENT,
    "copilot_cli": FEATURE_GROUP_CLI,
    "copilot_app": FEATURE_GROUP_APP,
    "others": FEATURE_GROUP_OTHER,
}


@lru_cache(maxsize=1024)
def feature_group(feature: str) -> str:
    """The group of a feature value (cached: a report repeats a dozen values millions of times)."""
    known = FEATURE_GROUP_OF.get(feature)
    if known is not None:
        return known
    name = feature.lower()
    if "agent" in name:
        return FEATURE_GROUP_AGENT
    if name.startswith("chat"):
        return FEATURE_GROUP_CHAT
    if "cli" in name.split("_"):
        return FEATURE_GROUP_CLI
    return FEATURE_GROUP_OTHER
