"""Copying chosen board items from one room of a split meeting to another, after a preview.

Only what may cross between two parents' rooms can be chosen at all (the framework: worries,
danger statements, safety goals, bottom lines; the agreements; and child-tool entries the child's
consent made "shared"). An item marked sensitive, anywhere in it, never crosses, nor does a child-tool
entry of "this room" (one that is facilitator only is not on the board at all). The preview shows
the exact values that would be written, and a digest of them: a copy that names the digest is
refused if the source changed after the preview, so the facilitator never copies something they
did not see.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.meetings.domain import photos
from server.meetings.domain.copy_plan import CopyPlan, plan, writer
from server.meetings.http import bodies
from server.meetings.http.access import meeting_of, require_open
from server.meetings.http.bodies import read_body
from server.meetings.http.endpoint import ApiError, not_found, parts
from server.meetings.http.session import current_facilitator
from server.rooms.schema import BOARD, CHILD_TOOLS, PRIVATE
from server.store.meetings import RoomAccess
from server.store.models import Facilitator, Meeting

log = logging.getLogger("kring.meetings")


@dataclass(frozen=True)
class CopyRequest:
    person: Facilitator
    meeting: Meeting
    source: RoomAccess
    target: RoomAccess
    wanted: list[tuple[str, str]]
    digest: str | None


async def _meeting_room(request: Request, meeting: Meeting, room_id: str) -> RoomAccess:
    access = await parts(request).meetings.room_access(room_id)
    # A room of another meeting is, for this meeting, a room that does not exist.
    if access is None or access.meeting_id != meeting.id:
        raise not_found("unknown_room")
    return access


async def _request(request: Request) -> CopyRequest:
    person = await current_facilitator(request)
    meeting = await meeting_of(request, person, request.path_params["meeting_id"])
    body = await read_body(request, bodies.Copy)
    source = await _meeting_room(request, meeting, body.from_room)
    target = await _meeting_room(request, meeting, body.to_room)
    if source.room_id == target.room_id:
        raise ApiError(400, "same_room", "Kies twee verschillende kamers. / Choose two different rooms.")
    require_open(meeting.status == "open")
    return CopyRequest(person, meeting, source, target, body.wanted(), body.digest)


async def _plan_for(request: Request) -> tuple[CopyRequest, CopyPlan]:
    asked = await _request(request)
    live = parts(request).live
    source = await live.copy_of(asked.source.room_id, BOARD)
    target = await live.copy_of(asked.target.room_id, BOARD)
    # Only to say why a facilitator-only entry is refused: nothing is ever copied from there.
    hidden = await live.copy_of(asked.source.room_id, PRIVATE)
    return asked, plan(source, target, asked.wanted, hidden)


async def preview(request: Request) -> Response:
    _asked, planned = await _plan_for(request)
    return JSONResponse(planned.as_json())


async def copy(request: Request) -> Response:
    asked, planned = await _plan_for(request)
    if asked.digest is not None and asked.digest != planned.digest:
        raise ApiError(
            409, "changed", "De items zijn veranderd sinds het voorbeeld. / The items changed since the preview."
        )
    kring = parts(request)
    if planned.items:
        for item in planned.items:
            photo = item["value"].get("photo") if item["root"] == CHILD_TOOLS else None
            if isinstance(photo, str):
                # Before the entry appears there: the target room's board must not name a missing file.
                photos.copy_photo(kring.settings, asked.source.room_id, asked.target.room_id, photo)
        await kring.live.edit(asked.target.room_id, BOARD, writer(planned.items))
        await kring.meetings.audit(
            "copy",
            actor_kind="facilitator",
            actor_id=str(asked.person.id),
            access=asked.target,
            detail=f"items={len(planned.items)};from={asked.source.room_id}",
        )
        log.info(
            "items copied",
            extra={"from": asked.source.room_id, "to": asked.target.room_id, "items": len(planned.items)},
        )
    return JSONResponse({**planned.as_json(), "copied": len(planned.items)})
