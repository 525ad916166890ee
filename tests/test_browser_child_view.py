"""A child's phone in real Chromium at 360 px: the child view (the rules' children's texts, the Three
Houses shown to the room), axe-clean, and not one byte of the danger statements or the rules' adult
texts on its socket; the facilitator's "full board (16+)" switch turns it into the board and back."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, expect
from pycrdt import Doc, Map, Text

from tests.browser import ARTIFACTS, assert_axe_clean, browser, require_bundles, watched_page
from tests.test_browser_board import meeting_with_room, phone_in
from tests.test_browser_meetings import CONSOLE, add_item, logged_in_context, no_horizontal_scroll
from tests.utils import RunningServer

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

# ASCII, so its bytes are the same in a Yjs update, a msgpack frame and the page's text.
CANARY = "KANARIE"


async def test_a_child_sees_the_child_view_and_the_facilitator_switches_it(
    server: RunningServer, browser: Browser
) -> None:
    require_bundles("meeting", "phone")
    console_context = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(console_context, server, "Gezin K-2026")
    console = await watched_page(console_context)
    await console.page.goto(f"/console/meetings/{room['meeting_id']}")
    column = console.page.locator(".room-column")
    await expect(column.locator(".status")).to_have_attribute("data-state", "saved")
    await add_item(column, "danger", f"{CANARY} gevaar voor de kinderen")

    def plan(doc: Doc[Any]) -> None:
        rules = doc.get("agreements", type=Map)
        rules["r1"] = Map(
            {
                "text": Text(f"{CANARY} afspraak"),
                "for_children": "Oma brengt je naar school",
                "status": "agreed",
                "order": 1,
            }
        )
        rules["r2"] = Map({"text": Text(f"{CANARY} zonder kindertekst"), "order": 2})
        doc.get("childtools", type=Map)["e1"] = Map(
            {"house": "dreams", "visibility": "room", "text": Text("Samen naar de dierentuin")}
        )

    await server.kring.registry.rooms[room["id"]].edit("board", plan)

    sem = await phone_in(browser, server, console_context, room, "Sem", "child")
    page = sem.page
    await expect(page.get_by_role("heading", level=1)).to_have_text("Voor jou")
    await expect(page.locator(".child-rule")).to_have_text(["Oma brengt je naar school"])
    await expect(page.locator(".child-board .child-words")).to_have_text(["Samen naar de dierentuin"])
    assert CANARY not in await page.locator("body").inner_text()
    assert not any(CANARY.encode() in frame for frame in sem.frames)
    # Its presence reaches the console (the child hears nobody's: presence may carry anything).
    await expect(column.locator(".person", has_text="Sem").locator(".badge-live")).to_be_visible()
    await no_horizontal_scroll(page)
    await assert_axe_clean(page, "the child view at 360 px")
    await page.screenshot(path=str(ARTIFACTS / "phone-child-view-360x740.png"), full_page=True)

    # The facilitator switches Sem to the full board: the phone starts again with the board.
    switch = column.locator(".person", has_text="Sem").get_by_role("button", name="Volledig bord voor Sem (16+)")
    await expect(switch).to_have_attribute("aria-pressed", "false")
    await switch.click()
    await expect(switch).to_have_attribute("aria-pressed", "true")
    await expect(page.locator(".board-view .card-text", has_text=f"{CANARY} gevaar")).to_be_visible()
    await expect(page.locator("#status")).to_have_attribute("data-state", "saved")

    # And back: the child view again, the board gone from the page.
    await switch.click()
    await expect(switch).to_have_attribute("aria-pressed", "false")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Voor jou")
    await expect(page.locator(".child-rule")).to_have_text(["Oma brengt je naar school"])
    assert CANARY not in await page.locator("body").inner_text()
    actions = [e.action for e in await server.kring.meetings.audit_entries()]
    assert actions.count("child_full_board") == 1 and actions.count("child_view") == 1, actions

    await sem.watched.assert_clean()
    await console.assert_clean()
    await sem.context.close()
    await console_context.close()
