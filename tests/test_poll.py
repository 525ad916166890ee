"""The scaling poll: scores stay in their owners' own documents until the reveal, then appear on the
board by name; the previous meeting's revealed scores are there to compare."""

from __future__ import annotations

import asyncio
from typing import Any

from pycrdt import Doc, Map, create_update_message

from server.meetings.people import show_person
from tests.meetings_helpers import facilitator, live_of, split_meeting, store_of
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
            f"/api/cases/{meeting['case_id']}/meetings", json={"title": "Vervolg", "rooms": []}
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


def _own(peer: Peer, people: dict[str, tuple[str, str]]) -> str | None:
    for pid, _token in people.values():
        if any(e == "sync" and a[0] == f"p.{pid}" for e, a in peer.received):
            return f"p.{pid}"
    return None


def server_client(server: RunningServer, token: str) -> Any:
    import httpx

    return httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {token}"})


def _check(condition: bool) -> None:
    assert condition
