"""The JSON shapes of cases, meetings, rooms, participants and audit entries (typed in answers.py)."""

from __future__ import annotations

from datetime import datetime

from server.meetings.domain.parts import KringParts
from server.meetings.render import answers
from server.reach import is_loopback_url
from server.settings import Settings
from server.store.models import AuditEntry, Case, Facilitator, Meeting, MeetingRoom, Participant


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def join_url(settings: Settings, code: str | None) -> str | None:
    return f"{settings.public_url.rstrip('/')}/j/{code}" if code else None


def facilitator_view(person: Facilitator) -> answers.Facilitator:
    return {"id": person.id, "name": person.name, "email": person.email}


def case_view(case: Case) -> answers.Case:
    return {"id": case.id, "label": case.label, "created_at": case.created_at.isoformat(), "team_id": case.team_id}


def meeting_summary(meeting: Meeting) -> answers.MeetingSummary:
    return {
        "id": meeting.id,
        "title": meeting.title,
        "status": meeting.status,
        "created_at": meeting.created_at.isoformat(),
        "closed_at": _when(meeting.closed_at),
    }


def participant_view(person: Participant) -> answers.Participant:
    return {
        "id": person.id,
        "name": person.name,
        "relation": person.relation,
        "status": person.status,
        "full_board": person.full_board,
        "photo": bool(person.photo and person.photo_consent_at),
        "safety_person": {None: "auto", True: "yes", False: "no"}[person.safety_person],
    }


def room_view(settings: Settings, room: MeetingRoom, people: list[Participant]) -> answers.Room:
    return {
        "id": room.id,
        "name": room.name,
        "join_code": room.join_code,
        "join_url": join_url(settings, room.join_code),
        "locked": room.locked,
        "participants": [participant_view(p) for p in people],
    }


async def meeting_detail(kring: KringParts, meeting_id: str) -> answers.Meeting:
    store = kring.meetings
    meeting = await store.meeting(meeting_id)
    assert meeting is not None  # callers found it a moment ago; meetings are never deleted here
    rooms = [
        room_view(kring.settings, room, await store.participants_of(room.id))
        for room in await store.rooms_of(meeting.id)
    ]
    return {
        "id": meeting.id,
        "title": meeting.title,
        "status": meeting.status,
        "admit_all": meeting.admit_all,
        "case_id": meeting.case_id,
        "rooms": rooms,
        "join_local_only": is_loopback_url(kring.settings.public_url),
    }


def audit_view(entry: AuditEntry) -> answers.AuditEntry:
    return {
        "at": entry.at.isoformat(),
        "actor_kind": entry.actor_kind,
        "actor_id": entry.actor_id,
        "action": entry.action,
        "room_id": entry.room_id,
        "on_behalf_of": entry.on_behalf_of,
        "detail": entry.detail,
    }
