"""Who sees an item or a rule, in real Chromium: the facilitator chooses on the console card (or in
the form that adds it) between everyone, "not on the wall, on the phones" and "facilitator only";
the phone marks what is sensitive with a badge and never receives what is facilitator-only."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from tests.browser import browser, watched_page
from tests.test_browser_board import meeting_with_room, phone_in
from tests.test_browser_console_edit import card
from tests.test_browser_meetings import CONSOLE, add_item, logged_in_context, page_text
from tests.utils import RunningServer

__all__ = ["browser"]

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

CANARY = "KANARIE"


async def test_the_facilitator_keeps_an_item_and_a_rule_off_every_phone(
    server: RunningServer, browser: Browser
) -> None:
    console_context = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(console_context, server, "Gezin L")
    console = await watched_page(console_context)
    page = console.page
    await page.goto(f"/console/meetings/{room['meeting_id']}")
    column = page.locator(".room-column")
    await expect(column.locator(".status")).to_have_attribute("data-state", "saved")
    phone = await phone_in(browser, server, console_context, room, "Truus Jansen", "family")
    on_phone = phone.page.locator("#board")

    # Facilitator-only from the form: in the console with its badge, on no phone.
    await add_item(column, "safety", f"{CANARY} adres van de opvang", level="facilitator")
    await expect(card(column, CANARY).locator(".badge-facilitator-only")).to_have_text("alleen begeleider")

    # Sensitive on the card: the phone shows it with the badge.
    await add_item(column, "danger", "Vader heeft een mes in huis")
    await expect(on_phone.locator(".card", has_text="Vader heeft een mes")).to_be_visible()
    level = card(column, "Vader heeft een mes").get_by_role("combobox", name=re.compile("^Wie ziet dit"))
    await level.select_option("sensitive")
    await expect(on_phone.locator(".card", has_text="Vader heeft een mes").locator(".badge-sensitive")).to_have_text(
        "gevoelig"
    )

    # Then facilitator-only: gone from the phone, still on the console, edited there in place.
    await level.select_option("facilitator")
    await expect(page.locator("#live")).to_contain_text("Alleen begeleider")
    await expect(on_phone.locator(".card", has_text="Vader heeft een mes")).to_have_count(0)
    kept = card(column, "Vader heeft een mes")
    await expect(kept.locator(".badge-facilitator-only")).to_be_visible()
    await expect(kept.locator(".level-select")).to_have_value("facilitator")
    await kept.get_by_role("button", name=re.compile("^Bewerken")).click()
    await column.locator(".item-editor").get_by_label("Tekst").fill(f"{CANARY} mes ligt in de schuur")
    await column.locator(".item-editor").get_by_role("button", name="Opslaan").click()
    await expect(card(column, "mes ligt in de schuur").locator(".badge-facilitator-only")).to_be_visible()

    # A rule: added facilitator-only; another made sensitive on its card (badge on the phone).
    plan = column.locator(".plan-box")
    await plan.locator("summary").click()
    await plan.get_by_label("Wat gaat er gebeuren?").fill(f"{CANARY} regel voor de opvang")
    await plan.get_by_label("Wie ziet dit").select_option("facilitator")
    await plan.get_by_role("button", name="Afspraak toevoegen").click()
    await expect(column.locator(".rule", has_text=CANARY).locator(".badge-facilitator-only")).to_be_visible()
    await plan.get_by_label("Wat gaat er gebeuren?").fill("Oma belt elke avond")
    await plan.get_by_role("button", name="Afspraak toevoegen").click()
    rule = column.locator(".rule", has_text="Oma belt elke avond")
    await rule.get_by_role("combobox", name=re.compile("^Wie ziet dit")).select_option("sensitive")
    phone_rule = on_phone.locator(".rule", has_text="Oma belt elke avond")
    await expect(phone_rule.locator(".badge-sensitive")).to_be_visible()

    # The barrier: the board's last change has reached the phone; nothing facilitator-only did.
    await add_item(column, "grey", "Laatste punt")
    await expect(on_phone.locator(".card", has_text="Laatste punt")).to_be_visible()
    assert CANARY not in await page_text(phone.page)
    assert "Vader heeft een mes" not in await page_text(phone.page)
    assert CANARY.encode() not in b"".join(phone.frames)

    # Back to everyone: the phone has it again, without a badge.
    await (
        card(column, "mes ligt in de schuur")
        .get_by_role("combobox", name=re.compile("^Wie ziet dit"))
        .select_option("all")
    )
    back = on_phone.locator(".card", has_text="mes ligt in de schuur")
    await expect(back).to_be_visible()
    await expect(back.locator(".badge")).to_have_count(0)
