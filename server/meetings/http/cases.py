"""Facilitator endpoints for cases and meetings: create, read, switch admit-all, close, audit."""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.meetings.domain import progress
from server.meetings.http.access import case_of, meeting_of
from server.meetings.http.endpoint import ApiError, bool_field, parts, read_json, text_field
from server.meetings.http.session import current_facilitator
from server.meetings.render.json_shapes import audit_view, case_view, facilitator_view, meeting_detail, meeting_summary
from server.store.meetings import MeetingStore

log = logging.getLogger("kring.meetings")

MAX_LABEL = 120
MAX_TITLE = 200
MAX_ROOM_NAME = 120
# A split meeting has a room per parent; a few more for, say, a separate professionals' round.
MAX_ROOMS = 8


async def list_cases(request: Request) -> Response:
    person = await current_facilitator(request)
    cases = await parts(request).meetings.cases_of(person.id)
    return JSONResponse({"cases": [case_view(c) for c in cases]})


async def create_case(request: Request) -> Response:
    person = await current_facilitator(request)
    body = await read_json(request)
    label = text_field(body, "label", max_length=MAX_LABEL)
    store = parts(request).meetings
    case = await store.create_case(person.id, label)
    await store.audit("case_create", actor_kind="facilitator", actor_id=str(person.id), case_id=case.id)
    return JSONResponse(case_view(case), status_code=201)


async def get_case(request: Request) -> Response:
    person = await current_facilitator(request)
    case = await case_of(request, person, request.path_params["case_id"])
    store = parts(request).meetings
    return JSONResponse(
        {
            **case_view(case),
            "facilitators": [facilitator_view(f) for f in await store.facilitators_of_case(case.id)],
            "meetings": [meeting_summary(m) for m in await store.meetings_of_case(case.id)],
        }
    )


async def add_cofacilitator(request: Request) -> Response:
    person = await current_facilitator(request)
    case = await case_of(request, person, request.path_params["case_id"])
    body = await read_json(request)
    email = text_field(body, "email", max_length=254)
    store = parts(request).meetings
    added = await store.add_cofacilitator(case.id, email)
    if added is None:
        raise ApiError(404, "unknown_facilitator", "Geen begeleider met dit adres. / No facilitator with that email.")
    await store.audit(
        "cofacilitator_add",
        actor_kind="facilitator",
        actor_id=str(person.id),
        case_id=case.id,
        detail=f"facilitator={added.id}",
    )
    return JSONResponse(facilitator_view(added), status_code=201)


_BAD_ROOMS = ApiError(
    400,
    "bad_rooms",
    f"'rooms': hoogstens {MAX_ROOMS} kamers, elk een naam of {{name, continues}}. "
    f"/ At most {MAX_ROOMS} rooms, each a name or {{name, continues}}.",
)


def _rooms(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    """Each room's name, and the earlier room it continues (only if the facilitator said so)."""
    raw = body.get("rooms")
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_ROOMS:
        raise _BAD_ROOMS
    rooms: list[tuple[str, str | None]] = []
    for entry in raw:
        spec = entry if isinstance(entry, dict) else {"name": entry}
        if set(spec) - {"name", "continues"}:
            raise _BAD_ROOMS
        name = text_field({"rooms": spec.get("name")}, "rooms", max_length=MAX_ROOM_NAME)
        continues = spec.get("continues")
        if continues is not None and (not isinstance(continues, str) or not 1 <= len(continues) <= 64):
            raise _BAD_ROOMS
        rooms.append((name, continues))
    if len({name.casefold() for name, _ in rooms}) != len(rooms):
        raise ApiError(400, "bad_rooms", "Elke kamer een eigen naam. / Each room needs its own name.")
    return rooms


async def _check_continues(store: MeetingStore, case_id: str, links: list[str | None]) -> None:
    """Every link names a room of an earlier meeting of this case, and no two rooms carry on the
    same one: a room's history (names and scores) belongs to one line of meetings."""
    chosen = [link for link in links if link is not None]
    if len(set(chosen)) != len(chosen):
        raise ApiError(
            400,
            "bad_rooms",
            "Twee kamers kunnen niet dezelfde eerdere kamer voortzetten. / Two rooms cannot continue the same room.",
        )
    for link in chosen:
        # Another case's room answers exactly like one that does not exist.
        if await store.earlier_room(case_id, link) is None:
            raise ApiError(
                400,
                "bad_rooms",
                "'continues' noemt geen kamer van een eerdere bijeenkomst van deze zaak. "
                "/ 'continues' names no room of an earlier meeting of this case.",
            )


async def create_meeting(request: Request) -> Response:
    person = await current_facilitator(request)
    case = await case_of(request, person, request.path_params["case_id"])
    body = await read_json(request)
    title = text_field(body, "title", max_length=MAX_TITLE)
    rooms = _rooms(body)
    names = [name for name, _ in rooms]
    links = [link for _, link in rooms]
    kring = parts(request)
    await _check_continues(kring.meetings, case.id, links)
    meeting = await kring.meetings.create_meeting(case.id, title, names, links or None)
    await kring.meetings.audit(
        "meeting_create",
        actor_kind="facilitator",
        actor_id=str(person.id),
        case_id=case.id,
        meeting_id=meeting.id,
        detail=f"rooms={max(len(names), 1)}",
    )
    for room, link in zip(await kring.meetings.rooms_of(meeting.id), links, strict=False):
        if link is not None:
            # Which earlier room's scores and first names this room will show: the facilitator's call.
            await kring.meetings.audit(
                "room_continues",
                actor_kind="facilitator",
                actor_id=str(person.id),
                case_id=case.id,
                meeting_id=meeting.id,
                room_id=room.id,
                detail=f"from={link}",
            )
            # A follow-up starts from the last board: its framework and plan, never its scores.
            carried = await progress.carry_over(kring, link, room.id)
            await kring.meetings.audit(
                "carry_over",
                actor_kind="facilitator",
                actor_id=str(person.id),
                case_id=case.id,
                meeting_id=meeting.id,
                room_id=room.id,
                detail=f"from={link};items={carried}",
            )
    log.info("meeting created", extra={"meeting": meeting.id, "facilitator": person.id})
    return JSONResponse(await meeting_detail(kring, meeting.id), status_code=201)


async def get_meeting(request: Request) -> Response:
    person = await current_facilitator(request)
    meeting = await meeting_of(request, person, request.path_params["meeting_id"])
    return JSONResponse(await meeting_detail(parts(request), meeting.id))


async def update_meeting(request: Request) -> Response:
    person = await current_facilitator(request)
    meeting = await meeting_of(request, person, request.path_params["meeting_id"])
    body = await read_json(request)
    admit_all = bool_field(body, "admit_all")
    kring = parts(request)
    if admit_all != meeting.admit_all:
        await kring.meetings.set_admit_all(meeting.id, admit_all)
        await kring.meetings.audit(
            "admit_all",
            actor_kind="facilitator",
            actor_id=str(person.id),
            case_id=meeting.case_id,
            meeting_id=meeting.id,
            detail="on" if admit_all else "off",
        )
    return JSONResponse(await meeting_detail(kring, meeting.id))


async def close_meeting(request: Request) -> Response:
    person = await current_facilitator(request)
    meeting = await meeting_of(request, person, request.path_params["meeting_id"])
    await read_json(request)
    kring = parts(request)
    if meeting.status != "closed":
        await kring.meetings.close_meeting(meeting.id)
        await kring.meetings.audit(
            "close",
            actor_kind="facilitator",
            actor_id=str(person.id),
            case_id=meeting.case_id,
            meeting_id=meeting.id,
        )
        log.info("meeting closed", extra={"meeting": meeting.id, "facilitator": person.id})
    # A repeated close drops the sockets again: harmless, and it reaches a process that missed the first.
    for room in await kring.meetings.rooms_of(meeting.id):
        kring.live.close_room(room.id)
    return JSONResponse(await meeting_detail(kring, meeting.id))


async def meeting_audit(request: Request) -> Response:
    person = await current_facilitator(request)
    meeting = await meeting_of(request, person, request.path_params["meeting_id"])
    entries = await parts(request).meetings.audit_entries(meeting_id=meeting.id)
    return JSONResponse({"entries": [audit_view(e) for e in entries]})
