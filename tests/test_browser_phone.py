"""The phone says what is happening (issue 12), in real Chromium at 360 px: the connection's state stays
in view at the bottom of a board many screens long and when the phone goes offline; each action shows
whether it waits, is saved (the server's durable ack) or was refused, and why; the page starts with
what is asked of this person now and has jump links to its parts."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from playwright.async_api import Browser, BrowserContext, Locator, expect

from tests.browser import ARTIFACTS, Watched, browser, require_bundles, watched_page
from tests.test_browser_board import meeting_with_room, phone_in, propose
from tests.test_browser_meetings import (
    CONSOLE,
    Phone,
    add_item,
    logged_in_context,
    min_target,
    no_horizontal_scroll,
)
from tests.utils import RunningServer

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

# About 1,900 characters: at 360 px each card is over a thousand pixels high.
LONG = "Oma haalt de kinderen op dinsdag op en blijft tot het avondeten. " * 29


@dataclass
class Meeting:
    console_context: BrowserContext
    console: Watched
    column: Locator
    truus: Phone


@pytest.fixture
async def meeting(server: RunningServer, browser: Browser) -> AsyncIterator[Meeting]:
    """A facilitator's console on a one-room meeting, and Truus's phone (360 px) on its board."""
    require_bundles("meeting", "phone")
    console_context = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(console_context, server, "Gezin P-2026")
    console = await watched_page(console_context)
    await console.page.goto(f"/console/meetings/{room['meeting_id']}")
    column = console.page.locator(".room-column")
    await expect(column.locator(".status")).to_have_attribute("data-state", "saved")
    truus = await phone_in(browser, server, console_context, room, "Truus Jansen", "family")
    yield Meeting(console_context, console, column, truus)
    await truus.watched.assert_clean()
    await console.assert_clean()
    await truus.context.close()
    await console_context.close()


async def open_round(column: Locator, title: str) -> None:
    await column.get_by_label("Titel van de ronde").fill(title)
    await column.get_by_role("button", name="Ronde openen").click()


async def test_the_connection_state_stays_in_view(meeting: Meeting) -> None:
    page = meeting.truus.page
    status = page.locator("#status")
    for n in range(1, 7):
        await add_item(meeting.column, "strengths", f"Punt {n}. {LONG}")
    await expect(page.locator("#board .card")).to_have_count(6)
    height: int = await page.evaluate("document.documentElement.scrollHeight")
    assert height >= 6000, height

    await page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    await expect(status).to_have_text("Verbonden")
    await expect(status).to_be_in_viewport(ratio=1)
    bar = await page.locator("header.topbar").bounding_box()
    assert bar is not None and bar["height"] <= 64, bar  # small: it takes little of a 740-px screen

    await meeting.truus.context.set_offline(True)
    await expect(status).to_have_attribute("data-state", "offline")
    await expect(status).to_have_text(re.compile("^Geen verbinding"))  # in words, not only the dot's colour
    await expect(status).to_be_in_viewport(ratio=1)
    await expect(status).to_have_attribute("aria-live", "polite")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "phone-offline-bottom-360x740.png"))
    await meeting.truus.context.set_offline(False)
    await expect(status).to_have_text("Verbonden")
    await expect(status).to_be_in_viewport(ratio=1)
    await no_horizontal_scroll(page)


async def test_each_action_says_waiting_saved_or_refused(meeting: Meeting) -> None:
    truus, column = meeting.truus, meeting.column
    page = truus.page
    await add_item(column, "strengths", "Oma haalt de kinderen op")
    await open_round(column, "Hoe veilig nu?")
    card = page.locator("#board .card", has_text="Oma haalt de kinderen op")
    await expect(page.locator(".score-button")).to_have_count(11)

    # Offline, a mark waits (the ack is held back with the connection), then is saved once it is back.
    await truus.context.set_offline(True)
    await expect(page.locator("#status")).to_have_attribute("data-state", "offline")
    await card.get_by_role("button", name=re.compile("^Eens:")).click()
    outcome = card.locator(".action-state")
    await expect(outcome).to_have_text("Wacht op opslaan")
    await expect(outcome).to_have_attribute("data-state", "waiting")
    await truus.context.set_offline(False)
    await expect(outcome).to_have_text("Opgeslagen")
    await expect(outcome).to_have_attribute("data-state", "saved")
    await expect(column.locator(".card", has_text="Oma haalt de kinderen op").locator(".marks")).to_contain_text(
        "Eens 1: Truus"
    )

    await propose(truus, "strengths", "Buurvrouw Ans kan bellen")
    await expect(page.locator(".my-proposal", has_text="Buurvrouw Ans").locator(".action-state")).to_have_text(
        "Opgeslagen"
    )

    # Withdrawn offline after the facilitator put it on the board: refused, said on the suggestion.
    await truus.context.set_offline(True)
    await expect(page.locator("#status")).to_have_attribute("data-state", "offline")
    await column.locator(".inbox").get_by_role("button", name="Voorstel van Truus op het bord zetten").click()
    await expect(column.locator(".board-view .card-text", has_text="Buurvrouw Ans")).to_be_visible()
    await page.get_by_role("button", name=re.compile("^Intrekken: Buurvrouw Ans")).click()
    withdrawn = page.locator(".my-proposal", has_text="Buurvrouw Ans")
    await expect(withdrawn.locator(".action-state")).to_have_text("Wacht op opslaan")
    await truus.context.set_offline(False)
    await expect(withdrawn.locator(".action-state")).to_have_text(
        "Niet opgeslagen: de gespreksleider had er al over beslist."
    )
    await expect(withdrawn.locator(".proposal-status")).to_have_text("op het bord")

    # The round closes while the phone is offline: its score is refused, and it says why, there.
    await truus.context.set_offline(True)
    await expect(page.locator("#status")).to_have_attribute("data-state", "offline")
    await column.get_by_role("button", name="Ronde sluiten").click()
    await expect(column.get_by_role("button", name="Alle scores tonen")).to_be_visible()
    await page.locator(".score-button[data-value='7']").click()
    score_state = page.locator(".phone-scale .score-state")
    await expect(score_state).to_have_text("Wacht op opslaan")
    await truus.context.set_offline(False)
    await expect(score_state).to_have_text("Niet opgeslagen: de ronde was al gesloten.")
    await expect(score_state).to_have_attribute("data-state", "refused")
    await expect(page.locator("#live")).to_contain_text("Niet opgeslagen: de ronde was al gesloten.")
    await expect(column.locator(".round-count")).to_have_text(re.compile("^0 van 1"))
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=str(ARTIFACTS / "phone-now-refused-360x740.png"))
    # The refused score stayed in the phone's copy of its document; it starts over from the server's,
    # so the next round's score is not refused with it.
    await column.get_by_role("button", name="Alle scores tonen").click()
    await open_round(column, "Tweede ronde")
    await expect(page.get_by_role("heading", name=re.compile("Tweede ronde"))).to_be_visible()
    await page.locator(".score-button[data-value='5']").click()
    await expect(score_state).to_have_text("Opgeslagen")


async def test_the_page_starts_with_what_is_asked_now(meeting: Meeting) -> None:
    page, column = meeting.truus.page, meeting.column
    now = page.get_by_role("region", name="Nu van jou gevraagd")
    await expect(now.locator(".empty")).to_have_text(re.compile("^Nu even niets"))
    await open_round(column, "Hoe veilig nu?")
    await expect(now.locator(".score-button")).to_have_count(11)
    await expect(now.get_by_role("heading", name=re.compile("Hoe veilig nu"))).to_be_visible()
    await expect(now.locator(".empty")).to_have_count(0)

    # A rule naming Truus asks her to take it on, from the top of the page.
    plan = column.locator(".plan-box")
    await plan.locator("summary").click()
    await plan.get_by_label("Wat gaat er gebeuren?").fill("Truus belt elke zondag")
    await plan.get_by_role("button", name="Afspraak toevoegen").click()
    ask = now.locator(".phone-ask", has_text="Truus belt elke zondag")
    await expect(ask).to_contain_text("Je naam staat in deze afspraak")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "phone-asked-now-360x740.png"))
    await ask.get_by_role("button", name="Ik doe dit").click()
    await expect(ask).to_have_count(0)  # asked: it waits for the facilitator now
    await expect(page.locator("#now-title")).to_be_focused()  # not lost with the button that went
    await expect(page.locator("#my-rules .my-rule")).to_contain_text("wacht op de gespreksleider")
    await expect(page.locator("#plan .rule", has_text="Truus belt").locator(".action-state")).to_have_text("Opgeslagen")

    # Jump links: a part's heading gets the focus, below the bar that stays on top.
    nav = page.get_by_role("navigation", name="Op deze pagina")
    await nav.get_by_role("link", name="Voorstellen").click()
    await expect(page.locator("#suggest-title")).to_be_focused()
    await expect(page.locator("#suggest-title")).to_be_in_viewport(ratio=1)
    heading = await page.locator("#suggest-title").bounding_box()
    bar = await page.locator("header.topbar").bounding_box()
    assert heading is not None and bar is not None and heading["y"] >= bar["y"] + bar["height"], (heading, bar)
    await nav.get_by_role("link", name="Nu").click()
    await expect(page.locator("#now-title")).to_be_focused()
    await min_target(page, ".phone-nav a")
    await no_horizontal_scroll(page)
