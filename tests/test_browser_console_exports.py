"""The console's way out of the board, in Chromium: each room's record, data and children's version
as links the facilitator can use, and a closed meeting deleted from the board after a confirm."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from tests.browser import browser, require_bundles, watched_page
from tests.test_browser_meetings import CONSOLE, logged_in_context
from tests.utils import RunningServer

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)


async def test_each_room_exports_and_a_closed_meeting_is_deleted_after_a_confirm(
    server: RunningServer, browser: Browser
) -> None:
    require_bundles("meeting")
    context = await logged_in_context(browser, server, CONSOLE)
    origin = {"Origin": server.url}
    case = await (await context.request.post("/api/cases", data={"label": "Gezin K"}, headers=origin)).json()
    meeting = await (
        await context.request.post(
            f"/api/cases/{case['id']}/meetings",
            data={"title": "Netwerkberaad", "rooms": ["Moeder", "Vader"]},
            headers=origin,
        )
    ).json()
    watched = await watched_page(context)
    page = watched.page
    await page.goto(f"/console/meetings/{meeting['id']}")
    for room in meeting["rooms"]:
        column = page.locator(f".room-column[data-room='{room['id']}']")
        links = column.get_by_role("navigation", name=f"Meenemen naar het dossier: {room['name']}").get_by_role("link")
        await expect(links).to_have_text(["Verslag (PDF)", "Gegevens (JSON)", "Kinderversie (PDF)"])
        hrefs = [await links.nth(i).get_attribute("href") for i in range(3)]
        assert hrefs == [f"/api/rooms/{room['id']}/{name}" for name in ("export.pdf", "export.json", "children.pdf")]
        for href in hrefs:  # what the link gives the facilitator's browser, with its session cookie
            response = await context.request.get(str(href))
            assert response.status == 200, (href, response.status)
        box = await links.first.bounding_box()
        assert box is not None and box["height"] >= 44

    # Closing first: only a closed meeting offers to delete itself from the board.
    assert await page.locator("#delete-meeting").count() == 0
    await page.locator("#close-meeting").click()
    await page.locator("#close-yes").click()
    await page.locator("#delete-meeting").click()
    await expect(page.locator("#delete-question")).to_contain_text("Neem eerst het verslag mee")
    await page.locator("#delete-yes").click()
    await page.wait_for_url(re.compile(r"/console$"))
    after = await context.request.get(f"/api/rooms/{meeting['rooms'][0]['id']}/export.json")
    assert after.status in (404, 410)
    await watched.assert_clean()
    await context.close()
