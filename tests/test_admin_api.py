"""The administrators' API and a team lead's hand-over, against a real server: accounts with roles
and last sign-in, role grants, deactivation closing a live console socket, teams deciding who
sees a case, and every change audited without a name or content."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from server.protocol import Refusal
from server.settings import Settings
from server.store.migrate import migrate
from tests.meetings_helpers import PASSWORD, browser, split_meeting, store_of
from tests.test_revalidation import Phone
from tests.utils import RunningServer, eventually, settings_for


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # No revalidation rounds: a socket that closes was closed by the deactivation's own kick.
    s = settings_for(tmp_path, revalidate_seconds=0)
    migrate(s.database_url)
    return s


async def signed_in(server: RunningServer, email: str, *roles: str) -> httpx.AsyncClient:
    await store_of(server).add_facilitator(email, email.split("@")[0].title(), PASSWORD, roles or ("facilitator",))
    client = browser(server)
    response = await client.post("/api/session", json={"email": email, "password": PASSWORD})
    assert response.status_code == 204, response.text
    return client


@pytest.fixture
async def admin(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    client = await signed_in(server, "beheer@jeugdzorg.test", "admin")
    yield client
    await client.aclose()


async def account_id(admin: httpx.AsyncClient, email: str) -> int:
    listed = (await admin.get("/api/admin/accounts")).json()["accounts"]
    return int(next(a["id"] for a in listed if a["email"] == email))


async def test_deactivating_closes_a_live_console_socket_at_once(
    server: RunningServer, admin: httpx.AsyncClient
) -> None:
    desk = await signed_in(server, "anna@jeugdzorg.test")
    meeting = await split_meeting(desk, ["Moeder"])
    room = meeting["rooms"][0]["id"]
    console = await Phone(server).connect({"room": room, "session": desk.cookies["kring_session"]})
    anna = await account_id(admin, "anna@jeugdzorg.test")
    listed = (await admin.get("/api/admin/accounts")).json()["accounts"]
    assert next(a for a in listed if a["id"] == anna)["last_login_at"] is not None

    changed = await admin.post(f"/api/admin/accounts/{anna}/active", json={"active": False})
    assert changed.status_code == 200 and changed.json()["active"] is False
    await eventually(lambda: console.closed_with(Refusal.BAD_AUTH), timeout=5)
    # The session is gone too: the API and a new socket refuse her, and so does a new sign-in.
    assert (await desk.get("/api/cases")).status_code == 401
    login = await desk.post("/api/session", json={"email": "anna@jeugdzorg.test", "password": PASSWORD})
    assert login.status_code == 401
    # Her case stays, with its meeting: a colleague added to it still reaches it.
    case = await store_of(server).case(meeting["case_id"])
    assert case is not None
    await desk.aclose()


async def test_an_administrator_grants_and_revokes_roles_but_not_their_own_admin(
    server: RunningServer, admin: httpx.AsyncClient
) -> None:
    desk = await signed_in(server, "bram@jeugdzorg.test")
    bram = await account_id(admin, "bram@jeugdzorg.test")
    granted = await admin.post(f"/api/admin/accounts/{bram}/roles", json={"role": "team_lead", "granted": True})
    assert granted.json()["roles"] == ["facilitator", "team_lead"]
    assert (await desk.get("/api/me")).json()["roles"] == ["facilitator", "team_lead"]
    revoked = await admin.post(f"/api/admin/accounts/{bram}/roles", json={"role": "facilitator", "granted": False})
    assert revoked.json()["roles"] == ["team_lead"]
    assert (await desk.get("/api/cases")).status_code == 403
    me = await account_id(admin, "beheer@jeugdzorg.test")
    own = await admin.post(f"/api/admin/accounts/{me}/roles", json={"role": "admin", "granted": False})
    assert own.status_code == 409 and own.json()["error"] == "own_admin"
    self_off = await admin.post(f"/api/admin/accounts/{me}/active", json={"active": False})
    assert self_off.status_code == 409
    bad = await admin.post(f"/api/admin/accounts/{bram}/roles", json={"role": "root", "granted": True})
    assert bad.status_code == 400 and bad.json()["error"] == "bad_role"
    assert (await admin.post("/api/admin/accounts/999999/active", json={"active": False})).status_code == 404
    await desk.aclose()


async def test_teams_decide_who_sees_a_case_and_a_team_lead_moves_it(
    server: RunningServer, admin: httpx.AsyncClient
) -> None:
    noord = (await admin.post("/api/admin/teams", json={"name": "Noord"})).json()
    zuid = (await admin.post("/api/admin/teams", json={"name": "Zuid"})).json()
    assert (await admin.post("/api/admin/teams", json={"name": "Noord"})).status_code == 409
    anna = await signed_in(server, "anna@jeugdzorg.test")
    lead = await signed_in(server, "lotte@jeugdzorg.test", "facilitator", "team_lead")
    cees = await signed_in(server, "cees@jeugdzorg.test")
    ids = {e: await account_id(admin, f"{e}@jeugdzorg.test") for e in ("anna", "lotte", "cees")}
    for who, team in (("anna", noord), ("lotte", noord), ("cees", zuid)):
        added = await admin.post(
            f"/api/admin/teams/{team['id']}/members", json={"facilitator_id": ids[who], "member": True}
        )
        assert ids[who] in added.json()["members"]

    made = await anna.post("/api/cases", json={"label": "Gezin N"})
    assert made.json()["team_id"] == noord["id"]  # the maker's team
    case_id = made.json()["id"]
    assert (await lead.get(f"/api/cases/{case_id}")).status_code == 200  # same team
    assert (await cees.get(f"/api/cases/{case_id}")).status_code == 404
    chosen = await anna.post("/api/cases", json={"label": "Gezin Z", "team_id": zuid["id"]})
    assert chosen.status_code == 400 and chosen.json()["error"] == "bad_team"  # not one of hers

    assert (await anna.get("/api/me")).json()["teams"] == [{"id": noord["id"], "name": "Noord"}]
    # What the console offers a lead: the other teams, and the active facilitators of the case's team.
    options = await lead.get(f"/api/cases/{case_id}/move-options")
    assert options.json() == {
        "teams": [{"id": zuid["id"], "name": "Zuid"}],
        "facilitators": [{"id": ids["anna"], "name": "Anna"}, {"id": ids["lotte"], "name": "Lotte"}],
    }
    assert (await anna.get(f"/api/cases/{case_id}/move-options")).json()["error"] == "not_allowed"
    assert (await cees.get(f"/api/cases/{case_id}/move-options")).status_code == 403  # no lead either

    # Only a team lead of the case's team moves it; a plain member does not.
    move = {"team_id": zuid["id"], "facilitator_id": ids["cees"]}
    assert (await anna.post(f"/api/cases/{case_id}/move", json=move)).status_code == 403
    moved = await lead.post(f"/api/cases/{case_id}/move", json=move)
    assert moved.status_code == 200 and moved.json()["team_id"] == zuid["id"]
    assert (await cees.get(f"/api/cases/{case_id}")).status_code == 200
    assert (await anna.get(f"/api/cases/{case_id}")).status_code == 404
    assert (await lead.post(f"/api/cases/{case_id}/move", json=move)).status_code == 404  # no longer theirs

    entries = await store_of(server).audit_entries(case_id=case_id)
    assert [e.action for e in entries] == ["case_create", "case_move"]
    assert entries[1].detail == f"team={zuid['id']};facilitator={ids['cees']}"
    for client in (anna, lead, cees):
        await client.aclose()


async def test_admin_changes_are_audited_without_names(server: RunningServer, admin: httpx.AsyncClient) -> None:
    team = (await admin.post("/api/admin/teams", json={"name": "Team Geheim"})).json()
    renamed = await admin.patch(f"/api/admin/teams/{team['id']}", json={"name": "Team West"})
    assert renamed.json()["name"] == "Team West"
    assert (await admin.patch("/api/admin/teams/nope", json={"name": "X"})).status_code == 404
    await (await signed_in(server, "dirk@jeugdzorg.test")).aclose()
    dirk = await account_id(admin, "dirk@jeugdzorg.test")
    await admin.post(f"/api/admin/teams/{team['id']}/members", json={"facilitator_id": dirk, "member": True})
    await admin.post(f"/api/admin/accounts/{dirk}/active", json={"active": False})
    await admin.post(f"/api/admin/accounts/{dirk}/active", json={"active": True})
    entries = await store_of(server).audit_entries()
    actions = [e.action for e in entries if e.action not in ("login",)]
    assert actions == [
        "team_create",
        "team_rename",
        "accounts_list",
        "team_member_add",
        "account_deactivate",
        "account_reactivate",
    ]
    for entry in entries:
        assert "Geheim" not in (entry.detail or "") and "dirk" not in (entry.detail or "").lower()


async def test_the_admin_pages_and_api_refuse_everyone_else(server: RunningServer) -> None:
    desk = await signed_in(server, "anna@jeugdzorg.test")
    assert (await desk.get("/api/admin/accounts")).status_code == 403
    page = await desk.get("/admin", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/console"
    async with browser(server) as anonymous:
        page = await anonymous.get("/admin", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/login?next=/admin"
    await desk.aclose()
