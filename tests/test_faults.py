"""Faults in the store, seen from the meeting: a store that goes away for a while, and commits that
fail. Nothing is acknowledged as saved that is not, the meeting goes on live meanwhile, and every
edit lands once the store is back — exactly once, with nothing half-written."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from playwright.async_api import Browser, expect
from pycrdt import Map
from sqlalchemy import func, select

from server.store.migrate import migrate
from server.store.models import RoomUpdate
from tests.browser import browser, log_in_as_room_facilitator, watched_page
from tests.test_store import PostgresOutage
from tests.utils import BoardClient, RunningServer, eventually, run_server, settings_for

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.postgres
ROOM = "storing"


@pytest.fixture
async def pg_server(tmp_path: Path, postgres_url: str) -> AsyncIterator[RunningServer]:
    settings = settings_for(tmp_path, env={"DATABASE_URL": postgres_url})
    await asyncio.to_thread(migrate, settings.database_url)
    async with run_server(settings) as running:
        yield running


def _check(condition: bool) -> None:
    assert condition


async def _readiness(server: RunningServer) -> tuple[int, dict[str, Any]]:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{server.url}/readyz")
    return response.status_code, response.json()


async def _failing_metric(server: RunningServer) -> float:
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"{server.url}/metrics")).text
    match = re.search(r"^kring_store_failing (\S+)$", text, re.MULTILINE)
    assert match is not None
    return float(match.group(1))


async def _connected(server: RunningServer) -> BoardClient:
    client = BoardClient(server.url, ROOM)
    await client.connect()
    await asyncio.wait_for(client.synced.wait(), 10)
    return client


async def _rows(server: RunningServer) -> int:
    async with server.kring.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(RoomUpdate)) or 0)


async def test_while_the_store_is_away_nothing_is_called_saved_and_everything_lands_after(
    pg_server: RunningServer, postgres_url: str
) -> None:
    writer, reader = await _connected(pg_server), await _connected(pg_server)
    notes = writer.doc.get("agreements", type=Map)
    notes["voor"] = "opgeslagen"
    await writer.all_acked()
    assert await _readiness(pg_server) == (200, {"ready": True, "checks": {"database": "ok"}})

    outage = PostgresOutage(postgres_url)
    await outage.begin()
    try:
        acks_before = len(writer.acks)
        for i in range(10):
            notes[f"tijdens-{i}"] = "nog niet opgeslagen"
        # The meeting goes on: the other phone sees every edit live ...
        seen = reader.doc.get("agreements", type=Map)
        await eventually(lambda: _check(all(f"tijdens-{i}" in seen for i in range(10))), timeout=10)
        # ... but nothing is acknowledged as saved, and the operator can see why.
        await eventually(lambda: _check(pg_server.kring.log.failing), timeout=15)
        assert len(writer.acks) == acks_before
        status, body = await _readiness(pg_server)
        assert status == 503 and body["checks"]["database"] != "ok"
        assert await _failing_metric(pg_server) == 1
    finally:
        await outage.end()

    await asyncio.wait_for(writer.all_acked(), 30)
    assert writer.acks[acks_before:] == [{"ok": True, "saved": True}] * 10
    assert (await _readiness(pg_server))[0] == 200
    stored = (await pg_server.kring.log.load(ROOM)).document("board").get("agreements", type=Map)
    assert dict(stored.to_py() or {}) == {
        "voor": "opgeslagen",
        **{f"tijdens-{i}": "nog niet opgeslagen" for i in range(10)},
    }
    for client in (writer, reader):
        await client.disconnect()


async def test_a_failing_commit_writes_nothing_half_and_everything_once_it_passes(
    pg_server: RunningServer, postgres_url: str
) -> None:
    writer = await _connected(pg_server)
    notes = writer.doc.get("agreements", type=Map)
    notes["voor"] = "1"
    await writer.all_acked()
    rows_before = await _rows(pg_server)

    # The database takes the connection but refuses the write inside the commit (as a full disk or
    # a broken constraint would): the whole group commit must roll back.
    admin = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    await admin.execute(
        """
        CREATE FUNCTION refuse_updates() RETURNS trigger AS $$
        BEGIN
          IF NEW.id % 2 = 0 THEN RAISE EXCEPTION 'disk full'; END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql;
        CREATE TRIGGER refuse BEFORE INSERT ON room_updates FOR EACH ROW EXECUTE FUNCTION refuse_updates();
        """
    )
    try:
        for i in range(12):
            notes[f"tijdens-{i}"] = str(i)
        await eventually(lambda: _check(pg_server.kring.log.stats.failures >= 2), timeout=15)
        assert pg_server.kring.log.failing
        # Each batch holds rows with odd and even ids: half of it would have gone in without the
        # transaction. Nothing did.
        assert await _rows(pg_server) == rows_before
        assert (await _readiness(pg_server))[1]["checks"]["database"] == "commits failing"
    finally:
        await admin.execute("DROP TRIGGER refuse ON room_updates; DROP FUNCTION refuse_updates();")
        await admin.close()

    await asyncio.wait_for(writer.all_acked(), 30)
    assert all(ack == {"ok": True, "saved": True} for ack in writer.acks)
    stored = (await pg_server.kring.log.load(ROOM)).document("board").get("agreements", type=Map)
    assert dict(stored.to_py() or {}) == {"voor": "1", **{f"tijdens-{i}": str(i) for i in range(12)}}
    # Once each: the retried batch did not leave copies behind.
    assert await _rows(pg_server) == rows_before + 12
    await writer.disconnect()


@pytest.mark.browser
async def test_the_facilitator_sees_not_saved_while_the_store_is_away(
    pg_server: RunningServer, postgres_url: str, browser: Browser
) -> None:
    context = await browser.new_context()
    await log_in_as_room_facilitator(context, pg_server.url, ROOM)
    watched = await watched_page(context)
    page = watched.page
    await page.goto(f"{pg_server.url}/r/{ROOM}")
    status = page.locator("#status")
    await expect(status).to_have_attribute("data-state", "saved", timeout=10_000)

    outage = PostgresOutage(postgres_url)
    await outage.begin()
    try:
        await page.fill("#item", "Oma haalt de kinderen op dinsdag")
        await page.press("#item", "Enter")
        await expect(status).to_have_attribute("data-state", "unsaved", timeout=10_000)
        await expect(status).to_have_text("1 wijziging nog niet opgeslagen")
        await eventually(lambda: _check(pg_server.kring.log.failing), timeout=15)
        await expect(status).to_have_attribute("data-state", "unsaved")  # still not claimed as saved
    finally:
        await outage.end()
    await expect(status).to_have_attribute("data-state", "saved", timeout=30_000)
    await watched.assert_clean()
    await context.close()
