"""SIGKILL one of two server processes during edits: its clients move to the other, and every
edit that was acknowledged is there (real PostgreSQL and Redis, real processes)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Array

from server.store.engine import create_engine
from server.store.updatelog import UpdateLog
from tests.processes import ServerProcess
from tests.utils import BoardClient, eventually, free_port

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
async def two_processes(
    tmp_path: Path, postgres_url: str, redis_url: str, redis_prefix: str
) -> AsyncIterator[tuple[ServerProcess, ServerProcess]]:
    ports = (free_port(), free_port())
    env = {
        "DATABASE_URL": postgres_url,
        "REDIS_URL": redis_url,
        "KRING_REDIS_PREFIX": redis_prefix,
        "ALLOWED_ORIGINS": ",".join(f"http://127.0.0.1:{p}" for p in ports),
        "KRING_VAR_DIR": str(tmp_path / "var"),
    }
    a = ServerProcess(ports[0], env, tmp_path / "a.log")
    b = ServerProcess(ports[1], env, tmp_path / "b.log")
    a.migrate()
    await a.start()
    await b.start()
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


async def test_killed_process_loses_no_acknowledged_edit(
    two_processes: tuple[ServerProcess, ServerProcess], postgres_url: str
) -> None:
    a, b = two_processes
    writers_a = [BoardClient(a.url, "overval") for _ in range(3)]
    writers_b = [BoardClient(b.url, "overval") for _ in range(2)]
    for client in writers_a + writers_b:
        await client.connect()
        await asyncio.wait_for(client.synced.wait(), 10)

    acked: set[str] = set()

    async def burst(client: BoardClient, tag: str) -> None:
        for i in range(400):
            value = f"{tag}-{i}"
            client.last_ack = None
            client.items.append(value)
            if client.last_ack is not None:
                client.last_ack.add_done_callback(lambda t, v=value: acked.add(v) if _saved(t) else None)
            await asyncio.sleep(0.002)

    bursts = [asyncio.create_task(burst(c, f"a{n}")) for n, c in enumerate(writers_a)]
    bursts += [asyncio.create_task(burst(c, f"b{n}")) for n, c in enumerate(writers_b)]
    await eventually(lambda: _assert(len([v for v in acked if v.startswith("a")]) > 50), timeout=20)
    a.kill()
    acked_at_kill = {v for v in acked if v.startswith("a")}
    await asyncio.gather(*bursts, return_exceptions=True)
    sent_on_a = {f"a{n}-{i}" for n in range(3) for i in range(400)}
    # The kill landed mid-burst: some of A's edits were acknowledged, some were not.
    assert 0 < len(acked_at_kill) < len(sent_on_a)
    # Acknowledged means committed: the database has them before any client resends anything.
    assert acked_at_kill <= await _stored_values(postgres_url, "overval")

    # A's clients reconnect to B (a load balancer would send them there) with their documents.
    for client in writers_a:
        await client.reconnect_to(b.url)
        await asyncio.wait_for(client.synced.wait(), 10)
    everyone = writers_a + writers_b
    await eventually(lambda: _assert(len({tuple(sorted(c.values())) for c in everyone}) == 1), timeout=20)

    # A fresh client of B, with a fresh document, sees every acknowledged edit.
    fresh = BoardClient(b.url, "overval")
    await fresh.connect()
    await asyncio.wait_for(fresh.synced.wait(), 10)
    await eventually(lambda: _assert(acked <= set(fresh.values())), timeout=10)
    for client in [*everyone, fresh]:
        await client.disconnect()


def _assert(condition: bool) -> None:
    assert condition


def _saved(task: asyncio.Future[Any]) -> bool:
    return not task.cancelled() and task.exception() is None and task.result() == {"ok": True, "saved": True}


async def _stored_values(database_url: str, room: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        stored = await UpdateLog(engine).load(room)
    finally:
        await engine.dispose()
    return set(stored.document("board").get("items", type=Array).to_py() or [])
