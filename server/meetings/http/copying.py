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
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.meetings.domain import photos
from server.meetings.domain.copy_plan import CopyPlan, plan, writer
from server.meetings.http.access import meeting_of, require_open
from server.meetings.http.endpoint import ApiError, not_found, parts, read_json
from server.meetings.http.session import current_facilitator
from server.rooms.schema import BOARD, CHILD_TOOLS
from server.store.meetings import RoomAccess
from server.store.models import Facilitator, Meeting

log = logging.getLogger("kring.meetings")

MAX_ITEMS = 100
MAX_KEY = 128


@dataclass(frozen=True)
class CopyRequest:
    person: Facilitator
    meeting: Meeting
    source: RoomAccess
    target: RoomAccess
    wanted: list[tuple[str, str]]
    digest: str | None


def _wanted(body: dict[str, Any]) -> list[tuple[str, str]]:
    raw = body.get("items")
    bad = ApiError(
        400, "bad_items", f"'items': 1 tot {MAX_ITEMS} keer {{root, key}}. / 1 to {MAX_ITEMS} {{root, key}}."
    )
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_ITEMS:
        raise bad
    wanted: list[tuple[str, str]] = []
    for entry in raw:
        if not isinstance(entry, dict):
            raise bad
        root, key = entry.get("root"), entry.get("key")
        if not isinstance(root, str) or not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY:
            raise bad
        if (root, key) not in wanted:
            wanted.append((root, key))
    return wanted


async def _meeting_room(request: Request, meeting: Meeting, room_id: Any) -> RoomAccess:
    access = await parts(request).meetings.room_access(room_id) if isinstance(room_id, str) else None
    # A room of another meeting is, for this meeting, a room that does not exist.
    if access is None or access.meeting_id != meeting.id:
        raise not_found("unknown_room")
    return access


async def _request(request: Request) -> CopyRequest:
    person = await current_facilitator(request)
    meeting = await meeting_of(request, person, request.path_params["meeting_id"])
    body = await read_json(request)
    source = await _meeting_room(request, meeting, body.get("from_room"))
    target = await _meeting_room(request, meeting, body.get("to_room"))
    if source.room_id == target.room_id:
        raise ApiError(400, "same_room", "Kies twee verschillende kamers. / Choose two different rooms.")
    require_open(meeting.status == "open")
    digest = body.get("digest")
    return CopyRequest(person, meeting, source, target, _wanted(body), digest if isinstance(digest, str) else None)


async def _plan_for(request: Request) -> tuple[CopyRequest, CopyPlan]:
    asked = await _request(request)
    live = parts(request).live
    source = await live.copy_of(asked.source.room_id, BOARD)
    target = await live.copy_of(asked.target.room_id, BOARD)
    return asked, plan(source, target, asked.wanted)


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
