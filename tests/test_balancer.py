"""Two processes behind HAProxy with the repository's own deploy/haproxy.cfg (only its addresses set):
every socket of a room reaches one process, so its updates never cross Redis; a process killed
mid-meeting hands its rooms to the other and nothing acknowledged is lost (real HAProxy, PostgreSQL,
Redis and processes)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio
from pycrdt import Array, create_sync_message

from server.store.engine import create_engine
from server.store.updatelog import UpdateLog
from tests.processes import ServerProcess
from tests.utils import SERVERS, BoardClient, eventually, facilitator_auth, free_port

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "haproxy.cfg"


def _haproxy() -> str:
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        reason = "HAProxy is not installed (Debian: apt-get install haproxy)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    return found


@dataclass
class Cluster:
    url: str  # the balancer
    processes: dict[str, ServerProcess]  # by the balancer's server name in deploy/haproxy.cfg


class RoutedClient(BoardClient):
    """A board client that connects through the balancer as the web client does: `?room=` in the URL."""

    def __init__(self, url: str, room: str, route: str | None = None) -> None:
        super().__init__(url, room)
        self.route = route if route is not None else room

    async def connect(self, auth: Any = None) -> None:
        await self.sio.connect(
            f"{self.url}/?room={self.route}",
            transports=["websocket"],
            auth=auth if auth is not None else await facilitator_auth(self.url, self.room),
            headers={"Origin": self.url},
            wait_timeout=10,
        )
        await self.sio.emit("sync", (self.doc_name, create_sync_message(self.doc)))


@pytest.fixture
async def cluster(tmp_path: Path, postgres_url: str, redis_url: str, redis_prefix: str) -> AsyncIterator[Cluster]:
    haproxy = _haproxy()
    lb_port, a_port, b_port = free_port(), free_port(), free_port()
    lb_url = f"http://127.0.0.1:{lb_port}"
    env = {
        "DATABASE_URL": postgres_url,
        "REDIS_URL": redis_url,
        "KRING_REDIS_PREFIX": redis_prefix,
        "ALLOWED_ORIGINS": lb_url,
        "PUBLIC_URL": lb_url,
        "KRING_VAR_DIR": str(tmp_path / "var"),
    }
    a = ServerProcess(a_port, env, tmp_path / "a.log")
    b = ServerProcess(b_port, env, tmp_path / "b.log")
    SERVERS[lb_url] = SERVERS[a.url]  # the same store and key behind the balancer
    a.migrate()
    await a.start()
    await b.start()
    lb_env = {
        **os.environ,
        "KRING_LB_BIND": f"127.0.0.1:{lb_port}",
        "KRING_A": f"127.0.0.1:{a_port}",
        "KRING_B": f"127.0.0.1:{b_port}",
    }
    with (tmp_path / "haproxy.log").open("ab") as log:
        lb = subprocess.Popen(  # noqa: ASYNC220 (starting it is immediate; the wait below is async)
            [haproxy, "-db", "-f", str(CONFIG)], env=lb_env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        async with httpx.AsyncClient() as http:

            async def answers() -> None:
                try:
                    status = (await http.get(f"{lb_url}/healthz", timeout=1)).status_code
                except httpx.HTTPError as exc:
                    raise AssertionError("the balancer is not up yet") from exc
                assert status == 200

            await eventually(answers, timeout=10)
        yield Cluster(lb_url, {"a": a, "b": b})
    finally:
        lb.send_signal(signal.SIGTERM)
        lb.wait(timeout=10)
        a.stop()
        b.stop()
        SERVERS.pop(lb_url, None)


async def _metrics(process: ServerProcess) -> str:
    async with httpx.AsyncClient() as http:
        return (await http.get(f"{process.url}/metrics", timeout=5)).text


def _hosted(metrics: str) -> dict[str, int]:
    """Rooms this process hosts, with the updates relayed to each from other processes."""
    return {
        room: int(float(n))
        for room, n in re.findall(r'^kring_redis_relayed_updates_by_room\{room="([^"]+)"\} (\S+)$', metrics, re.M)
    }


def _counter(metrics: str, name: str) -> int:
    found = re.search(rf"^{name} (\S+)$", metrics, re.M)
    assert found is not None
    return int(float(found.group(1)))


def _relayed_total(metrics: str) -> int:
    return _counter(metrics, "kring_redis_relayed_updates_total")


async def _connected(clients: list[RoutedClient]) -> None:
    for client in clients:
        await client.connect()
        await asyncio.wait_for(client.synced.wait(), 10)


def _same(clients: list[RoutedClient]) -> None:
    assert len({tuple(sorted(c.values())) for c in clients}) == 1


def _converged(clients: list[RoutedClient], items: int) -> None:
    _same(clients)
    assert len(clients[0].values()) == items


async def test_a_rooms_sockets_reach_one_process_and_nothing_is_relayed(cluster: Cluster) -> None:
    rooms = ["kamer-een", "kamer-twee", "kamer-drie", "kamer-vier"]
    clients = {room: [RoutedClient(cluster.url, room) for _ in range(4)] for room in rooms}
    for members in clients.values():
        await _connected(members)
    for room, members in clients.items():
        for n, client in enumerate(members):
            client.items.append(f"{room}-{n}")
        for client in members:
            await client.all_acked()
    for members in clients.values():
        await eventually(lambda m=members: _converged(m, 4), timeout=10)  # type: ignore[misc]
    hosted = {name: _hosted(await _metrics(p)) for name, p in cluster.processes.items()}
    for room in rooms:
        # Exactly one process has the room, and no update of it came through Redis.
        holders = [name for name, by_room in hosted.items() if room in by_room]
        assert len(holders) == 1, (room, hosted)
        assert hosted[holders[0]][room] == 0
    unshared = 0
    for process in cluster.processes.values():
        metrics = await _metrics(process)
        assert _relayed_total(metrics) == 0
        unshared += _counter(metrics, "kring_redis_updates_unshared_total")
    # Nor were they published: no other process hosts their rooms.
    assert unshared >= len(rooms) * 4
    for members in clients.values():
        for client in members:
            await client.disconnect()


async def test_the_token_decides_the_room_not_the_url(cluster: Cluster) -> None:
    owner = RoutedClient(cluster.url, "echte-kamer")
    await _connected([owner])
    owner.items.append("van de echte kamer")
    await owner.all_acked()
    # Routed as another room, but authorised for this one: the socket is in the token's room.
    stray = RoutedClient(cluster.url, "echte-kamer", route="andere-kamer")
    await _connected([stray])
    assert stray.values() == ["van de echte kamer"]
    for client in (owner, stray):
        await client.disconnect()


async def test_a_killed_process_hands_its_rooms_over_and_loses_nothing_acknowledged(
    cluster: Cluster, postgres_url: str
) -> None:
    room = "overval"
    writers = [RoutedClient(cluster.url, room) for _ in range(4)]
    await _connected(writers)
    hosted = {name: _hosted(await _metrics(p)) for name, p in cluster.processes.items()}
    [holder] = [name for name, by_room in hosted.items() if room in by_room]
    [survivor] = [name for name in cluster.processes if name != holder]

    acked: set[str] = set()

    async def burst(client: BoardClient, tag: str) -> None:
        for i in range(300):
            value = f"{tag}-{i}"
            client.last_ack = None
            client.items.append(value)
            if client.last_ack is not None:
                client.last_ack.add_done_callback(lambda t, v=value: acked.add(v) if _saved(t) else None)
            await asyncio.sleep(0.003)

    bursts = [asyncio.create_task(burst(c, f"w{n}")) for n, c in enumerate(writers)]
    await eventually(lambda: _check(len(acked) > 50), timeout=20)
    cluster.processes[holder].kill()
    acked_at_kill = set(acked)
    await asyncio.gather(*bursts, return_exceptions=True)
    assert 0 < len(acked_at_kill) < 4 * 300  # the kill landed mid-meeting
    assert acked_at_kill <= await _stored_values(postgres_url, room)

    # The phones come back through the balancer, which now sends the room to the other process.
    for client in writers:
        await _reconnect(client, cluster.url)
    await eventually(lambda: _same(writers), timeout=20)
    assert room in _hosted(await _metrics(cluster.processes[survivor]))

    fresh = RoutedClient(cluster.url, room)
    await _connected([fresh])
    await eventually(lambda: _check(acked <= set(fresh.values())), timeout=10)
    for client in [*writers, fresh]:
        await client.disconnect()


async def _reconnect(client: BoardClient, url: str) -> None:
    # As a phone does: retry until it is back (socket.io-client backs off; so does this, briefly).
    for attempt in range(20):
        try:
            await client.reconnect_to(url)
            await asyncio.wait_for(client.synced.wait(), 10)
            return
        except (socketio.exceptions.ConnectionError, TimeoutError):
            if attempt == 19:
                raise
            await asyncio.sleep(0.5)


def _check(condition: bool) -> None:
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
