"""The wall's "here" follows the room's connections: who is connected now, not who was admitted."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pycrdt import Awareness, Doc, Map, create_awareness_message, create_sync_message

from server.meetings.domain.people import show_person
from server.rooms.room import Room
from server.rooms.schema import Identity
from server.rooms.wall import present_of
from server.store.engine import create_engine
from server.store.migrate import migrate
from server.store.updatelog import UpdateLog
from tests.meetings_helpers import live_of, store_of
from tests.test_reordered_updates import _Recorder
from tests.test_wall_socket import SECRET, BoardSocket, RawWall, _check, _meeting, _projector_link
from tests.utils import RunningServer, eventually


def _present(wall: RawWall) -> dict[str, Any]:
    return wall.doc.get("present", type=Map).to_py() or {}


async def test_here_lists_who_is_connected_now(server: RunningServer) -> None:
    async with _meeting(server) as (fatima, room, board):
        store, live = store_of(server), live_of(server)
        truus, token = await store.add_participant(room, f"Truus {SECRET}-Achternaam", "family", admitted=True)
        karel, _never_used = await store.add_participant(room, f"Karel {SECRET}-Achternaam", "friend", admitted=True)
        for person in (truus, karel):
            await show_person(live, person)
        wall = RawWall(server.url)
        await wall.connect(await _projector_link(fatima, room))
        assert (await wall.call("sync", "wall", create_sync_message(Doc()))) == {"ok": True}
        # Both admitted, on the board by first name; only the facilitator's console is connected.
        await eventually(lambda: _check(len(wall.shows()["people"]) == 2))
        await eventually(lambda: _check(_present(wall) == {"f:": "facilitator"}))

        phone = BoardSocket(server.url)
        await phone.connect({"token": token})
        await eventually(lambda: _check(_present(wall) == {"f:": "facilitator", truus.id: "family"}))
        # Karel was admitted before Truus connected: the wall's answer to her connecting is the
        # barrier after which he would be listed, were admission what counted.
        assert karel.id not in _present(wall)

        await phone.close()
        await eventually(lambda: _check(_present(wall) == {"f:": "facilitator"}))
        await board.close()
        await eventually(lambda: _check(_present(wall) == {}))
        # Ids and relations only: no name, the facilitator's neither, went to the wall for this.
        assert SECRET.encode() not in wall.received() and b"Fatima" not in wall.received()
        await wall.close()


async def test_someone_added_without_a_phone_is_here(server: RunningServer) -> None:
    """The facilitator adds the grandmother who has no phone: she is at the table, so the wall lists
    her although no connection of hers will ever come; removing her takes her off."""
    async with _meeting(server) as (fatima, room, _board):
        wall = RawWall(server.url)
        await wall.connect(await _projector_link(fatima, room))
        assert (await wall.call("sync", "wall", create_sync_message(Doc()))) == {"ok": True}
        await eventually(lambda: _check(_present(wall) == {"f:": "facilitator"}))
        added = await fatima.post(
            "/api/participants", json={"room_id": room, "name": f"Oma {SECRET}", "relation": "family"}
        )
        assert added.status_code == 201, added.text
        oma = added.json()["id"]
        await eventually(lambda: _check(_present(wall) == {"f:": "facilitator", oma: "family"}))
        removed = await fatima.post(f"/api/participants/{oma}/remove", json={})
        assert removed.status_code == 200, removed.text
        await eventually(lambda: _check(_present(wall) == {"f:": "facilitator"}))
        assert SECRET.encode() not in wall.received()
        await wall.close()


def test_the_present_list_names_nobody() -> None:
    users = [
        {"kind": "facilitator", "id": "f1", "name": "Fatima Facilitator", "role": "facilitator"},
        {"kind": "facilitator", "id": "f2", "name": "Co Facilitator", "role": "facilitator"},
        {"kind": "participant", "id": "p1", "name": "Truus Jansen", "role": "family"},
        {"kind": "participant", "id": "p1", "name": "Truus Jansen", "role": "family"},  # a second tab
        {"kind": "projector", "id": "room", "name": "Beamer", "role": "projector"},
        {"kind": "participant", "id": "", "role": "friend"},
    ]
    assert present_of(users) == {"f:": "facilitator", "p1": "family"}


def _relayed(awareness: Awareness) -> bytes:
    return create_awareness_message(awareness.encode_awareness_update([awareness.client_id]))


async def test_someone_connected_to_another_process_is_here_until_their_presence_goes(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'k.db'}"
    await asyncio.to_thread(migrate, url)
    engine = create_engine(url)
    log = UpdateLog(engine)
    await log.start()
    room = Room("kamer", log, _Recorder())
    try:
        await room.load()
        room.join("wall-1", Identity("projector", "kamer", "Beamer", "projector"))
        room.join("phone-1", Identity("participant", "p1", "Truus Jansen", "family"))

        def present() -> dict[str, Any]:
            return room.wall.doc.get("present", type=Map).to_py() or {}

        await eventually(lambda: _check(present() == {"p1": "family"}))
        # A phone on another server process: its presence, stamped there, is relayed here.
        elsewhere = Awareness(Doc())
        elsewhere.set_local_state({"user": {"id": "p2", "name": "Piet Smit", "role": "friend", "kind": "participant"}})
        room.receive_remote_awareness(_relayed(elsewhere))
        await eventually(lambda: _check(present() == {"p1": "family", "p2": "friend"}))
        elsewhere.set_local_state(None)  # it left there (or its presence expired)
        room.receive_remote_awareness(_relayed(elsewhere))
        room.leave("phone-1")
        await eventually(lambda: _check(present() == {}))
        room.leave("wall-1")
        room.dispose()
    finally:
        await log.close()
        await engine.dispose()
