"""Bad input never harms a room.

Every refusal a client can cause is caused here and checked; raw Engine.IO and Socket.IO packets that
no client library would send are thrown at the server; a Rust panic inside pycrdt is contained; and a
fuzz fires more than 20,000 mutated frames, as a participant, into a room where facilitators keep
editing, while a second room must notice nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgpack
import pytest
import socketio
import websockets
from pycrdt import (
    Array,
    Awareness,
    Decoder,
    Doc,
    Map,
    Text,
    create_awareness_message,
    create_sync_message,
    create_update_message,
    write_var_uint,
)
from websockets.exceptions import ConnectionClosed

from server.crdt import (
    CorruptUpdate,
    UnreadableUpdate,
    apply_checked,
    check_state_vector,
    check_update,
    is_rust_panic,
    missing_after_apply,
)
from server.protocol import MESSAGES, Refusal
from server.settings import Settings
from server.store.migrate import migrate
from tests.processes import ServerProcess
from tests.utils import BoardClient, RunningServer, eventually, facilitator_auth, free_port, settings_for

ROOM = "kamer-1"
QUIET_ROOM = "stille-kamer"
WAIT = 10  # seconds: how long a raw socket waits for the server's next packet

# Socket.IO packet types (the msgpack parser sends each packet as one dict in one binary frame).
CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT = 0, 1, 2, 3, 4, 5


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # These tests are about what the parser and the CRDT core refuse, at a fuzzer's pace; the rate
    # and connection limits would refuse that pace first. They have tests of their own
    # (test_flow_control.py).
    unlimited = 1e9
    s = settings_for(
        tmp_path,
        frames_per_second=unlimited,
        frames_burst=unlimited,
        connects_per_second=unlimited,
        connects_burst=unlimited,
    )
    migrate(s.database_url)
    return s


def _real_update() -> bytes:
    doc: Doc[Any] = Doc()
    doc.get("items", type=Array).extend(["een", "twee"])
    doc.get("board", type=Map)["titel"] = "Netwerkberaad"
    return doc.get_update()


UPDATE = _real_update()
FRAME = create_update_message(UPDATE)


# -- comparing documents ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Fingerprint:
    """What two replicas must share to hold the same CRDT state, independent of encoding order."""

    clocks: tuple[tuple[int, int], ...]  # the state vector, by client
    deleted: tuple[tuple[int, int, int], ...]


def fingerprint(doc: Doc[Any]) -> Fingerprint:
    state = doc.get_state()
    decoder = Decoder(state)
    clocks = {}
    for _ in range(decoder.read_var_uint()):
        client = decoder.read_var_uint()
        clocks[client] = decoder.read_var_uint()
    # Against its own state vector a document's diff has no structs left, only its delete set.
    decoder = Decoder(doc.get_update(state))
    assert decoder.read_var_uint() == 0
    ranges: list[tuple[int, int, int]] = []
    for _ in range(decoder.read_var_uint()):
        client = decoder.read_var_uint()
        for _ in range(decoder.read_var_uint()):
            clock = decoder.read_var_uint()
            ranges.append((client, clock, clock + decoder.read_var_uint()))
    merged: list[tuple[int, int, int]] = []
    for client, start, end in sorted(ranges):
        if merged and merged[-1][0] == client and merged[-1][2] >= start:
            merged[-1] = (client, merged[-1][1], max(merged[-1][2], end))
        elif end > start:
            merged.append((client, start, end))
    return Fingerprint(tuple(sorted(clocks.items())), tuple(merged))


def live_doc(server: RunningServer, room: str) -> Doc[Any]:
    live = server.kring.registry.get(room)
    assert live is not None and not live.poisoned
    return live.docs["board"]


async def stored_doc(server: RunningServer, room: str) -> Doc[Any]:
    """The room as a fresh process would load it: snapshot, then the log in order."""
    await server.kring.registry.rooms[room].flushed()
    stored = await server.kring.log.load(room)
    doc: Doc[Any] = Doc()
    if "board" in stored.snapshots:
        doc.apply_update(stored.snapshots["board"])
    for name, data in stored.updates:
        if name == "board":
            doc.apply_update(data)
    return doc


async def room_state(server: RunningServer, room: str) -> tuple[Fingerprint, int]:
    return fingerprint(live_doc(server, room)), await server.kring.log.count(room)


async def healthy(server: RunningServer) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{server.url}/healthz")
    assert response.status_code == 200


# -- clients ------------------------------------------------------------------------------------------


async def participant_auth(server: RunningServer, room: str = ROOM, name: str = "Anna") -> tuple[dict[str, str], str]:
    """A participant admitted to `room` (created if need be): their socket auth and their id."""
    await facilitator_auth(server.url, room)  # makes sure the meeting and the room exist
    person, token = await server.kring.meetings.add_participant(room, name, "family", admitted=True)
    return {"token": token}, person.id


async def joined(server: RunningServer, room: str = ROOM) -> BoardClient:
    client = BoardClient(server.url, room)
    await client.connect()
    await asyncio.wait_for(client.synced.wait(), 10)
    return client


async def with_content(server: RunningServer, room: str = ROOM) -> BoardClient:
    client = await joined(server, room)
    note(client, f"inhoud van {room}")
    await client.all_acked()
    return client


def note(client: BoardClient, text: str) -> None:
    """A facilitator's edit, in a root of the board's schema (agreements), keyed by its text."""
    client.doc.get("agreements", type=Map)[text] = text


def refusal(code: Refusal, event: str) -> dict[str, str]:
    return {"code": code.value, "message": MESSAGES[code], "event": event}


class RawSocket:
    """Engine.IO v4 and Socket.IO (msgpack) by hand, for packets no client library would send."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    @classmethod
    async def open(cls, server: RunningServer, headers: dict[str, str] | None = None) -> RawSocket:
        url = server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        # max_queue=None: a test that stops reading must still see the server's close frame.
        ws = await websockets.connect(
            url, origin=server.url, compression=None, max_size=None, max_queue=None, additional_headers=headers
        )
        opening = await ws.recv()
        assert isinstance(opening, str) and opening.startswith("0{")  # Engine.IO OPEN
        return cls(ws)

    async def send(self, kind: Any, data: Any = None, *, nsp: Any = "/", id: Any = None) -> None:
        packet: dict[str, Any] = {"type": kind, "nsp": nsp}
        if data is not None:
            packet["data"] = data
        if id is not None:
            packet["id"] = id
        await self.ws.send(msgpack.packb(packet))

    async def event(self, *data: Any, id: int | None = None) -> None:
        await self.send(EVENT, list(data), id=id)

    async def receive(self) -> dict[str, Any]:
        """The next Socket.IO packet; Engine.IO pings are answered on the way."""
        while True:
            message = await asyncio.wait_for(self.ws.recv(), WAIT)
            if message == "2":  # PING
                await self.ws.send("3")
                continue
            if message in ("1", "6"):  # CLOSE (the WebSocket close follows), NOOP
                continue
            assert isinstance(message, bytes), message
            packet = msgpack.unpackb(message)
            assert isinstance(packet, dict)
            return packet

    async def receive_until(self, kind: int) -> dict[str, Any]:
        while True:
            packet = await self.receive()
            if packet["type"] == kind:
                return packet

    async def ack(self, id: int) -> Any:
        while True:
            packet = await self.receive_until(ACK)
            if packet["id"] == id:
                return packet["data"][0] if packet["data"] else None

    async def connect(self, auth: Any) -> dict[str, Any]:
        await self.send(CONNECT, auth)
        while True:
            packet = await self.receive()
            if packet["type"] in (CONNECT, CONNECT_ERROR):
                return packet

    async def closed_by_server(self) -> list[dict[str, Any]]:
        """Wait for the server to close the connection; returns what it sent before."""
        seen: list[dict[str, Any]] = []
        try:
            while True:
                seen.append(await self.receive())
        except ConnectionClosed:
            return seen

    async def close(self) -> None:
        await self.ws.close()


def connect_error(code: Refusal) -> dict[str, Any]:
    return {"message": MESSAGES[code], "data": {"code": code.value, "message": MESSAGES[code]}}


def _assert_equal(actual: Any, expected: Any) -> None:
    assert actual == expected


# -- connecting -----------------------------------------------------------------------------------------

BAD_AUTH: list[Any] = [
    None,
    {},
    7,
    "kamer-1",
    ["kamer-1"],
    {"room": ROOM},  # no session
    {"room": ROOM, "session": "vervalst"},
    {"room": ROOM, "session": 7},
    {"room": "Kamer 1", "session": "vervalst"},
    {"room": "../kamer", "session": "vervalst"},
    {"room": "a" * 65, "session": "vervalst"},
    {"room": 7, "session": "vervalst"},
    {"token": "geen-echte-token"},
    {"token": 7},
    {"token": ""},
    {"projector": "geen-echte-link"},
    {"projector": ["x"]},
]


@pytest.mark.parametrize("auth", BAD_AUTH, ids=repr)
async def test_bad_auth_is_refused_with_its_code(server: RunningServer, auth: Any) -> None:
    await facilitator_auth(server.url, ROOM)  # the room exists; the payloads still do not get in
    sock = await RawSocket.open(server)
    answer = await sock.connect(auth)
    assert answer == {"type": CONNECT_ERROR, "nsp": "/", "data": connect_error(Refusal.BAD_AUTH)}
    # Still not authenticated: an event after the refused connect is refused too.
    await sock.event("sync", "board", FRAME, id=1)
    assert await sock.receive() == {
        "type": CONNECT_ERROR,
        "nsp": "/",
        "data": connect_error(Refusal.NOT_AUTHENTICATED),
    }
    assert server.kring.transport.connections == {}
    assert server.kring.registry.rooms == {}
    assert server.kring.transport.counters.refused["bad_auth"] == 1
    await sock.close()


async def test_socketio_client_reads_the_code_of_a_refused_connect(server: RunningServer) -> None:
    errors: list[Any] = []
    client = socketio.AsyncClient(serializer="msgpack", reconnection=False)
    client.on("connect_error", errors.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(
            server.url, transports=["websocket"], auth={"room": "Geen Kamer"}, headers={"Origin": server.url}
        )
    assert errors == [connect_error(Refusal.BAD_AUTH)]  # `err.data.code` in socket.io-client


async def test_events_before_connect_are_refused_as_not_authenticated(server: RunningServer) -> None:
    quiet = await with_content(server, QUIET_ROOM)
    before = await room_state(server, QUIET_ROOM)
    sock = await RawSocket.open(server)
    for nsp in ("/", "/beheer", None):
        await sock.send(EVENT, ["sync", "board", FRAME], nsp=nsp, id=1)
        answer = await sock.receive()
        assert answer["type"] == CONNECT_ERROR
        assert answer["data"] == connect_error(Refusal.NOT_AUTHENTICATED)
    await sock.event("awareness", b"\x01\x00", id=2)
    assert (await sock.receive())["data"] == connect_error(Refusal.NOT_AUTHENTICATED)
    await sock.event("onbekend")
    assert (await sock.receive())["data"] == connect_error(Refusal.NOT_AUTHENTICATED)
    assert list(server.kring.transport.connections) == [quiet.sio.get_sid()]
    assert await room_state(server, QUIET_ROOM) == before
    await sock.close()
    await quiet.disconnect()


# -- sync frames ----------------------------------------------------------------------------------------

SYNC_CASES: list[tuple[str, Any, Refusal]] = [
    ("truncated frame", ("board", FRAME[:-4]), Refusal.MALFORMED),
    ("truncated update", ("board", create_update_message(UPDATE[: len(UPDATE) // 2])), Refusal.MALFORMED),
    ("trailing bytes", ("board", FRAME + b"\x00"), Refusal.MALFORMED),
    ("trailing bytes inside the update", ("board", create_update_message(UPDATE + b"\x00")), Refusal.MALFORMED),
    ("random bytes", ("board", random.Random(1).randbytes(64)), Refusal.MALFORMED),
    ("empty frame", ("board", b""), Refusal.MALFORMED),
    ("awareness message on sync", ("board", b"\x01" + FRAME[2:]), Refusal.MALFORMED),
    ("unknown y-protocols message", ("board", b"\x05" + FRAME[1:]), Refusal.MALFORMED),
    ("unknown sync step", ("board", b"\x00\x03" + FRAME[2:]), Refusal.MALFORMED),
    ("undecodable update", ("board", b"\x00\x02" + write_var_uint(4) + b"\xff\xff\xff\xff"), Refusal.MALFORMED),
    ("undecodable state vector", ("board", b"\x00\x00" + write_var_uint(3) + b"\xff\xff\xff"), Refusal.MALFORMED),
    ("unknown doc", ("geheim", FRAME), Refusal.UNKNOWN_DOC),
    ("empty doc name", ("", FRAME), Refusal.UNKNOWN_DOC),
    ("str instead of bytes", ("board", FRAME.hex()), Refusal.BAD_ARGUMENTS),
    ("int instead of bytes", ("board", 2), Refusal.BAD_ARGUMENTS),
    ("null instead of bytes", ("board", None), Refusal.BAD_ARGUMENTS),
    ("list instead of bytes", ("board", list(FRAME)), Refusal.BAD_ARGUMENTS),
    ("bytes doc name", (b"board", FRAME), Refusal.BAD_ARGUMENTS),
    ("int doc name", (1, FRAME), Refusal.BAD_ARGUMENTS),
    ("missing frame", ("board",), Refusal.BAD_ARGUMENTS),
    ("no arguments", None, Refusal.BAD_ARGUMENTS),
    ("extra argument", ("board", FRAME, "meer"), Refusal.BAD_ARGUMENTS),
    ("frame inside a dict", ({"doc": "board", "frame": FRAME},), Refusal.BAD_ARGUMENTS),
]


@pytest.mark.parametrize(("args", "code"), [case[1:] for case in SYNC_CASES], ids=[case[0] for case in SYNC_CASES])
async def test_bad_sync_frame_is_refused_and_changes_nothing(server: RunningServer, args: Any, code: Refusal) -> None:
    sender = await with_content(server)
    before = await room_state(server, ROOM)
    ack = await sender.sio.call("sync", args, timeout=10)
    assert ack == {"ok": False, **refusal(code, "sync")}
    await eventually(lambda: _assert_equal(sender.refusals, [refusal(code, "sync")]))
    assert await room_state(server, ROOM) == before
    # The sender is refused, not thrown out: its next honest edit lands.
    note(sender, "daarna")
    await sender.all_acked()
    assert sender.acks[-1] == {"ok": True, "saved": True}
    await sender.disconnect()


async def test_frame_over_the_size_limit_is_refused(server: RunningServer) -> None:
    sender = await with_content(server)
    before = await room_state(server, ROOM)
    limit = server.settings.max_frame_bytes
    # A well-formed update frame, one byte over the limit.
    frame = b"\x00\x02" + write_var_uint(limit) + bytes(limit - 2 - len(write_var_uint(limit)) + 1)
    assert len(frame) == limit + 1
    ack = await sender.sio.call("sync", ("board", frame), timeout=30)
    assert ack == {"ok": False, **refusal(Refusal.TOO_LARGE, "sync")}
    assert await room_state(server, ROOM) == before
    await sender.disconnect()


async def test_websocket_message_far_over_the_limit_closes_only_that_connection(server: RunningServer) -> None:
    bystander = await with_content(server)
    sender = await joined(server)
    before = await room_state(server, ROOM)
    dropped = asyncio.Event()
    sender.sio.on("disconnect", lambda *_: dropped.set())
    await sender.sio.emit("sync", ("board", bytes(server.settings.max_frame_bytes * 2)))
    await asyncio.wait_for(dropped.wait(), 10)
    assert await room_state(server, ROOM) == before
    note(bystander, "nog steeds hier")
    await bystander.all_acked()
    assert bystander.acks[-1] == {"ok": True, "saved": True}
    await healthy(server)
    await bystander.disconnect()


# -- awareness frames -------------------------------------------------------------------------------------


def awareness_frame(entries: list[tuple[int, int, str]]) -> bytes:
    """An awareness message by hand: count, then per client its id, clock and JSON state."""
    body = write_var_uint(len(entries))
    for client_id, clock, state in entries:
        raw = state.encode()
        body += write_var_uint(client_id) + write_var_uint(clock) + write_var_uint(len(raw)) + raw
    return create_awareness_message(body)


PRESENCE = awareness_frame([(4242, 1, '{"naam": "Ans"}')])

AWARENESS_CASES: list[tuple[str, Any, Refusal]] = [
    ("str instead of bytes", ("Ans is er",), Refusal.BAD_ARGUMENTS),
    ("no arguments", None, Refusal.BAD_ARGUMENTS),
    ("two frames", (PRESENCE, PRESENCE), Refusal.BAD_ARGUMENTS),
    ("sync message", (FRAME,), Refusal.MALFORMED),
    ("truncated", (PRESENCE[:-3],), Refusal.MALFORMED),
    ("trailing bytes", (PRESENCE + b"\x00",), Refusal.MALFORMED),
    ("truncated inside", (create_awareness_message(PRESENCE[2:-3]),), Refusal.MALFORMED),
    ("state is not an object", (awareness_frame([(4242, 1, "[1, 2]")]),), Refusal.MALFORMED),
    ("state is not JSON", (awareness_frame([(4242, 1, '{"naam": ')]),), Refusal.MALFORMED),
    ("17 clients in one frame", (awareness_frame([(i, 1, "{}") for i in range(1, 18)]),), Refusal.MALFORMED),
]


@pytest.mark.parametrize(
    ("args", "code"), [case[1:] for case in AWARENESS_CASES], ids=[case[0] for case in AWARENESS_CASES]
)
async def test_bad_awareness_frame_is_refused(server: RunningServer, args: Any, code: Refusal) -> None:
    sender = await joined(server)
    ack = await sender.sio.call("awareness", args, timeout=10)
    assert ack == {"ok": False, **refusal(code, "awareness")}
    await eventually(lambda: _assert_equal(sender.refusals, [refusal(code, "awareness")]))
    assert server.kring.registry.rooms[ROOM].awareness.states == {}
    await sender.disconnect()


async def test_awareness_over_the_size_limit_is_refused(server: RunningServer) -> None:
    sender = await joined(server)
    state = '{"naam": "' + "a" * server.settings.max_awareness_bytes + '"}'
    ack = await sender.sio.call("awareness", (awareness_frame([(4242, 1, state)]),), timeout=10)
    assert ack == {"ok": False, **refusal(Refusal.TOO_LARGE, "awareness")}
    assert server.kring.registry.rooms[ROOM].awareness.states == {}
    await sender.disconnect()


async def test_awareness_claiming_another_persons_client_is_refused(server: RunningServer) -> None:
    owner = await joined(server)
    auth, _ = await participant_auth(server)
    intruder = socketio.AsyncClient(serializer="msgpack", reconnection=False)
    await intruder.connect(server.url, transports=["websocket"], auth=auth, headers={"Origin": server.url})
    assert await owner.sio.call("awareness", (PRESENCE,), timeout=10) == {"ok": True}
    forged = awareness_frame([(4242, 2, '{"naam": "Indringer"}')])
    ack = await intruder.call("awareness", (forged,), timeout=10)
    assert ack == {"ok": False, **refusal(Refusal.AWARENESS_NOT_YOURS, "awareness")}
    # Also when hidden among clients of its own, and also as a removal (null state).
    mixed = awareness_frame([(5151, 1, "{}"), (4242, 3, "null")])
    ack = await intruder.call("awareness", (mixed,), timeout=10)
    assert ack == {"ok": False, **refusal(Refusal.AWARENESS_NOT_YOURS, "awareness")}
    states = server.kring.registry.rooms[ROOM].awareness.states
    assert list(states) == [4242] and states[4242]["naam"] == "Ans"
    await owner.disconnect()
    await intruder.disconnect()


async def test_one_connection_cannot_fill_the_room_with_invented_clients(server: RunningServer) -> None:
    sender = await joined(server)
    for client_id in range(1, 17):
        frame = awareness_frame([(client_id, 1, '{"naam": "n"}')])
        assert await sender.sio.call("awareness", (frame,), timeout=10) == {"ok": True}
    frame = awareness_frame([(17, 1, '{"naam": "n"}')])
    ack = await sender.sio.call("awareness", (frame,), timeout=10)
    assert ack == {"ok": False, **refusal(Refusal.TOO_LARGE, "awareness")}
    assert sorted(server.kring.registry.rooms[ROOM].awareness.states) == list(range(1, 17))
    # Its own clients it may keep updating.
    assert await sender.sio.call("awareness", (awareness_frame([(3, 2, "{}")]),), timeout=10) == {"ok": True}
    await sender.disconnect()


# -- events -----------------------------------------------------------------------------------------------


async def test_unknown_event_is_refused(server: RunningServer) -> None:
    sender = await with_content(server)
    before = await room_state(server, ROOM)
    ack = await sender.sio.call("verwijder_alles", ("board",), timeout=10)
    assert ack == {"ok": False, **refusal(Refusal.UNKNOWN_EVENT, "verwijder_alles")}
    await eventually(lambda: _assert_equal(sender.refusals, [refusal(Refusal.UNKNOWN_EVENT, "verwijder_alles")]))
    assert await room_state(server, ROOM) == before
    await sender.disconnect()


async def test_reserved_event_names_do_not_reach_their_handlers(server: RunningServer) -> None:
    """`connect`, `disconnect` and `*` sent as events would run the connect or disconnect handler (a
    way into another room without its auth), or the catch-all with shifted arguments (refusing, and
    counting refusals, on behalf of another connection)."""
    bystander = await with_content(server, QUIET_ROOM)
    sock = await RawSocket.open(server)
    assert (await sock.connect(await facilitator_auth(server.url, ROOM)))["type"] == CONNECT
    sid = next(sid for sid, conn in server.kring.transport.connections.items() if conn.room == ROOM)
    cases = [
        (["connect", {}, await facilitator_auth(server.url, QUIET_ROOM)], "connect"),
        (["disconnect", "client namespace disconnect"], "disconnect"),
        (["*", bystander.sio.get_sid()], "*"),
    ]
    for number, (data, name) in enumerate(cases, start=1):
        await sock.event(*data, id=number)
        assert await sock.ack(number) == {"ok": False, **refusal(Refusal.UNKNOWN_EVENT, name)}
    assert server.kring.transport.connections[sid].room == ROOM
    assert set(server.kring.registry.rooms[QUIET_ROOM].peers) == {bystander.sio.get_sid()}
    assert bystander.refusals == []
    # Still connected, still in its own room: a sync step 1 gets this room's answer.
    await sock.event("sync", "board", create_sync_message(Doc()), id=9)
    assert await sock.ack(9) == {"ok": True}
    await sock.close()
    await bystander.disconnect()


@pytest.mark.parametrize(
    ("data", "code", "name"),
    [
        (None, Refusal.BAD_ARGUMENTS, ""),
        ([], Refusal.BAD_ARGUMENTS, ""),
        ("sync", Refusal.BAD_ARGUMENTS, ""),
        ({"event": "sync"}, Refusal.BAD_ARGUMENTS, ""),
        (7, Refusal.BAD_ARGUMENTS, ""),
        ([7, "board"], Refusal.UNKNOWN_EVENT, "7"),
        ([None], Refusal.UNKNOWN_EVENT, "None"),
        ([["sync"], "board"], Refusal.UNKNOWN_EVENT, "['sync']"),
        ([{"a": 1}], Refusal.UNKNOWN_EVENT, "{'a': 1}"),
        ([b"sync", "board"], Refusal.UNKNOWN_EVENT, "b'sync'"),
    ],
    ids=repr,
)
async def test_event_packet_without_a_name_is_refused(
    server: RunningServer, data: Any, code: Refusal, name: str
) -> None:
    sock = await RawSocket.open(server)
    assert (await sock.connect(await facilitator_auth(server.url, ROOM)))["type"] == CONNECT
    await sock.send(EVENT, data, id=1)
    assert await sock.ack(1) == {"ok": False, **refusal(code, name)}
    await sock.event("sync", "board", create_sync_message(Doc()), id=2)
    assert await sock.ack(2) == {"ok": True}
    await sock.close()


async def test_connection_that_keeps_sending_refused_frames_is_closed(server: RunningServer) -> None:
    honest = await with_content(server)
    hostile = await joined(server)
    before = await room_state(server, ROOM)
    dropped = asyncio.Event()
    hostile.sio.on("disconnect", lambda *_: dropped.set())
    acks = [await hostile.sio.call("sync", ("board", b"\x00\x02\x01"), timeout=10) for _ in range(50)]
    assert all(ack["code"] == "malformed" for ack in acks)
    assert hostile.sio.connected
    await hostile.sio.emit("sync", ("board", b"\x00\x02\x01"))  # the 51st within ten seconds
    await asyncio.wait_for(dropped.wait(), 10)
    assert hostile.refusals[-1] == TOO_MANY
    assert hostile.refusals[:-1] == [refusal(Refusal.MALFORMED, "sync")] * 51
    assert await room_state(server, ROOM) == before
    assert honest.sio.connected and honest.refusals == []
    note(honest, "gewoon verder")
    await honest.all_acked()
    assert honest.acks[-1] == {"ok": True, "saved": True}
    await honest.disconnect()


async def test_hostile_connection_is_closed_even_if_it_ignores_the_close(server: RunningServer) -> None:
    """Socket.IO's DISCONNECT and Engine.IO's CLOSE only ask a client to go; the server hangs up."""
    sock = await RawSocket.open(server)
    assert (await sock.connect(await facilitator_auth(server.url, ROOM)))["type"] == CONNECT
    for number in range(1, 52):
        await sock.event("sync", "board", b"\x00\x02\x01", id=number)
    seen = await sock.closed_by_server()  # our raw client never closes by itself
    assert ["refused", TOO_MANY] in [p.get("data") for p in seen if p["type"] == EVENT]
    assert server.kring.transport.connections == {}


# -- packets no Socket.IO client sends ------------------------------------------------------------------

GARBAGE_PACKETS: list[tuple[str, str | bytes]] = [
    ("not msgpack", b"\xc1\xc1\xc1"),
    ("truncated msgpack", msgpack.packb({"type": EVENT, "nsp": "/", "data": ["sync", "board", FRAME]})[:-5]),
    ("msgpack list", msgpack.packb([EVENT, "/", ["sync"]])),
    ("msgpack int", msgpack.packb(2)),
    ("no packet type", msgpack.packb({"nsp": "/", "data": ["sync"]})),
    ("unknown packet type", msgpack.packb({"type": 99, "nsp": "/"})),
    ("packet type as text", msgpack.packb({"type": "2", "nsp": "/", "data": ["sync"]})),
    ("namespace as list", msgpack.packb({"type": EVENT, "nsp": ["/"], "data": ["sync"]})),
    ("ack id as list", msgpack.packb({"type": EVENT, "nsp": "/", "data": ["sync"], "id": [1]})),
    ("CONNECT_ERROR from a client", msgpack.packb({"type": CONNECT_ERROR, "nsp": "/"})),
    ("binary event", msgpack.packb({"type": BINARY_EVENT, "nsp": "/", "data": ["sync", "board"]})),
    ("text message", "4" + '{"type": 2}'),
]


@pytest.mark.parametrize("connected", [False, True], ids=["before connect", "after connect"])
@pytest.mark.parametrize("frame", [g[1] for g in GARBAGE_PACKETS], ids=[g[0] for g in GARBAGE_PACKETS])
async def test_undecodable_packet_closes_the_connection_with_bad_packet(
    server: RunningServer, frame: str | bytes, connected: bool
) -> None:
    bystander = await with_content(server, QUIET_ROOM)
    before = await room_state(server, QUIET_ROOM)
    sock = await RawSocket.open(server)
    if connected:
        assert (await sock.connect(await facilitator_auth(server.url, ROOM)))["type"] == CONNECT
    await sock.ws.send(frame)
    seen = await sock.closed_by_server()
    if connected:
        told = [p["data"][1] for p in seen if p["type"] == EVENT and p["data"][0] == "refused"]
        assert told == [refusal(Refusal.BAD_PACKET, "")]
    else:
        assert seen[-1] == {"type": CONNECT_ERROR, "nsp": "/", "data": connect_error(Refusal.BAD_PACKET)}
    await eventually(lambda: _assert_equal(list(server.kring.transport.connections), [bystander.sio.get_sid()]))
    assert await room_state(server, QUIET_ROOM) == before
    note(bystander, "nog steeds hier")
    await bystander.all_acked()
    assert bystander.acks[-1] == {"ok": True, "saved": True}
    await healthy(server)
    await bystander.disconnect()


@pytest.mark.parametrize("frame", ["zzz", "", "9", "4", "b!!!"], ids=repr)
async def test_engineio_garbage_leaves_the_server_and_other_rooms_alone(server: RunningServer, frame: str) -> None:
    bystander = await with_content(server, QUIET_ROOM)
    before = await room_state(server, QUIET_ROOM)
    sock = await RawSocket.open(server)
    assert (await sock.connect(await facilitator_auth(server.url, ROOM)))["type"] == CONNECT
    await sock.ws.send(frame)
    with contextlib.suppress(ConnectionClosed, TimeoutError):
        # Engine.IO ignores some of these and drops the connection for others; either is fine.
        await sock.event("sync", "board", create_sync_message(Doc()), id=1)
        await sock.ack(1)
    await sock.close()
    assert await room_state(server, QUIET_ROOM) == before
    note(bystander, "nog steeds hier")
    await bystander.all_acked()
    assert bystander.acks[-1] == {"ok": True, "saved": True}
    await healthy(server)
    await bystander.disconnect()


# -- a Rust panic inside pycrdt ---------------------------------------------------------------------------


def _panic_base() -> bytes:
    """Two people's history in a list on the board: 1001 writes "one" and "two", 1002 adds "three"
    and deletes "one"."""
    first: Doc[Any] = Doc(client_id=1001)
    first.get("framework", type=Map)["lijst"] = Array(["one", "two"])
    second: Doc[Any] = Doc(client_id=1002)
    second.apply_update(first.get_update())
    listed = second.get("framework", type=Map)["lijst"]
    listed.append("three")
    del listed[0]
    first.apply_update(second.get_update())
    return first.get_update()


PANIC_BASE = _panic_base()
# Found by fuzzing mutated updates against a document holding PANIC_BASE, then minimised: well-formed
# (check_update passes it), but pycrdt 0.14 (yrs 0.28) panics integrating it ("attempt to divide by zero").
PANIC_UPDATE = bytes.fromhex(
    "02010700880702017705746872656503a907002701096672616d65776f726b056c696a7374000000e9070001070101770374776f0107010101"
)


def _panics_here() -> type[BaseException] | None:
    """The type pyo3 gives a Rust panic, if this pycrdt still panics on PANIC_UPDATE (applied to a
    copy made the way the server's shadow documents are made)."""
    original: Doc[Any] = Doc()
    original.apply_update(PANIC_BASE)
    copy: Doc[Any] = Doc()
    copy.apply_update(original.get_update())
    try:
        copy.apply_update(PANIC_UPDATE)
    except Exception:
        return None
    except BaseException as exc:
        return type(exc)
    return None


needs_the_panic = pytest.mark.skipif(_panics_here() is None, reason="this pycrdt no longer panics on the input")


@needs_the_panic
def test_a_panic_is_a_base_exception_that_the_crdt_helpers_contain() -> None:
    panic = _panics_here()
    assert panic is not None and not issubclass(panic, Exception)  # `except Exception` lets it through
    doc: Doc[Any] = Doc()
    doc.apply_update(PANIC_BASE)
    with pytest.raises(CorruptUpdate):
        apply_checked(doc, PANIC_UPDATE)
    assert is_rust_panic(panic())
    assert not is_rust_panic(asyncio.CancelledError()) and not is_rust_panic(KeyboardInterrupt())
    assert missing_after_apply(PANIC_UPDATE, doc) in (True, False)  # answers instead of raising


def test_an_integration_error_counts_as_corrupt() -> None:
    """pycrdt raises RuntimeError when Yrs gives up partway through integrating (the fuzz found
    updates that leave the document changed when it does): treated like a panic, not as a decode
    error after which nothing was applied."""

    class Failing:
        def apply_update(self, update: bytes) -> None:
            raise RuntimeError("Cannot apply update: block parent must be deleted or shared ref type")

    with pytest.raises(CorruptUpdate):
        apply_checked(Failing(), UPDATE)  # type: ignore[arg-type]
    with pytest.raises(ValueError) as refused:
        apply_checked(Doc(), b"\xff\xff")
    assert not isinstance(refused.value, CorruptUpdate)


# Counts that promise far more than the bytes hold: Yrs reserves memory for them before it notices.
LYING_COUNTS = [bytes.fromhex("a9a5e474ac"), bytes.fromhex("81e1d0b05169"), bytes.fromhex("0001ffffffff0f")]


@pytest.mark.parametrize("data", LYING_COUNTS, ids=bytes.hex)
def test_counts_must_fit_in_the_bytes(data: bytes) -> None:
    with pytest.raises(UnreadableUpdate):
        check_update(data)
    with pytest.raises(UnreadableUpdate):
        check_state_vector(data)


def test_every_update_an_honest_peer_makes_is_readable() -> None:
    rnd = random.Random(7)
    peers: list[Doc[Any]] = [Doc() for _ in range(3)]
    updates: list[bytes] = []
    for peer in peers:
        peer.observe(lambda event: updates.append(event.update))
    for step in range(300):
        peer = rnd.choice(peers)
        items, board, text = peer.get("items", type=Array), peer.get("board", type=Map), peer.get("text", type=Text)
        choice = rnd.randrange(6)
        if choice == 0:
            items.append({"n": step, "f": 1.5, "big": 2**40, "neg": -3, "b": b"\x00\x01", "l": [None, True, "é"]})
        elif choice == 1 and len(items):
            del items[rnd.randrange(len(items))]
        elif choice == 2:
            board[f"k{step % 4}"] = Map({"tekst": Text("zorg 😀"), "stemmen": Array([1, 2])})
        elif choice == 3:
            text.insert(rnd.randrange(len(text) + 1), "krachten ")
        elif choice == 4 and len(text) > 4:
            text.format(0, 4, {"bold": True})
        else:
            board["weg"] = None
        if rnd.random() < 0.3:
            a, b = rnd.sample(peers, 2)
            b.apply_update(a.get_update(b.get_state()))
    updates += [peer.get_update() for peer in peers]
    for update in updates:
        check_update(update)
    for peer in peers:
        check_state_vector(peer.get_state())


async def test_update_whose_counts_lie_never_reaches_a_document(server: RunningServer) -> None:
    sender = await with_content(server)
    live = server.kring.registry.rooms[ROOM].docs["board"]
    seen: list[bytes] = []
    real_apply = live.apply_update

    def recording(update: bytes) -> None:
        seen.append(update)
        real_apply(update)

    live.apply_update = recording  # type: ignore[method-assign]
    before = await room_state(server, ROOM)
    for data in LYING_COUNTS:
        for kind in (0, 1, 2):  # as a state vector (sync step 1), as sync step 2, as an update
            frame = bytes([0, kind]) + write_var_uint(len(data)) + data
            ack = await sender.sio.call("sync", ("board", frame), timeout=10)
            assert ack == {"ok": False, **refusal(Refusal.MALFORMED, "sync")}
    assert seen == [] and await room_state(server, ROOM) == before
    await sender.disconnect()


class ResilientClient(BoardClient):
    """A BoardClient that reconnects, and so resyncs, whenever the server drops it (as the web client does)."""

    def __init__(self, url: str, room: str) -> None:
        super().__init__(url, room)
        self.keep_connected = True
        self.drops = 0
        self._reconnecting: asyncio.Task[None] | None = None

    def _new_socket(self) -> socketio.AsyncClient:
        sio = super()._new_socket()
        sio.on("disconnect", self._on_dropped)
        return sio

    async def _on_dropped(self, *_: Any) -> None:
        for task in list(self._pending_acks):
            task.cancel()  # never answered now; the resync after reconnecting carries those edits
        if self.keep_connected and self._reconnecting is None:
            self.drops += 1
            self._reconnecting = asyncio.ensure_future(self._reconnect())

    async def _reconnect(self) -> None:
        try:
            while self.keep_connected and not self.sio.connected:
                try:
                    await self.reconnect_to(self.url)
                except socketio.exceptions.ConnectionError:
                    await asyncio.sleep(0.05)
        finally:
            self._reconnecting = None

    async def settled(self) -> None:
        """Connected and synced (after however many reconnects), with every edit acknowledged."""
        await eventually(lambda: _assert_equal((self.sio.connected, self._reconnecting), (True, None)), timeout=20)
        await asyncio.wait_for(self.synced.wait(), 10)
        await self.all_acked()

    async def leave(self) -> None:
        self.keep_connected = False
        await self.disconnect()


async def resilient(server: RunningServer, room: str = ROOM) -> ResilientClient:
    client = ResilientClient(server.url, room)
    await client.connect()
    await asyncio.wait_for(client.synced.wait(), 10)
    return client


class _StandInPanic(BaseException):
    """What pyo3 raises for a Rust panic, should this pycrdt no longer panic on PANIC_UPDATE."""


async def test_panic_in_the_live_document_reloads_the_room_and_loses_nothing(server: RunningServer) -> None:
    """Writes are tried on a shadow document first, so a panic in the live one is rare; when it
    happens, that document can no longer be trusted: the room reloads from the store and everyone
    resyncs. (The live document's apply is made to panic here; the shadow's check still runs.)"""
    quiet = await with_content(server, QUIET_ROOM)
    quiet_before = await room_state(server, QUIET_ROOM)
    honest = [await resilient(server) for _ in range(2)]
    for number, client in enumerate(honest):
        note(client, f"voor {number}")
    for client in honest:
        await client.all_acked()
    poisoned = server.kring.registry.rooms[ROOM]
    live = poisoned.docs["board"]
    panic = _panics_here() or _StandInPanic

    def explode(update: bytes) -> None:
        raise panic("called `Option::unwrap()` on a `None` value")

    live.apply_update = explode  # type: ignore[method-assign]
    note(honest[0], "boem")
    await eventually(lambda: _assert_equal(poisoned.poisoned, True))

    # Everyone in the room is told to resync and comes back to a room loaded afresh from the store.
    reloading = refusal(Refusal.ROOM_RELOADING, "")
    for client in honest:
        await client.settled()
        assert reloading in client.refusals and client.drops == 1
    assert {"ok": False, **refusal(Refusal.MALFORMED, "sync")} in honest[0].acks
    reloaded = server.kring.registry.rooms[ROOM]
    assert reloaded is not poisoned and not reloaded.poisoned
    # They carry on and converge; the edit that met the panic came back with its sender's resync.
    for number, client in enumerate(honest):
        note(client, f"na {number}")
    for client in honest:
        await client.all_acked()
    expected = sorted(["voor 0", "voor 1", "boem", "na 0", "na 1"])
    await eventually(lambda: _assert_equal([sorted(agreements(c.doc)) for c in honest], [expected, expected]))
    assert {fingerprint(c.doc) for c in honest} == {fingerprint(live_doc(server, ROOM))}
    assert fingerprint(await stored_doc(server, ROOM)) == fingerprint(live_doc(server, ROOM))
    assert await room_state(server, QUIET_ROOM) == quiet_before and quiet.refusals == []
    await healthy(server)
    for client in honest:
        await client.leave()
    await quiet.disconnect()


@needs_the_panic
async def test_participant_update_that_panics_pycrdt_is_refused_without_a_reload(server: RunningServer) -> None:
    """A participant's writes are tried on a shadow document first: a panic there costs the room nothing."""
    honest = await with_content(server)
    assert await honest.sio.call("sync", ("board", create_update_message(PANIC_BASE)), timeout=10) == {
        "ok": True,
        "saved": True,
    }
    live = server.kring.registry.rooms[ROOM]
    before = await room_state(server, ROOM)
    auth, _ = await participant_auth(server)
    sock = await RawSocket.open(server)
    assert (await sock.connect(auth))["type"] == CONNECT
    await sock.event("sync", "board", create_update_message(PANIC_UPDATE), id=1)
    assert await sock.ack(1) == {"ok": False, **refusal(Refusal.MALFORMED, "sync")}
    assert server.kring.registry.rooms[ROOM] is live and not live.poisoned
    assert await room_state(server, ROOM) == before
    assert honest.sio.connected and honest.refusals == []
    # The shadow was rebuilt: the participant's next valid write is judged on the live document.
    await sock.event("sync", "board", create_sync_message(Doc()), id=2)
    assert await sock.ack(2) == {"ok": True}
    await sock.close()
    await honest.disconnect()


async def test_room_whose_store_cannot_be_loaded_refuses_connects(server: RunningServer) -> None:
    if _panics_here() is None:
        pytest.skip("this pycrdt no longer panics on the known input")
    quiet = await with_content(server, QUIET_ROOM)
    auth = await facilitator_auth(server.url, "kapot")
    # A log that panics on replay (written behind the server's back; the server itself never stores it).
    await server.kring.log.append("kapot", "board", PANIC_BASE)
    await server.kring.log.append("kapot", "board", PANIC_UPDATE)
    sock = await RawSocket.open(server)
    answer = await sock.connect(auth)
    assert answer == {"type": CONNECT_ERROR, "nsp": "/", "data": connect_error(Refusal.INTERNAL_ERROR)}
    await sock.close()
    note(quiet, "nog steeds hier")
    await quiet.all_acked()
    assert quiet.acks[-1] == {"ok": True, "saved": True}
    await healthy(server)
    await quiet.disconnect()


# Three updates the fuzz below produced (as a facilitator) and a minimiser shrank: pycrdt 0.14.13 (yrs
# 0.28) applies the first two, each leaving structs pending, and dies with SIGSEGV in
# `TransactionMut::integrate_item` while applying the third. No exception reaches Python; only never
# letting an update's pending parts into a document keeps the process alive.
SEGFAULT_UPDATES = [
    bytes.fromhex(
        "031bdb36000101056974656d730146da360004626f6c64047472756586da360404626f6c64046e756c6c81db36000121"
        "0105626f617264026b330147da3620012800db3605066175746575720177037033322700db3605077374656d6d656e00"
        "0800db3607027c3f8000007c4000000047db3605012800db360a066175746575720177037033332700db360a07737465"
        "6d6d656e000800db360c027c3f8000007c4000000088d9361d0177086b6161727420333847d93618012800db36100661"
        "75746575720177037033392700db3610077374656d6d656e000800db3612027c3f8000007c4000000081db360f012801"
        "05626f617264026b34017602056c696a737475037c3f8000007704747765657e067761617264657c424c000047362b01"
        "280036170661757465757201770370363527003617077374656d6d656e0008003619027c3f8000007c40000000883615"
        "0177086b6161727420373121617264026b3202a8361e017e25da360004010474657874017a81da36000184da36010272"
        "6784da360301200101056974656d73010004c1da3601da360203c4da360cda3602026720c1da360cda360d03c4da3611"
        "da360d02672046da360004626f6c64047472756586da360404626f6c64046e756c6cc4da3613da360d057a6f726720c7"
        "d93605d93600012800da361b066175746575720177037032342700da361b077374656d6d656e000800da361d027c3f80"
        "00007c4000000047d9360f01280036200661757465757201770370323727003620077374656d6d656e0008003622027c"
        "3f8000007c4000000028617264026b35017602056c696a737475037c3f8000007704747765657e067761617264657c42"
        "280000413610010004473626012800362b066175746575720177037035322700362b077374656d6d656e000800362d02"
        "7c3f8000007c4000000088360f0177086b61617274203534a13604018836300177086b61617274203634210105626f61"
        "7264026b340188361c0177086b6161727420383747361701280036350661757465757201770370383827003635077374"
        "656d6d656e0008003637027c3f8000007c4000000016d936000101056974656d7301000441d93600010004c1da3601da"
        "36020541d93605010004280105626f617264026b31017602056c696a737475037c3f8000007704747765657e06776161"
        "7264657c41a8000088db36030177086b6161727420323281d936150188d936160177086b6161727420333441db360a01"
        "000488d936170177086b61617274203337c4360e3602057a6f726720a136100100048836150177086b61617274203636"
        "c436033604057a6f726720a1363101a8362f017602056c696a737475037c3f8000007704747765657e06776161726465"
        "7c01da3606010105080f03260531013301011d"
    ),
    bytes.fromhex("0101db3629a8db36150177086b6161727420363600"),
    bytes.fromhex(
        "031bdb36200101056974656d730146360004626f6c64047472756586360404626f6c64046e756c6c0001210105626f61"
        "7264026b330147362001280036050661757465757201770370333227003605077374656d6d656e0008003607027c3f80"
        "00007c40000000473605012800360a066175746575720177037033332700360a077374656d6d656e000800360c027c3f"
        "8000007c4000000088361d0177086b616172742033384736180128003610066175746575720177037033392700361007"
        "7374656d6d656e0008003612027c3f8000007c4000000081360f01280105626f617264026b34017602056c696a737475"
        "037c3f8000007704747765657e067761617264657c424c000047362b0128003617066175746575720177037036352700"
        "3617077374656d6d656e0008003619027c3f8000107c400000008836150177086b61617274203731210105626f617264"
        "026b3202a8361e017602067761617264657c42a20000056c696a737475037c3f8000007704747765657e253600040104"
        "74657874017a8136000184360102726784360301200101056974656d73010004c13601360203c4360c3602026720c136"
        "0c360d03c43611360d02672046360004626f6c64047472756586360404626f6c64046e756c6cc43613360d057a6f7267"
        "20c736053600012800361b066175746575720177037032342700361b077374656d6d656e000800361d027c3f8000007c"
        "4000000047360f01280036200661757465757201770370323727003620077374656d6d656e0008003622027c3f800000"
        "7c4000000028617264026b35017602056c696a737475037c3f8000007704747765657e067761617264657c4228000041"
        "3610010004473626012800362b066175746575720177037035322700362b077374656d6d656e000800362d027c3f8000"
        "007c4000000088360f0177086b61617274203534a13604018836300177086b61617274203634210105626f617264026b"
        "340188361c0177086b6161727420383747361701280036350661757465757201770370383827003635077374656d6d65"
        "6e0008027c3f0000044100"
    ),
]


async def test_a_writer_cannot_crash_the_process(tmp_path: Path) -> None:
    """Run in its own `kring serve` process, so that the crash it guards against would not take the
    test run with it."""
    process = ServerProcess(free_port(), {"KRING_VAR_DIR": str(tmp_path / "var")}, tmp_path / "kring.log")
    process.migrate()
    await process.start()
    try:
        writer = BoardClient(process.url, ROOM)
        await writer.connect()
        for update in SEGFAULT_UPDATES:
            with contextlib.suppress(socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
                await writer.sio.call("sync", ("board", create_update_message(update)), timeout=5)
        assert process.process is not None and process.process.poll() is None, "kring serve died"
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"{process.url}/healthz")).status_code == 200
        await writer.disconnect()
    finally:
        process.stop()


# -- the fuzz ----------------------------------------------------------------------------------------------

FUZZ_FRAMES = 20_000  # answered by the server, at least
FUZZ_WORKERS = 6
FUZZ_WINDOW = 16  # frames in flight per connection
HONEST = 3  # facilitators editing throughout, each under keys of its own in a root participants may not write
TOO_MANY = {"code": Refusal.TOO_MANY_REFUSALS.value, "message": MESSAGES[Refusal.TOO_MANY_REFUSALS]}


def fuzz_corpus(person: str, seed: int) -> tuple[list[tuple[str, bytes]], list[bytes]]:
    """A participant's real editing session, taking turns on three devices: every update with its
    document, and the devices' awareness messages."""
    rnd = random.Random(seed)
    own = f"p.{person}"
    updates: list[tuple[str, bytes]] = []
    devices: list[tuple[Doc[Any], Doc[Any]]] = []
    for number in range(3):
        board: Doc[Any] = Doc(client_id=7001 + number)
        scores: Doc[Any] = Doc(client_id=7101 + number)
        board.observe(lambda event: updates.append(("board", event.update)))
        scores.observe(lambda event: updates.append((own, event.update)))
        devices.append((board, scores))
    for step in range(90):
        board, scores = rnd.choice(devices)
        proposals, marks, claims = (board.get(root, type=Map) for root in ("proposals", "marks", "claims"))
        mine = [key for key in proposals if key.startswith(f"{person}:")]
        choice = rnd.randrange(7)
        if choice == 0 or not mine:
            proposals[f"{person}:{step}"] = Map({"by": person, "text": Text(f"voorstel {step}")})
        elif choice == 1:
            text = proposals[rnd.choice(mine)]["text"]
            text.insert(rnd.randrange(len(text) + 1), "zorg ")
        elif choice == 2:
            del proposals[rnd.choice(mine)]
        elif choice == 3:
            marks[f"f{rnd.randrange(5)}|{person}"] = rnd.choice(["agree", "disagree", "unsure"])
        elif choice == 4:
            key = f"r{rnd.randrange(4)}|{person}"
            if rnd.random() < 0.7:
                claims[key] = "claimed"
            elif key in claims:
                del claims[key]  # taken back
        else:
            scores.get("scores", type=Map)[f"ronde{rnd.randrange(3)}"] = Map(
                {"value": rnd.randrange(11), "why": "omdat"}
            )
        # The other devices catch up at once: later updates build on each other's items, and no two
        # devices of one person ever race for a key (the server may refuse the loser of such a race).
        for other, other_scores in devices:
            other.apply_update(board.get_update(other.get_state()))
            other_scores.apply_update(scores.get_update(other_scores.get_state()))
    presence = []
    for number in range(3):
        awareness = Awareness(Doc(client_id=7201 + number))
        awareness.set_local_state({"naam": f"toestel {number}", "typt": number % 2 == 0})
        presence.append(create_awareness_message(awareness.encode_awareness_update([awareness.client_id])))
    return updates, presence


def _flip(rnd: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        position = rnd.randrange(len(out))
        out[position] ^= 1 << rnd.randrange(8)
    return bytes(out)


def mutated_frames(seed: int, updates: list[tuple[str, bytes]], presence: list[bytes]) -> Iterator[tuple[Any, ...]]:
    """Endless (event, *args): mostly damaged sync frames, some awareness frames and shape errors."""
    rnd = random.Random(seed)

    def wrapped(update: bytes) -> bytes:
        return bytes([0, rnd.choice((1, 2, 2))]) + write_var_uint(len(update)) + update

    while True:
        doc_name, update = rnd.choice(updates)
        other = rnd.choice(updates)[1]
        roll = rnd.random()
        if roll < 0.28:
            frame = wrapped(_flip(rnd, update))
        elif roll < 0.40:
            frame = wrapped(update[: rnd.randrange(len(update))])
        elif roll < 0.52:
            frame = wrapped(update[: rnd.randrange(len(update) + 1)] + other[rnd.randrange(len(other) + 1) :])
        elif roll < 0.60:
            at = rnd.randrange(len(update) + 1)
            frame = wrapped(update[:at] + rnd.randbytes(rnd.randint(1, 6)) + update[at + rnd.randint(0, 3) :])
        elif roll < 0.70:
            whole = wrapped(update)
            frame = _flip(rnd, whole) if rnd.random() < 0.5 else whole[: rnd.randrange(len(whole))]
        elif roll < 0.77:
            frame = rnd.randbytes(rnd.randint(0, 80))
        elif roll < 0.86:  # a valid-looking header in front of random bytes
            payload = rnd.randbytes(rnd.randint(0, 60))
            frame = bytes([0, rnd.randrange(3)]) + write_var_uint(len(payload)) + payload
        elif roll < 0.90:
            frame = wrapped(update)  # the genuine article, sent again
        elif roll < 0.96:
            yield ("awareness", _flip(rnd, rnd.choice(presence)) if rnd.random() < 0.8 else rnd.choice(presence))
            continue
        else:
            yield rnd.choice(
                [
                    ("sync", "geheim", wrapped(update)),
                    ("sync", "private", wrapped(update)),
                    ("sync", "board", wrapped(update).hex()),
                    ("sync", "board"),
                    ("sync", 7, update),
                    ("awareness", "hallo"),
                    ("wis_alles", update),
                ]
            )
            continue
        yield ("sync", doc_name if rnd.random() < 0.9 else "board", frame)


@dataclass
class FuzzStats:
    sent: int = 0
    acked: int = 0
    connections: int = 0
    hostile_closes: int = 0
    replies: Counter[str] = field(default_factory=Counter)
    refused_connects: list[Any] = field(default_factory=list)


class FuzzWorker:
    """One attacker: fires frames at the room over raw sockets, a window of them in flight, and
    connects again whenever it is thrown out."""

    def __init__(
        self, server: RunningServer, auth: dict[str, str], frames: Iterator[tuple[Any, ...]], stats: FuzzStats
    ) -> None:
        self.server = server
        self.auth = auth
        self.frames = frames
        self.stats = stats
        self.acked = 0

    async def run(self, quota: int) -> None:
        while self.acked < quota:
            sock = await RawSocket.open(self.server)
            self.stats.connections += 1
            try:
                answer = await sock.connect(self.auth)
                if answer["type"] == CONNECT:
                    await _FuzzConnection(self, sock).fire(quota)
                else:
                    self.stats.refused_connects.append(answer["data"])
                    assert len(self.stats.refused_connects) < 100, self.stats.refused_connects[-1]
            except (ConnectionClosed, TimeoutError):
                pass
            finally:
                await sock.close()


class _FuzzConnection:
    def __init__(self, worker: FuzzWorker, sock: RawSocket) -> None:
        self.worker = worker
        self.stats = worker.stats
        self.sock = sock
        self.in_flight = 0
        self.answered = asyncio.Event()

    async def fire(self, quota: int) -> None:
        reader = asyncio.ensure_future(self._read())
        try:
            number = 0
            while not reader.done():
                if self.in_flight >= FUZZ_WINDOW or self.worker.acked + self.in_flight >= quota:
                    if self.in_flight == 0:
                        return  # the quota is answered
                    await self._answer_or_close(reader)
                    continue
                number += 1
                await asyncio.wait_for(self.sock.send(EVENT, list(next(self.worker.frames)), id=number), WAIT)
                self.in_flight += 1
                self.stats.sent += 1
        finally:
            reader.cancel()

    async def _answer_or_close(self, reader: asyncio.Future[None]) -> None:
        self.answered.clear()
        answered = asyncio.ensure_future(self.answered.wait())
        await asyncio.wait([reader, answered], timeout=WAIT, return_when=asyncio.FIRST_COMPLETED)
        answered.cancel()
        if not self.answered.is_set() and not reader.done():
            raise TimeoutError  # the server went quiet on this connection

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed, TimeoutError):
            while True:
                packet = await self.sock.receive()
                if packet["type"] == ACK:
                    self.stats.replies[packet["data"][0].get("code", "ok")] += 1
                    self.stats.acked += 1
                    self.worker.acked += 1
                    self.in_flight -= 1
                    self.answered.set()
                elif packet["type"] == EVENT and packet["data"] == ["refused", TOO_MANY]:
                    self.stats.hostile_closes += 1
                elif packet["type"] in (DISCONNECT, CONNECT_ERROR):
                    return  # thrown out of the namespace: connect again


class QuietObserver(BoardClient):
    """Sits in the other room and counts every sync frame that reaches it after its first sync."""

    def __init__(self, url: str, room: str) -> None:
        super().__init__(url, room)
        self.frames_after_sync = 0

    async def _on_sync(self, doc_name: str, frame: bytes) -> None:
        if self.synced.is_set():
            self.frames_after_sync += 1
        await super()._on_sync(doc_name, frame)


def agreements(doc: Doc[Any]) -> dict[str, Any]:
    """The honest writers' part of the `agreements` root (not the rules planted for the fuzz),
    read through a copy: `doc.get` on the original may itself make a transaction."""
    copy: Doc[Any] = Doc()
    copy.apply_update(doc.get_update())
    # The honest notes are plain strings; the planted rules are maps.
    return {k: v for k, v in (copy.get("agreements", type=Map).to_py() or {}).items() if not isinstance(v, dict)}


def plant_items_and_rules(doc: Doc[Any]) -> None:
    """What a participant's marks, claims and scores refer to: items f0 to f4 on the board, rules r0
    to r3 and the open scaling rounds ronde0 to ronde2."""
    framework, rules = doc.get("framework", type=Map), doc.get("agreements", type=Map)
    for i in range(3):
        doc.get("poll", type=Map)[f"ronde{i}"] = Map({"title": f"ronde {i}", "status": "open"})
    for i in range(5):
        framework[f"f{i}"] = Map({"text": f"punt {i}", "category": "strengths"})
    for i in range(4):
        rules[f"r{i}"] = Map({"text": f"afspraak {i}", "section": "immediate"})


async def keep_writing(client: ResilientClient, number: int, stop: asyncio.Event, written: dict[str, str]) -> None:
    root = client.doc.get("agreements", type=Map)
    while not stop.is_set():
        key = f"eerlijk-{number}-{len(written)}"
        root[key] = f"afspraak {len(written)} van {number}"
        written[key] = root[key]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.03)  # a person's pace, not a wait for a condition


@pytest.mark.slow
async def test_fuzz_leaves_honest_clients_converging_and_other_rooms_untouched(server: RunningServer) -> None:
    observer = QuietObserver(server.url, QUIET_ROOM)
    await observer.connect()
    await asyncio.wait_for(observer.synced.wait(), 10)
    for text in ("agenda", "zorgen", "krachten"):
        note(observer, text)
    await observer.all_acked()
    quiet_before = await room_state(server, QUIET_ROOM)
    observer.frames_after_sync = 0

    honest = [await resilient(server) for _ in range(HONEST)]
    written: dict[str, str] = {}
    stop = asyncio.Event()
    writers = [asyncio.ensure_future(keep_writing(client, n, stop, written)) for n, client in enumerate(honest)]

    auth, person = await participant_auth(server, name="Fuzz")
    await server.kring.live.edit(ROOM, "board", plant_items_and_rules)
    updates, presence = fuzz_corpus(person, seed=2024)
    stats = FuzzStats()
    # The session itself first, so that the room holds what the mutations refer to.
    genuine = iter([("sync", doc_name, create_update_message(update)) for doc_name, update in updates])
    await FuzzWorker(server, auth, genuine, stats).run(quota=len(updates))
    assert stats.replies == {"ok": len(updates)}
    started = time.perf_counter()
    workers = [FuzzWorker(server, auth, mutated_frames(seed, updates, presence), stats) for seed in range(FUZZ_WORKERS)]
    await asyncio.gather(*(worker.run(quota=FUZZ_FRAMES // FUZZ_WORKERS + 1) for worker in workers))
    elapsed = time.perf_counter() - started
    stop.set()
    await asyncio.gather(*writers)
    print(
        f"\nfuzz: {stats.acked - len(updates)} mutated frames answered ({stats.sent - len(updates)} sent) in "
        f"{elapsed:.1f} s over {stats.connections} connections, {stats.hostile_closes} of them closed for too "
        f"many refusals; replies {dict(stats.replies)}; honest reconnects {[c.drops for c in honest]}"
    )
    assert stats.acked - len(updates) >= FUZZ_FRAMES
    assert stats.replies["malformed"] > FUZZ_FRAMES // 2 and stats.replies["ok"] > len(updates)
    assert stats.hostile_closes > 0  # the fuzz was thrown out, and came back

    # The honest clients converge: on each other, on the server, on everything they wrote.
    for client in honest:
        await client.settled()
    live = live_doc(server, ROOM)

    def converged() -> None:
        assert [fingerprint(c.doc) for c in honest] == [fingerprint(live)] * len(honest)
        for client in honest:
            assert agreements(client.doc) == written

    await eventually(converged, timeout=20)
    assert agreements(live) == written

    # A late joiner gets exactly that; the store holds exactly that.
    late = await joined(server)
    await eventually(lambda: _assert_equal(fingerprint(late.doc), fingerprint(live)), timeout=10)
    assert agreements(late.doc) == written
    stored = await stored_doc(server, ROOM)
    assert fingerprint(stored) == fingerprint(live)
    assert agreements(stored) == written

    # The server is alive and the other room noticed nothing.
    await healthy(server)
    assert await room_state(server, QUIET_ROOM) == quiet_before
    assert observer.sio.connected and observer.refusals == [] and observer.frames_after_sync == 0
    assert fingerprint(observer.doc) == quiet_before[0]

    for client in honest:
        await client.leave()
    for other in (late, observer):
        await other.disconnect()
