"""Presence relayed from other processes, and when it expires.

A process that dies sends no "gone" for its people; the survivors drop the states it relayed once
they are not renewed (see RemotePresence).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from pycrdt import Encoder, create_awareness_message

from server.presence import Entry, decode_entries
from server.protocol import Refused, parse_awareness_frame

# y-protocols clients renew their state every 15 s and treat 30 s without a renewal as gone.
REMOTE_PRESENCE_TIMEOUT = 30.0


@dataclass
class _Heard:
    clock: int
    at: float


class RemotePresence:
    """When each presence state relayed by another process was last renewed, by room.

    A process that dies (SIGKILL, a lost machine) never sends its clients' "gone"; without an
    expiry their states would stay on every other process for good and be greeted to every joiner.
    Clients renew every 15 s and their process relays each renewal, so a relayed state not renewed
    within `timeout` belongs to nobody. States of this process's own connections are not tracked
    here: they are cleared when the connection goes.
    """

    def __init__(self, timeout: float = REMOTE_PRESENCE_TIMEOUT, clock: Callable[[], float] = time.monotonic) -> None:
        self.timeout = timeout
        self.clock = clock
        self._rooms: dict[str, dict[int, _Heard]] = {}

    def heard(self, room: str, frame: bytes) -> None:
        """An awareness frame another process relayed for `room`."""
        entries = _entries(frame)
        if not entries:
            return
        now = self.clock()
        states = self._rooms.setdefault(room, {})
        for client_id, clock, state in entries:
            if state is None:
                states.pop(client_id, None)
            else:
                previous = states.get(client_id)
                states[client_id] = _Heard(max(clock, previous.clock) if previous else clock, now)
        if not states:
            del self._rooms[room]

    def spoke_here(self, room: str, frame: bytes) -> None:
        """A frame this process relays: its clients are (now) this process's own, not remote."""
        states = self._rooms.get(room)
        if states is None:
            return
        for client_id, _clock, _state in _entries(frame):
            states.pop(client_id, None)
        if not states:
            del self._rooms[room]

    def forget(self, room: str) -> None:
        self._rooms.pop(room, None)

    def renew_all(self) -> None:
        """Start every state's wait afresh: renewals relayed while Redis was away were lost, not
        the people."""
        now = self.clock()
        for states in self._rooms.values():
            for heard in states.values():
                heard.at = now

    def expire(self) -> dict[str, bytes]:
        """Forget every state not renewed within the timeout; per room, the awareness frame that
        removes them (each with its last clock and a null state, which y-protocols reads as gone)."""
        now = self.clock()
        frames: dict[str, bytes] = {}
        for room, states in list(self._rooms.items()):
            stale = sorted(client_id for client_id, heard in states.items() if now - heard.at >= self.timeout)
            if not stale:
                continue
            encoder = Encoder()
            encoder.write_var_uint(len(stale))
            for client_id in stale:
                encoder.write_var_uint(client_id)
                encoder.write_var_uint(states.pop(client_id).clock)
                encoder.write_var_string("null")
            frames[room] = create_awareness_message(encoder.to_bytes())
            if not states:
                del self._rooms[room]
        return frames

    def tracked(self, room: str) -> set[int]:
        return set(self._rooms.get(room, {}))


def _entries(frame: bytes) -> list[Entry]:
    try:
        return decode_entries(parse_awareness_frame(frame))
    except Refused:
        return []  # the receiving room refuses it too
