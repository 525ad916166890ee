"""Facilitator endpoints for cases and meetings: create, read, switch admit-all, close, audit."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.meetings.domain import progress
from server.meetings.domain.parts import KringParts
from server.meetings.http import bodies
from server.meetings.http.access import case_of, meeting_of
from server.meetings.http.bodies import read_body
from server.meetings.http.endpoint import ApiError, parts
from server.meetings.http.session import current_facilitator
from server.meetings.render import answers
from server.meetings.render.json_shapes import audit_view, case_view, facilitator_view, meeting_detail, meeting_summary
from server.store.accounts import AccountStore
from server.store.meetings import MeetingStore

log = logging.getLogger("kring.meetings")


async def list_cases(request: Request) -> Response:
    person = await current_facilitator(request)
    cases = await parts(request).meetings.cases_of(person.id)
    return JSONResponse({"cases": [case_view(c) for c in cases]})


async def create_case(request: Request) -> Response:
    person = await current_facilitator(request)
    body = await read_body(request, bodies.NewCase)
    store = parts(request).meetings
    teams = [team.id for team in await AccountStore(store.engine).teams_of(person.id)]
    # The maker's team (the first by name if several), or the one they chose of theirs.
    team = body.team_id if body.team_id is not None else next(iter(teams), None)
    if team is not None and team not in teams:
        raise ApiError(400, "bad_team", "Kies een van uw teams. / Choose one of your teams.")
    case = await store.create_case(person.id, body.label, team)
    await store.audit(
        "case_create",
        actor_kind="facilitator",
        actor_id=str(person.id),
        case_id=case.id,
        detail=f"team={team}" if team else None,
    )
    return JSONResponse(case_view(case), status_code=201)


async def get_case(request: Request) -> Response:
    person = await current_facilitator(request)
    case = await case_of(request, person, request.path_params["case_id"])
    store = parts(request).meetings
    detail: answers.CaseDetail = {
        **case_view(case),
        "facilitators": [facilitator_view(f) for f in await store.facilitators_of_case(case.id)],
        "meetings": [meeting_summary(m) for m in await store.meetings_of_case(case.id)],
    }
    return JSONResponse(detail)


async def add_cofacilitator(request: Request) -> Response:
    person = await current_facilitator(request)
    case = await case_of(request, person, request.path_params["case_id"])
    body = await read_body(request, bodies.NewCofacilitator)
    store = parts(request).meetings
    added = await store.add_cofacilitator(case.id, body.email)
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


async def _check_continues(store: MeetingStore, case_id: str, links: list[str | None]) -> None:
    """Every link names a room of an earlier meeting of this case (the model saw to it that no two
    rooms carry on the same one)."""
    for link in (link for link in links if link is not None):
        # Another case's room answers exactly like one that does not exist.
        if await store.earlier_room(case_id, link) is None:
            raise ApiError(
                400,
                "bad_rooms",
                "'continues' noemt geen kamer van een eerdere bijeenkomst van deze zaak. "
                "/ 'continues' names no room of an earlier meeting of this case.",
            )


async def carry_on(kring: KringParts, actor: str, case_id: str, meeting_id: str, links: list[str | None]) -> None:
    """A new meeting's rooms that continue earlier ones start from the earlier boards, audited."""
    for room, link in zip(await kring.meetings.rooms_of(meeting_id), links, strict=False):
        if link is not None:
            # Which earlier room's scores and first names this room will show: the facilitator's call.
            await kring.meetings.audit(
                "room_continues",
                actor_kind="facilitator",
                actor_id=actor,
                case_id=case_id,
                meeting_id=meeting_id,
                room_id=room.id,
                detail=f"from={link}",
            )
            # A follow-up starts from the last board: its framework and plan, never its scores.
            carried = await progress.carry_over(kring, link, room.id)
            await kring.meetings.audit(
                "carry_over",
                actor_kind="facilitator",
                actor_id=actor,
                case_id=case_id,
                meeting_id=meeting_id,
                room_id=room.id,
                detail=f"from={link};items={carried}",
            )


async def create_meeting(request: Request) -> Response:
    person = await current_facilitator(request)
    case = await case_of(request, person, request.path_params["case_id"])
    body = await read_body(request, bodies.NewMeeting)
    names = [room.name for room in body.rooms or []]
    links = [room.continues for room in body.rooms or []]
    kring = parts(request)
    await _check_continues(kring.meetings, case.id, links)
    meeting = await kring.meetings.create_meeting(case.id, body.title, names, links or None)
    await kring.meetings.audit(
        "meeting_create",
        actor_kind="facilitator",
        actor_id=str(person.id),
        case_id=case.id,
        meeting_id=meeting.id,
        detail=f"rooms={max(len(names), 1)}",
    )
    await carry_on(kring, str(person.id), case.id, meeting.id, links)
    log.info("meeting created", extra={"meeting": meeting.id, "facilitator": person.id})
    return JSONResponse(await meeting_detail(kring, meeting.id), status_code=201)


async def get_meeting(request: Request) -> Response:
    person = await current_facilitator(request)
    meeting = await meeting_of(request, person, request.path_params["meeting_id"])
    return JSONResponse(await meeting_detail(parts(request), meeting.id))


async def update_meeting(request: Request) -> Response:
    person = await current_facilitator(request)
    meeting = await meeting_of(request, person, request.path_params["meeting_id"])
    admit_all = (await read_body(request, bodies.MeetingChange)).admit_all
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
    await read_body(request, bodies.NoBody)
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
