"""Convergence when delivery is not tidy: duplicates, gaps, offline edits, late joiners."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from pycrdt import Array, Doc, YSyncMessageType, create_update_message, handle_sync_message

from server.crdt import missing_after_apply
from server.rooms.room import Room
from server.rooms.schema import Identity
from server.store.migrate import migrate
from tests.utils import BoardClient, RunningServer, eventually, run_server, settings_for

SAVED = {"ok": True, "saved": True}

FACILITATOR = Identity("facilitator", "1", "Fatima", "facilitator")


class ManualPeer(BoardClient):
    """A peer whose edits stay local until the test sends them, and which answers no sync step 1
    by itself: the test sees the server's requests and decides what goes out, in which order."""

    def __init__(self, url: str, room: str) -> None:
        super().__init__(url, room)
        self.edits: list[bytes] = []
        self.requests: list[bytes] = []

    def _on_local_change(self, event: Any) -> None:
        if not self._remote:
            self.edits.append(event.update)

    async def _on_sync(self, doc_name: str, frame: bytes) -> None:
        if frame[1] == YSyncMessageType.SYNC_STEP1:
            self.requests.append(frame)
        else:
            await super()._on_sync(doc_name, frame)

    async def send_update(self, update: bytes) -> Any:
        return await self.sio.call("sync", (self.doc_name, create_update_message(update)), timeout=10)

    async def answer(self, request: bytes) -> Any:
        reply = handle_sync_message(request[1:], self.doc)
        assert reply is not None
        return await self.sio.call("sync", (self.doc_name, reply), timeout=10)

    async def next_request(self, seen: int) -> bytes:
        def arrived() -> bytes:
            assert len(self.requests) > seen
            return self.requests[seen]

        result: bytes = await eventually(arrived)
        return result


async def _connected(client: BoardClient) -> BoardClient:
    await client.connect()
    await asyncio.wait_for(client.synced.wait(), 10)
    return client


async def _greeted(peer: ManualPeer) -> ManualPeer:
    await _connected(peer)
    await peer.next_request(0)  # the server's own sync step 1 on join
    return peer


def _room(server: RunningServer, name: str) -> Room:
    room = server.kring.registry.get(name)
    assert room is not None
    return room


def _items(doc: Doc[Any]) -> list[Any]:
    return list(doc.get("items", type=Array).to_py() or [])


async def _stored_items(server: RunningServer, room: str) -> list[Any]:
    """The board as a process starting from the store would see it."""
    stored = await server.kring.log.load(room)
    return _items(stored.document("board"))


async def _converged(clients: list[BoardClient], expected: list[Any]) -> None:
    def check() -> None:
        for client in clients:
            assert client.values() == expected

    await eventually(check, timeout=10)


# -- duplicates -------------------------------------------------------------------------------------


async def test_update_delivered_twice_converges_and_is_stored_once(server: RunningServer) -> None:
    peer = await _greeted(ManualPeer(server.url, "dubbel"))
    watcher = await _connected(BoardClient(server.url, "dubbel"))
    peer.items.append("x")
    (update,) = peer.edits

    assert await peer.send_update(update) == SAVED
    assert await peer.send_update(update) == SAVED

    room = _room(server, "dubbel")
    assert room.counters.duplicates == 1
    assert room.counters.updates_stored == 1
    assert await server.kring.log.count("dubbel") == 1
    await _converged([watcher], ["x"])
    for client in (peer, watcher):
        await client.disconnect()


async def test_duplicate_is_acknowledged_only_once_the_original_is_committed(server: RunningServer) -> None:
    # Room level, no sockets: both deliveries are applied before the writer can commit anything.
    room = await server.kring.registry.open("dubbel")
    source: Doc[Any] = Doc()
    updates: list[bytes] = []
    source.observe(lambda event: updates.append(event.update))
    source.get("items", type=Array).append("x")
    frame = create_update_message(updates[0])

    room.join("peer-a", FACILITATOR)
    room.join("peer-b", FACILITATOR)
    original = room.receive_sync("peer-a", "board", frame)
    duplicate = room.receive_sync("peer-b", "board", frame)

    assert room.counters.duplicates == 1
    assert original.durable is not None and duplicate.durable is not None
    # "saved" for the duplicate means its content is on disk, which it is not yet.
    assert not duplicate.durable.done()
    await asyncio.wait_for(duplicate.durable, 10)
    assert await server.kring.log.count("dubbel") == 1


async def test_acknowledgement_survives_an_unload_cut_short_by_a_join(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, room_idle_seconds=0.0)
    await asyncio.to_thread(migrate, settings.database_url)
    async with run_server(settings) as server:
        registry = server.kring.registry
        room = await registry.open("kort")
        source: Doc[Any] = Doc()
        updates: list[bytes] = []
        source.observe(lambda event: updates.append(event.update))
        source.get("items", type=Array).append("x")
        # Another connection holds SQLite's write lock, so the commit waits (up to its busy timeout).
        lock = sqlite3.connect(settings.database_url.split("///", 1)[1], isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            room.join("peer-a", FACILITATOR)
            result = room.receive_sync("peer-a", "board", create_update_message(updates[0]))
            registry.release(room, "peer-a")  # empty: the unload starts and waits for the commit
            await asyncio.sleep(0.1)  # a few loop turns: the unload gets to waiting on the commit
            assert await registry.open("kort") is room  # a join arrives and cancels the unload
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        assert result.durable is not None
        await asyncio.wait_for(result.durable, 10)
        assert await server.kring.log.count("kort") == 1


async def test_update_ahead_of_its_dependencies_is_refused_twice_and_stored_never(server: RunningServer) -> None:
    peer = await _greeted(ManualPeer(server.url, "dubbel"))
    for value in ("x", "y"):
        peer.items.append(value)
    _first, second = peer.edits

    # A write must stand on its own: held pending, its parts would later be integrated unchecked.
    assert (await peer.send_update(second))["code"] == "incomplete"
    assert (await peer.send_update(second))["code"] == "incomplete"

    room = _room(server, "dubbel")
    assert room.counters.updates_stored == 0
    assert await server.kring.log.count("dubbel") == 0
    # Each delivery still asks for the gap: the first request's answer may have been lost.
    await peer.next_request(2)
    assert room.counters.resyncs_requested == 2

    assert await peer.answer(peer.requests[2]) == SAVED
    assert _items(room.docs["board"]) == ["x", "y"]
    await peer.disconnect()


# -- out of order -----------------------------------------------------------------------------------


async def test_update_ahead_of_its_dependencies_is_healed_by_asking_the_sender(server: RunningServer) -> None:
    peer = await _greeted(ManualPeer(server.url, "volgorde"))
    watcher = await _connected(BoardClient(server.url, "volgorde"))
    for value in ("x", "y", "z"):
        peer.items.append(value)
    first, second, third = peer.edits
    room = _room(server, "volgorde")

    assert (await peer.send_update(third))["code"] == "incomplete"
    # The server cannot place it; instead of holding it for 1 and 2 it refuses it and asks for them.
    assert _items(room.docs["board"]) == []
    assert room.counters.resyncs_requested == 1
    request = await peer.next_request(1)
    assert request[1] == YSyncMessageType.SYNC_STEP1

    assert await peer.answer(request) == SAVED
    assert _items(room.docs["board"]) == ["x", "y", "z"]
    assert not missing_after_apply(third, room.docs["board"])
    await _converged([watcher], ["x", "y", "z"])

    # The originals turn up late after all: nothing changes and nothing more is stored.
    stored = room.counters.updates_stored
    for update in (first, second):
        assert await peer.send_update(update) == SAVED
    assert room.counters.updates_stored == stored
    assert _items(room.docs["board"]) == ["x", "y", "z"]
    assert await _stored_items(server, "volgorde") == ["x", "y", "z"]
    for client in (peer, watcher):
        await client.disconnect()


async def test_delete_ahead_of_its_insert_is_healed_by_asking_the_sender(server: RunningServer) -> None:
    peer = await _greeted(ManualPeer(server.url, "volgorde"))
    watcher = await _connected(BoardClient(server.url, "volgorde"))
    peer.items.append("weg")
    peer.items.append("blijft")
    del peer.items[0]
    _insert_weg, _insert_blijft, delete = peer.edits
    room = _room(server, "volgorde")

    assert (await peer.send_update(delete))["code"] == "incomplete"
    assert room.counters.resyncs_requested == 1
    request = await peer.next_request(1)

    assert await peer.answer(request) == SAVED
    assert _items(room.docs["board"]) == ["blijft"]
    assert not missing_after_apply(delete, room.docs["board"])
    await _converged([watcher], ["blijft"])
    assert await _stored_items(server, "volgorde") == ["blijft"]
    for client in (peer, watcher):
        await client.disconnect()


# -- offline edits and late joiners -----------------------------------------------------------------


async def test_edits_made_while_disconnected_merge_on_reconnect(server: RunningServer) -> None:
    away = await _connected(BoardClient(server.url, "offline"))
    stays = await _connected(BoardClient(server.url, "offline"))
    away.items.append("samen")
    await _converged([away, stays], ["samen"])
    await away.all_acked()

    await away.disconnect()
    away.items.append("offline-1")
    away.items.append("offline-2")
    stays.items.append("online")
    await stays.all_acked()

    await away.reconnect_to(server.url)
    await asyncio.wait_for(away.synced.wait(), 10)

    def merged() -> None:
        assert sorted(stays.values()) == ["offline-1", "offline-2", "online", "samen"]
        assert away.values() == stays.values()

    await eventually(merged, timeout=10)
    await away.all_acked()
    assert sorted(await _stored_items(server, "offline")) == ["offline-1", "offline-2", "online", "samen"]
    for client in (away, stays):
        await client.disconnect()


async def _write_history(clients: list[BoardClient]) -> list[Any]:
    for n, client in enumerate(clients):
        for i in range(10):
            client.items.append(f"{n}-{i}")
    expected_len = 10 * len(clients)

    def all_there() -> None:
        assert len(clients[0].values()) == expected_len
        for client in clients[1:]:
            assert client.values() == clients[0].values()

    await eventually(all_there, timeout=10)
    del clients[0].items[0:5]  # deletions are state too
    await _converged(clients, clients[0].values())
    for client in clients:
        await client.all_acked()
    return clients[0].values()


async def test_late_joiner_receives_the_full_state(server: RunningServer) -> None:
    early = [await _connected(BoardClient(server.url, "laat")) for _ in range(3)]
    expected = await _write_history(early)

    late = await _connected(BoardClient(server.url, "laat"))
    assert late.values() == expected  # complete as soon as its sync step 2 arrived
    for client in [*early, late]:
        await client.disconnect()


async def test_late_joiner_receives_the_full_state_after_the_room_was_unloaded(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, room_idle_seconds=0.05, compact_after_updates=7)
    await asyncio.to_thread(migrate, settings.database_url)
    async with run_server(settings) as server:
        early = [await _connected(BoardClient(server.url, "laat")) for _ in range(3)]
        expected = await _write_history(early)
        for client in early:
            await client.disconnect()

        def unloaded() -> None:
            assert server.kring.registry.unloaded == 1
            assert server.kring.registry.get("laat") is None

        await eventually(unloaded)
        assert (await server.kring.log.load("laat")).snapshots  # it was compacted on the way out

        late = await _connected(BoardClient(server.url, "laat"))
        assert late.values() == expected
        await late.disconnect()
