"""Redis goes away mid-meeting and comes back: every process keeps serving its own clients, and
the rooms heal by state vector once Redis returns, with no client reloading. Also when the
processes get Redis back at different moments, and when only a publish fails."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as redis

from server.settings import Settings
from server.store.migrate import migrate
from tests.test_redis_rooms import _assert, connected, pair_settings
from tests.utils import BoardClient, RunningServer, eventually, free_port, run_server

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]


class PrivateRedis:
    """A real redis-server of the test's own, on its own port, so it can be stopped and started."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def url_for(self, user: str) -> str:
        return f"redis://{user}:{user}-password@127.0.0.1:{self.port}/0"

    async def command(self, *args: str) -> None:
        """As the administrator (the default user), once the server accepts connections."""

        async def run() -> None:
            client = redis.from_url(self.url, socket_connect_timeout=1)
            try:
                await client.execute_command(*args)
            finally:
                await client.aclose()

        async def attempt() -> None:
            try:
                await run()
            except redis.ConnectionError as exc:
                raise AssertionError("redis-server is not up yet") from exc

        await eventually(attempt, timeout=10)

    async def add_user(self, user: str) -> None:
        """A user of its own per process: the test can then keep one process out, or forbid it to
        publish, while the other goes on. (Users live in memory: a restart forgets them.)"""
        await self.command("ACL", "SETUSER", user, "on", f">{user}-password", "~*", "&*", "+@all")

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


def _own_users(a: Settings, b: Settings, private_redis: PrivateRedis) -> tuple[Settings, Settings]:
    return a.with_(redis_url=private_redis.url_for("a")), b.with_(redis_url=private_redis.url_for("b"))


async def test_processes_that_get_redis_back_at_different_moments_heal_both_ways(
    tmp_path: Path, postgres_url: str, private_redis: PrivateRedis, redis_prefix: str
) -> None:
    await private_redis.add_user("a")
    await private_redis.add_user("b")
    a_settings, b_settings = _own_users(
        *pair_settings(tmp_path, postgres_url, private_redis.url, redis_prefix), private_redis
    )
    await asyncio.to_thread(migrate, a_settings.database_url)
    async with run_server(a_settings) as a, run_server(b_settings) as b:
        await _wait_healthy(a, b)
        rooms = ("een", "twee")
        on_a = {room: [await connected(a.url, room) for _ in range(2)] for room in rooms}
        on_b = {room: [await connected(b.url, room) for _ in range(2)] for room in rooms}
        everyone = {room: on_a[room] + on_b[room] for room in rooms}
        on_a["een"][0].items.append("voor")
        on_a["twee"][0].items.extend(["voor", "weg"])
        await _converged(everyone, {"een": ["voor"], "twee": ["voor", "weg"]})

        private_redis.kill()
        await _wait_healthy(a, b, healthy=False)
        on_a["een"][0].items.append("tijdens-a")
        on_b["een"][0].items.append("tijdens-b")
        # Only a deletion on B, nothing on A: the vectors of "twee" stay equal on both sides.
        del on_b["twee"][0].items[1]
        for client in (on_a["een"][0], on_b["een"][0], on_b["twee"][0]):
            await client.all_acked()

        # A gets Redis back first; B stays out (its user does not exist yet). What A asks for and
        # publishes now reaches nobody.
        private_redis.start()
        await private_redis.add_user("a")
        await _wait_healthy(a)
        assert not b.kring.relay.healthy
        on_a["een"][1].items.append("na-a")
        await on_a["een"][1].all_acked()

        await private_redis.add_user("b")
        await _wait_healthy(b)
        await _converged(everyone, {"een": ["na-a", "tijdens-a", "tijdens-b", "voor"], "twee": ["voor"]})
        for clients in everyone.values():
            for client in clients:
                await client.disconnect()


async def test_a_room_whose_messages_redis_refused_is_healed_once_publishing_works_again(
    tmp_path: Path, postgres_url: str, private_redis: PrivateRedis, redis_prefix: str
) -> None:
    await private_redis.add_user("a")
    await private_redis.add_user("b")
    a_settings, b_settings = _own_users(
        *pair_settings(tmp_path, postgres_url, private_redis.url, redis_prefix), private_redis
    )
    await asyncio.to_thread(migrate, a_settings.database_url)
    async with run_server(a_settings) as a, run_server(b_settings) as b:
        await _wait_healthy(a, b)
        writer, reader = await connected(a.url, "stil"), await connected(b.url, "stil")
        elsewhere = await connected(a.url, "ander")
        writer.items.append("voor")
        await eventually(lambda: _assert(reader.values() == ["voor"]))

        # Redis stays up and A stays subscribed, but refuses A's publishes: nothing reconnects.
        await private_redis.command("ACL", "SETUSER", "a", "-publish")
        failures = _relay(a).counters.publish_failures
        writer.items.append("kwijt")
        await writer.all_acked()
        assert writer.acks[-1] == {"ok": True, "saved": True}
        await eventually(lambda: _assert(_relay(a).counters.publish_failures > failures))
        assert _relay(a).healthy

        await private_redis.command("ACL", "SETUSER", "a", "+publish")
        elsewhere.items.append("iets")  # a publish of another room that Redis takes again
        await eventually(lambda: _assert(reader.values() == ["voor", "kwijt"]), timeout=10)
        for client in (writer, reader, elsewhere):
            await client.disconnect()


def _relay(server: RunningServer) -> Any:
    return server.kring.relay


async def _converged(everyone: dict[str, list[BoardClient]], expected: dict[str, list[str]]) -> None:
    def check() -> None:
        for room, clients in everyone.items():
            for client in clients:
                assert sorted(client.values()) == sorted(expected[room]), (room, client.url, client.values())

    await eventually(check, timeout=15)
