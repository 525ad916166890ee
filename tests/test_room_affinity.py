"""A room the server opened only for an edit (an API call that reached a process without the room's
sockets) is unloaded within seconds, not after the 30 s a room its sockets left waits: behind a
balancer that routes by room, every update of the room would cross Redis to that idle copy."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pycrdt import Array, Doc

from server.store.migrate import migrate
from tests.utils import eventually, run_server, settings_for


async def test_a_room_opened_only_for_an_edit_is_unloaded_soon(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)  # the default idle time, 30 s
    await asyncio.to_thread(migrate, settings.database_url)
    async with run_server(settings) as server:
        registry = server.kring.registry
        left = await registry.open("verlaten")  # as when its last socket leaves
        registry.idle_check(left)

        def add(doc: Doc[Any]) -> None:
            doc.get("items", type=Array).append("van de server")

        await server.kring.live.edit("bewerkt", "board", add)
        assert registry.get("bewerkt") is not None

        def edited_room_gone() -> None:
            assert registry.get("bewerkt") is None

        await eventually(edited_room_gone, timeout=10)
        # The room its sockets left still waits out its idle time, and the edit is stored.
        assert registry.get("verlaten") is left
        stored = await server.kring.log.load("bewerkt")
        assert stored.document("board").get("items", type=Array).to_py() == ["van de server"]
