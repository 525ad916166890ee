"""In real Chromium: when the public address is this computer only, the console's meeting page and
the wall say that phones cannot reach it, in a status line beside the board; with a network
address they say nothing."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, BrowserContext, expect

from server.settings import Settings
from tests.browser import browser, require_bundles, watched_page
from tests.meetings_helpers import PASSWORD
from tests.utils import RunningServer, run_server

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

EMAIL = "fatima@example.org"
WARNING = "Telefoons kunnen dit adres niet bereiken"


async def open_meeting(browser: Browser, server: RunningServer) -> tuple[BrowserContext, str, str]:
    """A logged-in console, the page of a new one-room meeting and the room's projector link."""
    await server.kring.meetings.add_facilitator(EMAIL, "Fatima", PASSWORD)
    context = await browser.new_context(viewport={"width": 1366, "height": 768}, base_url=server.url)
    origin = {"Origin": server.url}
    assert (await context.request.post("/api/session", data={"email": EMAIL, "password": PASSWORD}, headers=origin)).ok
    case = await (await context.request.post("/api/cases", data={"label": "Gezin R"}, headers=origin)).json()
    path = f"/api/cases/{case['id']}/meetings"
    meeting = await (await context.request.post(path, data={"title": "Beraad"}, headers=origin)).json()
    link = await context.request.post(f"/api/rooms/{meeting['rooms'][0]['id']}/projector", data={}, headers=origin)
    return context, f"/console/meetings/{meeting['id']}", (await link.json())["url"]


async def test_console_and_wall_warn_when_the_address_is_this_computer_only(
    server: RunningServer, browser: Browser
) -> None:
    require_bundles("meeting", "projector")
    assert server.settings.public_url.startswith("http://127.0.0.1:")
    console_context, console_path, projector_path = await open_meeting(browser, server)
    console = await watched_page(console_context)
    await console.page.goto(console_path)
    host = server.settings.public_url.removeprefix("http://")
    notice = console.page.get_by_role("status").filter(has_text=WARNING)
    await expect(notice).to_be_visible()
    await expect(notice).to_have_text(f"{WARNING} ({host}). Start met HOST en PUBLIC_URL: zie README.")
    # Beside the board, not over it: the board's column stays below the notice.
    column = console.page.locator(".room-column").first
    await expect(column).to_be_visible()
    notice_box, column_box = await notice.bounding_box(), await column.bounding_box()
    assert notice_box is not None and column_box is not None
    assert notice_box["y"] + notice_box["height"] <= column_box["y"]

    wall_context = await browser.new_context(viewport={"width": 1920, "height": 1080}, base_url=server.url)
    wall = await watched_page(wall_context)
    await wall.page.goto(f"{projector_path.split('#')[0]}?lang=en#{projector_path.split('#', 1)[1]}")
    said = wall.page.get_by_role("status").filter(has_text="Phones cannot reach this address")
    await expect(said).to_be_visible()
    await expect(said).to_have_text(
        f"Phones cannot reach this address ({host}). Start with HOST and PUBLIC_URL: see the README."
    )
    for watched in (console, wall):
        await watched.assert_clean()
    for context in (console_context, wall_context):
        await context.close()


async def test_a_network_address_shows_no_warning(settings: Settings, browser: Browser) -> None:
    require_bundles("meeting", "projector")
    async with run_server(settings.with_(public_url="http://192.168.1.20:8000")) as server:
        console_context, console_path, projector_path = await open_meeting(browser, server)
        console = await watched_page(console_context)
        await console.page.goto(console_path)
        # The notice would be drawn with the page's header, which is there now.
        await expect(console.page.locator(".room-column").first).to_be_visible()
        assert await console.page.locator(".local-only").count() == 0

        wall_context = await browser.new_context(viewport={"width": 1920, "height": 1080}, base_url=server.url)
        wall = await watched_page(wall_context)
        await wall.page.goto(projector_path)
        # The join panel and the notice follow from the same answer about the room.
        await expect(wall.page.locator(".wall-code")).not_to_be_empty()
        await expect(wall.page.locator(".local-only")).to_be_hidden()
        for context in (console_context, wall_context):
            await context.close()
