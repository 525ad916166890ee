"""Admission in real Chromium with the polls shut out: a phone on the waiting screen goes to the board
when it is let in, and the console shows someone new waiting, each by what the server pushes."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from playwright.async_api import Browser, Route, expect

from tests.browser import browser, require_bundles, watched_page
from tests.test_browser_board import ORIGIN_HEADER, meeting_with_room
from tests.test_browser_meetings import CONSOLE, join, logged_in_context, new_phone
from tests.utils import RunningServer

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)


async def test_a_waiting_phone_goes_to_the_board_without_asking(server: RunningServer, browser: Browser) -> None:
    require_bundles("join", "phone")
    console = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(console, server, "Gezin M-2026")
    phone = await new_phone(browser)
    asked: list[str] = []

    async def no_answer(route: Route) -> None:
        # The waiting screen's status poll never gets through: whatever it learns comes over its
        # connection. (The board page asks too, once it is there.)
        if "/join" not in phone.page.url:
            await route.continue_()
            return
        asked.append(route.request.url)
        await route.abort()

    await phone.page.route("**/api/join/status", no_answer)
    await join(phone, server, room["join_code"], "Oma Truus", "family", via_link=False)
    listed = await (await console.request.get(f"/api/meetings/{room['meeting_id']}")).json()
    [waiting] = listed["rooms"][0]["participants"]
    admitted = await console.request.post(
        f"/api/participants/{waiting['id']}/admit", data={}, headers={ORIGIN_HEADER: server.url}
    )
    assert admitted.status == 200
    await phone.page.wait_for_url(re.compile(r"/board"))
    await expect(phone.page.locator("#status")).to_have_attribute("data-state", "saved")
    assert asked  # the poll was tried, and shut out
    # The shut-out requests are the only errors.
    assert set(phone.watched.errors) <= {"Failed to load resource: net::ERR_FAILED"}
    assert phone.watched.dialogs == []


async def test_the_console_shows_someone_waiting_with_its_timers_stopped(
    server: RunningServer, browser: Browser
) -> None:
    require_bundles("meeting")
    context = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(context, server, "Gezin M-2026")
    console = await watched_page(context)
    page = console.page
    await page.clock.install()
    await page.goto(f"/console/meetings/{room['meeting_id']}")
    column = page.locator(".room-column")
    await expect(column.locator(".status")).to_have_attribute("data-state", "saved")
    # No timer of the page fires from here on, so its poll cannot bring the news.
    now: float = await page.evaluate("Date.now()")
    await page.clock.pause_at(datetime.fromtimestamp(now / 1000 + 0.05))

    phone = await new_phone(browser)
    joined = await phone.context.request.post(
        f"{server.url}/api/join",
        data={"code": room["join_code"], "name": "Karel de Vries", "relation": "friend"},
        headers={ORIGIN_HEADER: server.url},
    )
    assert joined.status == 201
    waiting = column.locator(".people-group.waiting .person-name")
    await expect(waiting).to_have_text(["Karel de Vries"])
    await expect(page.locator("#live")).to_contain_text("Karel de Vries")
    await console.assert_clean()
