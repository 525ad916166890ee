"""Reviews between meetings: which rules of a case's plan are due for review, or past it.

A rule's review date is its own `review`; an immediate rule without one is reviewed seven days
after its meeting (the immediate plan is looked at again within about a week, domain.md). Only the
plan as it stands counts: the rooms no follow-up continues (a follow-up carries the plan on, with
its own dates), of meetings not being deleted, and only rules past "proposed".

Dates are days in the organisation's time zone (KRING_TIME_ZONE, Europe/Amsterdam by default): a
review "today" is due from midnight there, not from midnight UTC.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from pycrdt import Map

from server.meetings.domain import network_links
from server.meetings.domain.parts import KringParts
from server.rooms.schema import BOARD, PRIVATE
from server.store.models import Meeting

# The immediate plan's review when the rule names none: about a week after the meeting.
IMMEDIATE_REVIEW_DAYS = 7
# "Due": the review date is today or within this many days.
DUE_WITHIN_DAYS = 2
# A rule still being proposed is not yet the plan: nothing to review.
_NOT_YET = "proposed"
_LIVE_MEETINGS = ("open", "closed")

OVERDUE = "overdue"
DUE = "due"


@dataclass(frozen=True)
class RuleReview:
    meeting_id: str
    room_id: str
    room: str
    key: str
    text: str
    section: str
    review: datetime.date
    state: str  # DUE or OVERDUE


@dataclass(frozen=True)
class CaseReviews:
    case_id: str
    label: str
    rules: list[RuleReview]
    # Rules of the plan as it stands that the safety journal says did not hold this week.
    not_held: int = 0

    @property
    def due(self) -> int:
        return sum(1 for r in self.rules if r.state == DUE)

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rules if r.state == OVERDUE)

    @property
    def earliest(self) -> datetime.date | None:
        return min((r.review for r in self.rules), default=None)


def today(zone: str, moment: datetime.datetime | None = None) -> datetime.date:
    """The day it is where the organisation works."""
    return (moment or datetime.datetime.now(datetime.UTC)).astimezone(ZoneInfo(zone)).date()


def _date(raw: Any) -> datetime.date | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw[:10])
    except ValueError:
        return None


def review_date(rule: dict[str, Any], meeting_day: datetime.date) -> datetime.date | None:
    """The rule's review date: its own, or for an immediate rule a week after the meeting."""
    own = _date(rule.get("review"))
    if own is not None:
        return own
    if str(rule.get("section") or "immediate") == "immediate":
        return meeting_day + datetime.timedelta(days=IMMEDIATE_REVIEW_DAYS)
    return None


def state_of(review: datetime.date, on: datetime.date) -> str | None:
    """DUE from DUE_WITHIN_DAYS before the date through the day itself, OVERDUE after; else None."""
    if review < on:
        return OVERDUE
    if review <= on + datetime.timedelta(days=DUE_WITHIN_DAYS):
        return DUE
    return None


def meeting_day(meeting: Meeting, zone: str) -> datetime.date:
    """The day a meeting's plan was agreed, where the organisation works."""
    return _meeting_day(meeting, zone)


def _meeting_day(meeting: Meeting, zone: str) -> datetime.date:
    # The plan is agreed when the meeting is held; a closed meeting's close is its last day.
    moment = meeting.closed_at or meeting.created_at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return today(zone, moment)


async def reviews_of_case(kring: KringParts, case_id: str, label: str, on: datetime.date) -> CaseReviews:
    zone = kring.settings.time_zone
    found: list[RuleReview] = []
    failed: set[tuple[str, str]] = set()
    since = on - network_links.WEEK + datetime.timedelta(days=1)
    meetings = [m for m in await kring.meetings.meetings_of_case(case_id) if m.status in _LIVE_MEETINGS]
    rooms = {m.id: await kring.meetings.rooms_of(m.id) for m in meetings}
    continued = {r.continues_room_id for rs in rooms.values() for r in rs if r.continues_room_id}
    for meeting in meetings:
        day = _meeting_day(meeting, zone)
        for room in rooms[meeting.id]:
            if room.id in continued:
                continue  # its plan lives on in the follow-up, with the follow-up's dates
            for entry in await kring.meetings.journal_entries_of(room.id):
                if entry.verdict == "not_held" and since <= entry.day <= on:
                    failed.add((room.id, entry.rule_id))
            shown = (await kring.live.copy_of(room.id, BOARD)).get("agreements", type=Map).to_py() or {}
            hidden = (await kring.live.copy_of(room.id, PRIVATE)).get("agreements", type=Map).to_py() or {}
            for key, rule in sorted({**hidden, **shown}.items()):
                if not isinstance(rule, dict) or str(rule.get("status") or _NOT_YET) == _NOT_YET:
                    continue
                date = review_date(rule, day)
                state = state_of(date, on) if date is not None else None
                if date is None or state is None:
                    continue
                found.append(
                    RuleReview(
                        meeting_id=meeting.id,
                        room_id=room.id,
                        room=room.name,
                        key=key,
                        text=str(rule.get("text") or ""),
                        section=str(rule.get("section") or "immediate"),
                        review=date,
                        state=state,
                    )
                )
    found.sort(key=lambda r: (r.review, r.meeting_id, r.room_id, r.key))
    return CaseReviews(case_id=case_id, label=label, rules=found, not_held=len(failed))


async def reviews_for(kring: KringParts, facilitator_id: int, on: datetime.date | None = None) -> list[CaseReviews]:
    """Every case the facilitator may see (their own and those they co-facilitate), with its reviews."""
    day = on or today(kring.settings.time_zone)
    return [await reviews_of_case(kring, c.id, c.label, day) for c in await kring.meetings.cases_of(facilitator_id)]
