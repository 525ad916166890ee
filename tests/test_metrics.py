"""/metrics: the operator's numbers in Prometheus format, reachable from loopback or with a token,
and never a room name or any content."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pycrdt import Map

from server.store.migrate import migrate
from tests.meetings_helpers import from_address
from tests.utils import BoardClient, RunningServer, eventually, run_server, settings_for

ROOM = "metriek-kamer"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    settings = settings_for(tmp_path, metrics_token="geheim-voor-prometheus")
    await asyncio.to_thread(migrate, settings.database_url)
    async with run_server(settings) as running:
        yield running


def sample(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert match is not None, name
    return float(match.group(1))


async def scrape(server: RunningServer) -> str:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{server.url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_metrics_count_what_the_process_did(server: RunningServer) -> None:
    before = await scrape(server)
    assert sample(before, "kring_connections") == 0
    client = BoardClient(server.url, ROOM)
    await client.connect()
    await asyncio.wait_for(client.synced.wait(), 10)
    notes = client.doc.get("agreements", type=Map)
    for i in range(3):
        notes[f"punt-{i}"] = f"geheime inhoud {i}"
    await client.all_acked()

    after = await scrape(server)
    assert sample(after, "kring_connections") == 1
    assert sample(after, "kring_rooms_loaded") == 1
    assert sample(after, "kring_updates_in_total") >= 3
    assert sample(after, "kring_updates_stored_total") >= 3
    assert sample(after, "kring_bytes_in_total") > sample(before, "kring_bytes_in_total")
    assert sample(after, "kring_store_commits_total") >= 1
    assert sample(after, "kring_store_commit_seconds_count") == sample(after, "kring_store_commits_total")
    assert sample(after, "kring_store_failing") == 0
    # Memory as RSS and as the allocators see it, to tell a leak from fragmentation.
    assert sample(after, "kring_process_resident_bytes") > sample(after, "kring_malloc_in_use_bytes") > 0
    assert sample(after, "kring_malloc_free_bytes") >= 0
    assert sample(after, "kring_python_allocated_blocks") > 0
    # Only numbers: not the room, not what was written.
    assert ROOM not in after and "geheime inhoud" not in after

    # A refused frame is counted by its reason.
    await client.sio.call("sync", ("board", b"\x00\x02\xff"), timeout=5)
    refused = await scrape(server)
    assert 'kring_refused_total{reason="malformed"} 1' in refused

    # The loop-lag sampler runs on its own.
    await eventually(lambda: _loop_lag_sampled(server), timeout=5)
    await client.disconnect()
    await eventually(lambda: _connections_zero(server), timeout=5)


async def _loop_lag_sampled(server: RunningServer) -> None:
    assert sample(await scrape(server), "kring_event_loop_lag_seconds_count") > 0


async def _connections_zero(server: RunningServer) -> None:
    assert sample(await scrape(server), "kring_connections") == 0


async def test_metrics_need_loopback_or_the_token(server: RunningServer) -> None:
    async with from_address(server, "10.1.2.3") as http:  # the same app, as if from another host
        assert (await http.get("/metrics")).status_code == 404
        assert (await http.get("/metrics", headers={"Authorization": "Bearer fout"})).status_code == 404
        ok = await http.get("/metrics", headers={"Authorization": "Bearer geheim-voor-prometheus"})
        assert ok.status_code == 200 and "kring_connections" in ok.text


async def test_internal_counters_keep_what_unloaded_rooms_counted(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, room_idle_seconds=0.05)
    await asyncio.to_thread(migrate, settings.database_url)
    async with run_server(settings) as running:
        client = BoardClient(running.url, ROOM)
        await client.connect()
        await asyncio.wait_for(client.synced.wait(), 10)
        client.doc.get("agreements", type=Map)["punt"] = "inhoud"
        await client.all_acked()
        await client.disconnect()
        await eventually(lambda: _unloaded(running), timeout=10)

        async with httpx.AsyncClient() as http:
            counters = (await http.get(f"{running.url}/internal/counters")).json()
        assert counters["rooms"]["live"] == 0
        assert counters["rooms"]["updates_stored"] >= 1  # the unloaded room's update still counts
        assert counters["loop"]["lag_samples"] > 0
        assert {"lag_over_5ms", "lag_over_100ms"} <= set(counters["loop"])
        assert counters["memory"]["python_blocks"] > 0
        assert counters["memory"]["resident"] > counters["memory"]["malloc_in_use"] > 0
        assert "inhoud" not in str(counters) and ROOM not in str(counters)


async def _unloaded(server: RunningServer) -> None:
    assert server.kring.registry.unloaded == 1
