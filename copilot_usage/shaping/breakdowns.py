"""The five per-dimension arrays GitHub repeats in aggregate and user records, read into one shape.

A row becomes (key, counters): key = (breakdown, ide, feature, language, model) with None for dimensions
the array does not have, counters = the seven activity counters in indices.COUNTERS order with None for
absent ones. Rows with the same key in one record are summed, so a key appears once per record: that is
what lets team_breakdown count distinct contributing members with a plain +1.
"""

from __future__ import annotations

import operator
from typing import Any

from copilot_usage.schema.indices import (
    BREAKDOWN_FEATURE,
    BREAKDOWN_IDE,
    BREAKDOWN_LANGUAGE_FEATURE,
    BREAKDOWN_LANGUAGE_MODEL,
    BREAKDOWN_MODEL_FEATURE,
    COUNTERS,
    FEATURE,
    IDE,
    LANGUAGE,
    MODEL,
)
from copilot_usage.shaping import source_keys as src
from copilot_usage.shaping.errors import RecordError
from copilot_usage.shaping.values import counts, text

RowKey = tuple[str, str | None, str | None, str | None, str | None]
Counters = list[int | None]

# Position of each dimension in RowKey (after the breakdown name).
KEY_DIMENSIONS = (IDE, FEATURE, LANGUAGE, MODEL)

# (breakdown, GitHub array, dimensions the rows carry)
SOURCES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (BREAKDOWN_IDE, src.TOTALS_BY_IDE, (IDE,)),
    (BREAKDOWN_FEATURE, src.TOTALS_BY_FEATURE, (FEATURE,)),
    (BREAKDOWN_LANGUAGE_FEATURE, src.TOTALS_BY_LANGUAGE_FEATURE, (LANGUAGE, FEATURE)),
    (BREAKDOWN_LANGUAGE_MODEL, src.TOTALS_BY_LANGUAGE_MODEL, (LANGUAGE, MODEL)),
    (BREAKDOWN_MODEL_FEATURE, src.TOTALS_BY_MODEL_FEATURE, (MODEL, FEATURE)),
)
# Error locations, built once instead of per value.
_WHERE = {(array, name): f"{array}[].{name}" for _, array, _ in SOURCES for name in KEY_DIMENSIONS}
_WHERE_COUNTERS = {array: tuple(f"{array}[].{name}" for name in COUNTERS) for _, array, _ in SOURCES}


def read_rows(record: dict[str, Any]) -> dict[RowKey, Counters]:
    """Every row of the five arrays, keyed and merged; raises RecordError on a malformed row."""
    rows: dict[RowKey, Counters] = {}
    for breakdown, array, dims in SOURCES:
        items = record.get(array)
        if items is None:
            continue
        if type(items) is not list:
            raise RecordError(f"{array} is not an array")
        wheres = _WHERE_COUNTERS[array]
        for item in items:
            if type(item) is not dict:
                raise RecordError(f"{array}[] is not an object")
            ide = text(item.get(IDE), _WHERE[array, IDE]) if IDE in dims else None
            feature = text(item.get(FEATURE), _WHERE[array, FEATURE]) if FEATURE in dims else None
            language = text(item.get(LANGUAGE), _WHERE[array, LANGUAGE]) if LANGUAGE in dims else None
            model = text(item.get(MODEL), _WHERE[array, MODEL]) if MODEL in dims else None
            values = counts(item, COUNTERS, wheres)
            key = (breakdown, ide, feature, language, model)
            existing = rows.get(key)
            if existing is None:
                rows[key] = values
            else:
                add_counters(existing, values)
    return rows


def add_counters(into: Counters, values: Counters) -> None:
    """into += values, where None means absent (absent + absent stays absent)."""
    if None not in into and None not in values:  # the common case, at C speed
        into[:] = map(operator.add, into, values)
        return
    for i, value in enumerate(values):
        if value is not None:
            current = into[i]
            into[i] = value if current is None else current + value
