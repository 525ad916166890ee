"""The safety-network register of a case: who carries the plan, their role, whether they know the
worries, and how to reach them. Facilitators only — contact details never go onto a board.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.meetings.http import bodies
from server.meetings.http.access import case_of
from server.meetings.http.bodies import read_body
from server.meetings.http.endpoint import ApiError, no_content, not_found, parts
from server.meetings.http.session import current_facilitator
from server.meetings.render import answers
from server.store.models import Facilitator, NetworkMember


def member_view(member: NetworkMember) -> answers.NetworkMember:
    return {
        "id": member.id,
        "name": member.name,
        "relation": member.relation,
        "role": member.role,
        "knows_worries": member.knows_worries,
        "contact": member.contact,
    }


async def list_network(request: Request) -> Response:
    person = await current_facilitator(request)
    case = await case_of(request, person, request.path_params["case_id"])
    members = await parts(request).meetings.network_of(case.id)
    return JSONResponse([member_view(m) for m in members])


async def add_member(request: Request) -> Response:
    person = await current_facilitator(request)
    case = await case_of(request, person, request.path_params["case_id"])
    values = (await read_body(request, bodies.NewMember)).model_dump()
    store = parts(request).meetings
    member = await store.add_network_member(case.id, **values)
    await store.audit("network_add", actor_kind="facilitator", actor_id=str(person.id), case_id=case.id)
    return JSONResponse(member_view(member), status_code=201)


async def _member_of(request: Request, person: Facilitator) -> NetworkMember:
    store = parts(request).meetings
    member = await store.network_member(request.path_params["member_id"])
    if member is None:
        raise not_found()
    await case_of(request, person, member.case_id)  # 404 unless it is one of the caller's cases
    return member


async def update_member(request: Request) -> Response:
    person = await current_facilitator(request)
    member = await _member_of(request, person)
    change = await read_body(request, bodies.MemberChange)
    values = change.model_dump(include=change.model_fields_set)
    if not values:
        raise ApiError(400, "nothing_to_change", "Geen velden. / No fields to change.")
    store = parts(request).meetings
    await store.update_network_member(member.id, **values)
    await store.audit("network_update", actor_kind="facilitator", actor_id=str(person.id), case_id=member.case_id)
    changed = await store.network_member(member.id)
    assert changed is not None
    return JSONResponse(member_view(changed))


async def remove_member(request: Request) -> Response:
    person = await current_facilitator(request)
    member = await _member_of(request, person)
    await read_body(request, bodies.NoBody)
    store = parts(request).meetings
    await store.remove_network_member(member.id)
    await store.audit("network_remove", actor_kind="facilitator", actor_id=str(person.id), case_id=member.case_id)
    return no_content()
