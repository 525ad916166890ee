"""The web client names its room in the Socket.IO URL (`?room=<id>`), so that a balancer can send every
socket of a room to one process (deploy/haproxy.cfg); in real Chromium, for the phone, the console and
the projector."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.async_api import Browser, Page, WebSocket, expect

from tests.browser import browser, require_bundles, watched_page
from tests.test_browser_board import meeting_with_room, open_projector, phone_in
from tests.test_browser_meetings import CONSOLE, logged_in_context
from tests.utils import RunningServer, eventually

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)


async def _socket_rooms(page: Page) -> list[list[str]]:
    """The `room` parameters of the Socket.IO WebSockets the page opens when it is loaded again."""
    opened: list[WebSocket] = []
    page.on("websocket", lambda ws: opened.append(ws))
    await page.reload()
    await expect(page.locator("#status")).to_have_attribute("data-state", "saved")
    return [parse_qs(urlsplit(ws.url).query).get("room", []) for ws in opened if "/socket.io/" in ws.url]


async def test_phone_console_and_wall_put_their_room_in_the_socket_url(server: RunningServer, browser: Browser) -> None:
    require_bundles("meeting", "phone")
    console_context = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(console_context, server, "Gezin K-2026")
    phone = await phone_in(browser, server, console_context, room, "Truus Jansen", "family")
    assert [room["id"]] in await _socket_rooms(phone.page)

    console = await watched_page(console_context)
    opened: list[WebSocket] = []
    console.page.on("websocket", lambda ws: opened.append(ws))
    await console.page.goto(f"/console/meetings/{room['meeting_id']}")
    await expect(console.page.locator(".room-column .status")).to_have_attribute("data-state", "saved")
    rooms = [parse_qs(urlsplit(ws.url).query).get("room", []) for ws in opened if "/socket.io/" in ws.url]
    assert [room["id"]] in rooms

    column = console.page.locator(".room-column").first
    projector_context, wall, _frames = await open_projector(console.page, column, browser)
    walls: list[WebSocket] = []
    wall.page.on("websocket", lambda ws: walls.append(ws))
    await wall.page.reload()
    await expect(wall.page.locator(".wall-room")).to_be_visible()

    def socket_opened() -> None:
        assert [ws for ws in walls if "/socket.io/" in ws.url]

    await eventually(socket_opened)
    assert [parse_qs(urlsplit(ws.url).query).get("room", []) for ws in walls if "/socket.io/" in ws.url] == [
        [room["id"]]
    ]
    for context in (projector_context, phone.context, console_context):
        await context.close()
