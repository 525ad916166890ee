"""What reaches the projector's socket, byte for byte, while a meeting hides, edits and shows things.

The projector here is a raw WebSocket that speaks Engine.IO and Socket.IO (msgpack) itself and keeps
every frame it receives, so nothing a client library drops or decodes away can hide a leak.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import msgpack
import socketio
from pycrdt import Array, Doc, Map, Text, create_sync_message, create_update_message, handle_sync_message

from server.meetings.domain.people import show_person
from server.rooms.wall import wall_of
from server.settings import Settings
from tests.meetings_helpers import facilitator, live_of, split_meeting, store_of
from tests.utils import RunningServer, eventually, run_server

# Every text the wall must never receive starts with this; so do the full names' surnames.
SECRET = "GEHEIM"


class RawWall:
    """A projector socket that records every WebSocket frame and keeps the wall document it is sent."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.frames: list[bytes] = []
        self.events: list[list[Any]] = []
        self.acks: dict[int, Any] = {}
        self.doc: Doc[Any] = Doc()
        self._ids = itertools.count(1)
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._answers: set[asyncio.Future[Any]] = set()

    async def connect(self, token: str) -> None:
        self._http = aiohttp.ClientSession()
        ws_url = self.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
        self._ws = await self._http.ws_connect(ws_url, headers={"Origin": self.url}, compress=0)
        self._reader = asyncio.create_task(self._read())
        await self._send({"type": 0, "nsp": "/", "data": {"projector": token}})
        await eventually(lambda: _check(any(e[0] == "sync" for e in self.events)))

    async def _send(self, packet: dict[str, Any]) -> None:
        assert self._ws is not None
        await self._ws.send_bytes(msgpack.dumps(packet))

    async def call(self, *args: Any) -> Any:
        """Emit an event and wait for its acknowledgement."""
        ack_id = next(self._ids)
        await self._send({"type": 2, "nsp": "/", "data": list(args), "id": ack_id})
        return await eventually(lambda: self.acks[ack_id] if ack_id in self.acks else _check(False))

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            data = message.data if isinstance(message.data, bytes) else str(message.data).encode()
            self.frames.append(data)
            if data == b"2":
                await self._ws.send_str("3")  # Engine.IO ping
            elif message.type == aiohttp.WSMsgType.BINARY:
                packet = msgpack.loads(data)
                if packet["type"] == 2:
                    self._event(packet["data"])
                elif packet["type"] == 3:
                    self.acks[packet["id"]] = packet["data"][0]

    def _event(self, data: list[Any]) -> None:
        self.events.append(data)
        if data[0] == "sync" and data[1] == "wall":
            reply = handle_sync_message(data[2][1:], self.doc)
            if reply is not None:  # the server's step 1: answer it, as the web client does
                answer = asyncio.ensure_future(self.call("sync", "wall", reply))
                self._answers.add(answer)
                answer.add_done_callback(self._answers.discard)

    def received(self) -> bytes:
        return b"".join(self.frames)

    def shows(self) -> dict[str, Any]:
        return {root: self.doc.get(root, type=Map).to_py() for root in wall_of(Doc())}

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await self._reader
        if self._http is not None:
            await self._http.close()


def _check(condition: bool) -> None:
    assert condition


class BoardSocket:
    """A facilitator's or a phone's board over a real socket: every change is one acknowledged update."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.doc: Doc[Any] = Doc()
        self.sio = socketio.AsyncClient(serializer="msgpack", reconnection=False)
        self.sio.on("sync", self._on_sync)

    async def connect(self, auth: dict[str, str]) -> None:
        await self.sio.connect(self.url, transports=["websocket"], auth=auth, headers={"Origin": self.url})
        await self.sio.call("sync", ("board", create_sync_message(self.doc)), timeout=5)

    async def _on_sync(self, name: str, frame: bytes) -> None:
        if name == "board":
            handle_sync_message(frame[1:], self.doc)

    async def change(self, doc_name: str, mutate: Callable[[Doc[Any]], None], doc: Doc[Any] | None = None) -> None:
        target = doc if doc is not None else self.doc
        before = target.get_state()
        mutate(target)
        update = target.get_update(before)
        ack = await self.sio.call("sync", (doc_name, create_update_message(update)), timeout=5)
        assert ack == {"ok": True, "saved": True}, ack

    def root(self, name: str) -> Map[Any]:
        return self.doc.get(name, type=Map)

    async def close(self) -> None:
        await self.sio.disconnect()


async def _projector_link(fatima: Any, room: str) -> str:
    return str((await fatima.post(f"/api/rooms/{room}/projector", json={})).json()["url"].split("#", 1)[1])


@contextlib.asynccontextmanager
async def _meeting(server: RunningServer) -> AsyncIterator[tuple[Any, str, BoardSocket]]:
    async with facilitator(server, "fatima@jeugdzorg.test", name=f"Fatima {SECRET}-Facilitator") as fatima:
        room = (await split_meeting(fatima, rooms=[]))["rooms"][0]["id"]
        board = BoardSocket(server.url)
        await board.connect({"room": room, "session": fatima.cookies.get("kring_session")})
        try:
            yield fatima, room, board
        finally:
            await board.close()


def _replace(text: Text, words: str) -> None:
    """An edit as the console makes it: the item's shared text replaced in place."""
    del text[: len(text)]
    text += words


async def test_the_projector_receives_no_byte_it_must_not_show(server: RunningServer) -> None:
    async with _meeting(server) as (fatima, room, board):
        store, live = store_of(server), live_of(server)
        person, token = await store.add_participant(room, f"Truus {SECRET}-Achternaam", "family", admitted=True)
        await show_person(live, person)
        wall = RawWall(server.url)
        await wall.connect(await _projector_link(fatima, room))
        # Its own step 1, as the web client sends on connect: the server answers with the whole wall.
        assert (await wall.call("sync", "wall", create_sync_message(Doc()))) == {"ok": True}
        framework, agreements = board.root("framework"), board.root("agreements")

        # A visible item and a sensitive one, each edited.
        await board.change("board", lambda d: framework.__setitem__("v1", Map({"text": Text("Ruzie"), "by": "f:1"})))
        await board.change("board", lambda d: framework["v1"]["text"].__iadd__(" bij het ophalen"))
        secret_item = Map({"text": Text(f"{SECRET} adres van moeder"), "category": "danger", "sensitive": True})
        await board.change("board", lambda d: framework.__setitem__("s1", secret_item))
        await board.change("board", lambda d: _replace(framework["s1"]["text"], f"{SECRET} nieuw adres"))
        # Shown for a while, then sensitive again and edited while hidden.
        await board.change("board", lambda d: _replace(framework["s1"]["text"], "Moeder verhuist"))
        await board.change("board", lambda d: framework["s1"].__setitem__("sensitive", False))
        await eventually(lambda: _check(b"Moeder verhuist" in wall.received()))
        await board.change("board", lambda d: framework["s1"].__setitem__("sensitive", True))
        await board.change("board", lambda d: _replace(framework["s1"]["text"], f"{SECRET} codewoord"))

        # A sensitive rule, un-marked after its words were changed, then marked and edited again;
        # a visible rule whose goal is the sensitive item; a claim on each.
        secret_rule = Map({"text": Text(f"{SECRET} regel"), "when": f"{SECRET} wanneer", "sensitive": True})
        await board.change("board", lambda d: agreements.__setitem__("r1", secret_rule))
        await board.change("board", lambda d: _replace(agreements["r1"]["text"], "Oma belt elke avond"))
        await board.change("board", lambda d: agreements["r1"].__setitem__("when", "om zeven uur"))
        await board.change("board", lambda d: agreements["r1"].__setitem__("sensitive", False))
        await eventually(lambda: _check(b"Oma belt elke avond" in wall.received()))
        await board.change("board", lambda d: agreements["r1"].__setitem__("sensitive", True))
        await board.change("board", lambda d: agreements["r1"].__setitem__("check_by", f"{SECRET} door wie"))
        rule = Map({"text": "Oma haalt op", "goal": "s1", "owners": Array([person.id]), "section": "immediate"})
        await board.change("board", lambda d: agreements.__setitem__("r2", rule))
        await board.change("board", lambda d: board.root("claims").__setitem__(f"r1|{person.id}", "claimed"))
        await board.change("board", lambda d: board.root("claims").__setitem__(f"r2|{person.id}", "claimed"))

        # A proposal and marks from the phone; its score in an open round; a closed round's scores
        # on the board before any reveal; a full name written by the facilitator; private notes.
        phone = BoardSocket(server.url)
        await phone.connect({"token": token})
        await eventually(lambda: _check("v1" in phone.root("framework")))
        proposal = Map({"by": person.id, "text": f"{SECRET} voorstel", "category": "danger", "status": "open"})
        await phone.change("board", lambda d: phone.root("proposals").__setitem__(f"{person.id}:1", proposal))
        await phone.change("board", lambda d: phone.root("marks").__setitem__(f"v1|{person.id}", "agree"))
        await phone.change("board", lambda d: phone.root("marks").__setitem__(f"s1|{person.id}", "disagree"))
        await board.change("board", lambda d: board.root("poll").__setitem__("r1", Map({"status": "open"})))
        await eventually(lambda: _check("r1" in phone.root("poll")))
        own: Doc[Any] = Doc()
        score = Map({"value": 4, "why": f"{SECRET} waarom"})
        await phone.change(f"p.{person.id}", lambda d: d.get("scores", type=Map).__setitem__("r1", score), own)
        early = Map({"status": "closed", "scores": Map({person.id: Map({"value": 2, "why": f"{SECRET} score"})})})
        await board.change("board", lambda d: board.root("poll").__setitem__("r2", early))
        friend = Map({"name": f"Karel {SECRET}-Achternaam", "relation": "friend"})
        await board.change("board", lambda d: board.root("people").__setitem__("x1", friend))
        notes: Doc[Any] = Doc()
        await board.change("private", lambda d: d.get("notes", type=Map).__setitem__("n", f"{SECRET} notitie"), notes)
        await phone.close()

        # The wall shows exactly what it should, and was sent nothing else.
        live_board = await live.copy_of(room, "board")
        await eventually(lambda: _check(wall.shows() == wall_of(live_board)))
        shown = wall.shows()
        assert {k: v["text"] for k, v in shown["framework"].items()} == {"v1": "Ruzie bij het ophalen"}
        assert {k: v["text"] for k, v in shown["agreements"].items()} == {"r2": "Oma haalt op"}
        assert "goal" not in shown["agreements"]["r2"]
        assert shown["left_out"] == {"framework": 1, "agreements": 1}
        assert shown["marks"] == {f"v1|{person.id}": "agree"}
        assert shown["claims"] == {f"r2|{person.id}": "claimed"}
        assert shown["poll"] == {"r1": {"status": "open"}, "r2": {"status": "closed"}}
        assert sorted(p["name"] for p in shown["people"].values()) == ["Karel", "Truus"]
        received = wall.received()
        assert SECRET.encode() not in received
        for word in (b"sensitive", b"proposals", b"voorstel", b"Achternaam", b"scores", b"Fatima"):
            assert word not in received, word
        # What was on the wall and is not any more went out, but no later reader gets it.
        assert b"Moeder verhuist" in received and b"om zeven uur" in received

        # A projector that comes now gets the whole wall, and nothing of what was on it before.
        late = RawWall(server.url)
        await late.connect(await _projector_link(fatima, room))
        assert (await late.call("sync", "wall", create_sync_message(Doc()))) == {"ok": True}
        await eventually(lambda: _check(late.shows() == wall_of(live_board)))
        for gone in (SECRET.encode(), b"Moeder verhuist", b"om zeven uur", b"Oma belt", b"sensitive"):
            assert gone not in late.received(), gone
        await late.close()
        await wall.close()


async def test_a_fresh_projector_gets_nothing_of_an_item_edited_then_marked_again(server: RunningServer) -> None:
    async with _meeting(server) as (fatima, room, board):
        framework = board.root("framework")
        link = await _projector_link(fatima, room)
        first = RawWall(server.url)
        await first.connect(link)
        assert (await first.call("sync", "wall", create_sync_message(Doc()))) == {"ok": True}
        item = Map({"text": Text("Eerste tekst"), "category": "danger", "sensitive": True})
        await board.change("board", lambda d: framework.__setitem__("s1", item))
        await board.change("board", lambda d: _replace(framework["s1"]["text"], "Tweede tekst"))
        await board.change("board", lambda d: framework["s1"].__setitem__("sensitive", False))
        await eventually(lambda: _check(b"Tweede tekst" in first.received()))
        await board.change("board", lambda d: _replace(framework["s1"]["text"], "Derde tekst"))
        await eventually(lambda: _check(b"Derde tekst" in first.received()))
        await board.change("board", lambda d: framework["s1"].__setitem__("sensitive", True))
        await eventually(lambda: _check(first.shows()["framework"] == {}))
        await first.close()

        link = await _projector_link(fatima, room)
        fresh = RawWall(server.url)
        await fresh.connect(link)
        assert (await fresh.call("sync", "wall", create_sync_message(Doc()))) == {"ok": True}
        await eventually(lambda: _check(fresh.shows()["left_out"] == {"framework": 1, "agreements": 0}))
        for text in (b"Eerste", b"Tweede", b"Derde", b"tekst"):
            assert text not in fresh.received(), text
        await fresh.close()

        # The first screen back after a network gap: its answer repeats the deletion, and is no write.
        back = RawWall(server.url)
        back.doc = first.doc
        await back.connect(link)
        assert (await back.call("sync", "wall", create_sync_message(back.doc))) == {"ok": True}
        await eventually(lambda: _check(len(back.acks) == 2))
        assert all(ack["ok"] for ack in back.acks.values()), back.acks
        await back.close()


async def test_nobody_writes_the_wall_and_only_the_projector_reads_it(server: RunningServer) -> None:
    async with _meeting(server) as (fatima, room, _board):
        _person, token = await store_of(server).add_participant(room, "Oma Truus", "family", admitted=True)
        wall = RawWall(server.url)
        await wall.connect(await _projector_link(fatima, room))
        writer: Doc[Any] = Doc()
        writer.get("framework", type=Map)["x"] = Map({"text": "van de beamer"})
        write = create_update_message(writer.get_update())
        for doc_name in ("wall", "board"):
            ack = await wall.call("sync", doc_name, write)
            assert ack["ok"] is False and ack["code"] == "not_allowed", ack
        ack = await wall.call("sync", "board", create_sync_message(Doc()))
        assert ack["code"] == "not_allowed"  # nor may it read the board
        for auth in ({"token": token}, {"room": room, "session": fatima.cookies.get("kring_session")}):
            other = socketio.AsyncClient(serializer="msgpack", reconnection=False)
            await other.connect(server.url, transports=["websocket"], auth=auth, headers={"Origin": server.url})
            ack = await other.call("sync", ("wall", create_sync_message(Doc())), timeout=5)
            assert ack["code"] == "not_allowed", (auth, ack)
            assert (await other.call("sync", ("wall", write), timeout=5))["code"] == "not_allowed"
            await other.disconnect()
        board_now = await live_of(server).copy_of(room, "board")
        assert "x" not in board_now.get("framework", type=Map)
        assert "x" not in server.kring.registry.rooms[room].wall.doc.get("framework", type=Map)
        await wall.close()


async def test_a_projector_that_kept_a_wall_from_before_a_restart_starts_afresh(settings: Settings) -> None:
    async with run_server(settings) as server, _meeting(server) as (fatima, room, board):
        await board.change("board", lambda d: board.root("framework").__setitem__("v1", Map({"text": "Ruzie"})))
        link = await _projector_link(fatima, room)
        wall = RawWall(server.url)
        await wall.connect(link)
        assert (await wall.call("sync", "wall", create_sync_message(Doc()))) == {"ok": True}
        await eventually(lambda: _check("v1" in wall.shows()["framework"]))
        kept = wall.doc
        await wall.close()
    async with run_server(settings) as server:
        again = RawWall(server.url)
        again.doc = kept
        await again.connect(link)
        # What the old wall held may be what the new one deleted: it must not stay on the screen.
        ack = await again.call("sync", "wall", create_sync_message(kept))
        assert ack["ok"] is False and ack["code"] == "rebuilt", ack
        fresh = RawWall(server.url)
        await fresh.connect(link)
        assert (await fresh.call("sync", "wall", create_sync_message(Doc()))) == {"ok": True}
        await eventually(lambda: _check("v1" in fresh.shows()["framework"]))
        await again.close()
        await fresh.close()
