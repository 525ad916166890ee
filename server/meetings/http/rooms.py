"""Facilitator endpoints for one room (lock, QR code, projector link) and the projector's own view.

The projector holds no account: it authenticates with a per-room token that the facilitator's
laptop puts in the URL fragment (never sent to a server, so never in an access log or Referer)
and the projector page then sends as a Bearer header.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.meetings.http import bodies
from server.meetings.http.access import require_open, room_of
from server.meetings.http.bodies import read_body
from server.meetings.http.endpoint import ApiError, bearer, parts
from server.meetings.http.session import current_facilitator
from server.meetings.render import answers, qr
from server.meetings.render.json_shapes import join_url, room_view
from server.reach import is_loopback_url
from server.store.models import MeetingRoom


def room_closed() -> ApiError:
    return ApiError(410, "room_closed", "Deze bijeenkomst is afgesloten. / This meeting is closed.")


async def lock_room(request: Request) -> Response:
    person = await current_facilitator(request)
    access = await room_of(request, person, request.path_params["room_id"])
    locked = (await read_body(request, bodies.Lock)).locked
    require_open(access.meeting_open)
    store = parts(request).meetings
    if locked != access.locked:
        await store.set_locked(access.room_id, locked)
        await store.audit(
            "lock" if locked else "unlock", actor_kind="facilitator", actor_id=str(person.id), access=access
        )
    room = await store.room(access.room_id)
    assert room is not None
    return JSONResponse(room_view(parts(request).settings, room, await store.participants_of(room.id)))


async def room_qr(request: Request) -> Response:
    person = await current_facilitator(request)
    access = await room_of(request, person, request.path_params["room_id"])
    room = await parts(request).meetings.room(access.room_id)
    url = join_url(parts(request).settings, room.join_code if room else None)
    if url is None:
        raise room_closed()
    return qr.svg_response(url)


async def projector_link(request: Request) -> Response:
    person = await current_facilitator(request)
    access = await room_of(request, person, request.path_params["room_id"])
    await read_body(request, bodies.NoBody)
    require_open(access.meeting_open)
    store = parts(request).meetings
    # One projector per room: a new link retires the previous one.
    token = await store.new_projector_token(access.room_id)
    # The old link's window must not keep showing the board: its socket goes now.
    parts(request).live.remove_person(access.room_id, access.room_id, "replaced")
    await store.audit("projector", actor_kind="facilitator", actor_id=str(person.id), access=access)
    link: answers.ProjectorLink = {"url": f"/projector#{token}"}
    return JSONResponse(link)


async def projected_room(request: Request) -> MeetingRoom:
    token = bearer(request)
    room = await parts(request).meetings.projector_room(token) if token else None
    if room is None:
        raise ApiError(401, "bad_projector_token", "Deze projectorlink werkt niet meer. / This projector link expired.")
    return room


async def projector_room(request: Request) -> Response:
    room = await projected_room(request)
    # Once locked, nobody new may join: the wall stops showing the way in.
    code = None if room.locked else room.join_code
    shown: answers.ProjectorRoom = {
        "room_id": room.id,
        "name": room.name,
        "join_code": code,
        "join_url": join_url(parts(request).settings, code),
        "locked": room.locked,
        "join_local_only": is_loopback_url(parts(request).settings.public_url),
    }
    return JSONResponse(shown)


async def projector_qr(request: Request) -> Response:
    room = await projected_room(request)
    if room.locked:
        raise ApiError(423, "room_locked", "De kamer is op slot. / The room is locked.")
    url = join_url(parts(request).settings, room.join_code)
    if url is None:
        raise room_closed()
    return qr.svg_response(url)
