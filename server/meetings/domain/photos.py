"""Photos of children's drawings, and of the safety people for the children's version: uploaded by a
facilitator, re-encoded, served only to those allowed.

A photo from a phone camera carries where and when it was taken (EXIF GPS, the device, the time):
for a child in a shelter that is an address. So nothing of the uploaded file is kept but its
pixels: it is decoded with Pillow, turned upright, and encoded afresh without any metadata. Files
live under the var dir in `uploads/<room_id>/`, so deleting a room's directory deletes its photos.
A safety person's photo (kept only with their consent) is in `uploads/<room_id>/people/`: never
found by a drawing's id, so the drawing endpoint, which phones and the wall may use, cannot serve it.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import warnings
from pathlib import Path

from PIL import Image, ImageOps

from server.auth import new_id
from server.meetings.domain.errors import ApiError, not_found
from server.settings import Settings, var_dir

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
# A phone photo is 12-50 megapixels; more than that is a decompression bomb, not a drawing.
MAX_PIXELS = 60_000_000
# What is kept: enough to read a child's drawing on a projector, not the camera's full resolution.
MAX_SIDE = 2400
# A safety person's photo is printed a few centimetres wide on the children's version.
PORTRAIT_SIDE = 1000
PEOPLE = "people"
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


def reencode(data: bytes, media_type: str, max_side: int = MAX_SIDE) -> tuple[bytes, str]:
    """The picture's pixels only, at most `max_side` wide and high, encoded afresh in the format it was
    sent as; ApiError if it is not one."""
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
    converted.thumbnail((max_side, max_side))
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


def _folder(settings: Settings, room_id: str, kind: str) -> Path:
    """The room's folder for drawings (`kind` ""), or for the safety people's photos (PEOPLE)."""
    folder = room_dir(settings, room_id)
    return folder / PEOPLE if kind == PEOPLE else folder


def store_photo(settings: Settings, room_id: str, data: bytes, extension: str, kind: str = "") -> str:
    folder = _folder(settings, room_id, kind)
    folder.mkdir(parents=True, exist_ok=True)
    photo_id = f"{new_id()}.{extension}"
    spare = folder / f".{photo_id}.part"
    spare.write_bytes(data)
    spare.replace(folder / photo_id)  # never a half-written file under its real name
    return photo_id


def photo_path(settings: Settings, room_id: str, photo_id: str, kind: str = "") -> Path | None:
    if not PHOTO_ID.match(photo_id):
        return None
    path = _folder(settings, room_id, kind) / photo_id
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


def remove_photo(settings: Settings, room_id: str, photo_id: str, kind: str = "") -> None:
    path = photo_path(settings, room_id, photo_id, kind)
    if path is not None:
        path.unlink(missing_ok=True)
