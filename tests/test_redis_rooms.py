"""Several server processes sharing rooms through Redis and PostgreSQL (real services).

Two servers run in the test's event loop, each with its own Socket.IO manager, relay, registry and
engine — the same parts a separate process has — so their counters can be read directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import msgpack
import pytest

from server.relay.redis import RedisRelay
from server.settings import Settings
from server.store.migrate import migrate
from tests.test_reordered_updates import _Received
from tests.utils import BoardClient, RunningServer, eventually, free_port, run_server, settings_for

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def pair_settings(tmp_path: Path, postgres_url: str, redis_url: str, prefix: str) -> tuple[Settings, Settings]:
    ports = (free_port(), free_port())
    origins = ",".join(f"http://127.0.0.1:{p}" for p in ports)
    env = {"DATABASE_URL": postgres_url, "REDIS_URL": redis_url, "ALLOWED_ORIGINS": origins}
    return tuple(  # type: ignore[return-value]
        settings_for(tmp_path / f"p{i}", port=port, env={**env}, redis_prefix=prefix) for i, port in enumerate(ports)
    )


@pytest.fixture
async def two_servers(
    tmp_path: Path, postgres_url: str, redis_url: str, redis_prefix: str
) -> AsyncIterator[tuple[RunningServer, RunningServer]]:
    a_settings, b_settings = pair_settings(tmp_path, postgres_url, redis_url, redis_prefix)
    await asyncio.to_thread(migrate, a_settings.database_url)
    async with run_server(a_settings) as a, run_server(b_settings) as b:
        yield a, b


async def connected(url: str, room: str) -> BoardClient:
    client = BoardClient(url, room)
    await client.connect()
    await asyncio.wait_for(client.synced.wait(), 10)
    return client


async def test_clients_of_one_room_on_two_processes_converge(
    two_servers: tuple[RunningServer, RunningServer],
) -> None:
    a, b = two_servers
    clients = [await connected((a if i % 2 == 0 else b).url, "gedeeld") for i in range(6)]
    for i, client in enumerate(clients):
        for j in range(10):
            client.items.append(f"{i}:{j}")

    def converged() -> None:
        expected = sorted(f"{i}:{j}" for i in range(6) for j in range(10))
        for client in clients:
            assert sorted(client.values()) == expected

    await eventually(converged, timeout=10)
    for client in clients:
        await client.all_acked()
        assert all(ack == {"ok": True, "saved": True} for ack in client.acks)
    # The store has it all, whichever process stored what.
    stored = await a.kring.log.load("gedeeld")
    doc = stored.document("board")
    assert sorted(doc.get("items", type=type(clients[0].items)).to_py() or []) == sorted(clients[0].values())
    for client in clients:
        await client.disconnect()


async def test_a_process_hears_only_the_rooms_it_hosts(two_servers: tuple[RunningServer, RunningServer]) -> None:
    a, b = two_servers
    only_on_a = await connected(a.url, "alleen-a")
    only_on_b = await connected(b.url, "alleen-b")
    for j in range(20):
        only_on_a.items.append(f"a{j}")
    await only_on_a.all_acked()
    only_on_b.items.append("b0")
    await only_on_b.all_acked()
    a_counters = a.kring.relay.counters  # type: ignore[attr-defined]
    # A has handled every update: nobody else hosts its room, so none was published (updates_unshared).
    await eventually(lambda: _assert(a_counters.updates_unshared >= 20))
    b_counters = b.kring.relay.counters  # type: ignore[attr-defined]
    # B never received, let alone decoded, a message of A's room: it is not subscribed to it.
    assert "alleen-a" not in b_counters.received_by_room
    assert b_counters.ignored_unhosted == 0
    assert "alleen-a" not in b.kring.registry.rooms
    # A hosts only its own room, too.
    assert "alleen-b" not in a.kring.relay.counters.received_by_room  # type: ignore[attr-defined]
    # Document traffic did not take Socket.IO's shared Redis channel either.
    assert only_on_b.values() == ["b0"]
    await only_on_a.disconnect()
    await only_on_b.disconnect()


async def test_awareness_crosses_processes_and_clears_on_leave(
    two_servers: tuple[RunningServer, RunningServer],
) -> None:
    from pycrdt import Awareness, create_awareness_message, read_message

    a, b = two_servers
    watcher = await connected(b.url, "aanwezig")
    seen = Awareness(watcher.doc)
    watcher.sio.on("awareness", lambda frame: seen.apply_awareness_update(read_message(frame[1:]), "server"))
    talker = await connected(a.url, "aanwezig")
    presence = Awareness(talker.doc)
    presence.set_local_state({"typing": True})
    frame = create_awareness_message(presence.encode_awareness_update([presence.client_id]))
    await talker.sio.call("awareness", frame, timeout=5)
    await eventually(lambda: _assert(seen.states.get(presence.client_id, {}).get("typing") is True), timeout=5)
    room_b = b.kring.registry.rooms["aanwezig"]
    assert presence.client_id in room_b.awareness.states
    await talker.disconnect()
    await eventually(lambda: _assert(presence.client_id not in room_b.awareness.states), timeout=2)
    await watcher.disconnect()


def _assert(condition: bool) -> None:
    assert condition


async def test_a_room_no_longer_hosted_leaves_nothing_in_the_relay_counters() -> None:
    # A process hosts hundreds of rooms in a day: what it counts per room goes with the room.
    relay = RedisRelay("redis://127.0.0.1:1/0")  # never started: the messages are handed in below
    rooms = _Received()
    relay._rooms = rooms
    await relay.host("kamer-1")
    relay._dispatch(relay.channel("kamer-1").encode(), msgpack.packb(["u", "another-process", "board", b"\x00\x00"]))
    assert rooms.updates == [b"\x00\x00"]
    assert relay.counters.received_by_room == {"kamer-1": 1}
    assert relay.counters.updates_relayed_by_room == {"kamer-1": 1}
    relay.unhost("kamer-1")
    assert relay.counters.received_by_room == {}
    assert relay.counters.updates_relayed_by_room == {}
    assert relay.counters.received == 1  # the process's totals stay
