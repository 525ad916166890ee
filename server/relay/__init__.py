"""Crossing processes: how a room's updates reach the other processes that host the same room.

With one process there is nothing to cross (`NoRelay`). With Redis (`RedisRelay`) every hosted room
has its own channel, so a process hears only the rooms it hosts. Redis pub/sub delivers at most once;
nothing acknowledged lives only there, because acknowledgements wait for the database, and what it
drops (an outage, a publish that failed) is healed by a state-vector exchange in both directions.
"""

from __future__ import annotations

from typing import Protocol


class RemoteRooms(Protocol):
    """What a relay calls back into: the process's live rooms."""

    def remote_update(self, room: str, doc: str, update: bytes) -> None: ...

    def remote_awareness(self, room: str, frame: bytes) -> None: ...

    def remote_kick(self, room: str, subject: str, code: str) -> None: ...

    def state_vectors(self, room: str) -> dict[str, bytes]: ...

    def missing_since(self, room: str, doc: str, state_vector: bytes) -> bytes | None: ...

    def hosted(self) -> list[str]: ...


class Relay(Protocol):
    async def start(self, rooms: RemoteRooms) -> None: ...

    async def close(self) -> None: ...

    async def host(self, room: str) -> None: ...

    def unhost(self, room: str) -> None: ...

    def publish_update(self, room: str, doc: str, update: bytes) -> None: ...

    def publish_awareness(self, room: str, frame: bytes) -> None: ...

    def request_heal(self, room: str) -> None: ...

    def publish_kick(self, room: str, subject: str, code: str) -> None: ...

    @property
    def healthy(self) -> bool: ...


class NoRelay:
    """One process: every room's clients are here, nothing to relay."""

    async def start(self, rooms: RemoteRooms) -> None:
        return None

    async def close(self) -> None:
        return None

    async def host(self, room: str) -> None:
        return None

    def unhost(self, room: str) -> None:
        return None

    def publish_update(self, room: str, doc: str, update: bytes) -> None:
        return None

    def publish_awareness(self, room: str, frame: bytes) -> None:
        return None

    def request_heal(self, room: str) -> None:
        return None

    def publish_kick(self, room: str, subject: str, code: str) -> None:
        return None

    @property
    def healthy(self) -> bool:
        return True
