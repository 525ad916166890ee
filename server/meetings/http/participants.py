"""Facilitator endpoints for the people in a room: add someone without a phone, admit, rename, remove.

The audit log records who acted and on whom by id only: a name is content, and content never
enters the audit log or the logs.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.meetings.domain import photos
from server.meetings.domain.people import show_person
from server.meetings.http import bodies
from server.meetings.http.access import participant_of, require_open, room_of
from server.meetings.http.bodies import read_body
from server.meetings.http.endpoint import ApiError, parts
from server.meetings.http.session import current_facilitator
from server.meetings.render.json_shapes import participant_view
from server.rooms.schema import CHILD_RELATION
from server.store.models import Facilitator, Participant

log = logging.getLogger("kring.meetings")


async def add_participant(request: Request) -> Response:
    person = await current_facilitator(request)
    body = await read_body(request, bodies.NewParticipant)
    access = await room_of(request, person, body.room_id)
    require_open(access.meeting_open)
    store = parts(request).meetings
    # Someone without a phone: admitted at once, and the token nobody will ever hold is not returned.
    added, _token = await store.add_participant(access.room_id, body.name, body.relation, admitted=True, in_person=True)
    await show_person(parts(request).live, added, await store.participants_of(access.room_id))
    parts(request).live.people_changed(access.room_id)
    await store.audit(
        "participant_add", actor_kind="facilitator", actor_id=str(person.id), access=access, on_behalf_of=added.id
    )
    return JSONResponse(participant_view(added), status_code=201)


async def _changed(request: Request, person: Facilitator, participant_id: str, action: str) -> Participant:
    store = parts(request).meetings
    changed, access = await participant_of(request, person, participant_id)
    await show_person(parts(request).live, changed, await store.participants_of(access.room_id))
    parts(request).live.people_changed(access.room_id)  # every console of the room, in every process
    await store.audit(action, actor_kind="facilitator", actor_id=str(person.id), access=access, on_behalf_of=changed.id)
    log.info(action, extra={"participant": changed.id, "room": access.room_id, "facilitator": person.id})
    return changed


async def admit(request: Request) -> Response:
    person = await current_facilitator(request)
    participant, access = await participant_of(request, person, request.path_params["participant_id"])
    await read_body(request, bodies.NoBody)
    require_open(access.meeting_open)
    if participant.status == "removed":
        raise ApiError(409, "removed", "Verwijderd; laat opnieuw aanmelden. / Removed; they must join again.")
    was = participant.status
    if was != "admitted":
        await parts(request).meetings.set_participant(participant.id, status="admitted")
    # At once, before the board's list of people is written; also on a repeat, for a phone whose
    # notice was lost.
    parts(request).live.admission_changed(participant.id, "admitted")
    if was != "admitted":
        participant = await _changed(request, person, participant.id, "admit")
    return JSONResponse(participant_view(participant))


async def rename(request: Request) -> Response:
    person = await current_facilitator(request)
    participant, access = await participant_of(request, person, request.path_params["participant_id"])
    name = (await read_body(request, bodies.Rename)).name
    require_open(access.meeting_open)
    await parts(request).meetings.set_participant(participant.id, name=name)
    participant = await _changed(request, person, participant.id, "rename")
    # A socket's name is fixed at connect, and its presence carries it to everyone in the room:
    # the phone reconnects at once (told why) and comes back under the new name.
    parts(request).live.remove_person(access.room_id, participant.id, code="renamed")
    return JSONResponse(participant_view(participant))


async def child_view(request: Request) -> Response:
    """Switch a child between the child view and the full board; their phone reconnects to the other."""
    person = await current_facilitator(request)
    participant, access = await participant_of(request, person, request.path_params["participant_id"])
    full_board = (await read_body(request, bodies.ChildView)).full_board
    require_open(access.meeting_open)
    if participant.relation != CHILD_RELATION:
        raise ApiError(409, "not_a_child", "Alleen voor een kind. / Only for a child participant.")
    if participant.full_board != full_board:
        await parts(request).meetings.set_participant(participant.id, full_board=full_board)
        participant = await _changed(
            request, person, participant.id, "child_full_board" if full_board else "child_view"
        )
    # Also on a repeat: a socket's documents are decided at connect, so the phone reconnects (told
    # why) and gets the board or the child document; here and in other processes.
    parts(request).live.remove_person(access.room_id, participant.id, code="view_changed")
    return JSONResponse(participant_view(participant))


async def remove(request: Request) -> Response:
    person = await current_facilitator(request)
    participant, access = await participant_of(request, person, request.path_params["participant_id"])
    await read_body(request, bodies.NoBody)
    if participant.status != "removed":
        await parts(request).meetings.set_participant(participant.id, status="removed")
        participant = await _changed(request, person, participant.id, "remove")
    if participant.photo:
        # Someone removed is no safety person of this room: their photo (docs/exports.md) goes too.
        await parts(request).meetings.set_participant(participant.id, photo=None, photo_consent_at=None)
        await asyncio.to_thread(
            photos.remove_photo, parts(request).settings, access.room_id, participant.photo, photos.PEOPLE
        )
        participant = await parts(request).meetings.participant(participant.id) or participant
    # Also on a repeat: whatever socket the person still holds goes, here and in other processes.
    parts(request).live.remove_person(access.room_id, participant.id)
    parts(request).live.admission_changed(participant.id, "removed")  # a phone still waiting
    return JSONResponse(participant_view(participant))
