"""A team lead hands a case of their team to another team or another facilitator (audited: who,
which case, where to; never content). Whoever no longer reaches the case loses its open consoles."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.meetings.http import bodies
from server.meetings.http.access import case_of
from server.meetings.http.admin import account_store, end_sockets
from server.meetings.http.bodies import read_body
from server.meetings.http.endpoint import ApiError, parts
from server.meetings.http.session import with_role
from server.meetings.render import answers
from server.meetings.render.json_shapes import case_view
from server.store.models import Case, Facilitator


async def team_lead(request: Request) -> Facilitator:
    """A team lead works with cases too: both roles."""
    person = await with_role(request, "team_lead")
    if "facilitator" not in await parts(request).meetings.roles_of(person.id):
        raise ApiError(403, "not_allowed", "Dat mag u niet. / You are not allowed to do that.")
    return person


async def lead_of_case(request: Request) -> tuple[Facilitator, Case]:
    """The team lead and the case of their team the path names (403 if it is not their team's)."""
    lead = await team_lead(request)
    case = await case_of(request, lead, request.path_params["case_id"])
    if case.team_id is None or case.team_id not in {t.id for t in await account_store(request).teams_of(lead.id)}:
        raise ApiError(403, "not_your_team", "Deze zaak is niet van uw team. / This case is not your team's.")
    return lead, case


async def move_options(request: Request) -> Response:
    """What the console's "hand on" form offers; only the ids and names a lead picks from."""
    _, case = await lead_of_case(request)
    store = account_store(request)
    teams = [t for t in await store.teams() if t.id != case.team_id]
    own = await store.team(case.team_id) if case.team_id else None
    members = set(own.members if own else ())
    people = [a for a in await store.accounts() if a.id in members and a.active and "facilitator" in a.roles]
    options: answers.MoveOptions = {
        "teams": [{"id": t.id, "name": t.name} for t in teams],
        "facilitators": [{"id": a.id, "name": a.name} for a in sorted(people, key=lambda a: a.name)],
    }
    return JSONResponse(options)


async def move_case(request: Request) -> Response:
    lead, case = await lead_of_case(request)
    body = await read_body(request, bodies.CaseMove)
    kring = parts(request)
    store = account_store(request)
    if body.team_id is not None and await store.team(body.team_id) is None:
        raise ApiError(400, "bad_team", "Onbekend team. / Unknown team.")
    if body.facilitator_id is not None:
        target = await store.account(body.facilitator_id)
        if target is None or not target.active or "facilitator" not in target.roles:
            raise ApiError(400, "bad_facilitator_id", "Geen actieve begeleider. / Not an active facilitator.")
    old_team = await store.team(case.team_id) if case.team_id else None
    before = {*await store.facilitator_ids_of_case(case.id), *(old_team.members if old_team else ())}
    await store.move_case(case.id, team_id=body.team_id, facilitator_id=body.facilitator_id)
    await kring.meetings.audit(
        "case_move",
        actor_kind="facilitator",
        actor_id=str(lead.id),
        case_id=case.id,
        detail=f"team={body.team_id or '-'};facilitator={body.facilitator_id or '-'}",
    )
    lost = [p for p in sorted(before) if not await kring.meetings.can_manage_case(p, case.id)]
    rooms = [
        room.id
        for meeting in await kring.meetings.meetings_of_case(case.id)
        if meeting.status == "open"
        for room in await kring.meetings.rooms_of(meeting.id)
    ]
    await end_sockets(kring, store, lost, rooms)
    moved = await kring.meetings.case(case.id)
    assert moved is not None
    return JSONResponse(case_view(moved))
