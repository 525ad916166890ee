"""A child scores in real Chromium at 360 px: the child view shows big number buttons while a scaling
round is open, the child picks one by keyboard, the score lands in the child's own document (never
the question's words on its socket), axe-clean; the round closes and the control goes."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, expect
from pycrdt import Doc, Map, Text

from tests.browser import ARTIFACTS, assert_axe_clean, browser, require_bundles, watched_page
from tests.test_browser_board import meeting_with_room, phone_in
from tests.test_browser_meetings import CONSOLE, logged_in_context, no_horizontal_scroll
from tests.utils import RunningServer, eventually

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

CANARY = "KANARIE"


def _check(condition: bool) -> None:
    assert condition


async def test_a_child_gives_its_own_safety_score_from_the_child_view(server: RunningServer, browser: Browser) -> None:
    require_bundles("meeting", "phone")
    console_context = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(console_context, server, "Gezin S-2026")
    console = await watched_page(console_context)
    await console.page.goto(f"/console/meetings/{room['meeting_id']}")
    await expect(console.page.locator(".room-column .status")).to_have_attribute("data-state", "saved")
    live = server.kring.registry.rooms[room["id"]]

    sem = await phone_in(browser, server, console_context, room, "Sem", "child")
    page = sem.page
    await expect(page.get_by_role("heading", level=1)).to_have_text("Voor jou")
    await expect(page.locator(".child-score")).to_have_count(0)

    def open_round(doc: Doc[Any]) -> None:
        doc.get("poll", type=Map)["q1"] = Map({"title": Text(f"{CANARY} vraag"), "status": "open", "order": 1})

    await live.edit("board", open_round)
    group = page.get_by_role("group", name="Hoe veilig voel jij je?")
    await expect(group.get_by_role("button")).to_have_count(11)
    # By keyboard: to the 7 and Enter.
    seven = group.get_by_role("button", name="7", exact=True)
    await seven.focus()
    await page.keyboard.press("Enter")
    await expect(seven).to_have_attribute("aria-pressed", "true")
    await expect(page.locator(".child-score-state")).to_have_text("Je koos 7. Dank je!")
    await expect(page.locator(".child-score-state")).to_have_attribute("data-state", "saved")
    pid = next(p.id for p in await server.kring.meetings.participants_of(room["id"]) if p.name == "Sem")

    def stored() -> Any:
        entry = live.doc(f"p.{pid}").get("scores", type=Map).get("q1")
        return entry.get("value") if isinstance(entry, Map) else None

    await eventually(lambda: _check(stored() == 7))
    # Changed its mind: a click on 3.
    await group.get_by_role("button", name="3", exact=True).click()
    await expect(group.get_by_role("button", name="3", exact=True)).to_have_attribute("aria-pressed", "true")
    await expect(seven).to_have_attribute("aria-pressed", "false")
    await eventually(lambda: _check(stored() == 3))

    await no_horizontal_scroll(page)
    await assert_axe_clean(page, "the child view with its score at 360 px")
    await page.screenshot(path=str(ARTIFACTS / "phone-child-score-360x740.png"), full_page=True)
    assert CANARY not in await page.locator("body").inner_text()
    assert not any(CANARY.encode() in frame for frame in sem.frames)

    # The round closes: the control goes.
    await live.edit("board", lambda d: d.get("poll", type=Map)["q1"].__setitem__("status", "closed"))
    await expect(page.locator(".child-score")).to_have_count(0)

    await sem.watched.assert_clean()
    await console.assert_clean()
    await sem.context.close()
    await console_context.close()
