"""The harness's own judgements can fail: each is shown a difference it must report."""

from __future__ import annotations

from copilot_usage.schema import indices as ix
from tests.reliability.harness import differences, stale_adoption_windows, unfinished_complete_days


def _log(status: str, count: int) -> dict:
    return {ix.SCOPE_TYPE: "organization", ix.SCOPE: "o", ix.DAY: "2026-11-17", ix.REPORT: "aggregate",
            ix.STATUS: status, ix.DOCUMENT_COUNT: count}


def _doc(value: int) -> dict:
    return {ix.SCOPE_TYPE: "organization", ix.SCOPE: "o", ix.DAY: "2026-11-17", "v": value}


def test_a_day_marked_complete_with_a_missing_document_is_reported():
    expected = {ix.INGESTION_LOG.key: {"l": _log("complete", 2)}, "usage_daily": {"a": _doc(1), "b": _doc(2)}}
    actual = {ix.INGESTION_LOG.key: {"l": _log("complete", 2)}, "usage_daily": {"a": _doc(1)}}
    assert unfinished_complete_days(expected, actual) == [
        "('organization', 'o', '2026-11-17') marked done but usage_daily holds 1 of 2 documents"]
    actual[ix.INGESTION_LOG.key]["l"] = _log("failed", 0)  # not claimed done: a partial day is allowed
    assert unfinished_complete_days(expected, actual) == []


def test_changed_missing_and_extra_documents_are_all_reported():
    expected = {"usage_daily": {"a": _doc(1), "b": _doc(2)}}
    actual = {"usage_daily": {"a": _doc(5), "c": _doc(2)}}
    assert differences(expected, actual) == [
        "usage_daily: missing b", "usage_daily: unexpected c", "usage_daily: a differs in ['v']"]


def test_only_weekday_windows_before_the_latest_are_stale():
    def window(day: str) -> dict:
        return {ix.SCOPE_TYPE: "organization", ix.SCOPE: "o", ix.DAY: day}

    # 2026-11-15 is a Sunday, 2026-11-17 a Tuesday, 2026-11-18 the latest stored day.
    snap = {ix.USER_ADOPTION.key: {"sun": window("2026-11-15"), "tue": window("2026-11-17"),
                                   "latest": window("2026-11-18")}}
    assert stale_adoption_windows(snap) == {"tue"}
