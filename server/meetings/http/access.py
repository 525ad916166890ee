"""Which case, meeting, room or participant a facilitator may act on.

Anything outside the facilitator's cases answers exactly like something that does not exist, so
that ids cannot be probed for cases belonging to other teams.
"""

from __future__ import annotations

from starlette.requests import Request

from server.meetings.http.endpoint import ApiError, not_found, parts
from server.store.meetings import RoomAccess
from server.store.models import Case, Facilitator, Meeting, Participant


async def case_of(request: Request, person: Facilitator, case_id: str) -> Case:
    store = parts(request).meetings
    case = await store.case(case_id) if await store.can_manage_case(person.id, case_id) else None
    if case is None:
        raise not_found()
    return case


async def meeting_of(request: Request, person: Facilitator, meeting_id: str) -> Meeting:
    store = parts(request).meetings
    meeting = await store.meeting(meeting_id)
    if meeting is None or not await store.can_manage_case(person.id, meeting.case_id):
        raise not_found()
    return meeting


async def room_of(request: Request, person: Facilitator, room_id: str) -> RoomAccess:
    store = parts(request).meetings
    access = await store.room_access(room_id)
    if access is None or not await store.can_manage_case(person.id, access.case_id):
        raise not_found()
    return access


async def participant_of(request: Request, person: Facilitator, participant_id: str) -> tuple[Participant, RoomAccess]:
    participant = await parts(request).meetings.participant(participant_id)
    if participant is None:
        raise not_found()
    return participant, await room_of(request, person, participant.room_id)


def closed() -> ApiError:
    return ApiError(409, "meeting_closed", "Deze bijeenkomst is afgesloten. / This meeting is closed.")


def require_open(open_: bool) -> None:
    if not open_:
        raise closed()
