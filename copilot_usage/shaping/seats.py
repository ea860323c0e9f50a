"""The seat listing and billing summary -> seats documents and one seat_summary per scope and snapshot day.

An enterprise listing repeats a user once per organization or enterprise team that grants them a seat
(GitHub counts them once in `total_seats`): the first row of a login is `counted`, later rows are not, so
sums over `counted` match GitHub's count. Memory grows with the seats of one scope (a set of logins).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from copilot_usage.model import Scope
from copilot_usage.schema.indices import (
    ASSIGNED_SEATS,
    ASSIGNEE_TYPE,
    ASSIGNEE_TYPE_NONE,
    ASSIGNING_TEAM,
    ASSIGNING_TEAM_NAME,
    BILLING_SETTINGS,
    COUNTED,
    COUNTED_SEATS,
    CREATED_AT,
    DAYS_SINCE_LAST_ACTIVITY,
    DERIVED_FROM_SEATS,
    INACTIVE_7D_SEATS,
    INACTIVE_14D_SEATS,
    INACTIVE_28D_SEATS,
    INACTIVE_DAYS,
    LAST_ACTIVITY_AT,
    LAST_ACTIVITY_EDITOR,
    LAST_ACTIVITY_IDE,
    LAST_AUTHENTICATED_AT,
    NEVER_USED,
    NEVER_USED_SEATS,
    ORGANIZATION,
    PENDING_CANCELLATION_DATE,
    PENDING_CANCELLATION_SEATS,
    PLAN_TYPE,
    SEAT_ACTIVE_THIS_CYCLE,
    SEAT_ADDED_THIS_CYCLE,
    SEAT_BREAKDOWN_FIELDS,
    SEAT_INACTIVE_THIS_CYCLE,
    SEAT_KEY,
    SEAT_PENDING_CANCELLATION,
    SEAT_PREFIX,
    SEAT_ROWS,
    SEAT_SUMMARY,
    SEAT_TOTAL,
    SEATS,
    UNASSIGNED,
    UNASSIGNED_SEATS,
    USER_ID,
    USER_LOGIN,
    Doc,
)
from copilot_usage.shaping import source_keys as src
from copilot_usage.shaping.common import base
from copilot_usage.shaping.errors import RecordError
from copilot_usage.shaping.values import count, day_text, obj, optional_timestamp, text

# A seat key for a seat without an assignee: "~" never occurs in a GitHub login, so it cannot collide.
UNASSIGNED_KEY_PREFIX = "~unassigned"
_INACTIVE_SUMMARY = {7: INACTIVE_7D_SEATS, 14: INACTIVE_14D_SEATS, 28: INACTIVE_28D_SEATS}


class SeatsShaper:
    """Shapes one scope's seat listing on one snapshot day: `add` each seat, then `finish` once for the
    seat summary, built from `billing` (the organization's billing endpoint; None for enterprises)."""

    def __init__(self, scope: Scope, snapshot_day: dt.date, billing: dict[str, Any] | None = None):
        self.scope = scope
        self.snapshot_day = snapshot_day
        self.billing = billing
        self._day = snapshot_day.isoformat()
        self._month_start = snapshot_day.replace(day=1)
        self._logins: set[str] = set()
        self._keys: set[tuple[str, str | None, str | None]] = set()
        self._unassigned: dict[tuple[str | None, str | None, str | None], int] = {}
        self._totals = dict.fromkeys(
            (SEAT_ROWS, COUNTED_SEATS, ASSIGNED_SEATS, UNASSIGNED_SEATS, NEVER_USED_SEATS, INACTIVE_7D_SEATS,
             INACTIVE_14D_SEATS, INACTIVE_28D_SEATS, PENDING_CANCELLATION_SEATS),
            0,
        )
        # For enterprises, which have no billing endpoint: counted seats active / added this calendar month.
        self._active_this_month = 0
        self._added_this_month = 0

    def add(self, seat: dict[str, Any]) -> list[Doc]:
        """The shaper interface (shaping/base.py): the seat's document."""
        return [self.seat(seat)]

    def finish(self) -> list[Doc]:
        return [self.summary(self.billing)]

    def seat(self, seat: dict[str, Any]) -> Doc:
        """The seat's document; raises RecordError for a malformed or exactly repeated seat row."""
        if type(seat) is not dict:
            raise RecordError("seat is not an object")
        assignee = obj(seat.get(src.ASSIGNEE), src.ASSIGNEE)
        organization = obj(seat.get(ORGANIZATION), ORGANIZATION)
        team = obj(seat.get(ASSIGNING_TEAM), ASSIGNING_TEAM)
        org_login = text(organization.get(src.LOGIN), "organization.login")
        team_slug = text(team.get(src.SLUG), "assigning_team.slug")
        created_at, created_day = optional_timestamp(seat.get(CREATED_AT), CREATED_AT)
        last_activity_at, last_activity_day = optional_timestamp(seat.get(LAST_ACTIVITY_AT), LAST_ACTIVITY_AT)
        last_authenticated_at, _ = optional_timestamp(seat.get(LAST_AUTHENTICATED_AT), LAST_AUTHENTICATED_AT)
        pending_cancellation = day_text(seat.get(PENDING_CANCELLATION_DATE), PENDING_CANCELLATION_DATE)
        editor = text(seat.get(LAST_ACTIVITY_EDITOR), LAST_ACTIVITY_EDITOR)

        doc = base(self.scope, self._day)
        if assignee:
            login = text(assignee.get(src.LOGIN), "assignee.login") or text(assignee.get(src.SLUG), "assignee.slug")
            if login is None:
                raise RecordError("assignee.login is missing")
            seat_key = login
            counted = login.lower() not in self._logins  # logins are case-insensitive
            doc[SEAT_KEY] = seat_key
            doc[USER_LOGIN] = login
            user_id = count(assignee.get(src.ID), "assignee.id")
            if user_id is not None:
                doc[USER_ID] = user_id
            doc[ASSIGNEE_TYPE] = (text(assignee.get(src.TYPE), "assignee.type") or "user").lower()
        else:
            # Unassigned seats have no natural key; number identical ones in listing order.
            group = (org_login, team_slug, created_at)
            ordinal = self._unassigned.get(group, 0)
            self._unassigned[group] = ordinal + 1
            seat_key = f"{UNASSIGNED_KEY_PREFIX}:{created_at or ''}:{ordinal}"
            counted = True
            doc[SEAT_KEY] = seat_key
            doc[ASSIGNEE_TYPE] = ASSIGNEE_TYPE_NONE
        key = (seat_key.lower(), org_login, team_slug)
        if key in self._keys:
            # Same login, organization and team twice: a paging overlap, not a second seat.
            raise RecordError("duplicate seat row")
        self._keys.add(key)
        doc[UNASSIGNED] = not assignee
        for name, value in (
            (ORGANIZATION, org_login),
            (PLAN_TYPE, text(seat.get(PLAN_TYPE), PLAN_TYPE)),
            (ASSIGNING_TEAM, team_slug),
            (ASSIGNING_TEAM_NAME, text(team.get(src.NAME), "assigning_team.name")),
            (CREATED_AT, created_at),
            (PENDING_CANCELLATION_DATE, pending_cancellation),
            (LAST_ACTIVITY_AT, last_activity_at),
            (LAST_ACTIVITY_EDITOR, editor),
            (LAST_ACTIVITY_IDE, _ide_of(editor)),
            (LAST_AUTHENTICATED_AT, last_authenticated_at),
        ):
            if value is not None:
                doc[name] = value
        never_used = last_activity_day is None
        # Activity stamped after the snapshot day (clock skew, time zones) counts as today.
        days_since = None if last_activity_day is None else max(0, (self.snapshot_day - last_activity_day).days)
        doc[DAYS_SINCE_LAST_ACTIVITY] = days_since
        doc[NEVER_USED] = never_used
        for days, name in INACTIVE_DAYS:
            doc[name] = days_since is None or days_since >= days
        doc[COUNTED] = counted

        if assignee:
            self._logins.add(seat_key.lower())
        self._count(doc, counted, created_day, last_activity_day)
        return Doc(SEATS, doc)

    def _count(
        self, doc: dict[str, Any], counted: bool, created_day: dt.date | None, last_activity_day: dt.date | None
    ) -> None:
        totals = self._totals
        totals[SEAT_ROWS] += 1
        if not counted:
            return
        totals[COUNTED_SEATS] += 1
        totals[UNASSIGNED_SEATS if doc[UNASSIGNED] else ASSIGNED_SEATS] += 1
        totals[NEVER_USED_SEATS] += doc[NEVER_USED]
        for days, name in INACTIVE_DAYS:
            totals[_INACTIVE_SUMMARY[days]] += doc[name]
        totals[PENDING_CANCELLATION_SEATS] += PENDING_CANCELLATION_DATE in doc
        month = (self._month_start, self.snapshot_day)
        self._active_this_month += last_activity_day is not None and month[0] <= last_activity_day <= month[1]
        self._added_this_month += created_day is not None and month[0] <= created_day <= month[1]

    def summary(self, billing: dict[str, Any] | None) -> Doc:
        """seat_summary: GitHub's billing numbers when given (organizations), else derived from the seats."""
        doc = base(self.scope, self._day)
        if billing is not None:
            if type(billing) is not dict:
                raise RecordError("billing is not an object")
            breakdown = obj(billing.get(src.SEAT_BREAKDOWN), src.SEAT_BREAKDOWN)
            for name in SEAT_BREAKDOWN_FIELDS:
                key = name.removeprefix(SEAT_PREFIX)
                value = count(breakdown.get(key), f"{src.SEAT_BREAKDOWN}.{key}")
                if value is not None:
                    doc[name] = value
            for name in BILLING_SETTINGS:
                setting = text(billing.get(name), f"billing {name}")
                if setting is not None:
                    doc[name] = setting
            doc[DERIVED_FROM_SEATS] = False
        else:
            # No billing endpoint for enterprises: approximate the billing cycle by the calendar month.
            total = self._totals[COUNTED_SEATS]
            doc[SEAT_TOTAL] = total
            doc[SEAT_ADDED_THIS_CYCLE] = self._added_this_month
            doc[SEAT_PENDING_CANCELLATION] = self._totals[PENDING_CANCELLATION_SEATS]
            doc[SEAT_ACTIVE_THIS_CYCLE] = self._active_this_month
            doc[SEAT_INACTIVE_THIS_CYCLE] = total - self._active_this_month
            doc[DERIVED_FROM_SEATS] = True
        doc.update(self._totals)
        return Doc(SEAT_SUMMARY, doc)


def _ide_of(editor: str | None) -> str | None:
    """"vscode/1.77.3/copilot/1.86.82" -> "vscode": the editor without versions, for grouping."""
    if not editor:
        return None
    return editor.split("/", 1)[0].strip() or None
