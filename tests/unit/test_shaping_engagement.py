"""The 28-day wrapper's copilot_feature_engagement -> feature_engagement documents (shaping/engagement.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from copilot_usage.model import Scope, ScopeType
from copilot_usage.schema import indices as ix
from copilot_usage.shaping.engagement import carries_engagement, shape_feature_engagement
from copilot_usage.shaping.errors import RecordError

ORG = Scope(ScopeType.ORGANIZATION, "octo-org")
END = dt.date(2026, 11, 18)


def wrapper(**engagement: Any) -> dict[str, Any]:
    block = {"active_user_count": 40, "totals_by_feature": [
        {"feature": "code_completion", "active_user_count": 30},
        {"feature": "agent_edit", "active_user_count": 12},
        {"feature": "copilot_cli", "active_user_count": 0},
    ], **engagement}
    return {"report_start_day": "2026-10-22", "report_end_day": END.isoformat(), "organization_id": "999",
            "day_totals": [], "copilot_feature_engagement": block}


def by_feature(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d.source[ix.FEATURE]: d.source for d in shape_feature_engagement(ORG, END, record)}


def test_one_document_per_feature_for_the_window_end_day() -> None:
    docs = shape_feature_engagement(ORG, END, wrapper())
    assert [d.index for d in docs] == [ix.FEATURE_ENGAGEMENT] * 3
    completion = docs[0].source
    assert completion == {
        ix.DAY: "2026-11-18", ix.SCOPE_TYPE: "organization", ix.SCOPE: "octo-org", ix.ORGANIZATION_ID: "999",
        ix.WINDOW_START: "2026-10-22", ix.WINDOW_END: "2026-11-18", ix.WINDOW_DAYS: 28, ix.ACTIVE_USERS: 40,
        ix.FEATURE: "code_completion", ix.FEATURE_GROUP: ix.FEATURE_GROUP_COMPLETION, ix.ENGAGED_USERS: 30,
        ix.ENGAGED_SHARE: 0.75,
    }
    shares = {d.source[ix.FEATURE]: d.source[ix.ENGAGED_SHARE] for d in docs}
    assert shares == {"code_completion": 0.75, "agent_edit": 0.3, "copilot_cli": 0.0}
    assert by_feature(wrapper())["agent_edit"][ix.FEATURE_GROUP] == ix.FEATURE_GROUP_AGENT


def test_ids_are_per_scope_window_end_and_feature() -> None:
    first = shape_feature_engagement(ORG, END, wrapper())
    again = shape_feature_engagement(ORG, END, wrapper(active_user_count=41))
    assert [d.id for d in first] == [d.id for d in again]  # the same window again overwrites
    later = {**wrapper(), "report_start_day": "2026-10-23", "report_end_day": "2026-11-19"}
    next_day = shape_feature_engagement(ORG, END + dt.timedelta(days=1), later)
    assert not {d.id for d in first} & {d.id for d in next_day}  # the next window is a new point
    enterprise = shape_feature_engagement(Scope(ScopeType.ENTERPRISE, "octo-org"), END, wrapper())
    assert not {d.id for d in first} & {d.id for d in enterprise}


def test_share_is_null_without_active_users_and_never_above_one() -> None:
    nobody = by_feature(wrapper(active_user_count=0))
    assert all(doc[ix.ENGAGED_SHARE] is None for doc in nobody.values())
    assert nobody["code_completion"][ix.ACTIVE_USERS] == 0
    odd = by_feature(wrapper(active_user_count=20))  # 30 engaged of 20 active: not a share
    assert odd["code_completion"][ix.ENGAGED_SHARE] is None
    assert odd["agent_edit"][ix.ENGAGED_SHARE] == 0.6
    unknown = by_feature(wrapper(active_user_count=None))
    assert ix.ACTIVE_USERS not in unknown["agent_edit"]
    assert unknown["agent_edit"][ix.ENGAGED_SHARE] is None


def test_a_wrapper_without_engagement_makes_nothing() -> None:
    record = wrapper()
    del record["copilot_feature_engagement"]
    assert not carries_engagement(record)
    assert shape_feature_engagement(ORG, END, record) == []
    assert shape_feature_engagement(ORG, END, {**record, "copilot_feature_engagement": None}) == []
    assert carries_engagement(wrapper())


def test_a_feature_listed_twice_keeps_its_first_row() -> None:
    rows = [{"feature": "copilot_cli", "active_user_count": 5}, {"feature": "copilot_cli", "active_user_count": 9}]
    docs = shape_feature_engagement(ORG, END, wrapper(totals_by_feature=rows))
    assert [(d.source[ix.FEATURE], d.source[ix.ENGAGED_USERS]) for d in docs] == [("copilot_cli", 5)]


@pytest.mark.parametrize(("change", "reason"), [
    ({"report_end_day": "2026-11-17"}, "report_end_day 2026-11-17 is not the expected day 2026-11-18"),
    ({"report_end_day": None}, "report_end_day is missing"),
    ({"report_start_day": "2026-12-01"}, "report_start_day 2026-12-01 is after report_end_day 2026-11-18"),
    ({"report_start_day": 20261022}, "report_start_day is not a date"),
    ({"copilot_feature_engagement": []}, "copilot_feature_engagement is not an object"),
])
def test_a_damaged_wrapper_is_set_aside_with_a_reason(change: dict[str, Any], reason: str) -> None:
    with pytest.raises(RecordError, match=reason):
        shape_feature_engagement(ORG, END, {**wrapper(), **change})


@pytest.mark.parametrize(("engagement", "reason"), [
    ({"active_user_count": "40"}, "copilot_feature_engagement.active_user_count is not a number"),
    ({"totals_by_feature": {"feature": "x"}}, "copilot_feature_engagement.totals_by_feature is not an array"),
    ({"totals_by_feature": ["code_completion"]}, r"totals_by_feature\[\] is not an object"),
    ({"totals_by_feature": [{"active_user_count": 3}]}, r"totals_by_feature\[\].feature is missing"),
    ({"totals_by_feature": [{"feature": "x", "active_user_count": True}]},
     r"totals_by_feature\[\].active_user_count is not a number"),
])
def test_a_damaged_engagement_block_is_set_aside_with_a_reason(engagement: dict[str, Any], reason: str) -> None:
    with pytest.raises(RecordError, match=reason):
        shape_feature_engagement(ORG, END, wrapper(**engagement))


def test_not_an_object_is_set_aside() -> None:
    with pytest.raises(RecordError, match="not an object"):
        shape_feature_engagement(ORG, END, ["x"])
