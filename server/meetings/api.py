"""Facilitator endpoints for cases and meetings: create, read, switch admit-all, close, audit."""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.meetings.access import case_of, meeting_of
from server.meetings.http import ApiError, bool_field, parts, read_json, text_field
from server.meetings.session import current_facilitator
from server.meetings.views import audit_view, case_view, facilitator_view, meeting_detail, meeting_summary

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


def _room_names(body: dict[str, Any]) -> list[str]:
    raw = body.get("rooms")
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_ROOMS:
        raise ApiError(400, "bad_rooms", f"'rooms': een lijst van hoogstens {MAX_ROOMS} namen. / a list of names.")
    names = [text_field({"rooms": name}, "rooms", max_length=MAX_ROOM_NAME) for name in raw]
    if len({n.casefold() for n in names}) != len(names):
        raise ApiError(400, "bad_rooms", "Elke kamer een eigen naam. / Each room needs its own name.")
    return names


async def create_meeting(request: Request) -> Response:
    person = await current_facilitator(request)
    case = await case_of(request, person, request.path_params["case_id"])
    body = await read_json(request)
    title = text_field(body, "title", max_length=MAX_TITLE)
    names = _room_names(body)
    kring = parts(request)
    meeting = await kring.meetings.create_meeting(case.id, title, names)
    await kring.meetings.audit(
        "meeting_create",
        actor_kind="facilitator",
        actor_id=str(person.id),
        case_id=case.id,
        meeting_id=meeting.id,
        detail=f"rooms={max(len(names), 1)}",
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
