"""The running parts of one server process, as one record: what /metrics reads and tests reach.

Apart from app.py so that what reads the parts (metrics) does not import the app that builds them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from server.latency import LoopLag
from server.relay import Relay
from server.rooms.live import LiveRooms
from server.rooms.registry import RoomRegistry
from server.settings import Settings
from server.store.meetings import MeetingStore
from server.store.updatelog import UpdateLog
from server.transport import SocketTransport


@dataclass
class Kring:
    """The running parts of one server process, reachable from tests and the CLI."""

    settings: Settings
    engine: AsyncEngine
    log: UpdateLog
    transport: SocketTransport
    registry: RoomRegistry
    relay: Relay
    meetings: MeetingStore
    live: LiveRooms
    loop_lag: LoopLag
