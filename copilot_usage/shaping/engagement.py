"""The 28-day aggregate report's feature engagement -> one feature_engagement document per feature.

Only GitHub's rolling 28-day aggregate wrapper carries `copilot_feature_engagement` (since 2026-09-17):
`active_user_count`, the users active in the window, and `totals_by_feature[]`, per feature the users who used
it on at least two days of the window. The documents are for the window's last day (`report_end_day`), so
collecting the latest window every day builds a history with one point per window end day. A wrapper without
the block (older windows) makes no document; that is not an error.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from copilot_usage.model import Scope
from copilot_usage.schema.indices import (
    ACTIVE_USERS,
    ENGAGED_SHARE,
    ENGAGED_USERS,
    ENTERPRISE_ID,
    FEATURE,
    FEATURE_ENGAGEMENT,
    FEATURE_GROUP,
    ORGANIZATION_ID,
    WINDOW_DAYS,
    WINDOW_END,
    WINDOW_START,
    Doc,
)
from copilot_usage.shaping import source_keys as src
from copilot_usage.shaping.common import base
from copilot_usage.shaping.errors import RecordError
from copilot_usage.shaping.features import feature_group
from copilot_usage.shaping.values import array, check_day, count, day_text, fraction, obj, required_text, text

_BLOCK = src.COPILOT_FEATURE_ENGAGEMENT
_ROWS = f"{_BLOCK}.{src.TOTALS_BY_FEATURE}"


def carries_engagement(record: Any) -> bool:
    """Whether a 28-day wrapper holds a feature engagement block (windows before 2026-09-17 do not)."""
    return isinstance(record, dict) and record.get(_BLOCK) is not None


def shape_feature_engagement(scope: Scope, day: dt.date, record: Any) -> list[Doc]:
    """One document per feature of the window ending on `day`, in GitHub's order; none without the block."""
    if type(record) is not dict:
        raise RecordError("record is not an object")
    end = day.isoformat()
    check_day(record.get(src.REPORT_END_DAY), end, src.REPORT_END_DAY)
    block = obj(record.get(_BLOCK), _BLOCK)
    if not block:
        return []
    common = base(scope, end)
    for name in (ORGANIZATION_ID, ENTERPRISE_ID):
        value = text(record.get(name), name)
        if value is not None:
            common[name] = value
    common[WINDOW_END] = end
    start = day_text(record.get(src.REPORT_START_DAY), src.REPORT_START_DAY)
    if start is not None:
        days = (day - dt.date.fromisoformat(start)).days + 1
        if days < 1:
            raise RecordError(f"{src.REPORT_START_DAY} {start} is after {src.REPORT_END_DAY} {end}")
        common[WINDOW_START] = start
        common[WINDOW_DAYS] = days
    active = count(block.get(src.ACTIVE_USER_COUNT), f"{_BLOCK}.{src.ACTIVE_USER_COUNT}")
    if active is not None:
        common[ACTIVE_USERS] = active
    docs: dict[str, Doc] = {}
    for item in array(block.get(src.TOTALS_BY_FEATURE), _ROWS):
        if type(item) is not dict:
            raise RecordError(f"{_ROWS}[] is not an object")
        feature = required_text(item.get(FEATURE), f"{_ROWS}[].{FEATURE}")
        engaged = count(item.get(src.ACTIVE_USER_COUNT), f"{_ROWS}[].{src.ACTIVE_USER_COUNT}")
        if feature in docs:
            continue  # a feature listed twice keeps its first row (user counts cannot be added up)
        doc = {**common, FEATURE: feature, FEATURE_GROUP: feature_group(feature)}
        if engaged is not None:
            doc[ENGAGED_USERS] = engaged
        # Null when nobody was active (or either count is missing), never above 1.
        doc[ENGAGED_SHARE] = fraction(engaged, active)
        docs[feature] = Doc(FEATURE_ENGAGEMENT, doc)
    return list(docs.values())
