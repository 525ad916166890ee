"""The safety people of the children's version: a facilitator adds a photo of one, with their consent,
and chooses who counts as one (the photo's files: domain/photos.py; the page: render/printing.py).

A photo of an adult is kept only with that person's consent: the upload carries it (`?consent=given`,
the console's checkbox), the moment is stored with the photo (`participants.photo_consent_at`) and the
audit log says who recorded it, never what. Taking the photo away, or the consent back, deletes the
file. It lives in the room's uploads dir (`people/`), so deleting the room deletes it, and it is
served to the case's facilitators only: no phone, wall or plan link ever gets it (the children's
version carries it in its own page).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from server.meetings.domain import photos
from server.meetings.http import bodies
from server.meetings.http.access import participant_of
from server.meetings.http.bodies import read_body
from server.meetings.http.endpoint import ApiError, not_found, parts
from server.meetings.http.photos import check_origin, read_image
from server.meetings.http.session import current_facilitator
from server.meetings.render.json_shapes import participant_view
from server.meetings.render.printing import data_url
from server.rooms.schema import CHILD_RELATION
from server.settings import Settings
from server.store.meetings import RoomAccess
from server.store.models import Facilitator, Participant

log = logging.getLogger("kring.meetings")

CONSENT_GIVEN = "given"
# How the choice is said in the API, and how it is kept (None: the default, by the rules carried).
COUNTS = {"auto": None, "yes": True, "no": False}


async def _person(request: Request) -> tuple[Facilitator, Participant, RoomAccess]:
    facilitator = await current_facilitator(request)
    participant, access = await participant_of(request, facilitator, request.path_params["participant_id"])
    return facilitator, participant, access


def _can_be_one(participant: Participant) -> None:
    # A child is who the version is for, and someone removed is no longer in the room's plan.
    if participant.status != "admitted" or participant.relation == CHILD_RELATION:
        raise ApiError(
            409, "not_a_safety_person", "Alleen voor een volwassene in de kamer. / Only for an adult in the room."
        )


async def _forget_photo(settings: Settings, room_id: str, photo_id: str | None) -> None:
    if photo_id:
        await asyncio.to_thread(photos.remove_photo, settings, room_id, photo_id, photos.PEOPLE)


async def add_photo(request: Request) -> Response:
    """PUT the image itself as the body (image/jpeg or image/png) with `?consent=given`; replaces one
    given before. Answers the participant as the console lists them."""
    facilitator, participant, access = await _person(request)
    check_origin(request)
    _can_be_one(participant)
    if request.query_params.get("consent") != CONSENT_GIVEN:
        raise ApiError(
            400,
            "consent_required",
            "Een foto alleen met toestemming van deze persoon. / A photo only with this person's consent.",
        )
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in photos.FORMATS:
        raise ApiError(415, "bad_photo", "Alleen JPEG of PNG. / Only JPEG or PNG.")
    body = await read_image(request)
    # Off the event loop, as for a drawing: it carries every room's live edits.
    data, extension = await asyncio.to_thread(photos.reencode, body, media_type, photos.PORTRAIT_SIDE)
    kring = parts(request)
    photo_id = await asyncio.to_thread(
        photos.store_photo, kring.settings, access.room_id, data, extension, photos.PEOPLE
    )
    await kring.meetings.set_participant(participant.id, photo=photo_id, photo_consent_at=datetime.now(UTC))
    await _forget_photo(kring.settings, access.room_id, participant.photo)  # the one it replaces
    await kring.meetings.audit(
        "safety_photo_add",
        actor_kind="facilitator",
        actor_id=str(facilitator.id),
        access=access,
        on_behalf_of=participant.id,
        detail="consent=given",
    )
    log.info("safety photo stored", extra={"room": access.room_id, "participant": participant.id, "bytes": len(data)})
    changed = await kring.meetings.participant(participant.id)
    assert changed is not None
    kring.live.people_changed(access.room_id)
    return JSONResponse(participant_view(changed))


async def remove_photo(request: Request) -> Response:
    """The photo taken away, or the consent withdrawn: the file is deleted. 204, also when there was none."""
    facilitator, participant, access = await _person(request)
    await read_body(request, bodies.NoBody)
    kring = parts(request)
    if participant.photo or participant.photo_consent_at:
        await kring.meetings.set_participant(participant.id, photo=None, photo_consent_at=None)
        await _forget_photo(kring.settings, access.room_id, participant.photo)
        await kring.meetings.audit(
            "safety_photo_remove",
            actor_kind="facilitator",
            actor_id=str(facilitator.id),
            access=access,
            on_behalf_of=participant.id,
        )
        kring.live.people_changed(access.room_id)
    return Response(status_code=204)


async def serve_photo(request: Request) -> Response:
    """The photo, to a facilitator of the case only (a phone, the wall or a plan link is not one)."""
    facilitator, participant, access = await _person(request)
    kring = parts(request)
    path = photos.photo_path(kring.settings, access.room_id, participant.photo or "", photos.PEOPLE)
    if path is None:
        raise not_found()
    await kring.meetings.audit(
        "safety_photo_view",
        actor_kind="facilitator",
        actor_id=str(facilitator.id),
        access=access,
        on_behalf_of=participant.id,
    )
    return FileResponse(
        path,
        media_type=photos.MEDIA_TYPES[path.suffix.lstrip(".")],
        content_disposition_type="inline",
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )


async def choose(request: Request) -> Response:
    """Whether this person is one of the children's safety people: `auto` (if they carry a rule the
    children are told), `yes` or `no`."""
    facilitator, participant, access = await _person(request)
    counts = (await read_body(request, bodies.SafetyPersonChoice)).counts
    _can_be_one(participant)
    kring = parts(request)
    if participant.safety_person is not COUNTS[counts]:
        await kring.meetings.set_participant(participant.id, safety_person=COUNTS[counts])
        await kring.meetings.audit(
            "safety_person",
            actor_kind="facilitator",
            actor_id=str(facilitator.id),
            access=access,
            on_behalf_of=participant.id,
            detail=f"counts={counts}",
        )
        kring.live.people_changed(access.room_id)
    changed = await kring.meetings.participant(participant.id)
    assert changed is not None
    return JSONResponse(participant_view(changed))


def portraits(settings: Settings, room_id: str, people: list[Participant]) -> dict[str, str]:
    """The photos of the room's people who gave consent, as data URLs by participant id: the children's
    version carries them in its own page, so neither its HTML nor its PDF asks for a photo."""
    found: dict[str, str] = {}
    for person in people:
        if not person.photo or person.photo_consent_at is None:
            continue
        path = photos.photo_path(settings, room_id, person.photo, photos.PEOPLE)
        if path is not None:
            found[person.id] = data_url(path.read_bytes(), photos.MEDIA_TYPES[path.suffix.lstrip(".")])
    return found
