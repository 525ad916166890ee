"""Child tools (the Three Houses): the child's words or a photo of a drawing, per room, each entry with
a visibility of its own and the consent that lets it be seen.

Where an entry lives follows from its visibility, so that no check on the way out can be forgotten:
  "private"  the room's facilitator-only `private` document, which no phone or projector is sent
  "room"     the room's `board` (`childtools[entry]`), shown on that room's board
  "shared"   the board as well, and only such an entry may be copied to another room of a split meeting
Entries are written by the server, through this API, so the consent rule of `domain.md` holds for
every one: by the child's age band, under 12 the parents decide, 12-16 the child and the parents, 16
and over the young person. An entry leaves "private" only with that consent recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pycrdt import Doc, Map, Text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.auth import new_id
from server.meetings.domain import photos
from server.meetings.http import bodies
from server.meetings.http.access import require_open, room_of
from server.meetings.http.bodies import read_body
from server.meetings.http.endpoint import ApiError, not_found, parts
from server.meetings.http.session import current_facilitator
from server.rooms.schema import BOARD, CHILD_TOOLS, PRIVATE
from server.store.meetings import RoomAccess

TOOL = "three_houses"


def _doc_of(visibility: str) -> str:
    return PRIVATE if visibility == "private" else BOARD


def recorded(consent: bodies.Consent, facilitator_id: int) -> dict[str, Any]:
    """A consent as the entry keeps it: who consented (the model checked the age band), who recorded it, when."""
    return {
        "band": consent.band,
        "parties": sorted(set(consent.parties)),
        "recorded_by": f"f:{facilitator_id}",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _empty() -> ApiError:
    return ApiError(400, "bad_entry", "Schrijf de woorden van het kind of voeg een foto toe. / Add words or a photo.")


def _as_map(entry: dict[str, Any]) -> Map[Any]:
    return Map(
        {k: Map(v) if isinstance(v, dict) else Text(v) if k == "text" else v for k, v in entry.items() if v is not None}
    )


def _find(private: Doc[Any], board: Doc[Any], key: str) -> dict[str, Any] | None:
    for doc in (private, board):
        entry = doc.get(CHILD_TOOLS, type=Map).get(key)
        if isinstance(entry, Map):
            value = entry.to_py()
            return value if isinstance(value, dict) else None
    return None


async def _access(request: Request) -> tuple[int, RoomAccess]:
    person = await current_facilitator(request)
    access = await room_of(request, person, request.path_params["room_id"])
    return person.id, access


async def _move(request: Request, access: RoomAccess, key: str, entry: dict[str, Any]) -> None:
    """Write the entry where its visibility puts it, then take it from the other document: it is never
    in the board unless its visibility is room or shared."""
    live = parts(request).live
    here = _doc_of(entry["visibility"])
    other = BOARD if here == PRIVATE else PRIVATE

    def write(doc: Doc[Any]) -> None:
        doc.get(CHILD_TOOLS, type=Map)[key] = _as_map(entry)

    def drop(doc: Doc[Any]) -> None:
        entries = doc.get(CHILD_TOOLS, type=Map)
        if key in entries:
            del entries[key]

    if here == PRIVATE:
        await live.edit(access.room_id, other, drop)  # off the board first: never shown a moment longer
        await live.edit(access.room_id, here, write)
    else:
        await live.edit(access.room_id, here, write)
        await live.edit(access.room_id, other, drop)


async def add_entry(request: Request) -> Response:
    facilitator_id, access = await _access(request)
    body = await read_body(request, bodies.NewChildEntry)
    require_open(access.meeting_open)
    house, visibility, text, photo = body.house, body.visibility, body.text, body.photo
    consent = recorded(body.consent, facilitator_id) if body.consent is not None else None
    kring = parts(request)
    if photo is not None and photos.photo_path(kring.settings, access.room_id, photo) is None:
        raise ApiError(400, "bad_photo", "Deze foto is niet in deze kamer geladen. / No such photo in this room.")
    if not text and photo is None:
        raise _empty()
    key = new_id()
    private = await kring.live.copy_of(access.room_id, PRIVATE)
    board = await kring.live.copy_of(access.room_id, BOARD)
    order = len(private.get(CHILD_TOOLS, type=Map)) + len(board.get(CHILD_TOOLS, type=Map))
    entry = {
        "tool": TOOL,
        "house": house,
        "text": text,
        "photo": photo,
        "visibility": visibility,
        "consent": consent,
        "by": f"f:{facilitator_id}",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "order": order,
    }
    await _move(request, access, key, entry)
    await kring.meetings.audit(
        "child_entry_add",
        actor_kind="facilitator",
        actor_id=str(facilitator_id),
        access=access,
        detail=f"entry={key};house={house};visibility={visibility};consent={consent['band'] if consent else 'none'}",
    )
    return JSONResponse({"entry": key, "visibility": visibility, "consent": consent}, status_code=201)


async def change_entry(request: Request) -> Response:
    """Change an entry's visibility, consent or words; it moves between the documents accordingly."""
    facilitator_id, access = await _access(request)
    body = await read_body(request, bodies.ChildEntryChange)
    sent = body.model_fields_set
    require_open(access.meeting_open)
    key = request.path_params["entry_id"]
    kring = parts(request)
    entry = _find(
        await kring.live.copy_of(access.room_id, PRIVATE), await kring.live.copy_of(access.room_id, BOARD), key
    )
    if entry is None:
        raise not_found()
    if "visibility" in sent:
        entry["visibility"] = body.visibility
    if "text" in sent:
        entry["text"] = body.text
        if not entry["text"] and not entry.get("photo"):
            raise _empty()
    if body.consent is not None:
        entry["consent"] = recorded(body.consent, facilitator_id)
    if entry["visibility"] != "private" and not entry.get("consent"):
        raise bodies.CONSENT_REQUIRED
    await _move(request, access, key, entry)
    await kring.meetings.audit(
        "child_entry_change",
        actor_kind="facilitator",
        actor_id=str(facilitator_id),
        access=access,
        detail=f"entry={key};visibility={entry['visibility']};fields={','.join(sorted(sent))}",
    )
    return JSONResponse({"entry": key, "visibility": entry["visibility"], "consent": entry.get("consent")})


async def remove_entry(request: Request) -> Response:
    facilitator_id, access = await _access(request)
    await read_body(request, bodies.NoBody)
    key = request.path_params["entry_id"]
    kring = parts(request)
    private = await kring.live.copy_of(access.room_id, PRIVATE)
    board = await kring.live.copy_of(access.room_id, BOARD)
    entry = _find(private, board, key)
    if entry is None:
        raise not_found()

    def drop(doc: Doc[Any]) -> None:
        entries = doc.get(CHILD_TOOLS, type=Map)
        if key in entries:
            del entries[key]

    await kring.live.edit(access.room_id, BOARD, drop)
    await kring.live.edit(access.room_id, PRIVATE, drop)
    photo = entry.get("photo")
    if isinstance(photo, str):
        still = [
            e
            for doc in (private, board)
            for k, e in (doc.get(CHILD_TOOLS, type=Map).to_py() or {}).items()
            if k != key and isinstance(e, dict) and e.get("photo") == photo
        ]
        if not still:
            photos.remove_photo(kring.settings, access.room_id, photo)
    await kring.meetings.audit(
        "child_entry_remove",
        actor_kind="facilitator",
        actor_id=str(facilitator_id),
        access=access,
        detail=f"entry={key}",
    )
    return Response(status_code=204)
