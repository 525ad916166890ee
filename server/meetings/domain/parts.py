"""The running server's parts that the meetings reach, as a protocol: the domain never sees the app."""

from __future__ import annotations

from typing import Protocol

from server.rooms.live import LiveRooms
from server.settings import Settings
from server.store.meetings import MeetingStore


class KringParts(Protocol):
    """The parts of the running server (server.process.Kring) that the meetings use."""

    settings: Settings
    meetings: MeetingStore
    live: LiveRooms
