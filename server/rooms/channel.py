"""How a room reaches its connections; the transport implements it, tests can record it."""

from __future__ import annotations

from typing import Protocol


class RoomChannel(Protocol):
    def broadcast(self, room: str, event: str, args: tuple[object, ...], skip: str | None) -> None:
        """Send an event to every connection of the room except `skip`."""

    def send(self, peer: str, event: str, args: tuple[object, ...]) -> None:
        """Send an event to one connection."""

    def drop_room(self, room: str, reason: dict[str, str]) -> None:
        """Disconnect every connection of the room, telling them why."""

    def kick(self, room: str, subject: str, code: str) -> int:
        """Disconnect the room's connections of one person (`*`: everyone's); returns how many."""
