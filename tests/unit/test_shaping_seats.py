"""Seat listing + billing -> seats and seat_summary (fixtures: GitHub's documented examples §8.2, §8.3)."""

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from copilot_usage.model import Scope, ScopeType
from copilot_usage.schema import indices as ix
from copilot_usage.shaping.errors import RecordError
from copilot_usage.shaping.seats import SeatsShaper

DATA = Path(__file__).parent / "data"
ORG = Scope(ScopeType.ORGANIZATION, "octo-org")
ENT = Scope(ScopeType.ENTERPRISE, "octo-ent")
SNAPSHOT = dt.date(2026, 11, 20)
COMMON = {"day": "2026-11-20", "scope_type": "organization", "scope": "octo-org"}


def seats() -> list[dict]:
    return json.loads((DATA / "seats_page.json").read_text())["seats"]


def billing() -> dict:
    return json.loads((DATA / "billing.json").read_text())


def seat(login: str | None, last_activity_at: str | None, org: str | None = None, **extra) -> dict:
    base = copy.deepcopy(seats()[0])
    base["assignee"] = None if login is None else {**base["assignee"], "login": login, "id": sum(map(ord, login))}
    base["organization"] = None if org is None else {"login": org, "id": 1}
    base["last_activity_at"] = last_activity_at
    base.update(extra)
    return base


def test_seat_documents_golden():
    shaper = SeatsShaper(ORG, SNAPSHOT)
    octocat, octokitten = (shaper.seat(s) for s in seats())
    assert octocat.index is ix.SEATS
    assert octocat.source == {
        **COMMON, "seat_key": "octocat", "user_login": "octocat", "user_id": 1, "assignee_type": "user",
        "unassigned": False, "plan_type": "business", "assigning_team": "justice-league",
        "assigning_team_name": "Justice League", "created_at": "2026-01-04T00:00:00Z",
        "last_activity_at": "2026-11-20T06:53:32Z",  # -06:00 in GitHub's example, stored in UTC
        "last_activity_editor": "vscode/1.107.1/copilot-chat/0.35.3", "last_activity_ide": "vscode",
        "last_authenticated_at": "2026-11-20T06:50:10Z", "days_since_last_activity": 0, "never_used": False,
        "inactive_7d": False, "inactive_14d": False, "inactive_28d": False, "counted": True,
    }
    assert octokitten.source == {
        **COMMON, "seat_key": "octokitten", "user_login": "octokitten", "user_id": 2, "assignee_type": "user",
        "unassigned": False, "plan_type": "business", "created_at": "2026-09-24T00:00:00Z",
        "pending_cancellation_date": "2026-12-01", "last_authenticated_at": "2026-10-14T06:53:32Z",
        "days_since_last_activity": None, "never_used": True, "inactive_7d": True, "inactive_14d": True,
        "inactive_28d": True, "counted": True,
    }


def test_summary_with_billing_golden():
    shaper = SeatsShaper(ORG, SNAPSHOT)
    for s in seats():
        shaper.seat(s)
    summary = shaper.summary(billing())
    assert summary.index is ix.SEAT_SUMMARY
    assert summary.source == {
        **COMMON, "seat_total": 12, "seat_added_this_cycle": 9, "seat_pending_cancellation": 0,
        "seat_pending_invitation": 0, "seat_active_this_cycle": 12, "seat_inactive_this_cycle": 11,
        "plan_type": "business", "ide_chat": "enabled", "platform_chat": "enabled", "cli": "enabled",
        "public_code_suggestions": "block", "seat_management_setting": "assign_selected",
        "derived_from_seats": False, "seat_rows": 2, "counted_seats": 2, "assigned_seats": 2, "unassigned_seats": 0,
        "never_used_seats": 1, "inactive_7d_seats": 1, "inactive_14d_seats": 1, "inactive_28d_seats": 1,
        "pending_cancellation_seats": 1,
    }


@pytest.mark.parametrize(
    ("last_activity_at", "days", "inactive"),
    [
        ("2026-11-14T12:00:00Z", 6, (False, False, False)),
        ("2026-11-13T12:00:00Z", 7, (True, False, False)),
        ("2026-11-07T00:00:00Z", 13, (True, False, False)),
        ("2026-11-06T23:59:59Z", 14, (True, True, False)),
        ("2026-10-24T00:00:00Z", 27, (True, True, False)),
        ("2026-10-23T00:00:00Z", 28, (True, True, True)),
        # 23:30 at -06:00 on the 13th is the 14th in UTC: 6 days, not 7.
        ("2026-11-13T23:30:00-06:00", 6, (False, False, False)),
        # Activity stamped after the snapshot day counts as today, never as negative days.
        ("2026-11-21T01:00:00Z", 0, (False, False, False)),
        (None, None, (True, True, True)),
    ],
)
def test_inactivity_buckets_at_their_boundaries(last_activity_at, days, inactive):
    doc = SeatsShaper(ORG, SNAPSHOT).seat(seat("mona", last_activity_at)).source
    assert doc["days_since_last_activity"] == days
    assert (doc["inactive_7d"], doc["inactive_14d"], doc["inactive_28d"]) == inactive
    assert doc["never_used"] is (last_activity_at is None)


def test_enterprise_duplicates_are_flagged_and_counted_once():
    shaper = SeatsShaper(ENT, SNAPSHOT)
    first = shaper.seat(seat("mona", "2026-11-19T10:00:00Z", org="org-a"))
    again = shaper.seat(seat("Mona", "2026-11-19T10:00:00Z", org="org-b"))  # logins are case-insensitive
    other = shaper.seat(seat("hubot", None, org="org-b"))
    assert (first.source["counted"], again.source["counted"], other.source["counted"]) == (True, False, True)
    assert first.source["organization"] == "org-a"
    assert len({first.id, again.id, other.id}) == 3
    summary = shaper.summary(None).source
    assert summary["seat_rows"] == 3
    assert summary["counted_seats"] == 2
    assert summary["assigned_seats"] == 2
    assert summary["never_used_seats"] == 1


def test_exact_duplicate_row_is_rejected():
    shaper = SeatsShaper(ENT, SNAPSHOT)
    shaper.seat(seat("mona", None, org="org-a"))
    with pytest.raises(RecordError, match="duplicate seat row"):
        shaper.seat(seat("mona", None, org="org-a"))
    assert shaper.summary(None).source["seat_rows"] == 1


def test_unassigned_seats_get_distinct_stable_keys():
    shaper = SeatsShaper(ORG, SNAPSHOT)
    a = shaper.seat(seat(None, None))
    b = shaper.seat(seat(None, None))
    assert a.source["unassigned"] is True
    assert a.source["assignee_type"] == "none"
    assert "user_login" not in a.source
    assert a.source["counted"] is b.source["counted"] is True
    assert a.id != b.id
    again = SeatsShaper(ORG, SNAPSHOT)
    assert [again.seat(seat(None, None)).id, again.seat(seat(None, None)).id] == [a.id, b.id]
    assert shaper.summary(None).source["unassigned_seats"] == 2


def test_enterprise_summary_is_derived_from_seats():
    shaper = SeatsShaper(ENT, SNAPSHOT)
    # a: active 18 days ago and added this month; b: active last month; c: never used, leaving.
    shaper.seat(seat("a", "2026-11-02T00:00:00Z", org="o", created_at="2026-11-01T00:00:00Z"))
    shaper.seat(seat("b", "2026-10-31T23:00:00Z", org="o", created_at="2026-03-01T00:00:00Z"))
    shaper.seat(seat("c", None, org="o", pending_cancellation_date="2026-12-01"))
    shaper.seat(seat("a", "2026-11-02T00:00:00Z", org="p"))  # duplicate login: not counted again
    summary = shaper.summary(None).source
    assert summary == {
        "day": "2026-11-20", "scope_type": "enterprise", "scope": "octo-ent",
        "seat_total": 3, "seat_added_this_cycle": 1, "seat_pending_cancellation": 1, "seat_active_this_cycle": 1,
        "seat_inactive_this_cycle": 2, "derived_from_seats": True, "seat_rows": 4, "counted_seats": 3,
        "assigned_seats": 3, "unassigned_seats": 0, "never_used_seats": 1, "inactive_7d_seats": 3,
        "inactive_14d_seats": 3, "inactive_28d_seats": 1, "pending_cancellation_seats": 1,
    }


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda s: s.update(assignee={"id": 3}), "assignee.login is missing"),
        (lambda s: s.update(assignee="octocat"), "assignee is not an object"),
        (lambda s: s.update(last_activity_at="last tuesday"), "last_activity_at is not a date-time"),
        (lambda s: s.update(pending_cancellation_date="2026-13-01"), "pending_cancellation_date is not a date"),
        (lambda s: s.update(created_at=17), "created_at is not a date-time"),
        (lambda s: s["assignee"].update(id="one"), "assignee.id is not a number"),
    ],
)
def test_bad_seats_raise_record_error(mutate, reason):
    bad = seats()[0]
    mutate(bad)
    with pytest.raises(RecordError) as caught:
        SeatsShaper(ORG, SNAPSHOT).seat(bad)
    assert caught.value.reason == reason


def test_bad_billing_raises_record_error():
    shaper = SeatsShaper(ORG, SNAPSHOT)
    with pytest.raises(RecordError, match=r"seat_breakdown.total is not a number"):
        shaper.summary({"seat_breakdown": {"total": "12"}})
    with pytest.raises(RecordError, match="billing is not an object"):
        shaper.summary(["x"])  # type: ignore[arg-type]
