"""The Socket.IO adapter: with server/compat.py (its reach inside the library), the only one importing socketio.

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
from socketio.msgpack_packet import MsgPackPacket

from server.admission import WAITING_NAMESPACE, AdmissionCache, admit_socket, cookies_from_environ, waiting_standing
from server.auth import token_hash
from server.compat import BadPacket, HookedServer, drop_queued
from server.cookie_names import PARTICIPANT_COOKIE
from server.crdt import is_rust_panic
from server.flow import ConnectThrottle, TokenBucket
from server.logs import quiet_library_logger
from server.protocol import MESSAGES, Refusal, Refused
from server.rooms.registry import RoomRegistry
from server.rooms.schema import Identity, facilitators_group, groups_of, known_doc
from server.settings import Settings
from server.store.committer import AuditBatch
from server.store.meetings import MeetingStore
from server.store.models import Participant
from server.store.validity import Standing, ValidityStore

log = logging.getLogger("kring.transport")

# A connection that keeps sending frames we refuse is not a confused client but a hostile one.
_REFUSALS_BEFORE_DISCONNECT = 50
_OK: dict[str, Any] = {"ok": True}
_SAVED: dict[str, Any] = {"ok": True, "saved": True}
_REFUSAL_WINDOW_SECONDS = 10.0


@dataclass
class Connection:
    sid: str
    room: str
    identity: Identity
    bucket: TokenBucket
    credential: str  # see Admission.credential
    refusals: list[float] = field(default_factory=list)


@dataclass
class TransportCounters:
    connects: int = 0
    disconnects: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    bytes_in: int = 0
    bytes_out: int = 0
    rate_limited: int = 0
    slow_readers_dropped: int = 0


# Event names a client must not use: python-socketio would run the connect or disconnect handler
# with the client's arguments, or call the catch-all with its arguments shifted by one.
_RESERVED_EVENTS = frozenset({"connect", "disconnect", "*"})


def _connect_error(code: Refusal) -> dict[str, Any]:
    """CONNECT_ERROR data as Socket.IO clients expose it: `err.message`, and `err.data` with the code."""
    return {"message": MESSAGES[code], "data": {"code": code.value, "message": MESSAGES[code]}}


def _is_failure(exc: BaseException) -> bool:
    """An error to log and refuse; cancellation, interrupts and exits keep propagating."""
    return isinstance(exc, Exception) or is_rust_panic(exc)


class _Packet(MsgPackPacket):  # type: ignore[misc]
    """A Socket.IO packet as a client may send it; anything else raises `BadPacket` on decoding."""

    def decode(self, encoded_packet: Any) -> None:
        try:
            super().decode(encoded_packet)
        except Exception as exc:  # not msgpack, not a dict, no type or namespace
            raise BadPacket from exc
        # BINARY_EVENT and BINARY_ACK are never used by the msgpack parser: python-socketio would take
        # every later message of the socket for an attachment.
        if self.packet_type not in (packet.CONNECT, packet.DISCONNECT, packet.EVENT, packet.ACK):
            raise BadPacket
        if not isinstance(self.namespace, str | None) or not isinstance(self.id, int | None):
            raise BadPacket


class _Server(HookedServer):
    """python-socketio, with a clear refusal where it would stay silent, fail or misroute an event."""

    def __init__(self, transport: SocketTransport, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.transport = transport

    async def on_bad_packet(self, eio_sid: str) -> None:
        # No Socket.IO client sends these, so there is no conversation to continue.
        self.transport._count(Refusal.BAD_PACKET)
        log.info("undecodable packet; closing the connection", extra={"sid": eio_sid})
        sid = self.manager.sid_from_eio_sid(eio_sid, "/")
        if sid is not None and self.manager.is_connected(sid, "/"):
            await self.emit("refused", Refused(Refusal.BAD_PACKET).as_payload(""), to=sid)
        else:
            await self.send_packet(
                eio_sid, self.packet_class(packet.CONNECT_ERROR, data=_connect_error(Refusal.BAD_PACKET), namespace="/")
            )
        await self.hang_up(eio_sid)

    async def on_event_packet(self, eio_sid: str, namespace: Any, id: Any, data: Any) -> None:
        namespace = namespace or "/"
        sid = self.manager.sid_from_eio_sid(eio_sid, namespace)
        if not self.manager.is_connected(sid, namespace):
            # Events on a namespace the client never connected to get a clear refusal, not silence.
            error = self.packet_class(
                packet.CONNECT_ERROR, data=_connect_error(Refusal.NOT_AUTHENTICATED), namespace=namespace
            )
            await self.send_packet(eio_sid, error)
            return
        if namespace == "/" and isinstance(data, list) and data and data[0] == "sync":
            # The fast path of every edit: handled here, in the socket's reader, with no task.
            self.transport.sync_frame(sid, id, data[1:])
            return
        if isinstance(data, list) and data and isinstance(data[0], str) and data[0] not in _RESERVED_EVENTS:
            await self.dispatch_event(eio_sid, namespace, id, data)  # no await before: keeps frame order
            return
        if isinstance(data, list) and data:
            name, refusal = str(data[0])[:64], Refused(Refusal.UNKNOWN_EVENT)
        else:
            name, refusal = "", Refused(Refusal.BAD_ARGUMENTS)  # not [name, *args] at all
        reply = await self.transport._refuse(sid, name, refusal)
        if id is not None:
            await self.send_packet(eio_sid, self.packet_class(packet.ACK, namespace=namespace, id=id, data=[reply]))


class SocketTransport:
    """Implements RoomChannel over python-socketio."""

    def __init__(self, settings: Settings, meetings: MeetingStore | None = None) -> None:
        self.settings = settings
        self.meetings = meetings
        client_manager = None
        if settings.redis_url:
            # Socket.IO's own cross-process events (a disconnect or notice for a socket on another
            # process). Document traffic does not go this way: it uses the room-scoped relay.
            client_manager = socketio.AsyncRedisManager(settings.redis_url, channel=f"{settings.redis_prefix}:socketio")
        self.sio = _Server(
            self,
            async_mode="asgi",
            serializer=_Packet,  # msgpack: one binary WebSocket frame per event instead of two
            transports=["websocket"],
            cors_allowed_origins=settings.allowed_origins,
            max_http_buffer_size=settings.max_frame_bytes + 1024,
            client_manager=client_manager,
            async_handlers=True,
            # A phone that went into a tunnel is noticed within ~20 s instead of Engine.IO's ~45 s,
            # so its presence does not linger; a ping every 10 s costs next to nothing.
            ping_interval=10,
            ping_timeout=10,
            # Errors only, as JSON through the root handler (logger=False adds a plain handler).
            logger=quiet_library_logger("socketio.server"),
            engineio_logger=quiet_library_logger("engineio.server"),
        )
        self.registry: RoomRegistry | None = None
        self.connections: dict[str, Connection] = {}
        self.counters = TransportCounters()
        self._connects = ConnectThrottle(settings.connects_per_second, settings.connects_burst)
        # Revalidation is the authority on who may stay; the cache only spares the store the same
        # question from a room's phones connecting together (admission.AdmissionCache).
        self._admissions = AdmissionCache(settings.revalidate_seconds)
        if meetings is not None:
            meetings.watch_participants(self._admissions.forget_person)
        self._audits = AuditBatch(meetings.sessions) if meetings is not None else None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._revalidator: asyncio.Task[None] | None = None
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("awareness", self._on_awareness)
        self.sio.on("*", self._on_unknown)
        self.sio.on("connect", self._on_waiting_connect, namespace=WAITING_NAMESPACE)
        self.sio.on("*", self._on_waiting_event, namespace=WAITING_NAMESPACE)

    def attach(self, registry: RoomRegistry) -> None:
        self.registry = registry

    # -- RoomChannel --------------------------------------------------------------------------

    # ignore_queue: this process's sockets only. Other processes get document traffic from the
    # relay's room channel, never through Socket.IO's one shared Redis channel.
    def broadcast(self, room: str, event: str, args: tuple[object, ...], skip: str | None) -> None:
        # Straight onto the sockets' send queues (compat.HookedServer.fan_out says why).
        limit = self.settings.max_send_queue
        self.counters.bytes_out += self.sio.fan_out(room, [event, *args], skip, limit, self._drop_slow_reader)

    def _drop_slow_reader(self, sid: str, eio_sid: str, socket: Any) -> None:
        """A phone that stopped reading must not grow our memory: forget what waits for it and close
        it. Nothing is lost: it resyncs by state vector when it comes back."""
        drop_queued(socket)  # and no more broadcasts to it while it is being closed
        self.counters.slow_readers_dropped += 1
        self._count(Refusal.SLOW_READER)
        log.info("slow reader dropped", extra={"sid": sid})
        self._spawn(self.sio.hang_up(eio_sid))

    def send(self, peer: str, event: str, args: tuple[object, ...]) -> None:
        self._send_packets(peer, [self._event(event, args)])

    def _event(self, event: str, args: tuple[object, ...]) -> Any:
        return self.sio.packet_class(packet.EVENT, namespace="/", data=[event, *args])

    def _send_packets(self, sid: str, packets: list[Any]) -> None:
        limit = self.settings.max_send_queue
        self.counters.bytes_out += self.sio.send_now(sid, packets, limit, self._drop_slow_reader)

    def drop_room(self, room: str, reason: dict[str, str]) -> None:
        for conn in [c for c in self.connections.values() if c.room == room]:
            self._spawn(self._refuse_and_close(conn.sid, {"event": "", **reason}))

    def kick(self, room: str, subject: str, code: str) -> int:
        """Close a person's sockets in a room (`*`: everyone's), e.g. when the facilitator removes them."""
        refusal = Refused(Refusal(code)) if code in Refusal.__members__.values() else Refused(Refusal.REMOVED)
        self._admissions.forget(room, subject)
        doomed = [c.sid for c in self.connections.values() if c.room == room and subject in ("*", c.identity.subject)]
        for sid in doomed:
            self._spawn(self._refuse_and_close(sid, refusal.as_payload("")))
        return len(doomed)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- admission notices ----------------------------------------------------------------------

    # Not ignore_queue: with Redis these go through Socket.IO's shared channel to every process, as
    # the phone waiting or the facilitator's console may be connected to any of them. They are rare
    # (a join, a let-in), unlike document traffic.
    def people_changed(self, room: str) -> None:
        """Tell the room's facilitators (their consoles) that its people changed: they ask the API again."""
        self._spawn(self._notice("people", {}, facilitators_group(room), "/"))

    def participant_joined(self, token: str, person: Participant) -> None:
        """A phone joined here and was let in at once: its connect, a moment later, need not ask
        the store who it is."""
        self._admissions.remember_person(token_hash(token), person)

    def admission_changed(self, participant_id: str, status: str) -> None:
        """Tell a waiting phone it was let in or removed."""
        self._spawn(self._notice("admission", {"status": status}, _waiting_group(participant_id), WAITING_NAMESPACE))

    def room_ended(self, room: str) -> None:
        """Tell every phone waiting for the room that it closed."""
        status = {"status": "room_closed"}
        self._spawn(self._notice("admission", status, _waiting_room_group(room), WAITING_NAMESPACE))

    async def _notice(self, event: str, data: dict[str, str], group: str, namespace: str) -> None:
        try:
            await self.sio.emit(event, data, room=group, namespace=namespace)
        except Exception as exc:
            # Redis away: the phone's and the console's slow polls still find out.
            log.warning("notice not sent", extra={"event_name": event, "error": type(exc).__name__})

    async def _on_waiting_connect(self, sid: str, environ: dict[str, Any], auth: Any) -> None:
        assert self.meetings is not None
        if not self._connects.allow(str(environ.get("REMOTE_ADDR", ""))):
            raise self._refuse_connect(Refusal.TOO_MANY_CONNECTIONS)
        payload = auth if isinstance(auth, dict) else {}
        token = payload.get("token", cookies_from_environ(environ).get(PARTICIPANT_COOKIE))
        try:
            first = await waiting_standing(self.meetings, token)
            # In the groups before the state is read again: a let-in between the two reads arrives
            # as a notice, one before them is in the state sent below.
            await self.sio.enter_room(sid, _waiting_group(first.participant_id), namespace=WAITING_NAMESPACE)
            await self.sio.enter_room(sid, _waiting_room_group(first.room_id), namespace=WAITING_NAMESPACE)
            now = await waiting_standing(self.meetings, token)
        except Refused as refused:
            raise self._refuse_connect(refused.code) from None
        log.info("waiting phone connected", extra={"sid": sid, "participant": now.participant_id})
        self._spawn(
            self.sio.emit("admission", {"status": now.status}, to=sid, namespace=WAITING_NAMESPACE, ignore_queue=True)
        )

    async def _on_waiting_event(self, event: str, sid: str, *args: Any) -> dict[str, Any]:
        # The waiting connection only listens; whatever a client sends on it is refused.
        self._count(Refusal.UNKNOWN_EVENT)
        return {"ok": False, **Refused(Refusal.UNKNOWN_EVENT).as_payload(str(event)[:64])}

    # -- events ---------------------------------------------------------------------------------

    async def _on_connect(self, sid: str, environ: dict[str, Any], auth: Any) -> None:
        assert self.registry is not None and self.meetings is not None
        if not self._connects.allow(str(environ.get("REMOTE_ADDR", ""))):
            raise self._refuse_connect(Refusal.TOO_MANY_CONNECTIONS)
        try:
            admission = await admit_socket(
                self.meetings, self.settings.secret_key, auth, cookies_from_environ(environ), self._admissions
            )
        except Refused as refused:
            raise self._refuse_connect(refused.code) from None
        identity, name = admission.identity, admission.access.room_id
        try:
            room = await self.registry.open(name)
        except BaseException as exc:
            if not _is_failure(exc):
                raise
            log.error("room failed to open", exc_info=exc, extra={"room": name})
            raise self._refuse_connect(Refusal.INTERNAL_ERROR) from exc
        bucket = TokenBucket(self.settings.frames_per_second, self.settings.frames_burst)
        self.connections[sid] = Connection(sid, name, identity, bucket, admission.credential)
        # The groups decide which documents' updates reach this socket (schema.audience).
        for group in groups_of(name, identity):
            await self.sio.enter_room(sid, group)
        self.counters.connects += 1
        self.sio.take_over_writes(sid, environ)
        assert self._audits is not None
        access = admission.access
        self._audits.add(
            actor_kind=identity.kind,
            actor_id=identity.subject,
            action="connect",
            case_id=access.case_id,
            meeting_id=access.meeting_id,
            room_id=access.room_id,
        )
        # The initial sync and presence together, right after the connect's own answer, which
        # python-socketio sends once this handler has returned (a client drops what comes before it).
        greeting = [self._event(event, args) for event, args in room.join(sid, identity)]
        asyncio.get_running_loop().call_soon(self._send_packets, sid, greeting)

    async def _on_disconnect(self, sid: str, reason: Any = None) -> None:
        conn = self.connections.pop(sid, None)
        if conn is None or self.registry is None:
            return
        self.counters.disconnects += 1
        room = self.registry.get(conn.room)
        if room is not None:
            self.registry.release(room, sid)

    def sync_frame(self, sid: str, id: int | None, args: list[Any]) -> None:
        """A `sync` event, handled as it is read: applied, fanned out and acknowledged ("saved" once
        committed) without a task, so each socket's frames are applied in order."""
        try:
            room, doc_name, frame = self._sync_args(sid, tuple(args))
            result = room.receive_sync(sid, doc_name, frame)
        except Refused as refused:
            self._refuse_frame(sid, id, refused)
            return
        except BaseException as exc:
            if not _is_failure(exc):
                raise
            log.error("sync frame failed", exc_info=exc, extra={"sid": sid})
            self._refuse_frame(sid, id, Refused(Refusal.INTERNAL_ERROR))
            return
        for reply in result.replies:
            self.send(sid, "sync", (doc_name, reply))
        durable = result.durable
        if id is None:
            return
        if durable is None:
            self._ack(sid, id, _OK)
        elif durable.done():
            self._ack_saved(sid, id, durable)
        else:
            durable.add_done_callback(lambda done: self._ack_saved(sid, id, done))

    def _ack_saved(self, sid: str, id: int, durable: asyncio.Future[None]) -> None:
        # Cancelled (the room was unloaded) or failed: no acknowledgement rather than a false one;
        # the client keeps the edit and resends it.
        if not durable.cancelled() and durable.exception() is None:
            self._ack(sid, id, _SAVED)

    def _ack(self, sid: str, id: int, reply: dict[str, Any]) -> None:
        self._send_packets(sid, [self.sio.packet_class(packet.ACK, namespace="/", id=id, data=[reply])])

    def _refuse_frame(self, sid: str, id: int | None, refused: Refused) -> None:
        # Told at once, before whatever the refusal set going (a room reloading closes its sockets).
        reply, too_many = self._refuse_now(sid, "sync", refused)
        if id is not None:
            self._ack(sid, id, reply)
        if too_many:
            self._spawn(self._close_for_refusals(sid))

    def _sync_args(self, sid: str, args: tuple[Any, ...]) -> tuple[Any, str, bytes]:
        conn = self.connections.get(sid)
        room = self.registry.get(conn.room) if conn is not None and self.registry is not None else None
        if room is None:
            raise Refused(Refusal.NOT_AUTHENTICATED)
        if len(args) != 2 or not isinstance(args[0], str) or not isinstance(args[1], (bytes, bytearray)):
            raise Refused(Refusal.BAD_ARGUMENTS)
        if not known_doc(args[0]):
            raise Refused(Refusal.UNKNOWN_DOC)
        if len(args[1]) > self.settings.max_frame_bytes:
            raise Refused(Refusal.TOO_LARGE)
        self._take_token(conn)
        self.counters.bytes_in += len(args[1])
        return room, args[0], bytes(args[1])

    def _take_token(self, conn: Connection | None) -> None:
        # Over the limit, frames are refused (the sender keeps them and resyncs later) and count as
        # refusals: a client that goes on flooding is disconnected by the refusal limit.
        if conn is not None and not conn.bucket.take():
            self.counters.rate_limited += 1
            raise Refused(Refusal.RATE_LIMITED)

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
            self._take_token(conn)
            self.counters.bytes_in += len(args[0])
            room.receive_awareness(sid, bytes(args[0]))
        except Refused as refused:
            return await self._refuse(sid, "awareness", refused)
        except BaseException as exc:
            if not _is_failure(exc):
                raise
            log.error("awareness frame failed", exc_info=exc, extra={"sid": sid})
            return await self._refuse(sid, "awareness", Refused(Refusal.INTERNAL_ERROR))
        return {"ok": True}

    async def _on_unknown(self, event: str, sid: str, *args: Any) -> dict[str, Any]:
        return await self._refuse(sid, str(event)[:64], Refused(Refusal.UNKNOWN_EVENT))

    # -- refusals -------------------------------------------------------------------------------

    def _count(self, code: Refusal) -> None:
        self.counters.refused[code.value] = self.counters.refused.get(code.value, 0) + 1

    def _refuse_connect(self, code: Refusal) -> socketio.exceptions.ConnectionRefusedError:
        self._count(code)
        # The client sees the first argument as `err.message` and the second as `err.data`.
        return socketio.exceptions.ConnectionRefusedError(MESSAGES[code], _connect_error(code)["data"])

    async def _refuse(self, sid: str, event: str, refused: Refused) -> dict[str, Any]:
        reply, too_many = self._refuse_now(sid, event, refused)
        if too_many:
            await self._close_for_refusals(sid)
        return reply

    def _refuse_now(self, sid: str, event: str, refused: Refused) -> tuple[dict[str, Any], bool]:
        """Tell the socket why (a `refused` event); the reply for its acknowledgement, and whether
        it has now been refused too often and is to be closed."""
        self._count(refused.code)
        payload = refused.as_payload(event)
        log.info("refused frame", extra={"sid": sid, "code": refused.code.value, "event_name": event})
        self._send_packets(sid, [self._event("refused", (payload,))])
        too_many = False
        conn = self.connections.get(sid)
        if conn is not None:
            now = time.monotonic()
            conn.refusals = [t for t in conn.refusals if now - t < _REFUSAL_WINDOW_SECONDS] + [now]
            too_many = len(conn.refusals) > _REFUSALS_BEFORE_DISCONNECT
        return {"ok": False, **payload}, too_many

    async def _close_for_refusals(self, sid: str) -> None:
        self._count(Refusal.TOO_MANY_REFUSALS)
        eio_sid = self.sio.manager.eio_sid_from_sid(sid, "/")
        await self._refuse_and_close(
            sid, {"code": Refusal.TOO_MANY_REFUSALS.value, "message": MESSAGES[Refusal.TOO_MANY_REFUSALS]}
        )
        if eio_sid is not None:
            await self.sio.hang_up(eio_sid)

    async def _refuse_and_close(self, sid: str, reason: dict[str, str]) -> None:
        await self.sio.emit("refused", reason, to=sid, ignore_queue=True)
        await self.sio.disconnect(sid, ignore_queue=True)

    # -- revalidation ---------------------------------------------------------------------------

    def start_revalidation(self, store: ValidityStore, interval: float) -> None:
        if interval > 0 and self._revalidator is None:
            self._revalidator = asyncio.create_task(self._revalidate_forever(store, interval), name="kring-revalidate")

    async def _revalidate_forever(self, store: ValidityStore, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.revalidate(store)
            except Exception as exc:
                # The store is away: keep the sockets (they cannot save anything meanwhile) and try
                # again next round rather than throwing everyone out.
                log.warning("revalidation failed", extra={"error": type(exc).__name__})

    async def revalidate(self, store: ValidityStore) -> int:
        """Close every socket whose session, token or link no longer holds; returns how many.

        Removal, logout, leaving and closing a meeting also kick at once (and across processes
        through Redis); this round catches whatever such a kick missed, e.g. while Redis was away."""
        conns = list(self.connections.values())
        remembered = self._admissions.people()
        if not conns and not remembered:
            return 0
        standing = await store.standing(
            {c.room for c in conns},
            {c.credential for c in conns if c.identity.kind == "facilitator"},
            {c.credential for c in conns if c.identity.kind == "participant"} | remembered,
            {(c.identity.subject, c.room) for c in conns if c.identity.kind == "facilitator"},
        )
        self._admissions.keep_people(remembered, standing.admitted)
        doomed = 0
        self._admissions.clear()  # no cached answer outlives a round of the authority
        for conn in conns:
            code = _standing_refusal(conn, standing)
            if code is not None and conn.sid in self.connections:
                doomed += 1
                self._count(code)
                log.info("credential ended; closing", extra={"sid": conn.sid, "code": code.value})
                self._spawn(self._refuse_and_close(conn.sid, Refused(code).as_payload("")))
        await store.keep_tokens_alive(
            [c.credential for c in conns if c.identity.kind == "participant" and c.credential in standing.renew]
        )
        await store.keep_sessions_alive(
            [c.credential for c in conns if c.identity.kind == "facilitator" and c.credential in standing.live_sessions]
        )
        return doomed

    def asgi(self, http: Any) -> Any:
        """The ASGI entry point: Socket.IO at /socket.io/, everything else to the HTTP app."""
        return socketio.ASGIApp(self.sio, other_asgi_app=http, socketio_path="socket.io")

    async def close(self) -> None:
        if self._revalidator is not None:
            self._revalidator.cancel()
            await asyncio.gather(self._revalidator, return_exceptions=True)
        for sid in list(self.connections):
            await self.sio.disconnect(sid)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._audits is not None:
            await self._audits.close()


def _waiting_group(participant_id: str) -> str:
    return f"waiting/{participant_id}"


def _waiting_room_group(room: str) -> str:
    return f"waiting-room/{room}"


def _standing_refusal(conn: Connection, standing: Standing) -> Refusal | None:
    """Why this socket may no longer stay, or None."""
    if conn.room not in standing.open_rooms:
        return Refusal.ROOM_CLOSED
    kind = conn.identity.kind
    if kind == "facilitator" and conn.credential not in standing.live_sessions:
        return Refusal.BAD_AUTH  # logged out, or the session expired
    if kind == "facilitator" and (conn.identity.subject, conn.room) not in standing.managing:
        return Refusal.BAD_AUTH  # lost the facilitator role, or the team or share that let them reach the case
    if kind == "participant" and conn.credential not in standing.admitted:
        return Refusal.REMOVED if conn.credential in standing.removed else Refusal.BAD_AUTH
    if kind == "projector" and standing.projector_hashes.get(conn.room) != conn.credential:
        return Refusal.REPLACED
    return None
