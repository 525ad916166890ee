"""The Socket.IO adapter: the only module that imports socketio.

It authenticates a socket once (at connect), knows its room from the server side only, checks each
event's shape, hands frames to the room runtime and acknowledges updates after they are stored.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import socketio
from socketio import packet

from server.protocol import DOC_NAMES, MESSAGES, ROOM_NAME, Refusal, Refused
from server.rooms.registry import RoomRegistry
from server.settings import Settings

log = logging.getLogger("kring.transport")

# A connection that keeps sending frames we refuse is not a confused client but a hostile one.
_REFUSALS_BEFORE_DISCONNECT = 50
_REFUSAL_WINDOW_SECONDS = 10.0


@dataclass
class Connection:
    sid: str
    room: str
    refusals: list[float] = field(default_factory=list)


@dataclass
class TransportCounters:
    connects: int = 0
    disconnects: int = 0
    refused: dict[str, int] = field(default_factory=dict)


class _Server(socketio.AsyncServer):  # type: ignore[misc]
    async def _handle_event(self, eio_sid: str, namespace: str | None, id: int | None, data: Any) -> None:
        """Events on a namespace the client never connected to get a clear refusal, not silence."""
        sid = self.manager.sid_from_eio_sid(eio_sid, namespace or "/")
        if not self.manager.is_connected(sid, namespace or "/"):
            payload = {"code": Refusal.NOT_AUTHENTICATED.value, "message": MESSAGES[Refusal.NOT_AUTHENTICATED]}
            await self._send_packet(
                eio_sid, self.packet_class(packet.CONNECT_ERROR, data=payload, namespace=namespace or "/")
            )
            return
        await super()._handle_event(eio_sid, namespace, id, data)


class SocketTransport:
    """Implements RoomChannel over python-socketio."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        client_manager = None
        if settings.redis_url:
            # Socket.IO's own cross-process events (a disconnect or notice for a socket on another
            # process). Document traffic does not go this way: it uses the room-scoped relay.
            client_manager = socketio.AsyncRedisManager(settings.redis_url, channel=f"{settings.redis_prefix}:socketio")
        self.sio = _Server(
            async_mode="asgi",
            serializer="msgpack",  # one binary WebSocket frame per event instead of two
            transports=["websocket"],
            cors_allowed_origins=settings.allowed_origins,
            max_http_buffer_size=settings.max_frame_bytes + 1024,
            client_manager=client_manager,
            async_handlers=True,
            logger=False,
            engineio_logger=False,
        )
        self.registry: RoomRegistry | None = None
        self.connections: dict[str, Connection] = {}
        self.counters = TransportCounters()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("sync", self._on_sync)
        self.sio.on("awareness", self._on_awareness)
        self.sio.on("*", self._on_unknown)

    def attach(self, registry: RoomRegistry) -> None:
        self.registry = registry

    # -- RoomChannel --------------------------------------------------------------------------

    # ignore_queue: this process's sockets only. Other processes get document traffic from the
    # relay's room channel, never through Socket.IO's one shared Redis channel.
    def broadcast(self, room: str, event: str, args: tuple[object, ...], skip: str | None) -> None:
        self._spawn(self.sio.emit(event, args, to=room, skip_sid=skip, ignore_queue=True))

    def send(self, peer: str, event: str, args: tuple[object, ...]) -> None:
        self._spawn(self.sio.emit(event, args, to=peer, ignore_queue=True))

    def drop_room(self, room: str, reason: dict[str, str]) -> None:
        for conn in [c for c in self.connections.values() if c.room == room]:
            self._spawn(self._refuse_and_close(conn.sid, reason))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- events ---------------------------------------------------------------------------------

    async def _on_connect(self, sid: str, environ: dict[str, Any], auth: Any) -> None:
        assert self.registry is not None
        name = auth.get("room") if isinstance(auth, dict) else None
        if not isinstance(name, str) or not ROOM_NAME.match(name):
            self._count(Refusal.BAD_AUTH)
            raise socketio.exceptions.ConnectionRefusedError(
                {"code": Refusal.BAD_AUTH.value, "message": MESSAGES[Refusal.BAD_AUTH]}
            )
        room = await self.registry.open(name)
        self.connections[sid] = Connection(sid, name)
        await self.sio.enter_room(sid, name)
        self.counters.connects += 1
        for event, args in room.join(sid):
            self.send(sid, event, args)

    async def _on_disconnect(self, sid: str, reason: Any = None) -> None:
        conn = self.connections.pop(sid, None)
        if conn is None or self.registry is None:
            return
        self.counters.disconnects += 1
        room = self.registry.get(conn.room)
        if room is not None:
            self.registry.release(room, sid)

    async def _on_sync(self, sid: str, *args: Any) -> dict[str, Any]:
        # No await before the room has applied the frame: that keeps each socket's frames in order.
        try:
            room, doc_name, frame = self._sync_args(sid, args)
            result = room.receive_sync(sid, doc_name, frame)
        except Refused as refused:
            return await self._refuse(sid, "sync", refused)
        except Exception:
            log.exception("sync frame failed", extra={"sid": sid})
            return await self._refuse(sid, "sync", Refused(Refusal.INTERNAL_ERROR))
        for reply in result.replies:
            self.send(sid, "sync", (doc_name, reply))
        if result.durable is not None:
            await result.durable
            return {"ok": True, "saved": True}
        return {"ok": True}

    def _sync_args(self, sid: str, args: tuple[Any, ...]) -> tuple[Any, str, bytes]:
        conn = self.connections.get(sid)
        room = self.registry.get(conn.room) if conn is not None and self.registry is not None else None
        if room is None:
            raise Refused(Refusal.NOT_AUTHENTICATED)
        if len(args) != 2 or not isinstance(args[0], str) or not isinstance(args[1], (bytes, bytearray)):
            raise Refused(Refusal.BAD_ARGUMENTS)
        if args[0] not in DOC_NAMES:
            raise Refused(Refusal.UNKNOWN_DOC)
        if len(args[1]) > self.settings.max_frame_bytes:
            raise Refused(Refusal.TOO_LARGE)
        return room, args[0], bytes(args[1])

    async def _on_awareness(self, sid: str, *args: Any) -> dict[str, Any]:
        try:
            conn = self.connections.get(sid)
            room = self.registry.get(conn.room) if conn is not None and self.registry is not None else None
            if room is None:
                raise Refused(Refusal.NOT_AUTHENTICATED)
            if len(args) != 1 or not isinstance(args[0], (bytes, bytearray)):
                raise Refused(Refusal.BAD_ARGUMENTS)
            if len(args[0]) > self.settings.max_awareness_bytes:
                raise Refused(Refusal.TOO_LARGE)
            room.receive_awareness(sid, bytes(args[0]))
        except Refused as refused:
            return await self._refuse(sid, "awareness", refused)
        return {"ok": True}

    async def _on_unknown(self, event: str, sid: str, *args: Any) -> dict[str, Any]:
        return await self._refuse(sid, str(event)[:64], Refused(Refusal.UNKNOWN_EVENT))

    # -- refusals -------------------------------------------------------------------------------

    def _count(self, code: Refusal) -> None:
        self.counters.refused[code.value] = self.counters.refused.get(code.value, 0) + 1

    async def _refuse(self, sid: str, event: str, refused: Refused) -> dict[str, Any]:
        self._count(refused.code)
        payload = refused.as_payload(event)
        log.info("refused frame", extra={"sid": sid, "code": refused.code.value, "event_name": event})
        await self.sio.emit("refused", payload, to=sid)
        conn = self.connections.get(sid)
        if conn is not None:
            now = time.monotonic()
            conn.refusals = [t for t in conn.refusals if now - t < _REFUSAL_WINDOW_SECONDS] + [now]
            if len(conn.refusals) > _REFUSALS_BEFORE_DISCONNECT:
                self._count(Refusal.TOO_MANY_REFUSALS)
                await self._refuse_and_close(
                    sid, {"code": Refusal.TOO_MANY_REFUSALS.value, "message": MESSAGES[Refusal.TOO_MANY_REFUSALS]}
                )
        return {"ok": False, **payload}

    async def _refuse_and_close(self, sid: str, reason: dict[str, str]) -> None:
        await self.sio.emit("refused", reason, to=sid)
        await self.sio.disconnect(sid)

    def asgi(self, http: Any) -> Any:
        """The ASGI entry point: Socket.IO at /socket.io/, everything else to the HTTP app."""
        return socketio.ASGIApp(self.sio, other_asgi_app=http, socketio_path="socket.io")

    async def close(self) -> None:
        for sid in list(self.connections):
            await self.sio.disconnect(sid)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
