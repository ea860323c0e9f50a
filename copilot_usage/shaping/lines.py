"""Lines of code and the IDE / CLI parts of a record's totals, from its breakdown rows. Pure.

Since 2026 the top-level counters hold more than IDE suggestions (github-copilot-api.md §11.1): agent edits
and the Copilot CLI write lines nobody suggested, and CLI work is inside the totals as feature `copilot_cli`
but never in `totals_by_ide`. So "lines accepted / lines suggested" is computed for code completion only,
lines are split by who wrote them (the agent share), and the totals are split into an IDE part (Σ
`totals_by_ide`) and a CLI part (the `copilot_cli` feature row), which never overlap. Every share and rate
is a fraction in [0, 1] (values.fraction).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from copilot_usage.schema.indices import (
    AGENT_LOC_ADDED_SHARE,
    AGENT_LOC_ADDED_SUM,
    AGENT_LOC_DELETED_SUM,
    BREAKDOWN_FEATURE,
    BREAKDOWN_IDE,
    CLI_CODE_GENERATION_ACTIVITY_COUNT,
    CLI_GENERATION_SHARE,
    CLI_LOC_ADDED_SUM,
    CLI_USER_INITIATED_INTERACTION_COUNT,
    CODE_GENERATION_ACTIVITY_COUNT,
    COMPLETION_LOC_ADDED_SUM,
    COMPLETION_LOC_SUGGESTED_TO_ADD_SUM,
    COUNTERS,
    FEATURE_GROUP_AGENT,
    IDE_CODE_GENERATION_ACTIVITY_COUNT,
    IDE_GENERATION_SHARE,
    IDE_LOC_ADDED_SUM,
    IDE_USER_INITIATED_INTERACTION_COUNT,
    LOC_ACCEPTANCE_RATE,
    LOC_ADDED_SUM,
    LOC_DELETED_SUM,
    LOC_SUGGESTED_TO_ADD_SUM,
    USER_INITIATED_INTERACTION_COUNT,
)
from copilot_usage.shaping.breakdowns import Counters, RowKey
from copilot_usage.shaping.features import feature_group
from copilot_usage.shaping.values import fraction

CODE_COMPLETION = "code_completion"
COPILOT_CLI = "copilot_cli"
_UIC = COUNTERS.index(USER_INITIATED_INTERACTION_COUNT)
_GEN = COUNTERS.index(CODE_GENERATION_ACTIVITY_COUNT)
_SUGGESTED = COUNTERS.index(LOC_SUGGESTED_TO_ADD_SUM)
_ADDED = COUNTERS.index(LOC_ADDED_SUM)
_DELETED = COUNTERS.index(LOC_DELETED_SUM)
# (part field, counter index) for the IDE and CLI parts
_PARTS = (
    ((IDE_USER_INITIATED_INTERACTION_COUNT, _UIC), (IDE_CODE_GENERATION_ACTIVITY_COUNT, _GEN),
     (IDE_LOC_ADDED_SUM, _ADDED)),
    ((CLI_USER_INITIATED_INTERACTION_COUNT, _UIC), (CLI_CODE_GENERATION_ACTIVITY_COUNT, _GEN),
     (CLI_LOC_ADDED_SUM, _ADDED)),
)


def _sum(rows: list[Counters], index: int) -> int:
    return sum(values[index] or 0 for values in rows)


def line_fields(rows: Mapping[RowKey, Counters], totals: Counters) -> dict[str, Any]:
    """The line and surface fields of a record (or of summed records) with these breakdown rows and top-level
    counters (COUNTERS order). Fields whose inputs GitHub did not send are left out."""
    features = {key[2]: values for key, values in rows.items() if key[0] == BREAKDOWN_FEATURE and key[2]}
    ides = [values for key, values in rows.items() if key[0] == BREAKDOWN_IDE]
    out: dict[str, Any] = {}
    completion = features.get(CODE_COMPLETION)
    if completion is not None:
        for field, index in ((COMPLETION_LOC_SUGGESTED_TO_ADD_SUM, _SUGGESTED), (COMPLETION_LOC_ADDED_SUM, _ADDED)):
            if completion[index] is not None:
                out[field] = completion[index]
    out[LOC_ACCEPTANCE_RATE] = fraction(out.get(COMPLETION_LOC_ADDED_SUM), out.get(COMPLETION_LOC_SUGGESTED_TO_ADD_SUM))
    if features:
        agent = [values for name, values in features.items() if feature_group(name) == FEATURE_GROUP_AGENT]
        out[AGENT_LOC_ADDED_SUM] = _sum(agent, _ADDED)
        out[AGENT_LOC_DELETED_SUM] = _sum(agent, _DELETED)
        out[AGENT_LOC_ADDED_SHARE] = fraction(out[AGENT_LOC_ADDED_SUM], totals[_ADDED])
    if features or ides:
        cli = [features[COPILOT_CLI]] if COPILOT_CLI in features else []
        for part, source in zip(_PARTS, (ides, cli), strict=True):
            for field, index in part:
                out[field] = _sum(source, index)
        out[IDE_GENERATION_SHARE] = fraction(out[IDE_CODE_GENERATION_ACTIVITY_COUNT], totals[_GEN])
        out[CLI_GENERATION_SHARE] = fraction(out[CLI_CODE_GENERATION_ACTIVITY_COUNT], totals[_GEN])
    return out
