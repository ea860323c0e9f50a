"""Coercion of GitHub's JSON values into document values, with a RecordError naming the field.

These run once per field of every record, so they are plain functions with the common case first.
Rules (docs/metrics.md): null or absent means "unknown" (None); counters must be numbers (a float is
truncated like Elasticsearch does for a long; a string or boolean is an error); a long must fit in 64 bits.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from copilot_usage.shaping.errors import RecordError

LONG_MAX = 2**63 - 1
LONG_MIN = -(2**63)
_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def count(value: Any, where: str) -> int | None:
    """A long counter or id: int, or a finite float (truncated); None when null or absent."""
    kind = type(value)
    if kind is int:
        if LONG_MIN <= value <= LONG_MAX:
            return int(value)
        raise RecordError(f"{where} does not fit in a 64-bit integer")
    if value is None:
        return None
    if kind is float:
        if math.isfinite(value) and LONG_MIN <= value < 2.0**63:
            return int(value)
        raise RecordError(f"{where} is not a finite number")
    raise RecordError(f"{where} is not a number")


def counts(source: dict[str, Any], names: tuple[str, ...], wheres: tuple[str, ...]) -> list[int | None]:
    """`count` of several fields, in order; `wheres` names each for the error."""
    return [count(source.get(name), where) for name, where in zip(names, wheres, strict=True)]


def number(value: Any, where: str) -> float | None:
    """A double: int or finite float; None when null or absent."""
    kind = type(value)
    if kind is float:
        if math.isfinite(value):
            return float(value)
        raise RecordError(f"{where} is not a finite number")
    if value is None:
        return None
    if kind is int:
        try:
            return float(value)
        except OverflowError:
            raise RecordError(f"{where} is too large") from None
    raise RecordError(f"{where} is not a number")


def text(value: Any, where: str) -> str | None:
    """A keyword: a string, or an integer id written as a string; None when null, absent or empty."""
    if type(value) is str:
        return value or None
    if value is None:
        return None
    if type(value) is int:
        return str(value)
    raise RecordError(f"{where} is not a string")


def flag(value: Any, where: str) -> bool | None:
    """A boolean (0 and 1 are accepted as false and true); None when null or absent."""
    if value is True or value is False or value is None:
        return value
    if type(value) is int and value in (0, 1):
        return bool(value)
    raise RecordError(f"{where} is not a boolean")


def obj(value: Any, where: str) -> dict[str, Any]:
    """A JSON object; an absent or null one is empty."""
    if type(value) is dict:
        return value
    if value is None:
        return {}
    raise RecordError(f"{where} is not an object")


def array(value: Any, where: str) -> list[Any]:
    """A JSON array; an absent or null one is empty."""
    if type(value) is list:
        return value
    if value is None:
        return []
    raise RecordError(f"{where} is not an array")


def required_id(value: Any, where: str) -> int:
    """A required integer id (user_id, team_id)."""
    result = count(value, where)
    if result is None:
        raise RecordError(f"{where} is missing")
    return result


def required_text(value: Any, where: str) -> str:
    result = text(value, where)
    if result is None:
        raise RecordError(f"{where} is missing")
    return result


def check_day(value: Any, expected: str, where: str = "day") -> None:
    """The record's day must be the day being shaped (a file for another day must not land here)."""
    if value == expected:
        return
    if value is None:
        raise RecordError(f"{where} is missing")
    if type(value) is not str or not _DAY_RE.match(value):
        raise RecordError(f"{where} is not a date (YYYY-MM-DD)")
    raise RecordError(f"{where} {value} is not the expected day {expected}")


def day_text(value: Any, where: str) -> str | None:
    """A calendar date "YYYY-MM-DD" (a timestamp is cut to its date); None when null or absent."""
    if value is None:
        return None
    if type(value) is str:
        if _DAY_RE.match(value):
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                pass
            else:
                return value
        else:
            return timestamp(value, where)[1].isoformat()
    raise RecordError(f"{where} is not a date")


def timestamp(value: str, where: str) -> tuple[str, dt.date]:
    """An ISO 8601 date-time as a UTC string ("...Z") and its UTC date. Naive times are taken as UTC."""
    if type(value) is not str:
        raise RecordError(f"{where} is not a date-time")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise RecordError(f"{where} is not a date-time") from None
    parsed = parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)
    timespec = "milliseconds" if parsed.microsecond else "seconds"
    return parsed.replace(tzinfo=None).isoformat(timespec=timespec) + "Z", parsed.date()


def optional_timestamp(value: Any, where: str) -> tuple[str, dt.date] | tuple[None, None]:
    if value is None or value == "":
        return None, None
    return timestamp(value, where)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator rounded to 6 places; None when either is unknown or the denominator is 0."""
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 6)


def fraction(numerator: float | None, denominator: float | None) -> float | None:
    """`ratio`, kept only when it is a fraction in [0, 1]: a stored *_rate or *_share never exceeds 100 %.

    A quotient above 1 means the two counters measure different things (lines agents wrote were never
    suggested), so it is left out rather than shown as a rate."""
    value = ratio(numerator, denominator)
    if value is None or not 0.0 <= value <= 1.0:
        return None
    return value
