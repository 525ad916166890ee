"""The photo endpoints: a facilitator uploads, those allowed view (the files: domain/photos.py)."""

from __future__ import annotations

import asyncio
import logging

from pycrdt import Map
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from server.meetings.domain.photos import FORMATS, MAX_UPLOAD_BYTES, MEDIA_TYPES, photo_path, reencode, store_photo
from server.meetings.http import cookies
from server.meetings.http.access import require_open, room_of
from server.meetings.http.endpoint import ApiError, bearer, not_found, parts
from server.meetings.http.session import current_facilitator
from server.meetings.render import answers
from server.rooms.schema import BOARD, CHILD_TOOLS

log = logging.getLogger("kring.meetings")


async def read_image(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        raise ApiError(413, "photo_too_large", "De foto is te groot (max. 8 MB). / The photo is too large (8 MB).")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "photo_too_large", "De foto is te groot (max. 8 MB). / The photo is too large (8 MB).")
    return bytes(body)


def check_origin(request: Request) -> None:
    # The body is an image, not JSON, so read_body's checks do not apply; the same-origin one does.
    origin = request.headers.get("origin", "").rstrip("/")
    if origin not in parts(request).settings.allowed_origins:
        raise ApiError(403, "bad_origin", "Verzoek van een andere site geweigerd. / Cross-site request refused.")


async def upload(request: Request) -> Response:
    """POST the image itself as the body (Content-Type image/jpeg or image/png); answers {photo}."""
    person = await current_facilitator(request)
    access = await room_of(request, person, request.path_params["room_id"])
    check_origin(request)
    require_open(access.meeting_open)
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in FORMATS:
        raise ApiError(415, "bad_photo", "Alleen JPEG of PNG. / Only JPEG or PNG.")
    body = await read_image(request)
    # Decoding and encoding a phone photo takes a good part of a second: off the event loop, which
    # carries every room's live edits.
    data, extension = await asyncio.to_thread(reencode, body, media_type)
    kring = parts(request)
    photo_id = await asyncio.to_thread(store_photo, kring.settings, access.room_id, data, extension)
    await kring.meetings.audit(
        "photo_upload", actor_kind="facilitator", actor_id=str(person.id), access=access, detail=f"photo={photo_id}"
    )
    log.info("photo stored", extra={"room": access.room_id, "bytes": len(data)})
    uploaded: answers.PhotoUploaded = {"photo": photo_id}
    return JSONResponse(uploaded, status_code=201)


async def _on_board(request: Request, room_id: str, photo_id: str) -> bool:
    """Whether an entry this room's board shows (visibility room or shared) has this photo. A
    facilitator-only entry is in the private document, so its photo is never found this way."""
    board = await parts(request).live.copy_of(room_id, BOARD)
    for entry in board.get(CHILD_TOOLS, type=Map).values():
        if isinstance(entry, Map) and entry.get("photo") == photo_id and entry.get("visibility") in ("room", "shared"):
            return True
    return False


async def _viewer(request: Request, room_id: str) -> tuple[str, str] | None:
    """(actor kind, id) of a facilitator of the room's case, or of the room's admitted phone or
    projector; None for anyone else. Facilitators see every photo; the others only the board's."""
    store = parts(request).meetings
    if cookies.session_token(request):
        person = await current_facilitator(request)
        await room_of(request, person, room_id)
        return ("facilitator", str(person.id))
    token = bearer(request)
    projected = await store.projector_room(token) if token else None
    if projected is not None:
        return ("projector", projected.id) if projected.id == room_id else None
    participant_token = cookies.participant_token(request)
    phone = await store.participant_by_token(participant_token) if participant_token else None
    if phone is not None and phone.status == "admitted" and phone.room_id == room_id:
        return ("participant", phone.id)
    return None


async def serve(request: Request) -> Response:
    room_id = request.path_params["room_id"]
    photo_id = request.path_params["photo_id"]
    viewer = await _viewer(request, room_id)
    kring = parts(request)
    if viewer is None:
        raise not_found()
    access = await kring.meetings.room_access(room_id)
    if access is None:
        raise not_found()
    if viewer[0] != "facilitator":
        require_open(access.meeting_open)
        if not await _on_board(request, room_id, photo_id):
            raise not_found()  # the same answer as for a photo that does not exist
    path = photo_path(kring.settings, room_id, photo_id)
    if path is None:
        raise not_found()
    await kring.meetings.audit("photo_view", actor_kind=viewer[0], actor_id=viewer[1], access=access)
    return FileResponse(
        path,
        media_type=MEDIA_TYPES[photo_id.rsplit(".", 1)[1]],
        content_disposition_type="inline",
        headers={
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
