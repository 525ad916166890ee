"""Room-scoped Redis channels between server processes.

Each hosted room is one channel, `<prefix>:room:<name>`. Messages are msgpack lists:
  ["u", origin, doc, update]             an update the origin process applied
  ["a", origin, awareness_frame]         presence
  ["sv", origin, {doc: vector}]          "here is what I have": others answer with what it lacks
                                         ("u") and with their own vectors, as a reply
  ["sv", origin, {doc: vector}, True]    the same, as a reply: answered with "u" only, so two
                                         processes never bounce vectors back and forth
  ["k", origin, subject, code]           disconnect that person's sockets ("*": everyone's) in this room
A process sends "sv" when it has loaded a room (to catch what was published before it listened),
for every hosted room after its Redis connection comes back (pub/sub lost whatever was sent
meanwhile), and for every room one of whose messages Redis did not take, once a publish succeeds
again. The heal is symmetric: whoever hears a vector sends what the sender lacks and asks for what
it lacks itself. That matters when two processes reconnect at different moments: the first one's
"sv" reaches nobody, and only the reply to the second one's brings the first one's outage edits
across. The reply goes out even when the vectors are equal, because deletions do not advance a
state vector. A document the other side has no vector for at all is sent whole.
(A 3-element "sv" of an older process is a request, not a reply.)

Presence relayed from another process expires when it is not renewed (`RemotePresence`): a
process that dies sends no "gone" for its clients.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgpack
import redis.asyncio as redis
from redis.asyncio.client import PubSub

from server.relay import RemoteRooms
from server.relay.presence import REMOTE_PRESENCE_TIMEOUT, RemotePresence

log = logging.getLogger("kring.relay")

# Messages waiting for Redis; past this they are dropped (counted), and the heal covers them.
_MAX_OUTBOX = 10_000
# Messages sent in one pipeline round trip.
_BATCH = 256
# How often the rooms of messages Redis did not take are healed while nothing else is published.
_RETRY_HEAL_SECONDS = 1.0
# The vector of an empty document: asked with it, a document answers with everything it has.
_EMPTY_STATE_VECTOR = b"\x00"


@dataclass
class RelayCounters:
    published: int = 0
    publish_failures: int = 0
    received: int = 0
    received_by_room: dict[str, int] = field(default_factory=dict)  # while the room is hosted here
    # Document updates applied from another process: only a room split over processes has any
    # (a failover, or a balancer that does not route by room). Per room while it is hosted here.
    updates_relayed: int = 0
    updates_relayed_by_room: dict[str, int] = field(default_factory=dict)
    # Updates not published: no other process has shown it hosts the room (a balancer that routes
    # by room makes this every update).
    updates_unshared: int = 0
    ignored_unhosted: int = 0
    malformed: int = 0
    heals_requested: int = 0
    heals_answered: int = 0
    heals_replied: int = 0
    presence_expired: int = 0
    reconnects: int = 0


class RedisRelay:
    def __init__(
        self,
        url: str,
        prefix: str = "kring",
        *,
        presence_timeout: float = REMOTE_PRESENCE_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._prefix = prefix
        self.origin = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.counters = RelayCounters()
        self._rooms: RemoteRooms | None = None
        self._publisher: redis.Redis | None = None
        self._hosted: set[str] = set()
        # Per hosted room, the other processes heard on its channel: they host it too. A process that
        # starts hosting a room says so at once (its "sv"), and the answer to that carries everything
        # this one has, so an update applied before it was heard is not lost by not publishing it.
        self._peers: dict[str, set[str]] = {}
        self._commands: asyncio.Queue[tuple[str, str, asyncio.Future[None] | None]] = asyncio.Queue()
        self._listener: asyncio.Task[None] | None = None
        self._outbox: collections.deque[tuple[str, bytes]] = collections.deque()
        self._outbox_ready = asyncio.Event()
        self._sender: asyncio.Task[None] | None = None
        self._connected = False
        # Rooms of messages Redis did not take: healed once a publish succeeds again.
        self._unsent: set[str] = set()
        self.presence = RemotePresence(presence_timeout, clock)
        self._expiry: asyncio.Task[None] | None = None

    def channel(self, room: str) -> str:
        return f"{self._prefix}:room:{room}"

    @property
    def healthy(self) -> bool:
        return self._connected

    async def start(self, rooms: RemoteRooms) -> None:
        self._rooms = rooms
        self._publisher = redis.from_url(self._url, socket_connect_timeout=2, socket_timeout=2)
        self._listener = asyncio.create_task(self._listen_forever(), name="kring-redis-relay")
        self._sender = asyncio.create_task(self._send_forever(), name="kring-redis-publisher")
        self._expiry = asyncio.create_task(self._expire_forever(), name="kring-redis-presence")

    async def close(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            await asyncio.gather(self._expiry, return_exceptions=True)
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
        if self._sender is not None:
            self._sender.cancel()
            await asyncio.gather(self._sender, return_exceptions=True)
            await self._send_batch()  # what the rooms published last, e.g. while closing
        if self._publisher is not None:
            await self._publisher.aclose()

    # -- hosting ----------------------------------------------------------------------------------

    async def host(self, room: str) -> None:
        """Subscribe to the room's channel; returns once subscribed, or at once while Redis is away
        (the reconnect subscribes to every hosted room and heals it)."""
        if room in self._hosted:
            return
        self._hosted.add(room)
        self._peers[room] = set()
        self.counters.updates_relayed_by_room[room] = 0
        subscribed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._commands.put_nowait(("subscribe", room, subscribed))
        if self._connected:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(subscribed), timeout=2.0)

    def unhost(self, room: str) -> None:
        if room in self._hosted:
            self._hosted.discard(room)
            self._unsent.discard(room)
            self.counters.updates_relayed_by_room.pop(room, None)
            self.counters.received_by_room.pop(room, None)
            self._peers.pop(room, None)
            self.presence.forget(room)
            self._commands.put_nowait(("unsubscribe", room, None))

    # -- publishing -------------------------------------------------------------------------------

    def publish_update(self, room: str, doc: str, update: bytes) -> None:
        if room in self._hosted and not self._peers.get(room):
            # Nobody else has the room: nothing needs to cross (see _peers).
            self.counters.updates_unshared += 1
            return
        self._publish(room, ["u", self.origin, doc, update])

    def publish_awareness(self, room: str, frame: bytes) -> None:
        self.presence.spoke_here(room, frame)
        self._publish(room, ["a", self.origin, frame])

    def publish_kick(self, room: str, subject: str, code: str) -> None:
        self._publish(room, ["k", self.origin, subject, code])

    def request_heal(self, room: str) -> None:
        self._publish_vectors(room, reply=False)

    def _publish_vectors(self, room: str, *, reply: bool) -> None:
        if self._rooms is None:
            return
        vectors = self._rooms.state_vectors(room)
        if not vectors:
            return  # hosted but still loading: the room asks once it is loaded
        if reply:
            self.counters.heals_replied += 1
            self._publish(room, ["sv", self.origin, vectors, True])
        else:
            self.counters.heals_requested += 1
            self._publish(room, ["sv", self.origin, vectors])

    def _publish(self, room: str, message: list[Any]) -> None:
        if self._publisher is None:
            return
        if len(self._outbox) >= _MAX_OUTBOX:
            # Redis is away or slow: the room's heal sends it later.
            self.counters.publish_failures += 1
            self._unsent.add(room)
            return
        self._outbox.append((self.channel(room), msgpack.packb(message)))
        self._outbox_ready.set()

    async def _send_forever(self) -> None:
        # One sender on one connection: Redis delivers a connection's messages in the order it
        # sent them, so another process receives a room's updates in the order they were applied.
        # (A task per message took connections from a pool and could reorder them.)
        while True:
            if self._unsent:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._outbox_ready.wait(), _RETRY_HEAL_SECONDS)
                if not self._outbox_ready.is_set() and self._connected:
                    # Nothing else to publish: the heal itself is the publish that may succeed.
                    self._heal_unsent()
            else:
                await self._outbox_ready.wait()
            self._outbox_ready.clear()
            while self._outbox:
                await self._send_batch()

    async def _send_batch(self) -> None:
        assert self._publisher is not None
        batch = [self._outbox.popleft() for _ in range(min(_BATCH, len(self._outbox)))]
        if not batch:
            return
        try:
            pipe = self._publisher.pipeline(transaction=False)
            for channel, payload in batch:
                pipe.publish(channel, payload)
            await pipe.execute()
            self.counters.published += len(batch)
        except Exception:
            # At most once, by design: the heal of these rooms sends what the messages would have,
            # once Redis takes messages again (the listener may never have noticed a thing).
            self.counters.publish_failures += len(batch)
            self._unsent.update(self._room_of(channel) for channel, _ in batch)
            return
        if self._unsent:
            self._heal_unsent()

    def _heal_unsent(self) -> None:
        rooms, self._unsent = self._unsent, set()
        for room in sorted(rooms & self._hosted):
            self.request_heal(room)

    def _room_of(self, channel: str) -> str:
        return channel[len(self.channel("")) :]

    # -- presence ---------------------------------------------------------------------------------

    async def _expire_forever(self) -> None:
        while True:
            await asyncio.sleep(max(self.presence.timeout / 10, 0.05))
            self.expire_presence()

    def expire_presence(self) -> None:
        """Remove the relayed presence nobody renewed, and tell this process's clients.

        Not while Redis is away: the renewals are what is missing then, not the people (the
        reconnect starts their wait afresh)."""
        if self._rooms is None or not self._connected:
            return
        for room, frame in self.presence.expire().items():
            if room in self._hosted:
                self.counters.presence_expired += 1
                # The same path as a relayed "gone": the room removes the states and tells its people.
                self._rooms.remote_awareness(room, frame)

    # -- listening --------------------------------------------------------------------------------

    async def _listen_forever(self) -> None:
        delay = 0.1
        while True:
            try:
                await self._listen_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._connected:
                    log.warning("redis relay lost its connection", extra={"error": type(exc).__name__})
                self._connected = False
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
            else:
                delay = 0.1

    async def _listen_once(self) -> None:
        client = redis.from_url(self._url, socket_connect_timeout=2, health_check_interval=5)
        pubsub: PubSub = client.pubsub(ignore_subscribe_messages=True)
        try:
            # Drop commands queued for the old connection: subscribing afresh to what is hosted
            # now covers them.
            while not self._commands.empty():
                _, _, done = self._commands.get_nowait()
                if done is not None and not done.done():
                    done.set_result(None)
            channels = [self.channel(r) for r in sorted(self._hosted)]
            # The relay's own channel keeps the subscription alive while no room is hosted.
            await pubsub.subscribe(f"{self._prefix}:relay", *channels)
            self._connected = True
            self.counters.reconnects += 1
            log.info("redis relay connected", extra={"rooms": len(channels)})
            self.presence.renew_all()
            # Every hosted room is healed now, those of unsent messages included.
            self._unsent.clear()
            for room in list(self._hosted):
                self.request_heal(room)
            while True:
                while not self._commands.empty():
                    command, room, done = self._commands.get_nowait()
                    if command == "subscribe":
                        await pubsub.subscribe(self.channel(room))
                    else:
                        await pubsub.unsubscribe(self.channel(room))
                    if done is not None and not done.done():
                        done.set_result(None)
                message = await pubsub.get_message(timeout=0.02)
                if message is not None and message.get("type") == "message":
                    self._dispatch(message["channel"], message["data"])
        finally:
            await pubsub.aclose()
            await client.aclose()

    def _dispatch(self, channel: bytes, data: bytes) -> None:
        assert self._rooms is not None
        room = self._room_of(channel.decode())
        if room not in self._hosted:
            self.counters.ignored_unhosted += 1
            return
        try:
            message = msgpack.unpackb(data)
            kind, origin = message[0], message[1]
        except Exception:
            self.counters.malformed += 1
            return
        if origin == self.origin:
            return
        self._peers.setdefault(room, set()).add(str(origin))
        self.counters.received += 1
        self.counters.received_by_room[room] = self.counters.received_by_room.get(room, 0) + 1
        if kind == "u":
            self.counters.updates_relayed += 1
            by_room = self.counters.updates_relayed_by_room
            by_room[room] = by_room.get(room, 0) + 1
            self._rooms.remote_update(room, message[2], message[3])
        elif kind == "a":
            self.presence.heard(room, message[2])
            self._rooms.remote_awareness(room, message[2])
        elif kind == "k":
            self._rooms.remote_kick(room, str(message[2]), str(message[3]))
        elif kind == "sv":
            try:
                vectors = {str(doc): bytes(vector) for doc, vector in dict(message[2]).items()}
            except Exception:
                self.counters.malformed += 1
                return
            self._answer_vectors(room, vectors, reply=len(message) > 3 and message[3] is True)

    def _answer_vectors(self, room: str, vectors: dict[str, bytes], *, reply: bool) -> None:
        assert self._rooms is not None
        if not vectors:
            return  # the sender has not loaded the room yet; it asks again once it has
        ours = self._rooms.state_vectors(room)
        # A document the sender has no vector for is one it has never seen: it gets all of it.
        for doc in sorted(vectors.keys() | ours.keys()):
            missing = self._rooms.missing_since(room, doc, vectors.get(doc, _EMPTY_STATE_VECTOR))
            if missing is not None:
                self.counters.heals_answered += 1
                self.publish_update(room, doc, missing)
        if not reply:
            # What the sender has and this process lacks: only the sender knows. Always asked,
            # because equal vectors do not mean equal documents (deletions do not advance them).
            self._publish_vectors(room, reply=True)
