"""A phone used by keyboard alone (a switch user, a screen-reader user): every action of the board is
reached with Tab and done with Enter or Space, and each change is announced in the live region."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect
from pycrdt import Map, Text

from tests.browser import browser, require_bundles
from tests.test_browser_board import meeting_with_room, phone_in
from tests.test_browser_meetings import CONSOLE, logged_in_context
from tests.utils import RunningServer

__all__ = ["browser"]

pytestmark = pytest.mark.browser


async def tab_to(page: Page, selector: str, most: int = 250) -> None:
    """Press Tab until `selector` has the focus; fails if the Tab order never reaches it."""
    target = page.locator(selector).first
    for _ in range(most):
        if await target.evaluate("el => el === document.activeElement"):
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


async def test_a_phone_works_by_keyboard_alone(server: RunningServer, browser: Browser) -> None:
    require_bundles("phone")
    console = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(console, server, "Gezin K")

    def prepare(doc: Any) -> None:
        doc.get("framework", type=Map)["w1"] = Map(
            {"category": "strengths", "text": Text("Oma haalt de kinderen op"), "by": "f:1", "order": 1}
        )
        doc.get("poll", type=Map)["r1"] = Map({"title": "Hoe veilig nu?", "status": "open", "order": 1})
        doc.get("agreements", type=Map)["a1"] = Map(
            {"section": "immediate", "text": Text("Oma is bij elk bezoek"), "status": "agreed", "order": 1}
        )

    await server.kring.live.edit(room["id"], "board", prepare)
    phone = await phone_in(browser, server, console, room, "Truus Jansen", "family")
    page = phone.page
    live = page.locator("#live")

    # Score: Tab to the button "7", press Enter.
    await tab_to(page, ".score-button[data-value='7']")
    await page.keyboard.press("Enter")
    await expect(page.locator(".score-button[data-value='7']")).to_have_attribute("aria-pressed", "true")
    await expect(live).not_to_be_empty()

    # Mark agreement on an item, with Space.
    await tab_to(page, "#board .card button[aria-label^='Eens']")
    await page.keyboard.press("Space")
    await expect(page.locator("#board .card button[aria-label^='Eens']")).to_have_attribute("aria-pressed", "true")

    # Claim a rule.
    announced = await live.text_content()
    await tab_to(page, ".claim-button")
    await page.keyboard.press("Enter")
    await expect(page.locator(".claim-waiting").first).to_be_visible()
    await expect(live).not_to_have_text(announced or "")

    # Propose: open the form, choose a category, type, send — all from the keyboard.
    await tab_to(page, ".propose-box summary")
    await page.keyboard.press("Enter")
    await tab_to(page, "#propose-text")
    await page.keyboard.type("Ik breng de kinderen naar school")
    await tab_to(page, "#propose button[type=submit]")
    await page.keyboard.press("Enter")
    await expect(page.locator(".my-proposal", has_text="Ik breng de kinderen")).to_be_visible()

    # Every change above is saved on the server, and the focus is visible where it stands.
    await expect(page.locator("#status")).to_have_attribute("data-state", "saved")
    outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    await phone.context.close()
    await console.close()
