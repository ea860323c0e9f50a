"""The adoption score: an absolute 0-100 measure of how fully a user uses Copilot over a 28-day window.

Absolute (fixed targets, not "relative to the best user"), so scores compare across scopes and over time.
It is a weighted sum of five components, each saturating at a target so no single habit can dominate:

    component          measure over the window                          saturates at      weight
    active days        days with a user_daily row                        20 days            35
    feature breadth    of chat, agent, CLI, code review, coding agent    4 features         25
    interactions       user-initiated interactions, log-scaled          200                15
    acceptances        accepted suggestions, log-scaled                 150                15
    acceptance rate    acceptances / generations                        0.35               10
                       (scaled in over the first 20 generations)

Every component and its points are stored beside the score (docs/metrics.md has the same table).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from copilot_usage.model import Scope
from copilot_usage.schema.indices import (
    ACCEPTANCE_RATE,
    ACCEPTANCE_RATE_POINTS,
    ACCEPTANCES_POINTS,
    ACTIVE,
    ACTIVE_DAYS,
    ACTIVE_DAYS_POINTS,
    ADOPTION_BAND,
    ADOPTION_SCORE,
    CODE_ACCEPTANCE_ACTIVITY_COUNT,
    CODE_GENERATION_ACTIVITY_COUNT,
    DAY,
    FEATURE_BREADTH,
    FEATURE_BREADTH_POINTS,
    INTERACTIONS_POINTS,
    LOC_ADDED_SUM,
    USED_AGENT,
    USED_CHAT,
    USED_CLI,
    USED_COPILOT_CLOUD_AGENT,
    USED_COPILOT_CODE_REVIEW_ACTIVE,
    USED_COPILOT_CODING_AGENT,
    USER_ADOPTION,
    USER_ID,
    USER_INITIATED_INTERACTION_COUNT,
    USER_LOGIN,
    WINDOW_DAYS,
    WINDOW_START,
    Doc,
)
from copilot_usage.shaping.common import base
from copilot_usage.shaping.values import ratio

ADOPTION_WINDOW_DAYS = 28

# About the working days in 28 calendar days: using Copilot on every working day earns the full 35.
ACTIVE_DAYS_TARGET = 20
ACTIVE_DAYS_WEIGHT = 35.0
# Four of the five features: a user need not adopt everything (e.g. the CLI) to be a full adopter.
FEATURE_BREADTH_TARGET = 4
FEATURE_BREADTH_WEIGHT = 25.0
# Log-scaled so the first prompts count most; about ten a working day earns the full 15.
INTERACTIONS_TARGET = 200
INTERACTIONS_WEIGHT = 15.0
# Log-scaled; about seven accepted suggestions a working day earns the full 15.
ACCEPTANCES_TARGET = 150
ACCEPTANCES_WEIGHT = 15.0
# A completion acceptance rate of 35% is strong in practice; higher earns nothing more.
ACCEPTANCE_RATE_TARGET = 0.35
ACCEPTANCE_RATE_WEIGHT = 10.0
# A rate from a handful of suggestions says little: its points scale in over the first 20 generations.
ACCEPTANCE_RATE_MIN_GENERATIONS = 20

# The features counted for breadth; the coding agent has two flags (renamed to cloud agent), either counts.
BREADTH_FEATURES: tuple[tuple[str, ...], ...] = (
    (USED_CHAT,),
    (USED_AGENT,),
    (USED_CLI,),
    (USED_COPILOT_CODE_REVIEW_ACTIVE,),
    (USED_COPILOT_CODING_AGENT, USED_COPILOT_CLOUD_AGENT),
)


@dataclass(frozen=True)
class ScoreBand:
    """A leaderboard colour band: low <= score < high (the last band includes 100)."""

    low: float
    high: float
    name: str
    color: str  # a Grafana named colour


ADOPTION_SCORE_BANDS: tuple[ScoreBand, ...] = (
    ScoreBand(0, 40, "starting", "red"),
    ScoreBand(40, 60, "developing", "orange"),
    ScoreBand(60, 80, "established", "yellow"),
    ScoreBand(80, 95, "advanced", "green"),
    ScoreBand(95, 100, "leading", "blue"),
)
# The lower edges after the first, as Grafana threshold steps.
ADOPTION_BAND_THRESHOLDS: tuple[float, ...] = tuple(band.low for band in ADOPTION_SCORE_BANDS[1:])


def band_of(score: float) -> ScoreBand:
    for band in reversed(ADOPTION_SCORE_BANDS):
        if score >= band.low:
            return band
    return ADOPTION_SCORE_BANDS[0]


def _saturating(value: float, target: float) -> float:
    return min(1.0, max(0.0, value) / target)


def _log_saturating(value: float, target: float) -> float:
    return min(1.0, math.log1p(max(0.0, value)) / math.log1p(target))


def _number(value: Any) -> float:
    """Our own stored counters; anything that is not a number counts as nothing."""
    return value if type(value) in (int, float) else 0


def _day_of(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def score_window(
    scope: Scope, user_id: int, user_login: str, window_end: dt.date, days: Sequence[dict[str, Any]]
) -> Doc:
    """The user_adoption document of one user for the 28 days ending on `window_end` (inclusive).

    `days` are that user's user_daily sources (as shaping produced or the store returns them); rows
    outside the window are ignored, and a day given twice counts once (its first row).
    """
    start = window_end - dt.timedelta(days=ADOPTION_WINDOW_DAYS - 1)
    by_day: dict[dt.date, dict[str, Any]] = {}
    for row in days:
        if row.get(USER_ID) is not None and row.get(USER_ID) != user_id:
            raise ValueError("score_window was given another user's rows")
        day = _day_of(row.get(DAY))
        if day is not None and start <= day <= window_end and row.get(ACTIVE, True) is not False:
            by_day.setdefault(day, row)
    rows = list(by_day.values())

    interactions = sum(_number(row.get(USER_INITIATED_INTERACTION_COUNT)) for row in rows)
    generations = sum(_number(row.get(CODE_GENERATION_ACTIVITY_COUNT)) for row in rows)
    acceptances = sum(_number(row.get(CODE_ACCEPTANCE_ACTIVITY_COUNT)) for row in rows)
    loc_added = sum(_number(row.get(LOC_ADDED_SUM)) for row in rows)
    breadth = sum(
        1 for flags in BREADTH_FEATURES if any(row.get(name) is True for row in rows for name in flags)
    )
    rate = ratio(acceptances, generations)

    points = {
        ACTIVE_DAYS_POINTS: ACTIVE_DAYS_WEIGHT * _saturating(len(rows), ACTIVE_DAYS_TARGET),
        FEATURE_BREADTH_POINTS: FEATURE_BREADTH_WEIGHT * _saturating(breadth, FEATURE_BREADTH_TARGET),
        INTERACTIONS_POINTS: INTERACTIONS_WEIGHT * _log_saturating(interactions, INTERACTIONS_TARGET),
        ACCEPTANCES_POINTS: ACCEPTANCES_WEIGHT * _log_saturating(acceptances, ACCEPTANCES_TARGET),
        ACCEPTANCE_RATE_POINTS: 0.0
        if rate is None
        else ACCEPTANCE_RATE_WEIGHT
        * _saturating(rate, ACCEPTANCE_RATE_TARGET)
        * _saturating(generations, ACCEPTANCE_RATE_MIN_GENERATIONS),
    }
    score = round(min(100.0, max(0.0, sum(points.values()))), 2)

    doc = base(scope, window_end.isoformat())
    doc[USER_ID] = user_id
    if user_login:
        doc[USER_LOGIN] = user_login
    doc[WINDOW_START] = start.isoformat()
    doc[WINDOW_DAYS] = ADOPTION_WINDOW_DAYS
    doc[ACTIVE_DAYS] = len(rows)
    doc[USER_INITIATED_INTERACTION_COUNT] = int(interactions)
    doc[CODE_GENERATION_ACTIVITY_COUNT] = int(generations)
    doc[CODE_ACCEPTANCE_ACTIVITY_COUNT] = int(acceptances)
    doc[LOC_ADDED_SUM] = int(loc_added)
    doc[ACCEPTANCE_RATE] = rate
    doc[FEATURE_BREADTH] = breadth
    doc.update({name: round(value, 4) for name, value in points.items()})
    doc[ADOPTION_SCORE] = score
    doc[ADOPTION_BAND] = band_of(score).name
    return Doc(USER_ADOPTION, doc)


def window_ends(touched: Iterable[dt.date], latest: dt.date, window_days: int) -> list[dt.date]:
    """Window ends whose window contains a touched day: Sundays and the latest day, never past `latest`.

    Sundays give a weekly history that charts well and stays small (52 documents per user and year); the
    latest stored day is the current leaderboard.
    """
    ends: set[dt.date] = set()
    for day in touched:
        for offset in range(window_days):
            end = day + dt.timedelta(days=offset)
            if end > latest:
                break
            if end.weekday() == 6 or end == latest:
                ends.add(end)
    return sorted(ends)


def score_user_windows(
    scope: Scope, days: Sequence[dict[str, Any]], ends: Sequence[dt.date], window_days: int
) -> Iterator[Doc]:
    """One user's adoption documents, one per window end that has a day of theirs; `days` sorted by day."""
    for end in ends:
        first = (end - dt.timedelta(days=window_days - 1)).isoformat()
        window = [d for d in days if first <= str(d[DAY])[:10] <= end.isoformat()]
        if window:
            yield score_window(scope, window[0][USER_ID], window[-1].get(USER_LOGIN, ""), end, window)
