"""CLI customization on user rows (changelog 2026-09-17): skills, custom agents, MCP servers, slash commands
and plugins. Pure.

Each kind has `distinct_<kind>_use_count` (how many different ones were used, beyond the top items shown)
and `totals_by_<kind>[]` (the top items, `{<kind>: name, <count>}`; customer-defined names are folded into
"other" or "custom"). Consumers disagree whether the count is `interaction_count` or
`user_initiated_interaction_count` (github-copilot-api.md §11.3): both are read. Plugins are a subset of
skill use, so the two are never added together.
"""

from __future__ import annotations

from typing import Any

from copilot_usage.schema.indices import (
    CUSTOMIZATION_INTERACTION_COUNTS,
    CUSTOMIZATION_KINDS,
    DISTINCT_USE_COUNTS,
    USER_INITIATED_INTERACTION_COUNT,
)
from copilot_usage.shaping import source_keys as src
from copilot_usage.shaping.errors import RecordError
from copilot_usage.shaping.values import array, count, text

_SOURCES = tuple(
    (kind, f"totals_by_{kind}", distinct, interactions)
    for kind, distinct, interactions in zip(CUSTOMIZATION_KINDS, DISTINCT_USE_COUNTS,
                                            CUSTOMIZATION_INTERACTION_COUNTS, strict=True)
)


def customization_fields(record: dict[str, Any]) -> dict[str, int]:
    """distinct_<kind>_use_count and <kind>_interaction_count of a user row (absent when GitHub sent neither)."""
    out: dict[str, int] = {}
    for kind, array_key, distinct, interactions in _SOURCES:
        value = count(record.get(distinct), distinct)
        if value is not None:
            out[distinct] = value
        if record.get(array_key) is None:
            continue
        total = 0
        for item in array(record.get(array_key), array_key):
            if type(item) is not dict:
                raise RecordError(f"{array_key}[] is not an object")
            text(item.get(kind), f"{array_key}[].{kind}")
            used = count(item.get(src.INTERACTION_COUNT), f"{array_key}[].{src.INTERACTION_COUNT}")
            if used is None:
                used = count(item.get(USER_INITIATED_INTERACTION_COUNT),
                             f"{array_key}[].{USER_INITIATED_INTERACTION_COUNT}")
            total += used or 0
        out[interactions] = total
    return out
