"""Live rooms by name: opened on first join, unloaded when idle and everything is stored."""

from __future__ import annotations

import asyncio
import logging

from server.memory import Trimmer
from server.protocol import MESSAGES, Refusal
from server.relay import NoRelay, Relay
from server.rooms.channel import RoomChannel
from server.rooms.room import Room, RoomCounters
from server.store.updatelog import UpdateLog

log = logging.getLogger("kring.rooms")


class RoomRegistry:
    def __init__(
        self,
        log_: UpdateLog,
        channel: RoomChannel,
        *,
        idle_seconds: float = 30.0,
        edit_idle_seconds: float = 2.0,
        broadcast_window_ms: float = 0.0,
        compact_after_updates: int = 500,
        relay: Relay | None = None,
        trimmer: Trimmer | None = None,
    ) -> None:
        self._log = log_
        self.relay: Relay = relay if relay is not None else NoRelay()
        self.channel = channel
        self._idle = idle_seconds
        # A room the server opened only for an edit (no socket in it here) goes sooner: behind a
        # balancer that routes by room its sockets are on another process, and while this copy is
        # loaded every update of the room crosses Redis to it (docs/deploy.md).
        self._edit_idle = min(edit_idle_seconds, idle_seconds)
        self._broadcast_window_ms = broadcast_window_ms
        self._compact_after = compact_after_updates
        self.rooms: dict[str, Room] = {}
        self._opening: dict[str, asyncio.Task[Room]] = {}
        self._unloads: dict[str, asyncio.Task[None]] = {}
        self.unloaded = 0
        self._retired = RoomCounters()  # what rooms no longer in memory counted
        # An unloaded room's documents are freed in the middle of the heap, where glibc keeps them:
        # without a trim RSS never comes down after meetings end, and a leak cannot be told apart.
        self.trimmer = trimmer if trimmer is not None else Trimmer()

    async def open(self, name: str) -> Room:
        """The live room of that name, loading it from the store if it is not in memory."""
        unload = self._unloads.pop(name, None)
        if unload is not None:
            unload.cancel()
        room = self.rooms.get(name)
        if room is not None and not room.poisoned:
            return room
        opening = self._opening.get(name)
        if opening is None:
            opening = asyncio.create_task(self._load(name, previous=room))
            self._opening[name] = opening
            opening.add_done_callback(lambda _t: self._opening.pop(name, None))
        return await asyncio.shield(opening)

    async def _load(self, name: str, previous: Room | None) -> Room:
        if previous is not None:
            await previous.flushed()  # a reloaded room must see every update it had accepted
        room = Room(
            name,
            self._log,
            self.channel,
            broadcast_window_ms=self._broadcast_window_ms,
            compact_after_updates=self._compact_after,
            on_poisoned=self._reload,
            relay=self.relay,
        )
        # Listen before loading: what another process publishes meanwhile arrives on the channel,
        # and what it published before is in the store or comes back from the heal request.
        await self.relay.host(name)
        try:
            await room.load()
        except BaseException:
            if name not in self.rooms:
                self.relay.unhost(name)
            raise
        if previous is not None and self.rooms.get(name) is previous:
            self._retire(previous)
            previous.dispose()
        self.rooms[name] = room
        self.relay.request_heal(name)
        return room

    def totals(self) -> RoomCounters:
        """Every room's counters since the process started, unloaded rooms' included."""
        total = RoomCounters(**vars(self._retired))
        for room in self.rooms.values():
            for key, value in vars(room.counters).items():
                setattr(total, key, getattr(total, key) + value)
        return total

    def _retire(self, room: Room) -> None:
        for key, value in vars(room.counters).items():
            setattr(self._retired, key, getattr(self._retired, key) + value)

    def get(self, name: str) -> Room | None:
        return self.rooms.get(name)

    def release(self, room: Room, peer: str) -> None:
        room.leave(peer)
        self.idle_check(room)

    def idle_check(self, room: Room, *, edited: bool = False) -> None:
        """An empty room is unloaded once idle and stored; sooner if the server opened it for an edit."""
        if not room.peers and room.name not in self._unloads:
            idle = self._edit_idle if edited else self._idle
            self._unloads[room.name] = asyncio.create_task(self._unload_when_idle(room, idle))

    async def _unload_when_idle(self, room: Room, idle: float) -> None:
        try:
            await asyncio.sleep(idle)
            await room.close()
            if not room.peers and self.rooms.get(room.name) is room:
                self.forget(room)
                self.unloaded += 1
        except asyncio.CancelledError:
            pass
        finally:
            if self._unloads.get(room.name) is asyncio.current_task():
                del self._unloads[room.name]

    def forget(self, room: Room) -> None:
        """Drop a closed, empty room from memory (after an idle unload, or when its meeting is deleted)."""
        if self.rooms.get(room.name) is not room:
            return  # replaced by a reload, which retired it already
        del self.rooms[room.name]
        self.relay.unhost(room.name)
        self._retire(room)
        room.dispose()
        self.trimmer.request()

    def _reload(self, room: Room) -> None:
        """Everyone in a poisoned room reconnects; the next open loads it afresh from the store."""
        reason = {"code": Refusal.ROOM_RELOADING.value, "message": MESSAGES[Refusal.ROOM_RELOADING]}
        self.channel.drop_room(room.name, reason)

    async def close(self) -> None:
        for task in list(self._unloads.values()):
            task.cancel()
        await self.trimmer.close()
        for room in list(self.rooms.values()):
            try:
                await room.close()
            except Exception:
                log.exception("closing room failed", extra={"room": room.name})
        self.rooms.clear()

    # -- RemoteRooms: what the relay calls for traffic from other processes --------------------------

    def remote_update(self, room: str, doc: str, update: bytes) -> None:
        live = self.rooms.get(room)
        if live is not None:
            live.apply_remote(doc, update)

    def remote_awareness(self, room: str, frame: bytes) -> None:
        live = self.rooms.get(room)
        if live is not None:
            live.receive_remote_awareness(frame)

    def remote_kick(self, room: str, subject: str, code: str) -> None:
        self.channel.kick(room, subject, code)

    def state_vectors(self, room: str) -> dict[str, bytes]:
        live = self.rooms.get(room)
        return live.state_vectors() if live is not None else {}

    def missing_since(self, room: str, doc: str, state_vector: bytes) -> bytes | None:
        live = self.rooms.get(room)
        return live.missing_since(doc, state_vector) if live is not None else None

    def hosted(self) -> list[str]:
        return list(self.rooms)
