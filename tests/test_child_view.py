"""A child's phone (relation "child") gets the child document, never the board: byte for byte, the
danger statements, harm and the rules' adult texts never reach its socket. The facilitator can switch
a young person of 16+ to the full board and back; the switch is audited and the phone reconnects."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import socketio
from pycrdt import (
    Awareness,
    Doc,
    Map,
    Text,
    create_awareness_message,
    create_sync_message,
    create_update_message,
    handle_sync_message,
)

from server.protocol import Refusal
from server.rooms.childdoc import child_of
from server.settings import Settings
from tests.meetings_helpers import facilitator, live_of, split_meeting, store_of
from tests.test_wall_socket import BoardSocket, RawWall
from tests.utils import RunningServer, eventually, run_server

# Every text a child's phone must never receive holds this.
SECRET = "KANARIE"


class RawChild(RawWall):
    """A child's phone as a raw socket: every frame kept, the child document answered as the client does."""

    async def connect(self, token: str) -> None:
        await self._open({"token": token})

    async def _open(self, auth: dict[str, str]) -> None:
        self._http = aiohttp.ClientSession()
        ws_url = self.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
        self._ws = await self._http.ws_connect(ws_url, headers={"Origin": self.url}, compress=0)
        self._reader = asyncio.create_task(self._read())
        await self._send({"type": 0, "nsp": "/", "data": auth})
        await eventually(lambda: _check(any(e[0] == "sync" for e in self.events)))

    def _event(self, data: list[Any]) -> None:
        self.events.append(data)
        if data[0] == "sync" and data[1] == "child":
            reply = handle_sync_message(data[2][1:], self.doc)
            if reply is not None:
                answer = asyncio.ensure_future(self.call("sync", "child", reply))
                self._answers.add(answer)
                answer.add_done_callback(self._answers.discard)

    def shows(self) -> dict[str, Any]:
        return {root: self.doc.get(root, type=Map).to_py() for root in child_of(Doc())}


def _check(condition: bool) -> None:
    assert condition


def _replace(text: Text, words: str) -> None:
    del text[: len(text)]
    text += words


async def _child_room(server: RunningServer, fatima: Any) -> tuple[str, str, str]:
    room = (await split_meeting(fatima, rooms=[]))["rooms"][0]["id"]
    person, token = await store_of(server).add_participant(room, "Sem", "child", admitted=True)
    return room, person.id, token


async def test_a_child_phone_receives_no_byte_of_danger_harm_or_adult_rule_texts(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test", name=f"Fatima {SECRET}") as fatima:
        room, _pid, token = await _child_room(server, fatima)
        board = BoardSocket(server.url)
        await board.connect({"room": room, "session": fatima.cookies.get("kring_session")})
        child = RawChild(server.url)
        await child.connect(token)
        assert (await child.call("sync", "child", create_sync_message(Doc()))) == {"ok": True}
        framework, agreements = board.root("framework"), board.root("agreements")

        # Danger and harm, added and edited; a rule with a children's text whose adult text is edited;
        # a rule without one; a children's text added to a rule later and edited.
        danger = Map({"text": Text(f"{SECRET} gevaar"), "category": "danger", "by": "f:1"})
        await board.change("board", lambda d: framework.__setitem__("d1", danger))
        await board.change("board", lambda d: _replace(framework["d1"]["text"], f"{SECRET} ander gevaar"))
        harm = Map({"text": Text(f"{SECRET} schade"), "category": "harm", "sensitive": True})
        await board.change("board", lambda d: framework.__setitem__("h1", harm))
        await board.change("board", lambda d: framework["h1"]["text"].__iadd__(f" {SECRET}"))
        rule = Map(
            {
                "text": Text(f"{SECRET} regel voor volwassenen"),
                "when": f"{SECRET} wanneer",
                "if_not_kept": f"{SECRET} anders",
                "for_children": "Mama brengt je naar school",
                "status": "agreed",
                "order": 1,
            }
        )
        await board.change("board", lambda d: agreements.__setitem__("r1", rule))
        await board.change("board", lambda d: _replace(agreements["r1"]["text"], f"{SECRET} nieuwe regel"))
        plain = Map({"text": Text(f"{SECRET} zonder kindertekst"), "owners": ["x"], "status": "trying", "order": 2})
        await board.change("board", lambda d: agreements.__setitem__("r2", plain))
        await board.change("board", lambda d: agreements["r2"].__setitem__("for_children", "Oma belt je"))
        await board.change("board", lambda d: agreements["r2"].__setitem__("for_children", "Oma belt je elke dag"))
        await board.change("board", lambda d: agreements["r1"].__setitem__("check", f"{SECRET} controle"))
        # Children's texts of a rule still proposed and of a sensitive one: not for a child (as in the
        # children's printable version); the second one was shown until it was marked sensitive.
        proposed = Map({"text": Text("Voorstel"), "for_children": f"{SECRET} nog een voorstel", "status": "proposed"})
        await board.change("board", lambda d: agreements.__setitem__("r3", proposed))
        shielded = Map({"text": Text("Oma"), "for_children": "Oma is er", "status": "agreed", "order": 4})
        await board.change("board", lambda d: agreements.__setitem__("r4", shielded))
        await eventually(lambda: _check("r4" in child.shows()["agreements"]))
        await board.change("board", lambda d: agreements["r4"].__setitem__("sensitive", True))
        await board.change("board", lambda d: agreements["r4"].__setitem__("for_children", f"{SECRET} gevoelig"))

        # Presence is passed on as the phone sent it (with the server's stamp): it may carry anything.
        awareness = Awareness(Doc())
        awareness.set_local_state({"typt": f"{SECRET} concept", "user": {"name": "x"}})
        presence = create_awareness_message(awareness.encode_awareness_update([awareness.client_id]))
        await board.sio.call("awareness", (presence,), timeout=5)

        # A Three Houses entry shown to the room, and one kept for the facilitator.
        live_room = server.kring.registry.rooms[room]

        def houses(doc: Doc[Any]) -> None:
            tools = doc.get("childtools", type=Map)
            tools["e1"] = Map({"house": "dreams", "visibility": "room", "text": Text("Samen naar de dierentuin")})
            tools["e2"] = Map({"house": "worries", "visibility": "private", "text": Text(f"{SECRET} privé")})

        await live_room.edit("board", houses)

        # The barrier: the last change has reached the child (the fan-out is in order).
        want = {
            "agreements": {
                "r1": {"text": "Mama brengt je naar school", "order": 1.0},
                "r2": {"text": "Oma belt je elke dag", "order": 2.0},
            },
            "childtools": {"e1": {"house": "dreams", "visibility": "room", "text": "Samen naar de dierentuin"}},
            "poll": {},
        }
        await eventually(lambda: _check(child.shows() == want))
        # And a round trip after it, so that nothing is still on its way.
        assert (await child.call("sync", "child", create_sync_message(child.doc)))["ok"] is True
        received = child.received()
        assert SECRET.encode() not in received
        for word in (b"danger", b"harm", b"framework", b"owners", b"when", b"sensitive"):
            assert word not in received, word
        assert child.shows() == want
        assert child_of(await live_of(server).copy_of(room, "board")) == want

        # It reads nothing else and writes nothing: not the board, not the child document.
        ack = await child.call("sync", "board", create_sync_message(Doc()))
        assert ack["ok"] is False and ack["code"] == "not_allowed", ack
        writer: Doc[Any] = Doc()
        writer.get("marks", type=Map)["d1|x"] = "agree"
        for doc_name in ("board", "child"):
            ack = await child.call("sync", doc_name, create_update_message(writer.get_update()))
            assert ack["ok"] is False and ack["code"] == "not_allowed", (doc_name, ack)
        assert SECRET.encode() not in child.received()
        await child.close()
        await board.close()


async def test_the_facilitator_switches_a_child_to_the_full_board_and_back(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        room, pid, token = await _child_room(server, fatima)

        async def phone() -> tuple[Any, list[Any]]:
            refused: list[Any] = []
            sio = socketio.AsyncClient(serializer="msgpack", reconnection=False)
            sio.on("refused", refused.append)
            await sio.connect(
                server.url, transports=["websocket"], auth={"token": token}, headers={"Origin": server.url}
            )
            return sio, refused

        async def reads(sio: Any, doc_name: str) -> bool:
            return bool((await sio.call("sync", (doc_name, create_sync_message(Doc())), timeout=5))["ok"])

        first, refused = await phone()
        assert not await reads(first, "board") and await reads(first, "child")

        answer = await fatima.post(f"/api/participants/{pid}/view", json={"full_board": True})
        assert answer.status_code == 200 and answer.json()["full_board"] is True, answer.text
        await eventually(lambda: _check(not first.connected))
        assert refused[-1]["code"] == Refusal.VIEW_CHANGED.value  # after the refused read of the board
        older, _ = await phone()
        assert await reads(older, "board") and not await reads(older, "child")

        answer = await fatima.post(f"/api/participants/{pid}/view", json={"full_board": False})
        assert answer.status_code == 200 and answer.json()["full_board"] is False
        await eventually(lambda: _check(not older.connected))
        again, _ = await phone()
        assert not await reads(again, "board") and await reads(again, "child")
        await again.disconnect()

        actions = [e.action for e in await store_of(server).audit_entries()]
        assert actions.count("child_full_board") == 1 and actions.count("child_view") == 1, actions

        # Only for a child; and not a string for the flag.
        adult, _token = await store_of(server).add_participant(room, "Oma", "family", admitted=True)
        answer = await fatima.post(f"/api/participants/{adult.id}/view", json={"full_board": True})
        assert answer.status_code == 409 and answer.json()["error"] == "not_a_child"
        answer = await fatima.post(f"/api/participants/{pid}/view", json={"full_board": "true"})
        assert answer.status_code == 400


async def test_a_child_phone_that_kept_a_child_document_from_before_a_restart_starts_afresh(
    settings: Settings,
) -> None:
    async with run_server(settings) as server, facilitator(server, "fatima@jeugdzorg.test") as fatima:
        room, _pid, token = await _child_room(server, fatima)
        rule = Map({"text": Text("Regel"), "for_children": "Jij mag kiezen", "status": "agreed"})
        await live_of(server).edit(room, "board", lambda d: d.get("agreements", type=Map).__setitem__("r", rule))
        child = RawChild(server.url)
        await child.connect(token)
        assert (await child.call("sync", "child", create_sync_message(Doc()))) == {"ok": True}
        await eventually(lambda: _check("r" in child.shows()["agreements"]))
        kept = child.doc
        await child.close()
    async with run_server(settings) as server:
        again = RawChild(server.url)
        again.doc = kept
        await again.connect(token)
        ack = await again.call("sync", "child", create_sync_message(kept))
        assert ack["ok"] is False and ack["code"] == "rebuilt", ack
        fresh = RawChild(server.url)
        await fresh.connect(token)
        assert (await fresh.call("sync", "child", create_sync_message(Doc()))) == {"ok": True}
        await eventually(lambda: _check(fresh.shows()["agreements"] == {"r": {"text": "Jij mag kiezen"}}))
        await asyncio.gather(again.close(), fresh.close())
