"""The meetings HTTP API against a real server and real SQLite: facilitators, joining, copying, audit."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc, Map, Text
from starlette.routing import Route

from server.auth import unsign
from server.logs import JsonFormatter
from server.meetings.domain import throttle
from server.meetings.http.routes import FREE_JOIN_TRIES, FREE_LOGIN_TRIES, routes
from server.meetings.render.qr import svg
from server.settings import Settings
from server.store.meetings import now
from tests.meetings_helpers import (
    PASSWORD,
    api_client,
    browser,
    cookie_attributes,
    facilitator,
    from_address,
    join,
    live_of,
    split_meeting,
    store_of,
)
from tests.utils import RunningServer, run_server

DANGER = "Max en Ash zijn alleen bij vader zonder dat er een veiligheidspersoon is"
ESCAPE_PLAN = "Codewoord pannenkoek; bij gevaar naar de opvang aan de Lindelaan"
RULE = "Oma Truus is bij elk bezoek van vader aanwezig"


class Clock:
    """The throttle's clock, moved by the test instead of by sleeping."""

    def __init__(self) -> None:
        self.t = 1_000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(throttle, "now", fake)
    return fake


# -- facilitator sessions ------------------------------------------------------------------------


async def test_login_sets_a_strict_session_cookie_and_logout_ends_the_session_server_side(
    server: RunningServer,
) -> None:
    store = store_of(server)
    person = await store.add_facilitator("fatima@example.nl", "Fatima", PASSWORD)
    async with browser(server) as client:
        wrong = await client.post("/api/session", json={"email": "fatima@example.nl", "password": "raden"})
        assert (wrong.status_code, wrong.json()["error"]) == (401, "bad_login")
        assert (await client.get("/api/me")).status_code == 401

        ok = await client.post("/api/session", json={"email": " Fatima@Example.nl", "password": PASSWORD})
        assert ok.status_code == 204
        attributes = cookie_attributes(ok, "kring_session")
        assert {"httponly", "path=/", "samesite=strict"} <= attributes
        assert "secure" not in attributes  # the public URL is http here
        signed = client.cookies["kring_session"]
        token = unsign(signed, server.settings.secret_key)
        assert token is not None and await store.session_facilitator(token) is not None

        me = await client.get("/api/me")
        assert me.json() == {
            "id": person.id,
            "name": "Fatima",
            "email": "fatima@example.nl",
            "roles": ["facilitator"],
            "teams": [],
        }
        assert me.headers["cache-control"] == "no-store"

        evil = await client.request("DELETE", "/api/session", json={}, headers={"Origin": "https://evil.example"})
        assert (evil.status_code, evil.json()["error"]) == (403, "bad_origin")
        not_json = await client.delete("/api/session")
        assert (not_json.status_code, not_json.json()["error"]) == (415, "bad_content_type")
        assert (await client.get("/api/me")).status_code == 200  # neither refused call logged out

        out = await client.request("DELETE", "/api/session", json={})
        assert out.status_code == 204
        assert (await client.get("/api/me")).status_code == 401
    assert await store.session_facilitator(token) is None
    async with browser(server, cookies={"kring_session": signed}) as replay:
        assert (await replay.get("/api/me")).status_code == 401
    async with browser(server, cookies={"kring_session": f"{token}.forged"}) as forged:
        assert (await forged.get("/api/me")).status_code == 401


async def test_cookies_are_secure_when_the_public_url_is_https(settings: Settings) -> None:
    origin = "https://kring.example.nl"
    async with run_server(settings.with_(public_url=origin, allowed_origins=[origin])) as server:
        await store_of(server).add_facilitator("fatima@example.nl", "Fatima", PASSWORD)
        async with api_client(server, headers={"Origin": origin}) as client:
            login = await client.post("/api/session", json={"email": "fatima@example.nl", "password": PASSWORD})
            assert "secure" in cookie_attributes(login, "kring_session")
            signed = login.cookies["kring_session"]
            client.cookies.set("kring_session", signed)
            meeting = await split_meeting(client)
            assert meeting["rooms"][0]["join_url"].startswith(f"{origin}/j/")
            joined = await join(client, meeting["rooms"][0]["join_code"])
            assert "secure" in cookie_attributes(joined, "kring_participant")


async def test_the_console_and_the_wall_are_told_when_phones_cannot_reach_the_address(
    tmp_path: Path, settings: Settings
) -> None:
    # PUBLIC_URL unset, as in `make run`; the other settings are the test server's.
    default = Settings.from_env({"KRING_VAR_DIR": str(tmp_path / "var"), "PORT": str(settings.port)})
    default = settings.with_(public_url=default.public_url, allowed_origins=default.allowed_origins)
    assert default.public_url == f"http://localhost:{settings.port}"
    lan = settings.with_(public_url="http://192.168.1.20:8000")
    for chosen, local_only in ((default, True), (lan, False)):
        async with run_server(chosen) as server, facilitator(server, f"f{int(local_only)}@example.nl") as fatima:
            meeting = await split_meeting(fatima)
            assert meeting["join_local_only"] is local_only
            assert (await fatima.get(f"/api/meetings/{meeting['id']}")).json()["join_local_only"] is local_only
            room = meeting["rooms"][0]
            token = (await fatima.post(f"/api/rooms/{room['id']}/projector", json={})).json()["url"].split("#", 1)[1]
            async with api_client(server, headers={"Authorization": f"Bearer {token}"}) as wall:
                assert (await wall.get("/api/projector/room")).json()["join_local_only"] is local_only


async def test_wrong_passwords_are_throttled_per_address(server: RunningServer, clock: Clock) -> None:
    await store_of(server).add_facilitator("fatima@example.nl", "Fatima", PASSWORD)
    right = {"email": "fatima@example.nl", "password": PASSWORD}
    wrong = {"email": "fatima@example.nl", "password": "raden"}
    async with from_address(server, "10.0.0.7") as guesser, from_address(server, "10.0.0.8") as colleague:
        for _ in range(FREE_LOGIN_TRIES + 1):
            assert (await guesser.post("/api/session", json=wrong)).status_code == 401
        blocked = await guesser.post("/api/session", json=right)
        assert (blocked.status_code, blocked.json()["error"]) == (429, "too_many_attempts")
        assert blocked.headers["retry-after"] == "1"
        assert "kring_session" not in blocked.cookies
        assert (await colleague.post("/api/session", json=right)).status_code == 204
        clock.advance(1.5)
        assert (await guesser.post("/api/session", json=right)).status_code == 204


# -- cases and meetings ---------------------------------------------------------------------------


async def test_split_meeting_has_a_distinct_code_url_and_qr_per_room(server: RunningServer) -> None:
    async with facilitator(server, "fatima@example.nl") as fatima:
        meeting = await split_meeting(fatima)
        assert (meeting["status"], meeting["admit_all"]) == ("open", False)
        rooms = meeting["rooms"]
        assert [r["name"] for r in rooms] == ["Moeder", "Vader"]
        codes = [r["join_code"] for r in rooms]
        assert len(set(codes)) == 2 and all(re.fullmatch(r"[0-9]{8}", c) for c in codes)
        pictures = []
        for room in rooms:
            assert room["join_url"] == f"{server.settings.public_url}/j/{room['join_code']}"
            assert room["locked"] is False and room["participants"] == []
            picture = await fatima.get(f"/api/rooms/{room['id']}/qr.svg")
            assert picture.status_code == 200
            assert picture.headers["content-type"] == "image/svg+xml"
            assert picture.content == svg(room["join_url"])  # the QR code encodes this room's join URL
            pictures.append(picture.content)
        assert pictures[0] != pictures[1]

        single = await split_meeting(fatima, rooms=[])
        assert len(single["rooms"]) == 1

        listed = (await fatima.get("/api/cases")).json()["cases"]
        assert {c["id"] for c in listed} == {meeting["case_id"], single["case_id"]}
        case = (await fatima.get(f"/api/cases/{meeting['case_id']}")).json()
        assert [f["email"] for f in case["facilitators"]] == ["fatima@example.nl"]
        assert [m["id"] for m in case["meetings"]] == [meeting["id"]]

        duplicate = await fatima.post(
            f"/api/cases/{meeting['case_id']}/meetings", json={"title": "Twee", "rooms": ["Moeder", "moeder"]}
        )
        assert (duplicate.status_code, duplicate.json()["error"]) == (400, "bad_rooms")


async def test_cofacilitator_shares_the_case_and_an_outsider_finds_nothing(server: RunningServer) -> None:
    async with (
        facilitator(server, "fatima@example.nl") as fatima,
        facilitator(server, "joost@example.nl", "Joost") as joost,
        facilitator(server, "eva@example.nl", "Eva") as eva,
        browser(server) as phone,
    ):
        meeting = await split_meeting(fatima)
        case_id, room = meeting["case_id"], meeting["rooms"][0]
        pid = (await join(phone, room["join_code"])).json()["participant_id"]

        unknown = await fatima.post(f"/api/cases/{case_id}/facilitators", json={"email": "nobody@example.nl"})
        assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown_facilitator")
        added = await fatima.post(f"/api/cases/{case_id}/facilitators", json={"email": "joost@example.nl"})
        assert added.status_code == 201 and added.json()["name"] == "Joost"
        assert [c["id"] for c in (await joost.get("/api/cases")).json()["cases"]] == [case_id]
        assert (await joost.get(f"/api/meetings/{meeting['id']}")).status_code == 200
        assert (await joost.post(f"/api/participants/{pid}/admit", json={})).json()["status"] == "admitted"

        other = room["id"]
        copy = {"from_room": meeting["rooms"][0]["id"], "to_room": meeting["rooms"][1]["id"], "items": []}
        calls: list[tuple[str, str, dict[str, Any] | None]] = [
            ("GET", f"/api/cases/{case_id}", None),
            ("POST", f"/api/cases/{case_id}/facilitators", {"email": "eva@example.nl"}),
            ("POST", f"/api/cases/{case_id}/meetings", {"title": "Mijn beraad"}),
            ("GET", f"/api/meetings/{meeting['id']}", None),
            ("PATCH", f"/api/meetings/{meeting['id']}", {"admit_all": True}),
            ("POST", f"/api/meetings/{meeting['id']}/close", {}),
            ("GET", f"/api/meetings/{meeting['id']}/audit", None),
            ("POST", f"/api/meetings/{meeting['id']}/copy/preview", copy),
            ("POST", f"/api/meetings/{meeting['id']}/copy", copy),
            ("POST", f"/api/rooms/{other}/lock", {"locked": True}),
            ("GET", f"/api/rooms/{other}/qr.svg", None),
            ("POST", f"/api/rooms/{other}/projector", {}),
            ("POST", "/api/participants", {"room_id": other, "name": "Indringer", "relation": "friend"}),
            ("POST", f"/api/participants/{pid}/admit", {}),
            ("POST", f"/api/participants/{pid}/rename", {"name": "Iemand anders"}),
            ("POST", f"/api/participants/{pid}/remove", {}),
        ]
        nonexistent = await eva.get("/api/meetings/doesnotexist")
        for method, path, body in calls:
            answer = await eva.request(method, path, json=body) if body is not None else await eva.request(method, path)
            assert answer.status_code == 404, (method, path, answer.text)
            assert answer.json() == nonexistent.json(), (method, path)  # indistinguishable from absent
        async with browser(server) as stranger:
            for method, path, body in calls:
                kwargs: dict[str, Any] = {"json": body} if body is not None else {}
                assert (await stranger.request(method, path, **kwargs)).status_code == 401, (method, path)

        assert (await eva.get("/api/cases")).json() == {"cases": []}
        after = (await fatima.get(f"/api/meetings/{meeting['id']}")).json()
        assert (after["status"], after["admit_all"], after["rooms"][0]["locked"]) == ("open", False, False)
        assert [(p["name"], p["status"]) for p in after["rooms"][0]["participants"]] == [("Oma Truus", "admitted")]


async def test_changes_need_json_and_an_allowed_origin(server: RunningServer) -> None:
    async with facilitator(server, "fatima@example.nl") as fatima:
        form = await fatima.post("/api/cases", data={"label": "Via een formulier"})
        assert (form.status_code, form.json()["error"]) == (415, "bad_content_type")
        cross = await fatima.post(
            "/api/cases", json={"label": "Van elders"}, headers={"Origin": "https://evil.example"}
        )
        assert (cross.status_code, cross.json()["error"]) == (403, "bad_origin")
        huge = await fatima.post("/api/cases", json={"label": "x" * 40_000})
        assert (huge.status_code, huge.json()["error"]) == (413, "too_large")
        broken = await fatima.post("/api/cases", content=b'{"label": ', headers={"Content-Type": "application/json"})
        assert (broken.status_code, broken.json()["error"]) == (400, "bad_json")
        listed = await fatima.post("/api/cases", json=["label"])
        assert (listed.status_code, listed.json()["error"]) == (400, "bad_json")
        del fatima.headers["Origin"]
        missing = await fatima.post("/api/cases", json={"label": "Zonder origin"})
        assert (missing.status_code, missing.json()["error"]) == (403, "bad_origin")
        assert (await fatima.get("/api/cases")).json() == {"cases": []}


# -- joining by phone -----------------------------------------------------------------------------


async def test_phone_waits_until_admitted_and_admit_all_admits_at_once(server: RunningServer) -> None:
    async with facilitator(server, "fatima@example.nl") as fatima, browser(server) as phone:
        meeting = await split_meeting(fatima)
        room = meeting["rooms"][0]
        code = room["join_code"]

        joined = await join(phone, f"{code[:4]} - {code[4:]}", name="  Oma Truus ")
        assert joined.status_code == 201, joined.text
        answer = joined.json()
        assert set(answer) == {"participant_id", "status", "room_id", "token"}
        assert (answer["status"], answer["room_id"]) == ("waiting", room["id"])
        assert "Moeder" not in joined.text  # a split room's name would say who else is involved
        attributes = cookie_attributes(joined, "kring_participant")
        assert {"httponly", "path=/", "samesite=strict"} <= attributes
        assert not any(a.startswith(("max-age", "expires")) for a in attributes)  # gone with the browser
        pid, token = answer["participant_id"], answer["token"]

        assert (await phone.get("/api/join/status")).json() == {
            "participant_id": pid,
            "status": "waiting",
            "room_id": room["id"],
            "child_view": False,
        }
        listed = (await fatima.get(f"/api/meetings/{meeting['id']}")).json()["rooms"][0]["participants"]
        assert listed == [
            {
                "id": pid,
                "name": "Oma Truus",
                "relation": "family",
                "status": "waiting",
                "full_board": False,
                "photo": False,
                "safety_person": "auto",
            }
        ]

        admitted = await fatima.post(f"/api/participants/{pid}/admit", json={})
        assert admitted.json()["status"] == "admitted"
        async with api_client(server, headers={"Authorization": f"Bearer {token}"}) as app:
            assert (await app.get("/api/join/status")).json()["status"] == "admitted"

        # Polling the status keeps the short-lived token alive.
        store = store_of(server)
        await store.set_participant(pid, token_expires_at=now() + timedelta(seconds=30))
        assert (await phone.get("/api/join/status")).status_code == 200
        refreshed = await store.participant(pid)
        assert refreshed is not None and refreshed.token_expires_at.replace(tzinfo=None) > (
            now() + timedelta(hours=1)
        ).replace(tzinfo=None)

        switched = await fatima.patch(f"/api/meetings/{meeting['id']}", json={"admit_all": True})
        assert switched.json()["admit_all"] is True
        async with browser(server) as second_phone:
            second = await join(second_phone, code, name="Buurman Kees", relation="friend")
            assert second.json()["status"] == "admitted"


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"name": ""}, 400, "bad_name"),
        ({"name": "   "}, 400, "bad_name"),
        ({"name": "x" * 81}, 400, "bad_name"),
        ({"name": "Oma\nTruus"}, 400, "bad_name"),
        ({"relation": "buurman"}, 400, "bad_relation"),
        ({"code": "abcdefgh"}, 404, "unknown_code"),
        ({"code": 12345678}, 404, "unknown_code"),
    ],
)
async def test_join_refuses_bad_fields(server: RunningServer, body: dict[str, Any], status: int, error: str) -> None:
    async with facilitator(server, "fatima@example.nl") as fatima, browser(server) as phone:
        meeting = await split_meeting(fatima)
        valid = {"code": meeting["rooms"][0]["join_code"], "name": "Oma Truus", "relation": "family"}
        refused = await phone.post("/api/join", json={**valid, **body})
        assert (refused.status_code, refused.json()["error"]) == (status, error)
        assert "kring_participant" not in refused.cookies


async def test_removed_phone_is_told_and_its_token_is_dead(server: RunningServer) -> None:
    async with facilitator(server, "fatima@example.nl") as fatima, browser(server) as phone:
        meeting = await split_meeting(fatima)
        joined = (await join(phone, meeting["rooms"][0]["join_code"])).json()
        pid, token = joined["participant_id"], joined["token"]
        await fatima.post(f"/api/participants/{pid}/admit", json={})

        renamed = await fatima.post(f"/api/participants/{pid}/rename", json={"name": "Tante Els"})
        assert renamed.json()["name"] == "Tante Els"
        removed = await fatima.post(f"/api/participants/{pid}/remove", json={})
        assert removed.json()["status"] == "removed"

        status = await phone.get("/api/join/status")
        assert (status.status_code, status.json()["error"]) == (403, "removed")
        assert await store_of(server).participant_by_token(token) is None
        again = await fatima.post(f"/api/participants/{pid}/admit", json={})
        assert (again.status_code, again.json()["error"]) == (409, "removed")


async def test_leaving_clears_the_cookie_and_ends_the_token(server: RunningServer) -> None:
    async with facilitator(server, "fatima@example.nl") as fatima, browser(server) as phone:
        meeting = await split_meeting(fatima)
        code = meeting["rooms"][0]["join_code"]
        token = (await join(phone, code)).json()["token"]
        left = await phone.request("DELETE", "/api/join", json={})
        assert left.status_code == 204
        assert "max-age=0" in cookie_attributes(left, "kring_participant")
        async with api_client(server, headers={"Authorization": f"Bearer {token}"}) as app:
            gone = await app.get("/api/join/status")
            assert (gone.status_code, gone.json()["error"]) == (401, "expired")

        # A Bearer-authenticated change needs no Origin: no browser sends that header by itself.
        token = (await join(phone, code)).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        async with api_client(server, headers=headers) as app:
            assert (await app.request("DELETE", "/api/join", json={})).status_code == 204
            assert (await app.get("/api/join/status")).status_code == 401


async def test_short_link_hands_the_code_to_the_join_page(server: RunningServer) -> None:
    async with browser(server) as phone:
        link = await phone.get("/j/12345678")
        assert (link.status_code, link.headers["location"]) == (303, "/join?code=12345678")
        odd = await phone.get("/j/<script>")
        assert (odd.status_code, odd.headers["location"]) == (303, "/join")


async def test_wrong_codes_are_throttled_per_address_with_growing_back_off(server: RunningServer, clock: Clock) -> None:
    async with facilitator(server, "fatima@example.nl") as fatima:
        code = (await split_meeting(fatima))["rooms"][0]["join_code"]
    wrong = "00000000" if code != "00000000" else "11111111"
    async with from_address(server, "10.0.0.9") as guesser, from_address(server, "10.0.0.10") as family:
        for _ in range(FREE_JOIN_TRIES):
            assert (await join(guesser, wrong)).status_code == 404
        waits = []
        for _ in range(3):
            assert (await join(guesser, wrong)).status_code == 404  # evaluated, and now blocked
            blocked = await join(guesser, code)  # even the right code, while blocked
            assert (blocked.status_code, blocked.json()["error"]) == (429, "too_many_attempts")
            assert "kring_participant" not in blocked.cookies
            waits.append(int(blocked.headers["retry-after"]))
            clock.advance(waits[-1] + 0.5)
        assert waits == [1, 2, 4]
        assert (await join(family, code)).status_code == 201  # another address is unaffected
        assert (await join(guesser, code)).status_code == 201  # the block has passed


# -- rooms: lock, projector, close ------------------------------------------------------------------


async def test_locked_room_refuses_joins_and_the_projector_hides_its_code(server: RunningServer) -> None:
    async with facilitator(server, "fatima@example.nl") as fatima, browser(server) as phone:
        room = (await split_meeting(fatima))["rooms"][0]
        link = (await fatima.post(f"/api/rooms/{room['id']}/projector", json={})).json()["url"]
        assert link.startswith("/projector#")
        token = link.split("#", 1)[1]
        async with api_client(server, headers={"Authorization": f"Bearer {token}"}) as projector:
            shown = (await projector.get("/api/projector/room")).json()
            assert shown == {
                "room_id": room["id"],
                "name": "Moeder",
                "join_code": room["join_code"],
                "join_url": room["join_url"],
                "locked": False,
                "join_local_only": True,
            }
            assert (await projector.get("/api/projector/qr.svg")).content == svg(room["join_url"])

            locked = await fatima.post(f"/api/rooms/{room['id']}/lock", json={"locked": True})
            assert locked.json()["locked"] is True
            refused = await join(phone, room["join_code"])
            assert (refused.status_code, refused.json()["error"]) == (423, "room_locked")
            shown = (await projector.get("/api/projector/room")).json()
            assert (shown["join_code"], shown["join_url"], shown["locked"]) == (None, None, True)
            assert (await projector.get("/api/projector/qr.svg")).status_code == 423

            await fatima.post(f"/api/rooms/{room['id']}/lock", json={"locked": False})
            assert (await join(phone, room["join_code"])).status_code == 201

            relinked = (await fatima.post(f"/api/rooms/{room['id']}/projector", json={})).json()["url"]
            assert relinked != link
            assert (await projector.get("/api/projector/room")).status_code == 401  # the old link is retired
        assert (await fatima.get("/api/projector/room")).status_code == 401  # a session is not a projector


async def test_closing_a_meeting_ends_codes_tokens_and_the_projector(server: RunningServer) -> None:
    async with facilitator(server, "fatima@example.nl") as fatima, browser(server) as phone:
        meeting = await split_meeting(fatima)
        room = meeting["rooms"][0]
        pid = (await join(phone, room["join_code"])).json()["participant_id"]
        await fatima.post(f"/api/participants/{pid}/admit", json={})
        projector_token = (await fatima.post(f"/api/rooms/{room['id']}/projector", json={})).json()["url"][11:]

        closed = await fatima.post(f"/api/meetings/{meeting['id']}/close", json={})
        assert closed.json()["status"] == "closed"
        assert all(r["join_code"] is None and r["join_url"] is None for r in closed.json()["rooms"])

        async with browser(server) as late:
            dead = await join(late, room["join_code"])
            assert (dead.status_code, dead.json()["error"]) == (404, "unknown_code")
        status = await phone.get("/api/join/status")
        assert (status.status_code, status.json()["error"]) == (410, "room_closed")
        bearer = {"Authorization": f"Bearer {projector_token}"}
        assert (await phone.get("/api/projector/room", headers=bearer)).status_code == 401
        assert (await fatima.get(f"/api/rooms/{room['id']}/qr.svg")).status_code == 410
        for path, body in [
            (f"/api/rooms/{room['id']}/lock", {"locked": True}),
            (f"/api/rooms/{room['id']}/projector", {}),
            ("/api/participants", {"room_id": room["id"], "name": "Laatkomer", "relation": "friend"}),
        ]:
            late_change = await fatima.post(path, json=body)
            assert (late_change.status_code, late_change.json()["error"]) == (409, "meeting_closed"), path
        again = await fatima.post(f"/api/meetings/{meeting['id']}/close", json={})
        assert again.status_code == 200


async def test_facilitator_adds_someone_without_a_phone(server: RunningServer) -> None:
    async with facilitator(server, "fatima@example.nl") as fatima:
        meeting = await split_meeting(fatima)
        room = meeting["rooms"][1]
        added = await fatima.post(
            "/api/participants", json={"room_id": room["id"], "name": "Opa Henk", "relation": "family"}
        )
        assert added.status_code == 201
        assert set(added.json()) == {
            "id",
            "name",
            "relation",
            "status",
            "full_board",
            "photo",
            "safety_person",
        }  # no token: nobody has a phone
        assert added.json()["status"] == "admitted"
        listed = (await fatima.get(f"/api/meetings/{meeting['id']}")).json()["rooms"][1]["participants"]
        assert [p["name"] for p in listed] == ["Opa Henk"]


# -- copying between the rooms of a split meeting ---------------------------------------------------


def _mother_board(doc: Doc[Any]) -> None:
    framework = doc.get("framework", type=Map)
    framework["d1"] = Map(
        {
            "category": "danger",
            "text": Text(DANGER),
            "scale": 3,
            "sources": ["school"],
            "who": Map({"role": "teacher"}),
            "by": "p-mothers-neighbour",  # who raised it names the other parent's network: never crosses
        }
    )
    framework["s1"] = Map({"category": "safety", "text": Text(ESCAPE_PLAN), "sensitive": True})
    doc.get("agreements", type=Map)["r1"] = Map({"text": Text(RULE), "status": "agreed"})
    doc.get("people", type=Map)["p1"] = "Oma Truus"


async def test_copy_shows_exactly_what_crosses_and_never_a_sensitive_item(server: RunningServer) -> None:
    live = live_of(server)
    async with facilitator(server, "fatima@example.nl") as fatima:
        meeting = await split_meeting(fatima)
        mother, father = (r["id"] for r in meeting["rooms"])
        await live.edit(mother, "board", _mother_board)
        asked = {
            "from_room": mother,
            "to_room": father,
            "items": [
                {"root": "framework", "key": "d1"},
                {"root": "framework", "key": "s1"},
                {"root": "agreements", "key": "r1"},
                {"root": "framework", "key": "missing"},
                {"root": "people", "key": "p1"},
            ],
        }
        preview = await fatima.post(f"/api/meetings/{meeting['id']}/copy/preview", json=asked)
        assert preview.status_code == 200, preview.text
        plan = preview.json()
        assert [(i["root"], i["key"], i["replaces"]) for i in plan["items"]] == [
            ("framework", "d1", False),
            ("agreements", "r1", False),
        ]
        assert plan["items"][0]["value"] == {
            "category": "danger",
            "text": DANGER,
            "scale": 3,
            "sources": ["school"],
            "who": {"role": "teacher"},
        }
        assert plan["refused"] == [
            {"root": "framework", "key": "s1", "reason": "sensitive"},
            {"root": "framework", "key": "missing", "reason": "not_found"},
            {"root": "people", "key": "p1", "reason": "not_allowed"},
        ]
        assert ESCAPE_PLAN not in preview.text
        untouched = await live.copy_of(father, "board")
        assert untouched.get("framework", type=Map).to_py() == {}  # a preview writes nothing

        copied = await fatima.post(f"/api/meetings/{meeting['id']}/copy", json={**asked, "digest": plan["digest"]})
        assert copied.status_code == 200, copied.text
        assert copied.json()["copied"] == 2
        board = await live.copy_of(father, "board")
        item = board.get("framework", type=Map)["d1"]
        assert isinstance(item["text"], Text) and str(item["text"]) == DANGER  # still editable together
        assert isinstance(item["who"], Map)
        assert set(board.get("framework", type=Map).keys()) == {"d1"}
        assert board.get("agreements", type=Map).to_py() == {"r1": {"text": RULE, "status": "agreed"}}
        assert board.get("people", type=Map).to_py() == {}
        assert ESCAPE_PLAN not in json.dumps(board.get("framework", type=Map).to_py())

        again = (await fatima.post(f"/api/meetings/{meeting['id']}/copy/preview", json=asked)).json()
        assert [i["replaces"] for i in again["items"]] == [True, True]


async def test_copy_refuses_when_the_items_changed_after_the_preview(server: RunningServer) -> None:
    live = live_of(server)
    async with facilitator(server, "fatima@example.nl") as fatima:
        meeting = await split_meeting(fatima)
        mother, father = (r["id"] for r in meeting["rooms"])
        await live.edit(mother, "board", _mother_board)
        asked = {"from_room": mother, "to_room": father, "items": [{"root": "framework", "key": "d1"}]}
        digest = (await fatima.post(f"/api/meetings/{meeting['id']}/copy/preview", json=asked)).json()["digest"]

        def add_an_address(doc: Doc[Any]) -> None:
            doc.get("framework", type=Map)["d1"]["text"] += " (Lindelaan 4)"

        await live.edit(mother, "board", add_an_address)
        changed = await fatima.post(f"/api/meetings/{meeting['id']}/copy", json={**asked, "digest": digest})
        assert (changed.status_code, changed.json()["error"]) == (409, "changed")
        assert (await live.copy_of(father, "board")).get("framework", type=Map).to_py() == {}


async def test_copy_stays_within_one_meeting(server: RunningServer) -> None:
    live = live_of(server)
    async with facilitator(server, "fatima@example.nl") as fatima:
        meeting = await split_meeting(fatima)
        elsewhere = (await split_meeting(fatima))["rooms"][0]["id"]
        mother = meeting["rooms"][0]["id"]
        await live.edit(mother, "board", _mother_board)
        items = [{"root": "framework", "key": "d1"}]
        for path in ("copy/preview", "copy"):
            for source, target in [(mother, elsewhere), (elsewhere, mother)]:
                body = {"from_room": source, "to_room": target, "items": items}
                refused = await fatima.post(f"/api/meetings/{meeting['id']}/{path}", json=body)
                assert (refused.status_code, refused.json()["error"]) == (404, "unknown_room"), (path, source)
        assert (await live.copy_of(elsewhere, "board")).get("framework", type=Map).to_py() == {}
        same = await fatima.post(
            f"/api/meetings/{meeting['id']}/copy", json={"from_room": mother, "to_room": mother, "items": items}
        )
        assert (same.status_code, same.json()["error"]) == (400, "same_room")
        empty = await fatima.post(
            f"/api/meetings/{meeting['id']}/copy",
            json={"from_room": mother, "to_room": meeting["rooms"][1]["id"], "items": []},
        )
        assert (empty.status_code, empty.json()["error"]) == (400, "bad_items")


# -- audit and logs -------------------------------------------------------------------------------


async def test_audit_records_who_did_what_without_names_or_text(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    store, live = store_of(server), live_of(server)
    async with facilitator(server, "fatima@example.nl") as fatima, browser(server) as phone:
        me = (await fatima.get("/api/me")).json()
        meeting = await split_meeting(fatima)
        mother, father = meeting["rooms"]
        pid = (await join(phone, mother["join_code"], name="Oma Truus")).json()["participant_id"]
        await fatima.post(f"/api/participants/{pid}/admit", json={})
        await fatima.post(f"/api/participants/{pid}/rename", json={"name": "Tante Els"})
        await fatima.post(f"/api/rooms/{mother['id']}/lock", json={"locked": True})
        await fatima.post(f"/api/rooms/{mother['id']}/lock", json={"locked": False})
        await fatima.post(f"/api/rooms/{mother['id']}/projector", json={})
        await live.edit(mother["id"], "board", _mother_board)
        items = [{"root": "framework", "key": "d1"}, {"root": "framework", "key": "s1"}]
        copy = {"from_room": mother["id"], "to_room": father["id"], "items": items}
        assert (await fatima.post(f"/api/meetings/{meeting['id']}/copy", json=copy)).json()["copied"] == 1
        await fatima.post(f"/api/participants/{pid}/remove", json={})
        await fatima.post(f"/api/meetings/{meeting['id']}/close", json={})

        entries = (await fatima.get(f"/api/meetings/{meeting['id']}/audit")).json()["entries"]
    by_action = {e["action"]: e for e in entries}
    expected = {"meeting_create", "join", "admit", "rename", "lock", "unlock", "projector", "copy", "remove", "close"}
    assert expected <= set(by_action)
    assert (by_action["join"]["actor_kind"], by_action["join"]["actor_id"]) == ("participant", pid)
    assert by_action["join"]["room_id"] == mother["id"]
    for action in ("admit", "rename", "remove"):
        assert (by_action[action]["actor_id"], by_action[action]["on_behalf_of"]) == (str(me["id"]), pid)
    assert by_action["copy"]["room_id"] == father["id"]
    assert by_action["copy"]["detail"] == f"items=1;from={mother['id']}"
    assert any(e.action == "login" and e.actor_id == str(me["id"]) for e in await store.audit_entries())

    secrets = ["Oma Truus", "Tante Els", DANGER, ESCAPE_PLAN, mother["join_code"], father["join_code"]]
    everything = json.dumps([vars_of(e) for e in await store.audit_entries()], default=str)
    lines = [JsonFormatter().format(r) for r in caplog.records if r.name.startswith("kring")]
    assert lines  # the API does log; what it logs is checked next
    for secret in secrets:
        assert secret not in everything
        assert not [line for line in lines if secret in line], secret


def vars_of(entry: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(entry).items() if not k.startswith("_")}


# -- the description ------------------------------------------------------------------------------

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


async def test_openapi_describes_every_registered_route(server: RunningServer) -> None:
    async with browser(server) as client:
        served = await client.get("/api/openapi.json")
    assert served.status_code == 200
    document = json.loads(served.content)
    assert document["openapi"] == "3.1.0"
    registered = {
        (route.path, method.lower())
        for route in routes(server.kring)
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"
    }
    assert {path for path, _ in registered if path.startswith("/api/")} >= {"/api/join", "/api/meetings/{meeting_id}"}
    documented = {
        (path, method) for path, item in document["paths"].items() for method in item if method in HTTP_METHODS
    }
    assert documented == registered
    schemas = document["components"]["schemas"]
    for ref in _refs(document):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
