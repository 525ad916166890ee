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

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Doc, Map, Text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.meetings import bodies, photos
from server.meetings.access import meeting_of, require_open
from server.meetings.bodies import read_body
from server.meetings.http import ApiError, not_found, parts
from server.meetings.session import current_facilitator
from server.rooms.schema import BOARD, CHILD_TOOLS
from server.store.meetings import RoomAccess
from server.store.models import Facilitator, Meeting

log = logging.getLogger("kring.meetings")

COPYABLE_ROOTS = ("framework", "agreements", CHILD_TOOLS)


@dataclass
class CopyPlan:
    items: list[dict[str, Any]] = field(default_factory=list)  # {root, key, value, replaces}
    refused: list[dict[str, str]] = field(default_factory=list)  # {root, key, reason}

    @property
    def digest(self) -> str:
        chosen = [[i["root"], i["key"], i["value"]] for i in self.items]
        return hashlib.sha256(json.dumps(chosen, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    def as_json(self) -> dict[str, Any]:
        return {"items": self.items, "refused": self.refused, "digest": self.digest}


@dataclass(frozen=True)
class CopyRequest:
    person: Facilitator
    meeting: Meeting
    source: RoomAccess
    target: RoomAccess
    wanted: list[tuple[str, str]]
    digest: str | None


def _is_sensitive(value: Any) -> bool:
    if isinstance(value, dict):
        return bool(value.get("sensitive")) or any(_is_sensitive(v) for v in value.values())
    if isinstance(value, list):
        return any(_is_sensitive(v) for v in value)
    return False


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


_ATTRIBUTION = ("by", "raised_by", "owners", "marks", "check_by")  # check_by may name the other side's network


def plan(source: Doc[Any], target: Doc[Any], wanted: list[tuple[str, str]]) -> CopyPlan:
    result = CopyPlan()
    for root, key in wanted:
        if root not in COPYABLE_ROOTS:
            result.refused.append({"root": root, "key": key, "reason": "not_allowed"})
            continue
        item = source.get(root, type=Map).get(key)
        value = item.to_py() if isinstance(item, Map) else None
        if isinstance(value, dict):
            # Who raised an item or owns a rule names someone of the other parent's network.
            value = {k: v for k, v in value.items() if k not in _ATTRIBUTION}
        if not isinstance(value, dict):
            result.refused.append({"root": root, "key": key, "reason": "not_found"})
        elif _is_sensitive(value):
            result.refused.append({"root": root, "key": key, "reason": "sensitive"})
        elif root == CHILD_TOOLS and value.get("visibility") != "shared":
            # What the child said in one parent's room stays there unless the consent says shared.
            result.refused.append({"root": root, "key": key, "reason": "not_shared"})
        else:
            replaces = key in target.get(root, type=Map)
            result.items.append({"root": root, "key": key, "value": value, "replaces": replaces})
    return result


def _shared(value: Any, name: str | None = None) -> Any:
    """A plain value read with to_py() turned back into what the board holds: maps stay shared
    maps and an item's `text` stays collaboratively editable."""
    if isinstance(value, dict):
        return Map({k: _shared(v, k) for k, v in value.items()})
    if name == "text" and isinstance(value, str):
        return Text(value)
    return value


def writer(items: list[dict[str, Any]]) -> Any:
    def mutate(doc: Doc[Any]) -> None:
        for item in items:
            doc.get(item["root"], type=Map)[item["key"]] = _shared(item["value"])

    return mutate


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
