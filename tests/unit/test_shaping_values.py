"""Value rules shared by every shaper: coercion, timestamps, and the feature_group mapping."""

import pytest

from copilot_usage.schema import indices as ix
from copilot_usage.shaping.errors import RecordError
from copilot_usage.shaping.features import feature_group
from copilot_usage.shaping.values import count, counts, day_text, flag, number, ratio, text, timestamp


@pytest.mark.parametrize(
    ("feature", "group"),
    [
        ("code_completion", "completion"),
        ("chat_inline", "chat"),
        ("chat_panel_ask_mode", "chat"),
        ("chat_panel_edit_mode", "chat"),
        ("chat_panel_custom_mode", "chat"),
        ("chat_panel_unknown_mode", "chat"),
        ("chat_panel_plan_mode", "agent"),
        ("chat_panel_agent_mode", "agent"),
        ("agent_edit", "agent"),
        ("copilot_cli", "cli"),
        ("copilot_app", "app"),
        ("others", "other"),
        # Values GitHub may add later fall back by name.
        ("chat_panel_review_mode", "chat"),
        ("background_agent", "agent"),
        ("cli_agent_mode", "agent"),
        ("gh_cli", "cli"),
        ("something_new", "other"),
    ],
)
def test_feature_groups(feature, group):
    assert feature_group(feature) == group
    assert group in ix.FEATURE_GROUPS


def test_counts_reads_several_fields():
    row = {"a": 1, "b": None, "c": 2.7}
    assert counts(row, ("a", "b", "c"), ("a", "b", "c")) == [1, None, 2]
    assert counts({"a": 1, "b": 2}, ("a", "b"), ("a", "b")) == [1, 2]
    assert counts({"a": 1}, ("a", "b"), ("a", "b")) == [1, None]
    with pytest.raises(RecordError, match=r"^b does not fit in a 64-bit integer$"):
        counts({"a": 1, "b": 2**63}, ("a", "b"), ("a", "b"))
    with pytest.raises(RecordError, match=r"^b is not a number$"):
        counts({"a": 1, "b": "2"}, ("a", "b"), ("a", "b"))


def test_scalar_rules():
    assert count(-(2**63), "x") == -(2**63)
    assert number(3, "x") == 3.0
    with pytest.raises(RecordError, match="x is too large"):
        number(10**400, "x")
    assert text("", "x") is None
    assert text(12, "x") == "12"
    assert flag(0, "x") is False
    with pytest.raises(RecordError, match="x is not a boolean"):
        flag(2, "x")
    assert ratio(1, 0) is None
    assert ratio(None, 4) is None
    assert ratio(1, 3) == 0.333333


def test_timestamps_are_stored_in_utc():
    assert timestamp("2026-11-20T00:53:32-06:00", "t")[0] == "2026-11-20T06:53:32Z"
    assert timestamp("2026-11-20T08:01:43.120Z", "t")[0] == "2026-11-20T08:01:43.120Z"
    assert timestamp("2026-11-20T08:01:43", "t")[0] == "2026-11-20T08:01:43Z"  # naive: taken as UTC
    assert day_text("2026-12-01", "d") == "2026-12-01"
    assert day_text("2026-12-01T23:30:00-02:00", "d") == "2026-12-02"
    with pytest.raises(RecordError, match=r"^d is not a date$"):
        day_text(20261201, "d")
