"""Photos of children's drawings: uploaded by a facilitator, re-encoded, served only to those allowed.

A photo from a phone camera carries where and when it was taken (EXIF GPS, the device, the time):
for a child in a shelter that is an address. So nothing of the uploaded file is kept but its
pixels: it is decoded with Pillow, turned upright, and encoded afresh without any metadata. Files
live under the var dir in `uploads/<room_id>/`, so deleting a room's directory deletes its photos.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import re
import shutil
import warnings
from pathlib import Path

from PIL import Image, ImageOps
from pycrdt import Map
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from server.auth import new_id
from server.meetings import cookies
from server.meetings.access import require_open, room_of
from server.meetings.http import ApiError, bearer, not_found, parts
from server.meetings.session import current_facilitator
from server.rooms.schema import BOARD, CHILD_TOOLS
from server.settings import Settings, var_dir

log = logging.getLogger("kring.meetings")

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
# A phone photo is 12-50 megapixels; more than that is a decompression bomb, not a drawing.
MAX_PIXELS = 60_000_000
# What is kept: enough to read a child's drawing on a projector, not the camera's full resolution.
MAX_SIDE = 2400
FORMATS = {"image/jpeg": ("JPEG", "jpg"), "image/png": ("PNG", "png")}
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png"}
PHOTO_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}\.(jpg|png)$")
ROOM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def uploads_dir(settings: Settings) -> Path:
    # The var dir is where the database and key live; settings may carry it (tests, several
    # processes on one machine), else it comes from KRING_VAR_DIR as for the key file.
    chosen = getattr(settings, "var_dir", None)
    return (Path(chosen) if chosen else var_dir(os.environ)) / "uploads"


def room_dir(settings: Settings, room_id: str) -> Path:
    if not ROOM_ID.match(room_id):
        raise not_found()
    return uploads_dir(settings) / room_id


def reencode(data: bytes, media_type: str) -> tuple[bytes, str]:
    """The picture's pixels only, encoded afresh in the format it was sent as; ApiError if it is not one."""
    wanted = FORMATS.get(media_type)
    if wanted is None:
        raise ApiError(415, "bad_photo", "Alleen JPEG of PNG. / Only JPEG or PNG.")
    pillow_format, extension = wanted
    bad = ApiError(400, "bad_photo", "Dit is geen leesbare JPEG of PNG. / Not a readable JPEG or PNG.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data), formats=[pillow_format])
            width, height = opened.size
            if width * height > MAX_PIXELS:
                raise ApiError(413, "photo_too_large", "De foto is te groot. / The photo is too large.")
            opened.load()
            upright = ImageOps.exif_transpose(opened)
            converted = upright.convert(_mode(pillow_format, upright.mode))
    except ApiError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise bad from None
    converted.thumbnail((MAX_SIDE, MAX_SIDE))
    # A new image from the raw pixels has an empty `info`: no EXIF, XMP, ICC, comments or text chunks.
    clean = Image.frombytes(converted.mode, converted.size, converted.tobytes())
    out = io.BytesIO()
    if pillow_format == "JPEG":
        clean.save(out, "JPEG", quality=85, optimize=True)
    else:
        clean.save(out, "PNG", optimize=True)
    return out.getvalue(), extension


def _mode(pillow_format: str, mode: str) -> str:
    """Grey stays grey; otherwise RGB for a JPEG, and RGBA for a PNG unless it has no transparency to keep."""
    if mode == "L":
        return "L"
    if pillow_format == "JPEG" or mode == "RGB":
        return "RGB"
    if mode.startswith("I"):
        return "L"  # a 16-bit grey scan of a drawing
    return "RGBA"


def store_photo(settings: Settings, room_id: str, data: bytes, extension: str) -> str:
    folder = room_dir(settings, room_id)
    folder.mkdir(parents=True, exist_ok=True)
    photo_id = f"{new_id()}.{extension}"
    spare = folder / f".{photo_id}.part"
    spare.write_bytes(data)
    spare.replace(folder / photo_id)  # never a half-written file under its real name
    return photo_id


def photo_path(settings: Settings, room_id: str, photo_id: str) -> Path | None:
    if not PHOTO_ID.match(photo_id):
        return None
    path = room_dir(settings, room_id) / photo_id
    return path if path.is_file() else None


def copy_photo(settings: Settings, from_room: str, to_room: str, photo_id: str) -> None:
    """A shared entry copied to another room takes its photo along: each room's files are its own,
    and go when that room is deleted."""
    source = photo_path(settings, from_room, photo_id)
    if source is None:
        return
    target = room_dir(settings, to_room)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target / photo_id)


def remove_photo(settings: Settings, room_id: str, photo_id: str) -> None:
    path = photo_path(settings, room_id, photo_id)
    if path is not None:
        path.unlink(missing_ok=True)


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        raise ApiError(413, "photo_too_large", "De foto is te groot (max. 8 MB). / The photo is too large (8 MB).")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "photo_too_large", "De foto is te groot (max. 8 MB). / The photo is too large (8 MB).")
    return bytes(body)


def _check_origin(request: Request) -> None:
    # The body is an image, not JSON, so read_json's checks do not apply; the same-origin one does.
    origin = request.headers.get("origin", "").rstrip("/")
    if origin not in parts(request).settings.allowed_origins:
        raise ApiError(403, "bad_origin", "Verzoek van een andere site geweigerd. / Cross-site request refused.")


async def upload(request: Request) -> Response:
    """POST the image itself as the body (Content-Type image/jpeg or image/png); answers {photo}."""
    person = await current_facilitator(request)
    access = await room_of(request, person, request.path_params["room_id"])
    _check_origin(request)
    require_open(access.meeting_open)
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in FORMATS:
        raise ApiError(415, "bad_photo", "Alleen JPEG of PNG. / Only JPEG or PNG.")
    body = await _read_body(request)
    # Decoding and encoding a phone photo takes a good part of a second: off the event loop, which
    # carries every room's live edits.
    data, extension = await asyncio.to_thread(reencode, body, media_type)
    kring = parts(request)
    photo_id = await asyncio.to_thread(store_photo, kring.settings, access.room_id, data, extension)
    await kring.meetings.audit(
        "photo_upload", actor_kind="facilitator", actor_id=str(person.id), access=access, detail=f"photo={photo_id}"
    )
    log.info("photo stored", extra={"room": access.room_id, "bytes": len(data)})
    return JSONResponse({"photo": photo_id}, status_code=201)


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
