"""SIGKILL the server in the middle of a burst of edits: every edit it acknowledged as saved is
there after a restart on the same database (real `kring serve`, real SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.processes import ServerProcess
from tests.utils import BoardClient, eventually, free_port

pytestmark = pytest.mark.slow

ROOM = "crash"
WRITERS = 4
EDITS_PER_WRITER = 1500
ACKS_BEFORE_KILL = 300
IN_FLIGHT_PER_WRITER = 4
SAVED = {"ok": True, "saved": True}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kring.db'}"
    return str(request.getfixturevalue("postgres_url"))


def _server(tmp_path: Path, database_url: str, name: str) -> ServerProcess:
    port = free_port()
    env = {
        "DATABASE_URL": database_url,
        "KRING_VAR_DIR": str(tmp_path / "var"),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "ALLOWED_ORIGINS": "",
        "REDIS_URL": "",  # one process, whatever the environment running the tests says
        "LOG_LEVEL": "warning",
        "KRING_COMPACT_AFTER_UPDATES": "100",  # so that the kill may also land in a compaction
    }
    return ServerProcess(port, env, tmp_path / f"{name}.log")


async def _connected(url: str) -> BoardClient:
    client = BoardClient(url, ROOM)
    await client.connect()
    await asyncio.wait_for(client.synced.wait(), 10)
    return client


def _record_if_saved(acked: set[str], value: str, ack: asyncio.Future[Any]) -> None:
    if not ack.cancelled() and ack.exception() is None and ack.result() == SAVED:
        acked.add(value)


async def test_every_acknowledged_edit_survives_sigkill(tmp_path: Path, database_url: str) -> None:
    first = _server(tmp_path, database_url, "first")
    first.migrate()
    await first.start()
    sent: set[str] = set()
    acked: set[str] = set()
    writers: list[BoardClient] = []
    bursts: list[asyncio.Task[None]] = []
    try:
        writers = [await _connected(first.url) for _ in range(WRITERS)]

        async def burst(client: BoardClient, tag: str) -> None:
            in_flight: set[asyncio.Future[Any]] = set()
            for i in range(EDITS_PER_WRITER):
                # A few edits in flight per writer, as a busy phone would have: the server keeps
                # up, so acknowledgements are current and a kill lands among fresh ones.
                while len(in_flight) >= IN_FLIGHT_PER_WRITER:
                    _done, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                value = f"{tag}-{i}"
                client.last_ack = None
                client.items.append(value)  # one transaction, one update, one acknowledged call
                if client.last_ack is None:
                    return  # the socket is gone: nothing more leaves this client
                sent.add(value)
                client.last_ack.add_done_callback(lambda ack, v=value: _record_if_saved(acked, v, ack))
                in_flight.add(client.last_ack)

        bursts = [asyncio.create_task(burst(c, f"w{n}")) for n, c in enumerate(writers)]

        def enough_acked() -> None:
            assert len(acked) >= ACKS_BEFORE_KILL

        await eventually(enough_acked, timeout=60)
        first.kill()
        acked_at_kill, sent_at_kill = set(acked), set(sent)
    finally:
        first.kill()
    for task in bursts:
        task.cancel()
    # The kill landed mid-burst: some edits were acknowledged, some sent and not yet acknowledged.
    assert acked_at_kill
    assert sent_at_kill - acked_at_kill
    assert len(sent_at_kill) < WRITERS * EDITS_PER_WRITER

    second = _server(tmp_path, database_url, "second")
    await second.start()
    try:
        fresh = await _connected(second.url)
        values = fresh.values()
        # Acks still in the writers' socket buffers at the kill have been read by now: they count too.
        assert acked >= acked_at_kill
        missing = acked - set(values)
        assert not missing, f"{len(missing)} acknowledged edits lost, e.g. {sorted(missing)[:5]}"
        assert set(values) <= sent
        assert len(values) == len(set(values))
        await fresh.disconnect()
    finally:
        second.stop()
        for client in writers:
            for pending in list(client._pending_acks):  # calls to the dead server never answer
                pending.cancel()
            await client.disconnect()
