"""A phone keeps its place on the board while others edit it: the focused mark button, the text
someone selected and where the card stands on the screen all stay when items above it change and
new ones arrive (the board view is keyed by item, so it does not rebuild what did not change)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, expect
from pycrdt import Map, Text

from tests.browser import browser, require_bundles
from tests.test_browser_board import meeting_with_room, phone_in
from tests.test_browser_meetings import CONSOLE, logged_in_context
from tests.utils import RunningServer

__all__ = ["browser"]

pytestmark = pytest.mark.browser

ITEMS = 24
TARGET = 16  # an item well down the board, scrolled to the middle of the phone's screen


def item(text: str, order: int, category: str = "strengths") -> Map[Any]:
    return Map({"category": category, "text": Text(text), "by": "f:1", "order": order})


async def test_focus_selection_and_scroll_survive_edits_above(server: RunningServer, browser: Browser) -> None:
    require_bundles("phone")
    console = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(console, server, "Gezin P")

    def prepare(doc: Any) -> None:
        framework = doc.get("framework", type=Map)
        for n in range(ITEMS):
            framework[f"s{n:02d}"] = item(f"Sterk punt {n}: oma en buren letten samen op", n + 1)

    await server.kring.live.edit(room["id"], "board", prepare)
    phone = await phone_in(browser, server, console, room, "Truus Jansen", "family")
    page = phone.page
    card = page.locator(f"#board .card[data-key='s{TARGET:02d}']")
    await expect(card).to_be_visible()

    # Scroll the card to the middle, put the focus on its "agree" button and select its words.
    before: dict[str, Any] = await card.evaluate(
        """card => {
            card.scrollIntoView({block: 'center'})
            const button = card.querySelector('.mark-button.mark-agree')
            button.focus()
            const words = card.querySelector('.card-text')
            getSelection().selectAllChildren(words)
            window.__focused = button
            return {top: card.getBoundingClientRect().top, selected: getSelection().toString(),
                    focused: document.activeElement === button, scrolled: window.scrollY}
        }"""
    )
    assert before["focused"] and before["selected"].startswith(f"Sterk punt {TARGET}:"), before
    assert before["scrolled"] > 0, before

    # Someone else edits an item above it (much longer words now) and adds items above it.
    def edit_above(doc: Any) -> None:
        framework = doc.get("framework", type=Map)
        text = framework["s03"]["text"]
        text += " — en de school belt elke ochtend even met vader als Max er niet is" * 3
        framework["h00"] = item("Nieuwe zorg bovenaan het bord", 1, category="harm")
        framework["s00a"] = item("Nieuw sterk punt boven de rest", 0)

    await server.kring.live.edit(room["id"], "board", edit_above)
    await expect(page.locator("#board .card[data-key='h00']")).to_be_attached()
    await expect(page.locator("#board .card[data-key='s00a']")).to_be_attached()
    await expect(page.locator("#board .card[data-key='s03'] .card-text")).to_contain_text("elke ochtend")

    after: dict[str, Any] = await card.evaluate(
        """card => ({top: card.getBoundingClientRect().top, selected: getSelection().toString(),
                     focused: document.activeElement === window.__focused && window.__focused.isConnected,
                     scrolled: window.scrollY})"""
    )
    assert after["selected"] == before["selected"], after
    # The card stays where the person was looking: the page scrolled by what was added above it.
    assert abs(after["top"] - before["top"]) < 2, (before, after)
    assert after["scrolled"] > before["scrolled"], (before, after)
    # The same button, not a new one given the focus: a screen reader does not start over.
    assert after["focused"], "the focused mark button was replaced"

    # And the button still works from the keyboard where it stands.
    await page.keyboard.press("Space")
    await expect(card.locator(".mark-button.mark-agree")).to_have_attribute("aria-pressed", "true")
    await expect(page.locator("#status")).to_have_attribute("data-state", "saved")
    await phone.watched.assert_clean()
    await phone.context.close()
    await console.close()
