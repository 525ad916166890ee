"""What the HTTP side may do to live rooms: server-side edits, reading a copy, removing people.

The meetings API uses this facade instead of reaching into rooms, sockets or Redis itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from pycrdt import Doc

from server.rooms.registry import RoomRegistry
from server.store.models import Participant


class AdmissionNotices(Protocol):
    """Pushed to whoever waits on admission, in every process (the transport implements it)."""

    def people_changed(self, room: str) -> None: ...

    def admission_changed(self, participant_id: str, status: str) -> None: ...

    def participant_joined(self, token: str, person: Participant) -> None: ...

    def room_ended(self, room: str) -> None: ...


class _NoNotices:
    def people_changed(self, room: str) -> None:
        return None

    def admission_changed(self, participant_id: str, status: str) -> None:
        return None

    def participant_joined(self, token: str, person: Participant) -> None:
        return None

    def room_ended(self, room: str) -> None:
        return None


class LiveRooms:
    def __init__(self, registry: RoomRegistry, notices: AdmissionNotices | None = None) -> None:
        self._registry = registry
        self._notices: AdmissionNotices = notices if notices is not None else _NoNotices()

    async def edit(self, room_id: str, doc_name: str, mutate: Callable[[Doc[Any]], None]) -> None:
        """Change a room's document as the server (stored, broadcast, relayed); returns once stored."""
        room = await self._registry.open(room_id)
        try:
            await room.edit(doc_name, mutate)
        finally:
            self._registry.idle_check(room, edited=True)

    async def copy_of(self, room_id: str, doc_name: str) -> Doc[Any]:
        """A detached copy of a room's document as it is now."""
        room = await self._registry.open(room_id)
        try:
            copy: Doc[Any] = Doc()
            copy.apply_update(room.doc(doc_name).get_update())
            return copy
        finally:
            self._registry.idle_check(room, edited=True)

    def remove_person(self, room_id: str, participant_id: str, code: str = "removed") -> None:
        """Disconnect a participant's sockets in this process and, through the relay, in every other."""
        self._registry.channel.kick(room_id, participant_id, code)
        self._registry.relay.publish_kick(room_id, participant_id, code)

    def close_room(self, room_id: str, code: str = "room_closed") -> None:
        self._registry.channel.kick(room_id, "*", code)
        self._registry.relay.publish_kick(room_id, "*", code)
        self._notices.room_ended(room_id)

    def people_changed(self, room_id: str) -> None:
        """Someone joined, was let in, renamed, removed or left: the room's consoles ask again."""
        self._notices.people_changed(room_id)

    def admission_changed(self, participant_id: str, status: str) -> None:
        """A waiting phone learns at once that it was let in ("admitted") or "removed"."""
        self._notices.admission_changed(participant_id, status)

    def participant_joined(self, token: str, person: Participant) -> None:
        """A phone joined through this process and was let in at once (its socket follows)."""
        self._notices.participant_joined(token, person)
