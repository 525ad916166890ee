"""Admission pushed over live connections: the waiting phone hears it was let in (or removed, or the
meeting closed) and the console hears someone is waiting, with no poll in between.

The scripted clients here never poll: whatever they learn came pushed. A raw WebSocket stands in for
the waiting phone where every byte it receives counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import msgpack
import pytest
import socketio
from pycrdt import Doc, Map

from server.meetings.domain.people import show_person
from server.store.migrate import migrate
from tests.meetings_helpers import browser, facilitator, join, live_of, split_meeting, store_of
from tests.utils import RunningServer, eventually, free_port, run_server, settings_for

CANARY = "KANARIE"


def _origin(server: RunningServer) -> dict[str, str]:
    return {"Origin": server.url}


class WaitingPhone:
    """A phone on the waiting screen: its own connection to the waiting namespace, nothing else."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.heard: list[str] = []
        self.sio = socketio.AsyncClient(serializer="msgpack", reconnection=False)
        self.sio.on("admission", self._on_admission, namespace="/waiting")

    async def _on_admission(self, data: dict[str, str]) -> None:
        self.heard.append(data["status"])

    async def connect(self, token: str) -> None:
        await self.sio.connect(
            self.url,
            namespaces=["/waiting"],
            transports=["websocket"],
            auth={"token": token},
            headers={"Origin": self.url},
            wait_timeout=10,
        )
        await eventually(lambda: _check(len(self.heard) >= 1))  # the state as it is now, first

    async def close(self) -> None:
        await self.sio.disconnect()


class Console:
    """A facilitator's console connected to a room: counts the `people` notices it gets."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.notices = 0
        self.sio = socketio.AsyncClient(serializer="msgpack", reconnection=False)
        self.sio.on("people", self._on_people)

    async def _on_people(self, data: Any) -> None:
        self.notices += 1

    async def connect(self, room: str, session: str | None) -> None:
        await self.sio.connect(
            self.url, transports=["websocket"], auth={"room": room, "session": session}, headers={"Origin": self.url}
        )

    async def close(self) -> None:
        await self.sio.disconnect()


def _check(condition: bool) -> None:
    assert condition


@contextlib.asynccontextmanager
async def _meeting(server: RunningServer) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, Any]]]:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        yield fatima, await split_meeting(fatima, rooms=[])


async def _join(server: RunningServer, code: str, name: str = "Oma Truus") -> dict[str, Any]:
    async with browser(server) as phone:
        joined = await join(phone, code, name=name)
        assert joined.status_code == 201, joined.text
        answer: dict[str, Any] = joined.json()
        assert answer["status"] == "waiting"
        return answer


async def test_a_waiting_phone_hears_it_was_let_in(server: RunningServer) -> None:
    async with _meeting(server) as (fatima, meeting):
        joined = await _join(server, meeting["rooms"][0]["join_code"])
        phone = WaitingPhone(server.url)
        await phone.connect(joined["token"])
        assert phone.heard == ["waiting"]
        admitted = await fatima.post(f"/api/participants/{joined['participant_id']}/admit", json={})
        assert admitted.status_code == 200, admitted.text
        await eventually(lambda: _check(phone.heard == ["waiting", "admitted"]))
        await phone.close()
        # Let in as before: audited, by id.
        actions = [e.action for e in await store_of(server).audit_entries(meeting_id=meeting["id"])]
        assert "admit" in actions


async def test_a_waiting_phone_hears_it_was_removed_or_the_meeting_closed(server: RunningServer) -> None:
    async with _meeting(server) as (fatima, meeting):
        code = meeting["rooms"][0]["join_code"]
        removed, closed = await _join(server, code), await _join(server, code, name="Karel")
        phones = [WaitingPhone(server.url), WaitingPhone(server.url)]
        await phones[0].connect(removed["token"])
        await phones[1].connect(closed["token"])
        await fatima.post(f"/api/participants/{removed['participant_id']}/remove", json={})
        await eventually(lambda: _check(phones[0].heard == ["waiting", "removed"]))
        await fatima.post(f"/api/meetings/{meeting['id']}/close", json={})
        await eventually(lambda: _check(phones[1].heard == ["waiting", "room_closed"]))
        # Each heard only its own news: the removal did not reach the other phone.
        assert phones[1].heard == ["waiting", "room_closed"]
        for phone in phones:
            await phone.close()


async def test_a_phone_that_connects_after_the_news_gets_it_at_once(server: RunningServer) -> None:
    async with _meeting(server) as (fatima, meeting):
        joined = await _join(server, meeting["rooms"][0]["join_code"])
        await fatima.post(f"/api/participants/{joined['participant_id']}/admit", json={})
        phone = WaitingPhone(server.url)
        await phone.connect(joined["token"])
        assert phone.heard == ["admitted"]
        await phone.close()


async def test_only_a_pending_join_token_opens_a_waiting_connection(server: RunningServer) -> None:
    async with _meeting(server) as (_fatima, _meeting_data):
        for auth in ({"token": "not-a-token"}, {}):
            sio = socketio.AsyncClient(serializer="msgpack", reconnection=False)
            with pytest.raises(socketio.exceptions.ConnectionError):
                await sio.connect(
                    server.url, namespaces=["/waiting"], transports=["websocket"], auth=auth, headers=_origin(server)
                )
    assert server.kring.transport.counters.refused.get("bad_auth") == 2


async def test_the_console_hears_someone_is_waiting(server: RunningServer) -> None:
    async with _meeting(server) as (fatima, meeting):
        room = meeting["rooms"][0]
        console = Console(server.url)
        await console.connect(room["id"], fatima.cookies.get("kring_session"))
        joined = await _join(server, room["join_code"])
        await eventually(lambda: _check(console.notices == 1))
        # What the console then asks the API for holds the new person.
        listed = (await fatima.get(f"/api/meetings/{meeting['id']}")).json()["rooms"][0]["participants"]
        assert [p["id"] for p in listed if p["status"] == "waiting"] == [joined["participant_id"]]
        await fatima.post(f"/api/participants/{joined['participant_id']}/admit", json={})
        await eventually(lambda: _check(console.notices == 2))  # a co-facilitator's console follows too
        await console.close()


class RawWaiting:
    """The waiting connection as bytes: Engine.IO and Socket.IO (msgpack) spoken by hand."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.frames: list[bytes] = []
        self.events: list[list[Any]] = []
        self.acks: dict[int, Any] = {}
        self._ids = itertools.count(1)
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None

    async def connect(self, token: str) -> None:
        self._http = aiohttp.ClientSession()
        ws_url = self.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
        self._ws = await self._http.ws_connect(ws_url, headers={"Origin": self.url}, compress=0)
        self._reader = asyncio.create_task(self._read())
        await self._send({"type": 0, "nsp": "/waiting", "data": {"token": token}})
        await eventually(lambda: _check(bool(self.events)))

    async def _send(self, packet: dict[str, Any]) -> None:
        assert self._ws is not None
        await self._ws.send_bytes(msgpack.dumps(packet))

    async def call(self, *args: Any) -> Any:
        ack_id = next(self._ids)
        await self._send({"type": 2, "nsp": "/waiting", "data": list(args), "id": ack_id})
        return await eventually(lambda: self.acks[ack_id] if ack_id in self.acks else _check(False))

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            data = message.data if isinstance(message.data, bytes) else str(message.data).encode()
            self.frames.append(data)
            if data == b"2":
                await self._ws.send_str("3")
            elif message.type == aiohttp.WSMsgType.BINARY:
                packet = msgpack.loads(data)
                if packet["type"] == 2:
                    self.events.append(packet["data"])
                elif packet["type"] == 3:
                    self.acks[packet["id"]] = packet["data"][0]

    def received(self) -> bytes:
        return b"".join(self.frames)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await self._reader
        if self._http is not None:
            await self._http.close()


async def test_a_waiting_connection_receives_nothing_of_the_room(server: RunningServer) -> None:
    async with _meeting(server) as (fatima, meeting):
        room = meeting["rooms"][0]
        store, live = store_of(server), live_of(server)
        # Someone already in, whose name is on the board; a console with presence in the room.
        inside, _token = await store.add_participant(room["id"], f"Truus {CANARY}-Achternaam", "family", admitted=True)
        await show_person(live, inside)
        console = Console(server.url)
        await console.connect(room["id"], fatima.cookies.get("kring_session"))
        joined = await _join(server, room["join_code"])
        raw = RawWaiting(server.url)
        await raw.connect(joined["token"])

        def plant(doc: Doc[Any]) -> None:
            doc.get("framework", type=Map)["k1"] = Map({"text": f"{CANARY} adres van moeder", "category": "danger"})

        await live.edit(room["id"], "board", plant)
        await live.edit(room["id"], "private", lambda d: d.get("notes", type=Map).__setitem__("n", f"{CANARY} notitie"))
        # Whatever the phone sends on this connection is refused, and changes nothing.
        refused = await raw.call("sync", "board", b"\x00\x00")
        assert refused["ok"] is False and refused["code"] == "unknown_event"

        # The let-in comes after every edit above: once it is here, they would have been too.
        await fatima.post(f"/api/participants/{joined['participant_id']}/admit", json={})
        await eventually(lambda: _check(["admission", {"status": "admitted"}] in raw.events))
        received = raw.received()
        assert CANARY.encode() not in received
        for word in (b"framework", b"board", b"people", b"Achternaam", b"notes", b"Truus"):
            assert word not in received, word
        assert {e[0] for e in raw.events} == {"admission"}
        await raw.close()
        await console.close()


@pytest.mark.redis
@pytest.mark.postgres
async def test_admission_reaches_a_phone_and_a_console_on_another_process(
    tmp_path: Path, postgres_url: str, redis_url: str, redis_prefix: str
) -> None:
    ports = (free_port(), free_port())
    origins = ",".join(f"http://127.0.0.1:{p}" for p in ports)
    env = {"DATABASE_URL": postgres_url, "REDIS_URL": redis_url, "ALLOWED_ORIGINS": origins}
    env["SECRET_KEY"] = "a key both processes share"  # a session cookie from A holds on B
    a_settings, b_settings = (
        settings_for(tmp_path / f"p{i}", port=port, env=env, redis_prefix=redis_prefix) for i, port in enumerate(ports)
    )
    await asyncio.to_thread(migrate, a_settings.database_url)
    async with run_server(a_settings) as a, run_server(b_settings) as b, _meeting(a) as (fatima, meeting):
        room = meeting["rooms"][0]
        # The console and the waiting phone on process B; the phone joins and is let in through A.
        console = Console(b.url)
        await console.connect(room["id"], fatima.cookies.get("kring_session"))
        joined = await _join(a, room["join_code"])
        await eventually(lambda: _check(console.notices == 1))
        phone = WaitingPhone(b.url)
        await phone.connect(joined["token"])
        await fatima.post(f"/api/participants/{joined['participant_id']}/admit", json={})
        await eventually(lambda: _check(phone.heard == ["waiting", "admitted"]))
        await phone.close()
        await console.close()
