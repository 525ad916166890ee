"""The administrators' endpoints (/admin): accounts with their roles, teams and last sign-in, role
grants, deactivation, and teams with their members. Administrators see no case here.

Every change is audited (who, which account or team, what changed; never a name). Deactivating ends
the person's sessions in the store and their console sockets at once, in every process (the kick
crosses the relay like a participant's removal; revalidation catches one the relay lost).
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.meetings.domain.parts import KringParts
from server.meetings.http import bodies
from server.meetings.http.bodies import read_body
from server.meetings.http.endpoint import ApiError, not_found, parts
from server.meetings.http.session import with_role
from server.meetings.render import answers
from server.protocol import Refusal
from server.store.accounts import Account, AccountStore, TeamInfo
from server.store.models import Facilitator

log = logging.getLogger("kring.meetings")


def account_store(request: Request) -> AccountStore:
    return AccountStore(parts(request).meetings.engine)


async def administrator(request: Request) -> Facilitator:
    return await with_role(request, "admin")


def account_view(account: Account) -> answers.Account:
    return {
        "id": account.id,
        "name": account.name,
        "email": account.email,
        "active": account.active,
        "last_login_at": account.last_login_at.isoformat() if account.last_login_at else None,
        "roles": list(account.roles),
        "teams": [{"id": t.id, "name": t.name} for t in account.teams],
    }


def team_view(team: TeamInfo) -> answers.Team:
    return {"id": team.id, "name": team.name, "members": list(team.members)}


async def end_sockets(
    kring: KringParts, store: AccountStore, people: list[int], rooms: list[str] | None = None
) -> None:
    """Close these people's console sockets now, here and (through the relay) in every process."""
    for room in rooms if rooms is not None else await store.open_rooms_of(people):
        for person in people:
            kring.live.remove_person(room, str(person), Refusal.BAD_AUTH.value)


async def _audit(request: Request, admin: Facilitator, action: str, detail: str) -> None:
    await parts(request).meetings.audit(action, actor_kind="facilitator", actor_id=str(admin.id), detail=detail)


async def _account_of(store: AccountStore, request: Request) -> Account:
    raw = request.path_params["account_id"]
    account = await store.account(int(raw)) if raw.isdigit() and len(raw) < 12 else None
    if account is None:
        raise not_found()
    return account


async def list_accounts(request: Request) -> Response:
    admin = await administrator(request)
    store = account_store(request)
    found = await store.accounts()
    await _audit(request, admin, "accounts_list", f"count={len(found)}")
    listed: answers.Accounts = {"accounts": [account_view(a) for a in found]}
    return JSONResponse(listed)


async def change_role(request: Request) -> Response:
    admin = await administrator(request)
    store = account_store(request)
    account = await _account_of(store, request)
    body = await read_body(request, bodies.RoleChange)
    if account.id == admin.id and body.role == "admin" and not body.granted:
        # Nobody could give it back from the web page.
        raise ApiError(
            409, "own_admin", "U kunt uw eigen beheerrol niet intrekken. / You cannot revoke your own admin role."
        )
    if await store.set_role(account.id, body.role, body.granted):
        action = "role_grant" if body.granted else "role_revoke"
        await _audit(request, admin, action, f"facilitator={account.id};role={body.role}")
        if body.role == "facilitator" and not body.granted:
            # Without the role their cases are closed to them: so are their open consoles.
            await end_sockets(parts(request), store, [account.id])
    changed = await store.account(account.id)
    assert changed is not None
    return JSONResponse(account_view(changed))


async def change_active(request: Request) -> Response:
    admin = await administrator(request)
    store = account_store(request)
    account = await _account_of(store, request)
    active = (await read_body(request, bodies.ActiveChange)).active
    if account.id == admin.id and not active:
        raise ApiError(409, "own_account", "U kunt uzelf niet uitschakelen. / You cannot deactivate yourself.")
    if active != account.active:
        # The rooms are looked up before: what they could reach is what must close.
        rooms = await store.open_rooms_of([account.id])
        ended = await store.set_active(account.id, active)
        if not active:
            await end_sockets(parts(request), store, [account.id], rooms)
        action = "account_reactivate" if active else "account_deactivate"
        await _audit(request, admin, action, f"facilitator={account.id};sessions={ended}")
        log.info(action.replace("_", " "), extra={"facilitator": account.id})
    changed = await store.account(account.id)
    assert changed is not None
    return JSONResponse(account_view(changed))


async def list_teams(request: Request) -> Response:
    await administrator(request)
    listed: answers.Teams = {"teams": [team_view(t) for t in await account_store(request).teams()]}
    return JSONResponse(listed)


def _name_taken() -> ApiError:
    return ApiError(409, "team_exists", "Er is al een team met die naam. / A team of that name exists.")


async def create_team(request: Request) -> Response:
    admin = await administrator(request)
    name = (await read_body(request, bodies.TeamName)).name
    team = await account_store(request).create_team(name)
    if team is None:
        raise _name_taken()
    await _audit(request, admin, "team_create", f"team={team.id}")
    return JSONResponse(team_view(team), status_code=201)


async def rename_team(request: Request) -> Response:
    admin = await administrator(request)
    name = (await read_body(request, bodies.TeamName)).name
    store = account_store(request)
    team_id = request.path_params["team_id"]
    renamed = await store.rename_team(team_id, name)
    if renamed is None:
        raise not_found()
    if not renamed:
        raise _name_taken()
    await _audit(request, admin, "team_rename", f"team={team_id}")
    team = await store.team(team_id)
    assert team is not None
    return JSONResponse(team_view(team))


async def change_member(request: Request) -> Response:
    admin = await administrator(request)
    body = await read_body(request, bodies.TeamMembership)
    store = account_store(request)
    team = await store.team(request.path_params["team_id"])
    if team is None:
        raise not_found()
    if await store.account(body.facilitator_id) is None:
        raise ApiError(400, "bad_facilitator_id", "Onbekend account. / Unknown account.")
    rooms = await store.open_rooms_of([body.facilitator_id])
    if await store.set_member(team.id, body.facilitator_id, body.member):
        action = "team_member_add" if body.member else "team_member_remove"
        await _audit(request, admin, action, f"team={team.id};facilitator={body.facilitator_id}")
        if not body.member:
            await _close_lost_rooms(parts(request), store, body.facilitator_id, rooms)
    changed = await store.team(team.id)
    assert changed is not None
    return JSONResponse(team_view(changed))


async def _close_lost_rooms(kring: KringParts, store: AccountStore, person: int, before: list[str]) -> None:
    """A console open on a room whose case this person no longer reaches closes now."""
    still = set(await store.open_rooms_of([person]))
    await end_sockets(kring, store, [person], [room for room in before if room not in still])
