"""Redis goes away mid-meeting and comes back: every process keeps serving its own clients, and
the rooms heal by state vector once Redis returns, with no client reloading."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.store.migrate import migrate
from tests.test_redis_rooms import _assert, connected, pair_settings
from tests.utils import eventually, free_port, run_server

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]


class PrivateRedis:
    """A real redis-server of the test's own, on its own port, so it can be stopped and started."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        reason = "redis-server is not installed"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    server = PrivateRedis(free_port())
    server.start()
    try:
        yield server
    finally:
        server.kill()


async def _wait_healthy(*servers: object, healthy: bool = True) -> None:
    def check() -> None:
        for s in servers:
            assert s.kring.relay.healthy is healthy  # type: ignore[attr-defined]

    await eventually(check, timeout=10)


async def test_rooms_heal_after_redis_restarts(
    tmp_path: Path, postgres_url: str, private_redis: PrivateRedis, redis_prefix: str
) -> None:
    a_settings, b_settings = pair_settings(tmp_path, postgres_url, private_redis.url, redis_prefix)
    await asyncio.to_thread(migrate, a_settings.database_url)
    async with run_server(a_settings) as a, run_server(b_settings) as b:
        await _wait_healthy(a, b)
        on_a = [await connected(a.url, "storing") for _ in range(2)]
        on_b = [await connected(b.url, "storing") for _ in range(2)]
        everyone = on_a + on_b
        on_a[0].items.append("voor")
        await eventually(lambda: _assert(all(c.values() == ["voor"] for c in everyone)))

        private_redis.kill()
        await _wait_healthy(a, b, healthy=False)
        on_a[0].items.append("tijdens-a")
        on_b[0].items.append("tijdens-b")
        # Each process keeps serving its own clients while Redis is away...
        await eventually(lambda: _assert("tijdens-a" in on_a[1].values()))
        await eventually(lambda: _assert("tijdens-b" in on_b[1].values()))
        # ...and still acknowledges, because acknowledgement waits for PostgreSQL, not Redis.
        await on_a[0].all_acked()
        await on_b[0].all_acked()
        assert on_a[0].acks[-1] == {"ok": True, "saved": True}
        assert "tijdens-b" not in on_a[1].values()

        private_redis.start()
        expected = sorted(["voor", "tijdens-a", "tijdens-b"])
        await eventually(lambda: _assert(all(sorted(c.values()) == expected for c in everyone)), timeout=15)
        for c in everyone:
            await c.disconnect()
