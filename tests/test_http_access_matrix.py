"""Every HTTP endpoint by every kind of caller: who gets an answer, and who gets nothing.

A split meeting (rooms A and B) of one facilitator, in their team's case. Callers: anonymous, a
participant of room A and one of room B (phone cookie), the facilitator, another facilitator, a removed
participant, the projector of room A (Bearer token), a network member's plan link, an administrator and
a privacy officer (neither with the facilitator role), the team's lead and another member of the team,
and a co-facilitator of the case deactivated after signing in. The answer is checked by status; a
refusal never carries data. Every HTML page is tried by every caller too (PAGES).
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from pycrdt import Map

from server import web_pages
from server.meetings.http.routes import routes
from server.store.accounts import AccountStore
from tests.meetings_helpers import PASSWORD, browser, split_meeting, store_of
from tests.utils import RunningServer

CALLERS = [
    "anonymous",
    "participant-a",
    "participant-b",
    "facilitator",
    "other-facilitator",
    "removed",
    "projector",
    "link-a",  # a network member's personal link to room A's plan (kring_plan cookie)
    "admin",  # the admin role only
    "privacy-officer",  # the privacy_officer role only
    "team-lead",  # facilitator + team_lead, in the facilitator's team
    "team-member",  # a facilitator in the facilitator's team
    "deactivated",  # a co-facilitator of the case, deactivated after signing in
]
# Who reaches the case: its facilitator and the members of its team.
FACILITATORS = {"facilitator", "team-lead", "team-member"}
ANY_FACILITATOR = {*FACILITATORS, "other-facilitator"}
SIGNED_IN = {*ANY_FACILITATOR, "admin", "privacy-officer"}
ADMIN = {"admin"}
# (email, roles) of the callers that sign in.
ACCOUNTS = {
    "facilitator": ("f1@jeugdzorg.test", ("facilitator",)),
    "other-facilitator": ("f2@jeugdzorg.test", ("facilitator",)),
    "admin": ("beheer@jeugdzorg.test", ("admin",)),
    "privacy-officer": ("privacy@jeugdzorg.test", ("privacy_officer",)),
    "team-lead": ("lead@jeugdzorg.test", ("facilitator", "team_lead")),
    "team-member": ("collega@jeugdzorg.test", ("facilitator",)),
    "deactivated": ("weg@jeugdzorg.test", ("facilitator",)),
}


@dataclass
class World:
    clients: dict[str, httpx.AsyncClient]
    ids: dict[str, str]


def _drawing() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
async def world(server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    monkeypatch.setenv("KRING_VAR_DIR", str(tmp_path / "var"))  # where the server puts uploads
    store = store_of(server)
    clients = {who: browser(server) for who in CALLERS}
    accounts = AccountStore(store.engine)
    team = await accounts.create_team("Team Noord")
    assert team is not None
    people: dict[str, int] = {}
    for who, (email, roles) in ACCOUNTS.items():
        people[who] = (await store.add_facilitator(email, who, PASSWORD, roles)).id
        login = await clients[who].post("/api/session", json={"email": email, "password": PASSWORD})
        assert login.status_code == 204
    for who in ("facilitator", "team-lead", "team-member"):
        await accounts.set_member(team.id, people[who], True)
    await store.add_facilitator("f3@jeugdzorg.test", "co-facilitator", PASSWORD)
    meeting = await split_meeting(clients["facilitator"])
    room_a, room_b = meeting["rooms"]
    ids = {"case": meeting["case_id"], "meeting": meeting["id"], "room_a": room_a["id"], "room_b": room_b["id"]}
    ids |= {"team": team.id, "account": str(people["team-member"])}
    await store.add_cofacilitator(meeting["case_id"], ACCOUNTS["deactivated"][0])
    await accounts.set_active(people["deactivated"], False)
    ids["round"] = "r1"
    # An account an administrator resets (the last rows: its sessions end).
    ids["account"] = str((await store.add_facilitator("f4@jeugdzorg.test", "reset", PASSWORD)).id)
    ids["member"] = (await store.add_network_member(meeting["case_id"], name="Oom Piet", relation="family")).id
    for who, room, status in [("participant-a", room_a, "admitted"), ("participant-b", room_b, "admitted"),
                              ("removed", room_a, "removed")]:  # fmt: skip
        person, token = await store.add_participant(room["id"], who, "family", admitted=True)
        await store.set_participant(person.id, status=status)
        clients[who].cookies.set("kring_participant", token)
        ids[who] = person.id
    ids["child"] = (await store.add_participant(room_a["id"], "Sem", "child", admitted=True))[0].id
    opened = Map({"title": "Hoe veilig?", "status": "open"})
    await server.kring.live.edit(room_a["id"], "board", lambda d: d.get("poll", type=Map).__setitem__("r1", opened))
    # A child's drawing shown in room A: its phone and projector may fetch it, nobody else.
    uploaded = await clients["facilitator"].post(
        f"/api/rooms/{room_a['id']}/photos", content=_drawing(), headers={"Content-Type": "image/jpeg"}
    )
    ids["photo"] = uploaded.json()["photo"]
    entry = await clients["facilitator"].post(
        f"/api/rooms/{room_a['id']}/childtools",
        json={"house": "good", "photo": ids["photo"], "visibility": "room", "consent": CONSENT},
    )
    ids["entry"] = entry.json()["entry"]
    # A network member of room A with a personal link, and an agreed rule of room A's plan to report on.
    linked, _token = await store.add_participant(room_a["id"], "Buurvrouw", "friend", admitted=True)
    rule = Map({"section": "immediate", "text": "Oma haalt op", "status": "agreed"})
    await server.kring.live.edit(room_a["id"], "board", lambda d: d.get("agreements", type=Map).__setitem__("r1", rule))
    made = await clients["facilitator"].post(f"/api/rooms/{room_a['id']}/links", json={"participant_id": linked.id})
    ids["link"] = made.json()["link"]["id"]
    clients["link-a"].cookies.set("kring_plan", made.json()["url"].rsplit("/l/", 1)[1])
    link = await clients["facilitator"].post(f"/api/rooms/{room_a['id']}/projector", json={})
    clients["projector"].headers["Authorization"] = f"Bearer {link.json()['url'].split('#', 1)[1]}"
    yield World(clients, ids)
    for client in clients.values():
        await client.aclose()


ITEMS = [{"root": "framework", "key": "nothing-yet"}]
# Anyone signed in, whatever their roles, manages their own account's second factor.
SIGNED_IN = ANY_FACILITATOR | {"admin", "privacy-officer", "team-lead", "team-member"}
CONSENT = {"band": "under_12", "parties": ["parents"]}

# (method, path, body, callers that get a 2xx). Everyone else must get 401, 403 or 404.
# Ordered so that nothing changes state another row depends on; the destructive rows come last.
MATRIX: list[tuple[str, str, dict[str, Any] | bytes | None, set[str]]] = [
    ("GET", "/api/openapi.json", None, set(CALLERS)),
    # What the log-in page offers (single sign-on, password form): asked before anyone is signed in.
    ("GET", "/api/sso", None, set(CALLERS)),
    ("GET", "/api/me", None, SIGNED_IN),
    ("GET", "/api/cases", None, ANY_FACILITATOR),
    # Every facilitator has a list, of their own cases only (tests/test_reviews.py).
    ("GET", "/api/reviews", None, ANY_FACILITATOR),
    ("GET", "/api/cases/{case}", None, FACILITATORS),
    ("GET", "/api/meetings/{meeting}", None, FACILITATORS),
    ("GET", "/api/meetings/{meeting}/audit", None, FACILITATORS),
    # The privacy officer's view (tests/test_privacy_view.py): that role only, whatever else a caller holds.
    ("GET", "/api/privacy/audit", None, {"privacy-officer"}),
    ("GET", "/api/privacy/audit.csv", None, {"privacy-officer"}),
    ("GET", "/api/privacy/accounts", None, {"privacy-officer"}),
    ("GET", "/api/privacy/cases/{case}/access", None, {"privacy-officer"}),
    ("GET", "/api/privacy/deletions", None, {"privacy-officer"}),
    ("GET", "/api/rooms/{room_a}/qr.svg", None, FACILITATORS),
    ("GET", "/api/projector/room", None, {"projector"}),
    ("GET", "/api/projector/qr.svg", None, {"projector"}),
    ("GET", "/api/join/status", None, {"participant-a", "participant-b"}),
    ("GET", "/api/rooms/{room_a}/history", None, FACILITATORS),
    ("GET", "/api/projector/history", None, {"projector"}),
    ("GET", "/api/rooms/{room_a}/progress", None, FACILITATORS),
    # Back to the default point: allowed with no revealed round, so only who is asking decides.
    ("PUT", "/api/rooms/{room_a}/progress/point", {"question": "", "round_id": None}, FACILITATORS),
    ("GET", "/api/rooms/{room_a}/photos/{photo}", None, {*FACILITATORS, "participant-a", "projector"}),
    ("GET", "/api/rooms/{room_a}/export.json", None, FACILITATORS),
    ("GET", "/api/rooms/{room_a}/export.html", None, FACILITATORS),
    ("GET", "/api/rooms/{room_a}/export.pdf", None, FACILITATORS),
    ("GET", "/api/rooms/{room_a}/children.html", None, FACILITATORS),
    ("GET", "/api/rooms/{room_a}/children.pdf", None, FACILITATORS),
    (
        "POST",
        "/api/meetings/{meeting}/copy/preview",
        {"from_room": "{room_a}", "to_room": "{room_b}", "items": ITEMS},
        FACILITATORS,
    ),
    ("PATCH", "/api/meetings/{meeting}", {"admit_all": False}, FACILITATORS),
    ("POST", "/api/cases", {"label": "Gezin X"}, ANY_FACILITATOR),
    ("POST", "/api/cases/{case}/facilitators", {"email": "f3@jeugdzorg.test"}, FACILITATORS),
    ("POST", "/api/cases/{case}/meetings", {"title": "Vervolg", "rooms": []}, FACILITATORS),
    ("GET", "/api/cases/{case}/network", None, FACILITATORS),
    ("POST", "/api/cases/{case}/network", {"name": "Buurvrouw Els", "relation": "friend"}, FACILITATORS),
    ("PATCH", "/api/network/{member}", {"knows_worries": True}, FACILITATORS),
    ("DELETE", "/api/network/{member}", {}, FACILITATORS),
    ("POST", "/api/participants", {"room_id": "{room_a}", "name": "Opa", "relation": "family"}, FACILITATORS),
    ("POST", "/api/participants/{participant-a}/rename", {"name": "Anna"}, FACILITATORS),
    ("POST", "/api/participants/{participant-a}/admit", {}, FACILITATORS),
    ("POST", "/api/participants/{child}/view", {"full_board": True}, FACILITATORS),
    ("POST", "/api/rooms/{room_a}/lock", {"locked": False}, FACILITATORS),
    ("POST", "/api/rooms/{room_a}/photos", _drawing(), FACILITATORS),
    # A safety person's photo for the children's version: the case's facilitator only, never a phone,
    # the projector or a plan link, not even the person's own phone.
    ("PUT", "/api/participants/{participant-a}/photo?consent=given", _drawing(), FACILITATORS),
    ("GET", "/api/participants/{participant-a}/photo", None, FACILITATORS),
    ("PUT", "/api/participants/{participant-a}/safety-person", {"counts": "yes"}, FACILITATORS),
    (
        "POST",
        "/api/rooms/{room_a}/childtools",
        {"house": "dreams", "text": "Een hond", "visibility": "private"},
        FACILITATORS,
    ),
    ("PATCH", "/api/rooms/{room_a}/childtools/{entry}", {"visibility": "shared"}, FACILITATORS),
    ("DELETE", "/api/rooms/{room_a}/childtools/{entry}", {}, FACILITATORS),
    ("POST", "/api/rooms/{room_a}/rounds/{round}/reveal", {}, FACILITATORS),
    ("GET", "/api/rooms/{room_a}/journal", None, FACILITATORS),
    ("GET", "/api/plan", None, {"link-a"}),
    ("POST", "/api/plan/reports", {"rule_id": "r1", "verdict": "held"}, {"link-a"}),
    ("POST", "/api/rooms/{room_a}/links", {"participant_id": "{participant_a}"}, FACILITATORS),
    ("POST", "/api/links/{link}/revoke", {}, FACILITATORS),
    ("POST", "/api/rooms/{room_a}/links/end", {}, FACILITATORS),
    ("POST", "/api/rooms/{room_a}/call-network", {"title": "Vervolg"}, FACILITATORS),
    # Forgetting a link in this browser asks for nothing and answers nothing: open to everyone.
    ("DELETE", "/api/plan", {}, set(CALLERS)),
    (
        "POST",
        "/api/meetings/{meeting}/copy",
        {"from_room": "{room_a}", "to_room": "{room_b}", "items": ITEMS},
        FACILITATORS,
    ),
    ("DELETE", "/api/participants/{participant-a}/photo", {}, FACILITATORS),
    ("POST", "/api/participants/{participant-b}/remove", {}, FACILITATORS),
    ("POST", "/api/rooms/{room_a}/projector", {}, FACILITATORS),
    # Accounts (server/meetings/http/account.py). The test server requires no second factor, so each
    # signed-in caller's session is "full": the second step is refused (wrong_stage), enrolment begins.
    ("GET", "/api/account", None, SIGNED_IN),
    ("POST", "/api/account/totp", {}, SIGNED_IN),
    ("GET", "/api/account/totp/qr.svg", None, SIGNED_IN),
    ("POST", "/api/account/totp/confirm", {"code": "not-a-code"}, set()),
    ("POST", "/api/session/second-factor", {"code": "000000"}, set()),
    ("POST", "/api/account/link", {"token": "not-a-link"}, set()),
    ("POST", "/api/account/password", {"token": "not-a-link", "password": "long enough to pass"}, set()),
    ("POST", "/api/admin/invites", {"email": "nieuw@jeugdzorg.test", "name": "Nieuw"}, {"admin"}),
    ("POST", "/api/admin/accounts/{account}/reset", {}, {"admin"}),
    # Accounts and teams: administrators only. Each row changes nothing another row depends on.
    ("GET", "/api/admin/accounts", None, ADMIN),
    ("GET", "/api/admin/teams", None, ADMIN),
    ("POST", "/api/admin/teams", {"name": "Team Zuid"}, ADMIN),
    ("PATCH", "/api/admin/teams/{team}", {"name": "Team Noord"}, ADMIN),
    ("POST", "/api/admin/teams/{team}/members", {"facilitator_id": "int:{account}", "member": True}, ADMIN),
    ("POST", "/api/admin/accounts/{account}/roles", {"role": "privacy_officer", "granted": False}, ADMIN),
    ("POST", "/api/admin/accounts/{account}/active", {"active": True}, ADMIN),
    # A team lead of the case's team hands it on (here: to the team it is in).
    ("GET", "/api/cases/{case}/move-options", None, {"team-lead"}),
    ("POST", "/api/cases/{case}/move", {"team_id": "{team}"}, {"team-lead"}),
    ("POST", "/api/meetings/{meeting}/close", {}, FACILITATORS),
    ("POST", "/api/meetings/{meeting}/delete", {}, FACILITATORS),
]

# Rows whose change can be made once only (a second try is a conflict or finds nothing): of the callers
# who reach the case, only its facilitator does it; the others are tried on every other row.
ONE_SHOT = {
    ("DELETE", "/api/network/{member}"),
    ("DELETE", "/api/rooms/{room_a}/childtools/{entry}"),
    ("POST", "/api/rooms/{room_a}/rounds/{round}/reveal"),
    ("POST", "/api/links/{link}/revoke"),
    ("POST", "/api/rooms/{room_a}/links/end"),
    ("POST", "/api/rooms/{room_a}/call-network"),
    ("POST", "/api/meetings/{meeting}/copy"),
    ("POST", "/api/participants/{participant-b}/remove"),
    ("POST", "/api/meetings/{meeting}/close"),
    ("POST", "/api/meetings/{meeting}/delete"),
}


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str) and value.startswith("int:"):  # an id the body takes as a number
        return int(_fill(value.removeprefix("int:"), ids))
    if isinstance(value, str):
        return value.format(**{k.replace("-", "_"): v for k, v in ids.items()}) if "{" in value else value
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _path(template: str, ids: dict[str, str]) -> str:
    for key, value in ids.items():
        template = template.replace("{" + key + "}", value)
    return template


async def test_every_endpoint_for_every_caller(world: World) -> None:
    outcomes: dict[tuple[str, str], list[str]] = {}
    for method, template, body, allowed in MATRIX:
        path = _path(template, world.ids)
        filled = _fill(body, world.ids) if body is not None else None
        # The allowed callers go last, so a destructive row is first tried by everyone else.
        for who in sorted(CALLERS, key=lambda w: w in allowed):
            if (method, template) in ONE_SHOT and who in FACILITATORS - {"facilitator"}:
                continue  # reaches the case by the same check as every other row shows; one may do it
            if isinstance(filled, bytes):  # an image upload: the body is the image itself
                response = await world.clients[who].request(
                    method, path, content=filled, headers={"Content-Type": "image/jpeg"}
                )
            else:
                response = await world.clients[who].request(method, path, json=filled)
            ok = 200 <= response.status_code < 300
            if ok != (who in allowed):
                outcomes.setdefault((method, template), []).append(f"{who}: {response.status_code}")
            if not ok:
                assert response.status_code in (401, 403, 404, 410, 423), (method, template, who, response.text)
                assert response.headers["content-type"].startswith("application/json")
                assert set(response.json()) <= {"error", "message"}  # a refusal carries no data
    assert outcomes == {}


def test_matrix_covers_every_api_route(server: RunningServer) -> None:
    # The route templates name their ids differently; compare the shapes with every {...} alike.
    def shape(path: str) -> str:
        return re.sub(r"\{[^}]*\}", "{}", path.split("?", 1)[0])  # a row's query is not the route's

    registered = {
        (method, shape(route.path))  # type: ignore[attr-defined]
        for route in routes(server.kring)
        for method in (route.methods or set())  # type: ignore[attr-defined]
        if route.path.startswith("/api/") and method != "HEAD"  # type: ignore[attr-defined]
    }
    covered = {(method, shape(template)) for method, template, _body, _allowed in MATRIX}
    # Logging in, leaving and joining are open to everyone by design and have their own tests.
    open_to_all = {("POST", "/api/session"), ("DELETE", "/api/session"), ("POST", "/api/join"), ("DELETE", "/api/join")}
    assert registered - covered - open_to_all == set()


# Every HTML page and who gets it; everyone else is sent to the log-in page (not signed in), to their
# own page (signed in without the role), or gets a 404: never the page. The shells of the public pages
# hold no content (their API and socket decide what anyone sees), so they are open to all.
PUBLIC = set(CALLERS)
PAGES: list[tuple[str, set[str]]] = [
    ("/", PUBLIC),
    ("/r/kamer-1", PUBLIC),
    ("/login", PUBLIC),
    ("/join", PUBLIC),
    ("/board", PUBLIC),
    ("/projector", PUBLIC),
    ("/plan", PUBLIC),
    ("/console", ANY_FACILITATOR),
    ("/console/meetings/{meeting}", FACILITATORS),
    ("/admin", ADMIN),
    ("/privacy", {"privacy-officer"}),
    # An invitation's page: the one-time link (in the fragment) or the session's enrolment decides.
    ("/account", PUBLIC),
]
# Where a signed-in person without a page's role is sent instead (server/web_pages.py, HOMES).
HOMES = {"/console", "/admin", "/privacy"}


async def test_every_page_for_every_caller(world: World) -> None:
    outcomes: dict[str, list[str]] = {}
    for template, allowed in PAGES:
        path = _path(template, world.ids)
        for who in CALLERS:
            response = await world.clients[who].get(path, follow_redirects=False)
            ok = response.status_code == 200
            if ok != (who in allowed):
                outcomes.setdefault(template, []).append(f"{who}: {response.status_code}")
            if ok:
                assert "<main" in response.text
                continue
            assert "<main" not in response.text, (template, who)  # never the page
            if response.status_code == 303:
                location = response.headers["location"]
                assert location.startswith("/login?next=") or (location in HOMES and location != path), (who, location)
            else:
                assert response.status_code == 404, (template, who, response.status_code)
    assert outcomes == {}


def test_page_matrix_covers_every_page(server: RunningServer) -> None:
    def shape(path: str) -> str:
        return re.sub(r"\{[^}]*\}", "{}", path)

    registered = {shape(route.path) for route in web_pages.routes()}
    assert registered - {shape(template) for template, _allowed in PAGES} == set()
