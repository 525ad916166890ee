"""The scaling poll: scores stay in their owners' own documents until the reveal, then appear on the
board by name; the revealed scores of the room a room continues are there to compare, and those of
no other room."""

from __future__ import annotations

import asyncio
from typing import Any

from pycrdt import Doc, Map, create_update_message

from server.meetings.domain.people import show_person
from tests.meetings_helpers import api_client, browser, facilitator, live_of, split_meeting, store_of
from tests.test_socket_access import Peer
from tests.utils import RunningServer, eventually


class Scores:
    """A phone's own document: later scores build on earlier ones, as in a real client."""

    def __init__(self) -> None:
        self.doc: Doc[Any] = Doc()

    def set(self, value: Any, why: str = "") -> bytes:
        before = self.doc.get_state()
        self.doc.get("scores", type=Map)["r1"] = Map({"value": value, "why": why})
        return create_update_message(self.doc.get_update(before))


async def test_scores_are_hidden_until_revealed_then_shown_by_name(server: RunningServer) -> None:
    store = store_of(server)
    live = live_of(server)
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        meeting = await split_meeting(fatima, rooms=[])
        room = meeting["rooms"][0]["id"]
        people = {}
        for name in ["Moeder Sanne", "Oma Truus", "Meester Ahmed"]:
            person, token = await store.add_participant(room, name, "family", admitted=True)
            await show_person(live, person)
            people[name] = (person.id, token)
        no_phone, _ = await store.add_participant(room, "Opa Henk", "family", admitted=True)
        await show_person(live, no_phone)
        await live.edit(
            room,
            "board",
            lambda d: d.get("poll", type=Map).__setitem__("r1", Map({"title": "Hoe veilig?", "status": "open"})),
        )
        link = (await fatima.post(f"/api/rooms/{room}/projector", json={})).json()["url"].split("#", 1)[1]

        projector = Peer(server.url)
        phones = {name: Peer(server.url) for name in people}
        assert await projector.connect({"projector": link})
        for name, phone in phones.items():
            assert await phone.connect({"token": people[name][1]})
        own_docs = {name: Scores() for name in people}
        for value, name in zip([3, 7, 9], people, strict=True):
            update = own_docs[name].set(value, "omdat")
            ack = await phones[name].sio.call("sync", (f"p.{people[name][0]}", update), timeout=5)
            assert ack == {"ok": True, "saved": True}
        # Out of range, and for someone else: refused.
        sanne = phones["Moeder Sanne"]
        assert (
            await sanne.sio.call(
                "sync", (f"p.{people['Moeder Sanne'][0]}", own_docs["Moeder Sanne"].set(11)), timeout=5
            )
        )["code"] == "invalid_value"
        assert (await sanne.sio.call("sync", (f"p.{people['Oma Truus'][0]}", Scores().set(2)), timeout=5))[
            "code"
        ] == "not_allowed"
        # The facilitator enters a score for someone without a phone.
        facilitator_socket = Peer(server.url)
        session = fatima.cookies.get("kring_session")
        assert await facilitator_socket.connect({"room": room, "session": session})
        ack = await facilitator_socket.sio.call("sync", (f"p.{no_phone.id}", Scores().set(5)), timeout=5)
        assert ack == {"ok": True, "saved": True}
        await asyncio.sleep(0.2)
        board = await live.copy_of(room, "board")
        assert "scores" not in board.get("poll", type=Map)["r1"]
        # Before the reveal not one score was in any phone's or the projector's data.
        for peer in [projector, *phones.values()]:
            others = [
                e for e, a in peer.received if e == "sync" and a[0].startswith("p.") and a[0] != _own(peer, people)
            ]
            assert others == []
        assert b"omdat" not in projector.everything()

        revealed = await fatima.post(f"/api/rooms/{room}/rounds/r1/reveal", json={})
        assert revealed.json() == {"round_id": "r1", "revealed": 4}
        board = await live.copy_of(room, "board")
        scores = board.get("poll", type=Map)["r1"]["scores"].to_py()
        assert {pid: s["value"] for pid, s in scores.items()} == {
            people["Moeder Sanne"][0]: 3,
            people["Oma Truus"][0]: 7,
            people["Meester Ahmed"][0]: 9,
            no_phone.id: 5,
        }
        await eventually(lambda: _check(b"omdat" in projector.everything()))

        follow_up = await fatima.post(
            f"/api/cases/{meeting['case_id']}/meetings",
            json={"title": "Vervolg", "rooms": [{"name": "Kamer", "continues": room}]},
        )
        next_room = follow_up.json()["rooms"][0]["id"]
        history = (await fatima.get(f"/api/rooms/{next_room}/history")).json()
        assert history["meeting"] == meeting["id"]
        [round_] = history["rounds"]
        assert sorted((s["name"], s["value"]) for s in round_["scores"]) == [
            ("Meester Ahmed", 9),
            ("Moeder Sanne", 3),
            ("Oma Truus", 7),
            ("Opa Henk", 5),
        ]
        next_link = (await fatima.post(f"/api/rooms/{next_room}/projector", json={})).json()["url"].split("#", 1)[1]
        async with server_client(server, next_link) as wall:
            names = sorted(s["name"] for s in (await wall.get("/api/projector/history")).json()["rounds"][0]["scores"])
        assert names == ["Meester", "Moeder", "Oma", "Opa"]  # first names only on the wall
        for peer in [projector, facilitator_socket, *phones.values()]:
            await peer.close()


async def _revealed_round(server: RunningServer, fatima: Any, room: str, scores: dict[str, int]) -> None:
    """Admits one person per name into `room`, has each score, and reveals the round."""
    store, live = store_of(server), live_of(server)
    await live.edit(
        room,
        "board",
        lambda d: d.get("poll", type=Map).__setitem__("r1", Map({"title": "Hoe veilig?", "status": "open"})),
    )
    for name, value in scores.items():
        person, _token = await store.add_participant(room, name, "family", admitted=True)
        await show_person(live, person)
        await live.edit(
            room, f"p.{person.id}", lambda d, v=value: d.get("scores", type=Map).__setitem__("r1", Map({"value": v}))
        )
    revealed = await fatima.post(f"/api/rooms/{room}/rounds/r1/reveal", json={})
    assert revealed.json() == {"round_id": "r1", "revealed": len(scores)}


async def _histories(server: RunningServer, fatima: Any, room: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the console and the room's projector get as the room's previous scores."""
    console = (await fatima.get(f"/api/rooms/{room}/history")).json()
    link = (await fatima.post(f"/api/rooms/{room}/projector", json={})).json()["url"].split("#", 1)[1]
    async with server_client(server, link) as wall:
        projected = (await wall.get("/api/projector/history")).json()
    return console, projected


def _names(history: dict[str, Any]) -> list[str]:
    return sorted(s["name"] for r in history["rounds"] for s in r["scores"])


MOTHER_SIDE = {"Moeder Sanne": 4, "Oma Truus": 6}
FATHER_SIDE = {"Vader Karel": 8, "Buurman Piet": 7}


async def test_previous_scores_come_only_from_the_room_a_room_explicitly_continues(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        first = await split_meeting(fatima)  # [Moeder, Vader]
        case = first["case_id"]
        mother, father = (r["id"] for r in first["rooms"])
        await _revealed_round(server, fatima, mother, MOTHER_SIDE)
        await _revealed_round(server, fatima, father, FATHER_SIDE)

        async def meeting(rooms: list[Any]) -> list[str]:
            made = await fatima.post(f"/api/cases/{case}/meetings", json={"title": "Vervolg", "rooms": rooms})
            assert made.status_code == 201, made.text
            return [r["id"] for r in made.json()["rooms"]]

        # A joint meeting after the split: nobody linked it, so neither parent's network shows.
        [joint] = await meeting([])
        for history in await _histories(server, fatima, joint):
            assert history == {"meeting": None, "rounds": [], "points": {}}
        # The next split lists the rooms the other way round, each linked to its own parent's room.
        father_2, mother_2 = await meeting(
            [{"name": "Vader", "continues": father}, {"name": "Moeder", "continues": mother}]
        )
        console, projected = await _histories(server, fatima, mother_2)
        assert (console["meeting"], _names(console)) == (first["id"], sorted(MOTHER_SIDE))
        assert _names(projected) == ["Moeder", "Oma"]
        console, projected = await _histories(server, fatima, father_2)
        assert (_names(console), _names(projected)) == (sorted(FATHER_SIDE), ["Buurman", "Vader"])
        # The same order as before but no links: still nothing. Position decides nothing.
        for room in await meeting(["Moeder", "Vader"]):
            for history in await _histories(server, fatima, room):
                assert history == {"meeting": None, "rounds": [], "points": {}}
        # A linked joint room shows the one room the facilitator chose.
        [joint_linked] = await meeting([{"name": "Samen", "continues": mother}])
        assert _names((await _histories(server, fatima, joint_linked))[1]) == ["Moeder", "Oma"]

        entries = (await fatima.get(f"/api/meetings/{first['id']}/audit")).json()["entries"]
        assert not [e for e in entries if e["action"] == "room_continues"]
        links = [
            (e["room_id"], e["detail"])
            for m in (await fatima.get(f"/api/cases/{case}")).json()["meetings"]
            for e in (await fatima.get(f"/api/meetings/{m['id']}/audit")).json()["entries"]
            if e["action"] == "room_continues"
        ]
        assert sorted(links) == sorted(
            [(father_2, f"from={father}"), (mother_2, f"from={mother}"), (joint_linked, f"from={mother}")]
        )


async def test_a_link_names_one_room_of_an_earlier_meeting_of_the_same_case(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        first = await split_meeting(fatima)
        case = first["case_id"]
        mother, _father = (r["id"] for r in first["rooms"])
        elsewhere = (await split_meeting(fatima))["rooms"][0]["id"]  # another case of the same facilitator
        async with facilitator(server, "frank@jeugdzorg.test", "Frank") as frank:
            strangers = (await split_meeting(frank))["rooms"][0]["id"]
        for rooms in [
            [{"name": "Moeder", "continues": elsewhere}],
            [{"name": "Moeder", "continues": strangers}],
            [{"name": "Moeder", "continues": "bestaat-niet"}],
            [{"name": "Moeder", "continues": mother}, {"name": "Vader", "continues": mother}],
            [{"name": "Moeder", "continues": 7}],
            [{"name": "Moeder", "continues": mother, "position": 1}],
            [{"continues": mother}],
        ]:
            made = await fatima.post(f"/api/cases/{case}/meetings", json={"title": "Vervolg", "rooms": rooms})
            assert (made.status_code, made.json()["error"]) == (400, "bad_rooms"), rooms
        assert len((await fatima.get(f"/api/cases/{case}")).json()["meetings"]) == 1  # nothing was made
        async with browser(server) as nobody:
            made = await nobody.post(
                f"/api/cases/{case}/meetings", json={"title": "V", "rooms": [{"name": "M", "continues": mother}]}
            )
            assert made.status_code == 401


def _own(peer: Peer, people: dict[str, tuple[str, str]]) -> str | None:
    for pid, _token in people.values():
        if any(e == "sync" and a[0] == f"p.{pid}" for e, a in peer.received):
            return f"p.{pid}"
    return None


def server_client(server: RunningServer, token: str) -> Any:

    return api_client(server, headers={"Authorization": f"Bearer {token}"})


def _check(condition: bool) -> None:
    assert condition
