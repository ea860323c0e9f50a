"""The adoption score over a rolling 28-day window of user_daily sources."""

import datetime as dt
import itertools

import pytest

from copilot_usage.model import Scope, ScopeType
from copilot_usage.schema import indices as ix
from copilot_usage.shaping import adoption
from copilot_usage.shaping.adoption import (
    ADOPTION_BAND_THRESHOLDS,
    ADOPTION_SCORE_BANDS,
    ADOPTION_WINDOW_DAYS,
    band_of,
    score_window,
)

ORG = Scope(ScopeType.ORGANIZATION, "octo-org")
END = dt.date(2026, 11, 20)
ALL_FEATURES = {"used_chat": True, "used_agent": True, "used_cli": True, "used_copilot_code_review_active": True,
                "used_copilot_cloud_agent": True}


def day_row(offset: int, **values) -> dict:
    """A user_daily source `offset` days before END."""
    row = {"day": (END - dt.timedelta(days=offset)).isoformat(), "scope_type": "organization", "scope": "octo-org",
           "user_id": 7, "user_login": "mona", "active": True}
    row.update(values)
    return row


def typical(offset: int) -> dict:
    return day_row(offset, user_initiated_interaction_count=20, code_generation_activity_count=15,
                   code_acceptance_activity_count=5, loc_added_sum=7, used_chat=True, used_agent=True, used_cli=False)


def test_golden_score_and_components():
    doc = score_window(ORG, 7, "mona", END, [typical(i) for i in range(10)])
    assert doc.index is ix.USER_ADOPTION
    assert doc.source == {
        "day": "2026-11-20", "scope_type": "organization", "scope": "octo-org", "user_id": 7, "user_login": "mona",
        "window_start": "2026-10-24", "window_days": 28, "active_days": 10,
        "user_initiated_interaction_count": 200, "code_generation_activity_count": 150,
        "code_acceptance_activity_count": 50, "loc_added_sum": 70, "acceptance_rate": 0.333333,
        "feature_breadth": 2,
        "active_days_points": 17.5,  # 35 * 10/20
        "feature_breadth_points": 12.5,  # 25 * 2/4
        "interactions_points": 15.0,  # 200 interactions saturate
        "acceptances_points": 11.7549,  # 15 * ln(51)/ln(151)
        "acceptance_rate_points": 9.5238,  # 10 * 0.333333/0.35, 150 generations: full confidence
        "adoption_score": 66.28,
        "adoption_band": "established",
    }


def test_no_activity_scores_zero():
    empty = score_window(ORG, 7, "mona", END, []).source
    assert empty["adoption_score"] == 0
    assert empty["adoption_band"] == "starting"
    assert empty["acceptance_rate"] is None
    assert empty["active_days"] == 0
    outside = score_window(ORG, 7, "mona", END, [typical(28), typical(40), day_row(-1, used_chat=True)]).source
    assert outside["adoption_score"] == 0


def test_full_use_scores_exactly_100_and_never_more():
    rows = [day_row(i, user_initiated_interaction_count=10**6, code_generation_activity_count=10**6,
                    code_acceptance_activity_count=10**6, **ALL_FEATURES) for i in range(ADOPTION_WINDOW_DAYS)]
    doc = score_window(ORG, 7, "mona", END, rows).source
    assert doc["adoption_score"] == 100.0
    assert doc["adoption_band"] == "leading"
    assert doc["feature_breadth"] == 5


@pytest.mark.parametrize("days", [0, 1, 5, 20, 28])
@pytest.mark.parametrize("scale", [0, 1, 10, 10**4, -5])
def test_score_stays_within_bounds(days, scale):
    rows = [day_row(i, user_initiated_interaction_count=scale * 3, code_generation_activity_count=scale * 2,
                    code_acceptance_activity_count=scale * 5, used_chat=scale > 1) for i in range(days)]
    score = score_window(ORG, 7, "mona", END, rows).source["adoption_score"]
    assert 0 <= score <= 100


def test_monotonic_in_active_days():
    scores = [score_window(ORG, 7, "mona", END, [typical(i) for i in range(n)]).source["adoption_score"]
              for n in range(ADOPTION_WINDOW_DAYS + 1)]
    assert all(a <= b for a, b in itertools.pairwise(scores))
    assert all(a < b for a, b in itertools.pairwise(scores[:21]))  # every extra day counts up to 20


def test_same_input_same_output_in_any_order():
    rows = [typical(i) for i in range(12)]
    a = score_window(ORG, 7, "mona", END, rows)
    b = score_window(ORG, 7, "mona", END, list(reversed(rows)))
    assert (a.id, a.source) == (b.id, b.source)
    assert a.id != score_window(ORG, 7, "mona", END + dt.timedelta(days=1), rows).id


def test_a_day_given_twice_counts_once_and_store_formats_are_read():
    rows = [typical(0), typical(0), {**typical(1), "day": END - dt.timedelta(days=1)},
            {**typical(2), "day": "2026-11-18T00:00:00.000Z"}]
    assert score_window(ORG, 7, "mona", END, rows).source["active_days"] == 3


def test_acceptance_rate_points_scale_in_over_the_first_generations():
    rows = [day_row(0, code_generation_activity_count=2, code_acceptance_activity_count=2)]
    doc = score_window(ORG, 7, "mona", END, rows).source
    assert doc["acceptance_rate"] == 1.0
    assert doc["acceptance_rate_points"] == 1.0  # 10 points * (2 of 20 generations)


def test_coding_agent_counts_under_either_flag():
    old = score_window(ORG, 7, "mona", END, [day_row(0, used_copilot_coding_agent=True)]).source
    new = score_window(ORG, 7, "mona", END, [day_row(0, used_copilot_cloud_agent=True)]).source
    assert old["feature_breadth"] == new["feature_breadth"] == 1


def test_another_users_rows_are_refused():
    with pytest.raises(ValueError, match="another user's rows"):
        score_window(ORG, 7, "mona", END, [typical(0), {**typical(1), "user_id": 8}])


def test_bands_and_constants():
    assert ADOPTION_WINDOW_DAYS == 28
    assert [(b.low, b.high) for b in ADOPTION_SCORE_BANDS] == [(0, 40), (40, 60), (60, 80), (80, 95), (95, 100)]
    assert ADOPTION_BAND_THRESHOLDS == (40, 60, 80, 95)
    assert [band_of(s).name for s in (0, 39.99, 40, 79.99, 80, 94.99, 95, 100)] == [
        "starting", "starting", "developing", "established", "advanced", "advanced", "leading", "leading"]
    weights = (adoption.ACTIVE_DAYS_WEIGHT, adoption.FEATURE_BREADTH_WEIGHT, adoption.INTERACTIONS_WEIGHT,
               adoption.ACCEPTANCES_WEIGHT, adoption.ACCEPTANCE_RATE_WEIGHT)
    assert sum(weights) == 100
