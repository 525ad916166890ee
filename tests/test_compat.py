"""What server/compat.py relies on inside python-socketio and python-engineio, checked against the
installed versions: an upgrade that renames, reshapes or stops calling any of it fails here."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import tomllib
import weakref
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import engineio
import pycrdt
import pytest
import socketio
from engineio import packet as eio_packet
from engineio.async_drivers import asgi as eio_asgi
from engineio.async_socket import AsyncSocket
from packaging.requirements import Requirement
from pycrdt import create_sync_message
from socketio.msgpack_packet import MsgPackPacket
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State
from websockets.server import ServerProtocol

from server import compat
from server.cli import uvicorn_config
from server.protocol import MESSAGES, Refusal, sync_step2_frame
from tests.test_bad_input import CONNECT, ROOM, WAIT, RawSocket
from tests.utils import BoardClient, RunningServer, eventually, facilitator_auth, settings_for

# The libraries whose insides compat.py touches; each must be bounded in pyproject.toml.
REACHED = ("python-socketio", "python-engineio", "uvicorn", "websockets")


def _bounds() -> dict[str, Requirement]:
    pyproject = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
    requirements = [Requirement(line) for line in pyproject["project"]["dependencies"]]
    return {r.name: r for r in requirements}


@pytest.mark.parametrize("package", [*REACHED, "pycrdt"])
def test_installed_version_is_inside_the_bounds(package: str) -> None:
    requirement = _bounds()[package]
    assert any(spec.operator == "<" for spec in requirement.specifier), requirement
    assert requirement.specifier.contains(version(package)), (requirement, version(package))


def _parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


# python-socketio's AsyncServer: the private steps HookedServer overrides or calls, as (name, parameters).
SOCKETIO_PRIVATE = {
    "_handle_eio_message": ["self", "eio_sid", "data"],
    "_handle_event": ["self", "eio_sid", "namespace", "id", "data"],
    "_send_packet": ["self", "eio_sid", "pkt"],
}
# Its client manager's methods (compat.py and transport.py), public by name but documented only for
# writing a manager.
MANAGER = {
    "get_participants": ["self", "namespace", "room"],
    "sid_from_eio_sid": ["self", "eio_sid", "namespace"],
    "eio_sid_from_sid": ["self", "sid", "namespace"],
    "is_connected": ["self", "sid", "namespace"],
}


@pytest.mark.parametrize("name", list(SOCKETIO_PRIVATE))
def test_python_socketio_private_steps_keep_their_shape(name: str) -> None:
    method = getattr(socketio.AsyncServer, name)
    assert inspect.iscoroutinefunction(method)
    assert _parameters(method) == SOCKETIO_PRIVATE[name]


def test_every_override_replaces_a_method_of_the_base() -> None:
    # A renamed private step would leave the override in place, never called, and no error.
    for name in compat.OVERRIDDEN:
        assert name in vars(socketio.AsyncServer), name
        assert name in vars(compat.HookedServer), name


@pytest.mark.parametrize("name", list(MANAGER))
def test_the_client_managers_lookups_keep_their_shape(name: str) -> None:
    assert _parameters(getattr(socketio.AsyncManager, name)) == MANAGER[name]


def test_a_decode_error_reaches_the_override_through_handle_eio_message() -> None:
    """python-socketio decodes a message inside `_handle_eio_message`, with the serializer given."""
    source = inspect.getsource(socketio.AsyncServer._handle_eio_message)
    assert "self.packet_class(" in source and "encoded_packet=" in source
    assert _parameters(MsgPackPacket.decode) == ["self", "encoded_packet"]
    server = socketio.AsyncServer(async_mode="asgi", serializer=MsgPackPacket)
    assert server.packet_class is MsgPackPacket


def test_engineio_server_keeps_its_sockets_by_id() -> None:
    server = socketio.AsyncServer(async_mode="asgi")
    assert server.eio.sockets == {}
    assert inspect.iscoroutinefunction(server.eio.disconnect)


def test_engineio_socket_has_the_queue_and_flags_the_fan_out_uses() -> None:
    eio = engineio.AsyncServer(async_mode="asgi")
    socket = AsyncSocket(eio, "s1")
    assert isinstance(socket.queue, asyncio.Queue)
    assert socket.closed is False
    assert _parameters(AsyncSocket.poll) == ["self"] and inspect.iscoroutinefunction(AsyncSocket.poll)


def test_the_websocket_writer_polls_through_the_socket_and_ends_on_an_empty_poll() -> None:
    """take_over_writes replaces `poll` on the socket: the writer must look it up there each time,
    and stop when it returns nothing (hang_up puts None on the queue for that)."""
    source = inspect.getsource(AsyncSocket._websocket_handler)
    assert "await self.poll()" in source
    assert "if not packets:" in source and "except exceptions.QueueEmpty:" in source
    assert hasattr(engineio.exceptions, "QueueEmpty")


async def test_the_replaced_poll_delivers_like_engineios() -> None:
    eio = engineio.AsyncServer(async_mode="asgi")
    theirs, ours = AsyncSocket(eio, "a"), AsyncSocket(eio, "b")
    for socket in (theirs, ours):
        for item in ("p1", "p2", None, "late"):
            socket.queue.put_nowait(item)
    first = await theirs.poll()
    assert await compat._poll_without_timer(ours) == first == ["p1", "p2"]
    assert await theirs.poll() == await compat._poll_without_timer(ours) == ["late"]  # None goes back
    assert await theirs.poll() == await compat._poll_without_timer(ours) == []  # then the writer ends


def test_a_socket_whose_writes_were_taken_over_is_freed_without_the_collector() -> None:
    eio = engineio.AsyncServer(async_mode="asgi")
    socket = AsyncSocket(eio, "t")
    assert compat.take_over(socket, {}) is False  # no uvicorn connection behind it: no wire
    assert isinstance(socket, AsyncSocket) and type(socket).poll is not AsyncSocket.poll
    freed = weakref.ref(socket)
    gc.disable()
    try:
        del socket
        assert freed() is None  # a reference cycle would keep it until a full collection
    finally:
        gc.enable()


_SCOPES = [
    {
        "type": "websocket",
        "path": "/socket.io/",
        "query_string": b"EIO=4&transport=websocket",
        "headers": [],
        "client": ("203.0.113.5", 50123),
    },
    {
        "type": "http",
        "method": "POST",
        "path": "/socket.io/",
        "query_string": b"",
        "client": ("2001:db8::7", 443),
        "headers": [
            (b"content-type", b"text/plain"),
            (b"content-length", b"5"),
            (b"cookie", b"a=1"),
            (b"cookie", b"b=2"),
            (b"x-forwarded-proto", b"https"),
            (b"x-bad", b"\xff"),
        ],
    },
    {
        "type": "http",
        "method": "GET",
        "path": "/socket.io/",
        "query_string": b"\xff",
        "headers": [],
        "client": ("198.51.100.9", 1),
    },
]


@pytest.mark.parametrize("scope", _SCOPES)
async def test_the_requests_environ_is_engineios_own(scope: dict[str, Any]) -> None:
    """compat.translate_request replaces engineio's (which defines a class per request): the same
    environ, the same body."""

    def receiver() -> Any:
        events = [
            {"type": "websocket.connect"}
            if scope["type"] == "websocket"
            else {"type": "http.request", "body": b"ab", "more_body": True},
            {"type": "http.request", "body": b"cde", "more_body": False},
        ]

        async def receive() -> dict[str, Any]:
            return events.pop(0)

        return receive

    theirs_receive, ours_receive = receiver(), receiver()
    theirs = await eio_asgi.translate_request(scope, theirs_receive, None)
    ours = await compat.translate_request(scope, ours_receive, None)
    body_theirs, body_ours = theirs.pop("wsgi.input"), ours.pop("wsgi.input")
    assert (ours.pop("REMOTE_ADDR"), ours.pop("REMOTE_PORT")) == (scope["client"][0], str(scope["client"][1]))
    assert (theirs.pop("REMOTE_ADDR"), theirs.pop("REMOTE_PORT")) == ("127.0.0.1", "0")  # the same for everyone
    assert {**ours, "asgi.receive": None} == {**theirs, "asgi.receive": None}
    assert ours["asgi.receive"] is ours_receive
    if scope["type"] == "http":
        assert await body_ours.read(3) == await body_theirs.read(3) == b"abc"
        assert await body_ours.read() == await body_theirs.read() == b"de"


def test_the_socketio_server_uses_the_cycle_free_request_and_websocket() -> None:
    """HookedServer swaps both into its own copy of engineio's driver table, which must still hold them."""
    assert {"translate_request", "websocket"} <= set(eio_asgi._async)
    assert "self._async['translate_request']" in inspect.getsource(engineio.AsyncServer.handle_request)
    assert "self.server._async['websocket']" in inspect.getsource(AsyncSocket._upgrade_websocket)
    server = compat.HookedServer(async_mode="asgi", transports=["websocket"])
    assert server.eio._async["translate_request"] is compat.translate_request
    assert server.eio._async["websocket"] is compat.EndingWebSocket
    assert eio_asgi._async["websocket"] is eio_asgi.WebSocket  # the shared table is left alone
    # The socket's reader ends on None as on a client's close, with no exception.
    assert "if p is None:" in inspect.getsource(AsyncSocket._websocket_handler)


def test_uvicorns_http_protocol_lets_go_of_its_parser_only_when_the_connection_is_lost() -> None:
    """What UpgradingHttpToolsProtocol does after an upgrade, and where uvicorn does it otherwise."""
    assert "self.parser = None" in inspect.getsource(HttpToolsProtocol.connection_lost)
    assert "self.parser = None" not in inspect.getsource(HttpToolsProtocol.handle_websocket_upgrade)
    assert "self.handle_websocket_upgrade()" in inspect.getsource(HttpToolsProtocol.data_received)


def test_kring_serves_with_the_protocol_that_lets_go(tmp_path: Path) -> None:
    assert uvicorn_config(settings_for(tmp_path), None).http is compat.UpgradingHttpToolsProtocol


async def test_the_websocket_hands_over_what_arrives_and_none_when_the_connection_ends() -> None:
    """engineio's reader treats None as the client's close; its own WebSocket raises OSError there."""
    events = [
        {"type": "websocket.receive", "bytes": b"\x93"},
        {"type": "websocket.receive", "text": "2"},
        {"type": "websocket.disconnect", "code": 1006},
    ]

    async def receive() -> dict[str, Any]:
        return events.pop(0)

    ws = compat.EndingWebSocket(None, None)
    ws.asgi_receive = receive
    assert [await ws.wait(), await ws.wait(), await ws.wait()] == [b"\x93", "2", None]


async def test_a_connection_that_falls_silent_is_closed(server: RunningServer) -> None:
    """A phone that stops answering pings (a tunnel, a flat battery) is let go after the ping
    interval and time-out, leaves its room, and leaves no cycles either (engineio's read ends in a
    time-out here, not in the None of EndingWebSocket)."""
    eio = server.kring.transport.sio.eio
    eio.ping_interval, eio.ping_timeout = 0.2, 0.2  # 0.4 s of silence instead of 20 s
    auth = await facilitator_auth(server.url, ROOM)
    with _collector_off():
        sock = await RawSocket.open(server)
        assert (await sock.connect(auth))["type"] == CONNECT
        assert len(server.kring.transport.connections) == 1
        with pytest.raises(ConnectionClosed):
            while True:
                await asyncio.wait_for(sock.ws.recv(), WAIT)  # pings arrive and are not answered
        await eventually(lambda: _closed_everywhere(server))
        assert server.kring.transport.connections == {}
        left = _connection_parts_in_garbage()
    assert left == []


async def test_a_connection_cut_without_a_close_leaves_no_reference_cycles(server: RunningServer) -> None:
    """A phone whose connection just ends (a train into a tunnel, a load generator that exits): no
    close frame, no end of stream, only the TCP connection gone. websockets' protocol and its
    parser, a generator whose frame holds the protocol, held each other until a full collection:
    a thousand of them a round in the soak, once engineio let go of its sockets."""
    auth = await facilitator_auth(server.url, ROOM)
    with _collector_off():
        sock = await RawSocket.open(server)
        assert (await sock.connect(auth))["type"] == CONNECT
        await sock.event("sync", "board", create_sync_message(pycrdt.Doc()), id=1)
        assert (await sock.ack(1))["ok"] is True
        (engineio_socket,) = server.kring.transport.sio.eio.sockets.values()
        websocket = engineio_socket.kring_wire.protocol.conn
        del engineio_socket
        sock.ws.transport.abort()
        await eventually(lambda: _closed_everywhere(server))
        # The parser's frame is gone with the generator, and so is its hold on the protocol.
        assert inspect.getgeneratorstate(websocket.parser) == inspect.GEN_CLOSED
        assert websocket not in gc.get_referents(websocket.parser)
        del websocket
        left = _connection_parts_in_garbage()
    assert left == []


def test_websockets_protocol_parses_in_a_generator_that_can_be_closed() -> None:
    """What ClosingWebSocketsProtocol relies on: websockets keeps its parser as `parser`, a generator."""
    protocol = ServerProtocol()
    assert inspect.isgenerator(protocol.parser)
    protocol.parser.close()
    assert inspect.getgeneratorstate(protocol.parser) == inspect.GEN_CLOSED


async def test_a_connection_that_answers_pings_stays_past_the_time_out(server: RunningServer) -> None:
    eio = server.kring.transport.sio.eio
    eio.ping_interval, eio.ping_timeout = 0.2, 0.2
    sock = await RawSocket.open(server)
    assert (await sock.connect(await facilitator_auth(server.url, ROOM)))["type"] == CONNECT
    pings = 0
    while pings < 5:  # 1 s at least: past the 0.4 s a silent connection is given
        if await asyncio.wait_for(sock.ws.recv(), WAIT) == "2":
            pings += 1
            await sock.ws.send("3")
    await sock.event("sync", "board", create_sync_message(pycrdt.Doc()), id=1)
    assert (await sock.ack(1))["ok"] is True
    await sock.close()


@contextlib.contextmanager
def _collector_off() -> Iterator[None]:
    """Only reference counting frees anything meanwhile: what waits for the collector stays."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _connection_parts_in_garbage() -> list[str]:
    """Collect, keeping what was garbage, and name the server's side of a connection among it."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        return _left_by_a_connection(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


_CONNECTION_PARTS = (AsyncSocket, eio_asgi.WebSocket, WebSocketsSansIOProtocol, HttpToolsProtocol, ServerProtocol)


def _left_by_a_connection(garbage: list[Any]) -> list[str]:
    """The server's side of a connection among collected garbage (the test's client leaves its own)."""
    found = []
    for o in garbage:
        if isinstance(o, _CONNECTION_PARTS):
            found.append(type(o).__name__)
        elif isinstance(o, type) and o.__module__.startswith(("engineio", "socketio", "uvicorn")):
            found.append(f"class {o.__qualname__}")
        elif inspect.isframe(o) and ("engineio/async_socket" in o.f_code.co_filename or "asgi" in o.f_code.co_filename):
            found.append(f"frame {o.f_code.co_name}")
    return found


async def test_a_closed_connection_leaves_no_reference_cycles(server: RunningServer) -> None:
    """A phone that connected, edited and left: nothing of its connection waits for the collector,
    whose full collection stops every meeting of a busy process for 130-200 ms (server/memory.py)."""
    with _collector_off():
        phone = BoardClient(server.url, "cycle-free")
        await phone.connect()
        await asyncio.wait_for(phone.synced.wait(), 10)
        phone.items.append("Oma haalt op")
        await phone.all_acked()
        assert phone.acks and all(ack == {"ok": True, "saved": True} for ack in phone.acks)
        await phone.disconnect()
        await eventually(lambda: _closed_everywhere(server))
        left = _connection_parts_in_garbage()
    assert left == []


def _closed_everywhere(server: RunningServer) -> None:
    assert not server.kring.transport.sio.eio.sockets
    assert not server.server.server_state.connections


def test_socketio_has_engineio_hand_each_message_over_in_the_sockets_reader() -> None:
    """python-socketio turns Engine.IO's per-message task off (its own events get one): a message
    reaches on_event_packet in the socket's reader, which is what lets the `sync` fast path apply
    each socket's frames in order without a task."""
    assert "run_async=self.server.async_handlers" in inspect.getsource(AsyncSocket.receive)
    server = socketio.AsyncServer(async_mode="asgi", async_handlers=True)
    assert server.eio.async_handlers is False and server.async_handlers is True


def test_a_refused_connect_carries_message_and_data_through_the_public_constructor() -> None:
    code = Refusal.BAD_AUTH
    refused = socketio.exceptions.ConnectionRefusedError(
        MESSAGES[code], {"code": code.value, "message": MESSAGES[code]}
    )
    assert refused.error_args == {"message": MESSAGES[code], "data": {"code": code.value, "message": MESSAGES[code]}}


def test_the_sync_step2_frame_is_what_pycrdt_answers() -> None:
    """Built from pycrdt's public helpers (its own builder is private): equal to its public answer."""
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    doc.get("framework", type=pycrdt.Map)["a"] = "b"
    step1 = pycrdt.create_sync_message(pycrdt.Doc())
    answer = pycrdt.handle_sync_message(step1[1:], doc)
    assert answer == sync_step2_frame(doc.get_update(b"\x00"))


def test_a_rust_panic_is_a_base_exception_outside_exception() -> None:
    """crdt.is_rust_panic tells a panic by what it is not: pyo3 raises it outside Exception."""
    from server.crdt import is_rust_panic
    from tests.test_bad_input import _panics_here

    panic = _panics_here()
    if panic is None:
        pytest.skip("this pycrdt no longer panics on the known input")
    assert issubclass(panic, BaseException) and not issubclass(panic, Exception)
    assert is_rust_panic(panic("x"))


# -- the fan-out's direct writes (compat.Wire) ------------------------------------------------------


def test_engineio_hands_uvicorns_send_to_the_socket_and_writes_binary_messages_as_they_are() -> None:
    """wire_of finds the connection through the environ's `asgi.send`; the writer sends a binary
    MESSAGE packet's bytes as the whole WebSocket message, which is what the fan-out writes too."""
    assert "'asgi.send': send" in inspect.getsource(eio_asgi.translate_request)
    assert "await ws.send(pkt.encode())" in inspect.getsource(AsyncSocket._websocket_handler)
    assert eio_packet.Packet(eio_packet.MESSAGE, b"\x93abc").encode() == b"\x93abc"


def test_uvicorns_websocket_connection_keeps_the_state_the_wire_reads() -> None:
    init = inspect.getsource(WebSocketsSansIOProtocol.__init__)
    for name in ("self.transport", "self.writable", "self.close_sent", "self.disconnected", "self.conn"):
        assert name in init, name
    # A full buffer pauses writing through `writable`, which the wire checks before every write.
    assert "self.writable.clear()" in inspect.getsource(WebSocketsSansIOProtocol.pause_writing)
    assert "await self.writable.wait()" in inspect.getsource(WebSocketsSansIOProtocol.send)


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536])
def test_the_fan_out_frame_is_what_websockets_writes_for_a_server(size: int) -> None:
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    protocol = ServerProtocol()
    protocol.state = State.OPEN
    protocol.send_binary(payload)
    assert compat.binary_frame(payload) == b"".join(protocol.data_to_send())


async def test_the_writer_is_idle_only_while_it_waits_on_an_empty_queue() -> None:
    eio = engineio.AsyncServer(async_mode="asgi")
    socket = AsyncSocket(eio, "w")
    wire = compat.Wire.__new__(compat.Wire)
    wire.idle = False
    socket.kring_wire = wire
    socket.queue.put_nowait("queued")
    assert await compat._poll_without_timer(socket) == ["queued"]
    assert wire.idle is False
    waiting = asyncio.ensure_future(compat._poll_without_timer(socket))
    await asyncio.sleep(0)
    assert wire.idle is True
    socket.queue.put_nowait("next")
    assert await waiting == ["next"]
    assert wire.idle is False


async def test_a_broadcast_is_written_straight_to_an_idle_socket_and_arrives(server: RunningServer) -> None:
    writer, reader = BoardClient(server.url, "wire-room"), BoardClient(server.url, "wire-room")
    for client in (writer, reader):
        await client.connect()
        await asyncio.wait_for(client.synced.wait(), 10)
    sockets = list(server.kring.transport.sio.eio.sockets.values())
    wires = [s.kring_wire for s in sockets]
    assert all(isinstance(w, compat.Wire) and w.protocol.transport is w.transport for w in wires)
    for n in range(5):
        writer.items.append(n)

    def arrived() -> None:
        assert reader.values() == [0, 1, 2, 3, 4]

    await eventually(arrived)
    assert sum(w.writes for w in wires) > 0
    for client in (writer, reader):
        await client.disconnect()


async def test_an_edit_is_acknowledged_straight_on_an_idle_socket(server: RunningServer) -> None:
    """The "saved" acknowledgement goes through send_now: written on the wire once the commit is in,
    no task and no writer wake-up, and it reaches the client's callback."""
    writer = BoardClient(server.url, "ack-room")
    await writer.connect()
    await asyncio.wait_for(writer.synced.wait(), 10)
    (socket,) = server.kring.transport.sio.eio.sockets.values()
    wire = socket.kring_wire
    before = wire.writes
    writer.items.append("saved?")
    await writer.all_acked()
    assert writer.acks[-1] == {"ok": True, "saved": True}
    assert wire.writes > before
    await writer.disconnect()


def test_root_names_are_the_documents_roots() -> None:
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    doc.get("framework", type=pycrdt.Map)["a"] = "b"
    doc.get("list", type=pycrdt.Array).append(1)
    assert compat.root_names(doc) == set(doc.keys()) == {"framework", "list"}
