"""Where Kring reaches inside python-socketio, python-engineio, uvicorn and pycrdt: here and nowhere else.

Each reach is a private method, an undocumented attribute or a replaced method. pyproject.toml
bounds the versions, and tests/test_compat.py checks every name and signature used here against
the installed ones, so an upgrade that moves them fails there rather than in a meeting.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable
from typing import Any

import socketio
from engineio import exceptions as eio_exceptions
from engineio import packet as eio_packet
from engineio.async_drivers import asgi as eio_asgi
from engineio.async_socket import AsyncSocket
from pycrdt import Doc
from socketio import packet
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

# python-socketio's private steps that HookedServer overrides; the test checks the base still has them.
OVERRIDDEN = ("_handle_eio_message", "_handle_event")


class BadPacket(Exception):
    """Raised by the serializer's `decode` for a packet this server does not accept."""


class HookedServer(socketio.AsyncServer):  # type: ignore[misc]
    """python-socketio's AsyncServer opened up where it would stay silent, fail or misroute: a packet
    that does not decode, and every event packet before it is dispatched. Its Engine.IO server
    translates requests and drives WebSockets with the versions below, which leave no cycles."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # A copy: engineio's module-level table is shared by every server of the process.
        self.eio._async = {**self.eio._async, "translate_request": translate_request, "websocket": EndingWebSocket}

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        try:
            await super()._handle_eio_message(eio_sid, data)
        except BadPacket:
            await self.on_bad_packet(eio_sid)

    async def _handle_event(self, eio_sid: str, namespace: Any, id: Any, data: Any) -> None:
        await self.on_event_packet(eio_sid, namespace, id, data)

    async def on_bad_packet(self, eio_sid: str) -> None:
        """A packet that raised BadPacket on decoding; by default, the connection is closed."""
        await self.hang_up(eio_sid)

    async def on_event_packet(self, eio_sid: str, namespace: Any, id: Any, data: Any) -> None:
        """An EVENT packet as it arrives; `dispatch_event` hands it to python-socketio."""
        await self.dispatch_event(eio_sid, namespace, id, data)

    async def dispatch_event(self, eio_sid: str, namespace: Any, id: Any, data: Any) -> None:
        # Runs the handler up to its first suspension before returning: no await of ours comes
        # between, which keeps each socket's frames in order.
        await super()._handle_event(eio_sid, namespace, id, data)

    async def send_packet(self, eio_sid: str, pkt: Any) -> None:
        await self._send_packet(eio_sid, pkt)

    def engineio_socket(self, eio_sid: str) -> Any | None:
        return self.eio.sockets.get(eio_sid)

    async def hang_up(self, eio_sid: str) -> None:
        """Close the whole connection. Engine.IO's own close only asks the client to go, and a hostile
        client could ignore that and keep its WebSocket (and a reader on the server) for a while."""
        socket = self.engineio_socket(eio_sid)
        await self.eio.disconnect(eio_sid)
        if socket is not None:
            await socket.queue.put(None)  # ends the WebSocket writer, which closes the WebSocket

    def take_over_writes(self, sid: str, environ: dict[str, Any]) -> bool:
        """Give a connected socket the poll below in place of engineio's and, where the WebSocket is
        uvicorn's, a `Wire` for direct fan-out writes; True if it got one."""
        socket = self.engineio_socket(self.manager.eio_sid_from_sid(sid, "/"))
        return socket is not None and take_over(socket, environ)

    def fan_out(
        self, group: str, data: list[Any], skip: str | None, limit: int, too_slow: Callable[[str, str, Any], None]
    ) -> int:
        """Send one event to a group of this process's sockets; returns the bytes sent.

        One packet and one WebSocket frame for the group, handed to each socket by `_deliver`
        (python-socketio's emit would create a task per recipient, which was most of the fan-out's
        cost: docs/performance.md).
        """
        try:
            participants = list(self.manager.get_participants("/", group))
        except KeyError:
            return 0  # nobody in that group (yet)
        outgoing = _Outgoing(self.packet_class(packet.EVENT, namespace="/", data=data).encode())
        sockets = self.eio.sockets
        sent = 0
        for sid, eio_sid in participants:
            if sid == skip:
                continue
            socket = sockets.get(eio_sid)
            if _deliver(socket, outgoing, limit):
                sent += 1
            elif outgoing.slow:
                outgoing.slow = False
                too_slow(sid, eio_sid, socket)
        return sent * len(outgoing.encoded)

    def send_now(self, sid: str, packets: list[Any], limit: int, too_slow: Callable[[str, str, Any], None]) -> int:
        """Send Socket.IO packets to one socket of this process, in order, now; returns the bytes sent.

        What python-socketio's emit or an acknowledgement would send, without the task and the
        writer wake-up each of those takes: written straight on an idle connection (the frames of a
        greeting in one write), else put on the socket's queue."""
        eio_sid = self.manager.eio_sid_from_sid(sid, "/")
        socket = self.eio.sockets.get(eio_sid) if eio_sid is not None else None
        if socket is None or socket.closed:
            return 0
        outgoing = [_Outgoing(pkt.encode()) for pkt in packets]
        wire = getattr(socket, "kring_wire", None)
        if wire is not None and wire.idle and socket.queue.empty() and wire.open():
            wire.transport.write(b"".join(binary_frame(o.encoded) for o in outgoing))
            wire.writes += 1
            return sum(len(o.encoded) for o in outgoing)
        sent = 0
        for one in outgoing:
            if not _deliver(socket, one, limit):
                if one.slow:
                    too_slow(sid, eio_sid, socket)
                break
            sent += len(one.encoded)
        return sent


def take_over(socket: AsyncSocket, environ: dict[str, Any]) -> bool:
    """HookedServer.take_over_writes for one engineio socket."""
    socket.kring_wire = wire_of(environ)
    # Its class, not a bound method set on the socket: that would tie the socket in a reference
    # cycle, which only a full collection frees (server/memory.py says why that is too late).
    socket.__class__ = _TimerlessSocket
    return socket.kring_wire is not None


class _Outgoing:
    """One encoded packet on its way to one or more sockets; the Engine.IO message and the WebSocket
    frame are built on first use, once for every recipient."""

    __slots__ = ("encoded", "frame", "message", "slow")

    def __init__(self, encoded: bytes) -> None:
        self.encoded = encoded
        self.frame: bytes | None = None
        self.message: eio_packet.Packet | None = None
        self.slow = False  # set by _deliver when the last socket had `limit` messages waiting


def _deliver(socket: Any, outgoing: _Outgoing, limit: int) -> bool:
    """Hand a packet to one socket; False if it is gone, or too slow (`outgoing.slow`).

    A socket whose writer waits idle with nothing queued gets the frame written straight on its
    connection (a `Wire`): no queue, no writer wake-up, and nothing overtaken. Any other socket
    gets the message on its send queue, behind what waits there. One with `limit` messages waiting
    is too slow; one that stops reading fills its connection's buffer, pauses the wire and so
    reaches its queue."""
    if socket is None or socket.closed:
        return False
    wire = getattr(socket, "kring_wire", None)
    if wire is not None and wire.idle and socket.queue.empty() and wire.open():
        if outgoing.frame is None:
            outgoing.frame = binary_frame(outgoing.encoded)
        wire.transport.write(outgoing.frame)
        wire.writes += 1
        return True
    if socket.queue.qsize() >= limit:
        outgoing.slow = True
        return False
    if outgoing.message is None:
        outgoing.message = eio_packet.Packet(eio_packet.MESSAGE, outgoing.encoded)
    socket.queue.put_nowait(outgoing.message)
    return True


class Wire:
    """A socket's WebSocket connection as uvicorn holds it, for writes that bypass engineio's writer.

    `idle` is true only while the socket's writer waits in `_poll_without_timer` on an empty queue:
    then it holds no packet of its own that a direct write could overtake.
    """

    __slots__ = ("idle", "protocol", "transport", "writes")

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self.protocol = protocol
        self.transport = protocol.transport
        self.idle = False
        self.writes = 0  # frames written past the queue (tests/test_compat.py)

    def open(self) -> bool:
        """Writable now: open both ways and not paused (a full buffer pauses it until it drains)."""
        p = self.protocol
        return (
            p.writable.is_set()
            and not p.close_sent
            and not p.disconnected
            and p.conn.state is State.OPEN
            and not self.transport.is_closing()
        )


def wire_of(environ: dict[str, Any]) -> Wire | None:
    """The uvicorn connection behind an Engine.IO WebSocket's environ, if it is one (engineio passes
    the ASGI `send`, which uvicorn makes a bound method of the connection's protocol)."""
    protocol = getattr(environ.get("asgi.send"), "__self__", None)
    if not isinstance(protocol, WebSocketsSansIOProtocol) or protocol.conn.extensions:
        return None  # another server, or a compressing extension: the queue's path only
    return Wire(protocol)


def binary_frame(payload: bytes) -> bytes:
    """A server's WebSocket binary frame (unmasked, no extension), by websockets' own encoder."""
    return Frame(Opcode.BINARY, payload).serialize(mask=False)


def drop_queued(socket: Any) -> None:
    """Forget what waits for a socket and take it out of fan-outs until it is closed."""
    while not socket.queue.empty():
        socket.queue.get_nowait()
        socket.queue.task_done()
    socket.closed = True


class _TimerlessSocket(AsyncSocket):  # type: ignore[misc]
    """engineio's socket, polling its queue with `_poll_without_timer`."""

    async def poll(self) -> list[Any]:
        return await _poll_without_timer(self)


async def _poll_without_timer(socket: Any) -> list[Any]:
    """engineio's `AsyncSocket.poll` for a WebSocket, minus its `wait_for`.

    The socket's writer task calls `poll` once per wake-up, and `wait_for` adds a task, a timer and a
    future to every delivery: at 9,500 deliveries/s that was a tenth of the server's CPU
    (docs/performance.md). Its time-out is not needed here: pings travel every `ping_interval`, a
    silent client is closed by the reader's own time-out, and every way out of the connection puts
    None on the queue, which ends the writer.
    """
    queue = socket.queue
    wire: Wire | None = getattr(socket, "kring_wire", None)
    if wire is not None:
        wire.idle = True  # from here until `get` returns, fan-outs may write past the queue
    try:
        first = await queue.get()
    except asyncio.CancelledError:
        raise eio_exceptions.QueueEmpty() from None
    finally:
        if wire is not None:
            wire.idle = False
    queue.task_done()
    if first is None:
        return []
    packets = [first]
    while not queue.empty():
        pkt = queue.get_nowait()
        queue.task_done()
        if pkt is None:
            queue.put_nowait(None)  # as engineio does: the writer sends these, then ends
            break
        packets.append(pkt)
    return packets


def root_names(doc: Doc[Any]) -> set[str]:
    """The names of a document's roots. `Doc.keys()` wraps every root in a Python object first,
    which cost the write check more than the trial's own apply (three times per update)."""
    with doc.transaction() as txn:
        assert txn._txn is not None
        return set(doc._doc.roots(txn._txn))


# -- connections that are freed when they close ----------------------------------------------------
#
# Four things uvicorn, websockets and engineio do per connection leave its state in reference
# cycles, which only a full collection frees (server/memory.py): uvicorn's HTTP protocol and its
# parser hold each other after an upgrade; websockets' protocol and its parser, a generator whose
# frame holds the protocol, too, until the generator is closed; engineio defines a class per
# request, whose methods close over uvicorn's `receive`; and the OSError its WebSocket raises when
# the connection ends has a traceback that holds the frame of `wait_for`, which holds the task that
# holds the error.


class UpgradingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, letting go of its parser once the WebSocket protocol has the
    connection: uvicorn does that in `connection_lost`, which an upgraded protocol never gets."""

    def handle_websocket_upgrade(self) -> None:
        super().handle_websocket_upgrade()
        self.parser = None  # type: ignore[assignment]  # as uvicorn does in connection_lost


class ClosingWebSocketsProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol on websockets' sans-I/O one, closing that one's parser when the
    connection is gone: the parser is a generator that waits for more bytes forever (uvicorn never
    feeds it the end of the stream), and its frame holds the protocol that holds it."""

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self.conn.parser.close()  # nothing steps it after this: no bytes arrive on a lost connection


class _Body:
    """engineio's per-request `AwaitablePayload`, as one class: the request body, read on demand."""

    __slots__ = ("event", "payload", "receive")

    def __init__(self, event: dict[str, Any], receive: Callable[[], Any]) -> None:
        self.event = event
        self.receive = receive
        self.payload: bytes | None = None

    async def read(self, length: int | None = None) -> bytes:
        if self.payload is None and self.event["type"] == "http.request":
            self.payload = self.event.get("body") or b""
            while self.event.get("more_body"):
                self.event = await self.receive()
                if self.event["type"] == "http.request" and (length is None or len(self.payload) < length):
                    self.payload += self.event.get("body") or b""
        payload = self.payload or b""
        taken = payload if length is None else payload[:length]
        self.payload = payload[len(taken) :]
        return taken


async def translate_request(scope: dict[str, Any], receive: Callable[[], Any], send: Any) -> dict[str, Any]:
    """engineio's ASGI `translate_request` (the same environ: tests/test_compat.py compares them),
    with `_Body` for its class per request, and the client's own address where engineio puts
    127.0.0.1 for everyone: the connect limit counts per address (flow.ConnectThrottle). Behind a
    trusted proxy, uvicorn has already put the forwarded address in the scope."""
    client = scope.get("client") or ("", 0)
    event = await receive()
    if event["type"] not in ("http.request", "websocket.connect"):
        return {}
    query_string = ""
    if scope.get("query_string"):
        with contextlib.suppress(UnicodeDecodeError):
            query_string = scope["query_string"].decode("utf-8")
    environ: dict[str, Any] = {
        "wsgi.input": _Body(event, receive),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.async": True,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "SERVER_SOFTWARE": "asgi",
        "REQUEST_METHOD": scope.get("method", "GET"),
        "PATH_INFO": scope["path"],
        "QUERY_STRING": query_string,
        "RAW_URI": scope["path"] + ("?" + query_string if query_string else ""),
        "SCRIPT_NAME": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": str(client[0]),
        "REMOTE_PORT": str(client[1]),
        "SERVER_NAME": "asgi",
        "SERVER_PORT": "0",
        "asgi.receive": receive,
        "asgi.send": send,
        "asgi.scope": scope,
    }
    for raw_name, raw_value in scope["headers"]:
        try:
            name, value = raw_name.upper().decode("utf-8"), raw_value.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if name in ("CONTENT-TYPE", "CONTENT-LENGTH"):
            environ[name.replace("-", "_")] = value
            continue
        key = "HTTP_" + name.replace("-", "_")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    environ["wsgi.url_scheme"] = environ.get("HTTP_X_FORWARDED_PROTO", "http")
    return environ


class EndingWebSocket(eio_asgi.WebSocket):  # type: ignore[misc]
    """engineio's ASGI WebSocket, telling the socket's reader that the connection ended with None
    (which the reader takes for "closed by the client") instead of an OSError.

    Only for sockets that start on WebSocket (the transport allows no other): an upgrade from
    polling would read its first packets with the same `wait` and not expect None."""

    async def wait(self) -> bytes | str | None:
        event: dict[str, Any] = await self.asgi_receive()
        if event["type"] != "websocket.receive":
            return None
        data: bytes | str | None = event.get("bytes")
        return data if data is not None else event.get("text")
