"""The phone says what is happening (issue 12), in real Chromium at 360 px: the connection's state stays
in view at the bottom of a board many screens long and when the phone goes offline; each action shows
whether it waits, is saved (the server's durable ack) or was refused, and why; the page starts with
what is asked of this person now and has jump links to its parts."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from tests.browser import ARTIFACTS, browser, require_bundles, watched_page
from tests.test_browser_board import meeting_with_room, phone_in, propose
from tests.test_browser_meetings import CONSOLE, add_item, logged_in_context, min_target, no_horizontal_scroll
from tests.utils import RunningServer

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

# About 1,900 characters: at 360 px each card is over a thousand pixels high.
LONG = "Oma haalt de kinderen op dinsdag op en blijft tot het avondeten. " * 29


async def test_the_phone_says_what_is_happening(server: RunningServer, browser: Browser) -> None:
    require_bundles("meeting", "phone")
    console_context = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(console_context, server, "Gezin P-2026")
    console = await watched_page(console_context)
    await console.page.goto(f"/console/meetings/{room['meeting_id']}")
    column = console.page.locator(".room-column")
    await expect(column.locator(".status")).to_have_attribute("data-state", "saved")
    truus = await phone_in(browser, server, console_context, room, "Truus Jansen", "family")
    page = truus.page
    status = page.locator("#status")

    # -- on top, what is asked now: nothing yet, then the open scaling question -----------------------------
    now = page.get_by_role("region", name="Nu van jou gevraagd")
    await expect(now.locator(".empty")).to_have_text(re.compile("^Nu even niets"))
    await column.get_by_label("Titel van de ronde").fill("Hoe veilig nu?")
    await column.get_by_role("button", name="Ronde openen").click()
    await expect(now.locator(".score-button")).to_have_count(11)
    await expect(now.get_by_role("heading", name=re.compile("Hoe veilig nu"))).to_be_visible()
    await expect(now.locator(".empty")).to_have_count(0)

    # -- a board many screens long: the state stays in view at the bottom --------------------------------
    for n in range(1, 7):
        await add_item(column, "strengths", f"Punt {n}. {LONG}")
    await expect(page.locator("#board .card")).to_have_count(6)
    height: int = await page.evaluate("document.documentElement.scrollHeight")
    assert height >= 6000, height
    await page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    await expect(status).to_have_text("Verbonden")
    await expect(status).to_be_in_viewport(ratio=1)
    bar = await page.locator("header.topbar").bounding_box()
    assert bar is not None and bar["height"] <= 64, bar  # small: it takes little of a 740-px screen

    # -- offline: said in view, in words; a mark waits until the connection is back, then is saved --------
    last = page.locator("#board .card", has_text="Punt 6.")
    await truus.context.set_offline(True)
    await expect(status).to_have_attribute("data-state", "offline")
    await expect(status).to_have_text(re.compile("^Geen verbinding"))
    await expect(status).to_be_in_viewport(ratio=1)
    await expect(status).to_have_attribute("aria-live", "polite")
    await last.get_by_role("button", name=re.compile("^Eens:")).click()
    outcome = last.locator(".action-state")
    await expect(outcome).to_have_text("Wacht op opslaan")
    await expect(outcome).to_have_attribute("data-state", "waiting")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "phone-offline-bottom-360x740.png"))
    await truus.context.set_offline(False)
    await expect(outcome).to_have_text("Opgeslagen")
    await expect(outcome).to_have_attribute("data-state", "saved")
    await expect(status).to_have_text("Verbonden")
    await expect(column.locator(".card", has_text="Punt 6.").locator(".marks")).to_contain_text("Eens 1: Truus")

    # A suggestion too: saved once the server has stored it.
    await propose(truus, "strengths", "Buurvrouw Ans kan bellen")
    await expect(page.locator(".my-proposal", has_text="Buurvrouw Ans").locator(".action-state")).to_have_text(
        "Opgeslagen"
    )

    # -- refused: the round closed while the phone was offline, so its score is refused, and it says why --
    await truus.context.set_offline(True)
    await expect(status).to_have_attribute("data-state", "offline")
    await column.get_by_role("button", name="Ronde sluiten").click()
    await expect(column.get_by_role("button", name="Alle scores tonen")).to_be_visible()
    await now.locator(".score-button[data-value='7']").click()
    score_state = now.locator(".score-state")
    await expect(score_state).to_have_text("Wacht op opslaan")
    await truus.context.set_offline(False)
    await expect(score_state).to_have_text("Niet opgeslagen: de ronde was al gesloten.")
    await expect(score_state).to_have_attribute("data-state", "refused")
    await expect(page.locator("#live")).to_contain_text("Niet opgeslagen: de ronde was al gesloten.")
    await expect(column.locator(".round-count")).to_have_text(re.compile("^0 van 1"))
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=str(ARTIFACTS / "phone-now-refused-360x740.png"))

    # -- jump links: a part's heading gets the focus, below the bar that stays on top --------------------
    nav = page.get_by_role("navigation", name="Op deze pagina")
    await nav.get_by_role("link", name="Afspraken").click()
    await expect(page.locator("#plan-title")).to_be_focused()
    await expect(page.locator("#plan-title")).to_be_in_viewport(ratio=1)
    heading_box = await page.locator("#plan-title").bounding_box()
    bar = await page.locator("header.topbar").bounding_box()
    assert heading_box is not None and bar is not None and heading_box["y"] >= bar["y"] + bar["height"], (heading_box, bar)
    await nav.get_by_role("link", name="Nu").click()
    await expect(page.locator("#now-title")).to_be_focused()
    await no_horizontal_scroll(page)
    await min_target(page, ".phone-nav a")

    await truus.watched.assert_clean()
    await console.assert_clean()
    await truus.context.close()
    await console_context.close()
