"""Between meetings in Chromium: the facilitator makes a network member's link on the console, a
phone opens it (the token leaves the address bar), reports that a rule did not hold, and the
console's journal shows the report, flagged, with the week's summary."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, expect
from pycrdt import Array, Doc, Map, Text

from tests.browser import ARTIFACTS, axe_violations, browser, describe_violations, require_bundles, watched_page
from tests.test_browser_board import ORIGIN_HEADER, meeting_with_room
from tests.test_browser_meetings import CONSOLE, PHONE, logged_in_context
from tests.utils import RunningServer

__all__ = ["browser"]

pytestmark = pytest.mark.browser

RULE = "Moeder werkt alleen met de deur open"
SENSITIVE = "Gevoelige-regel-nooit-op-de-link"
NOTE = "Deur was dicht op woensdag"


async def test_a_link_made_on_the_console_reports_into_the_journal(server: RunningServer, browser: Browser) -> None:
    require_bundles("meeting", "plan")
    context = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(context, server, "Gezin L")
    store = server.kring.meetings  # type: ignore[attr-defined]
    oma, _token = await store.add_participant(room["id"], "Oma Truus Jansen", "family", admitted=True)

    def plan(doc: Doc[Any]) -> None:
        rules = doc.get("agreements", type=Map)
        rules["r1"] = Map({"section": "immediate", "text": Text(RULE), "owners": Array([oma.id]), "status": "agreed"})
        rules["r2"] = Map(
            {
                "section": "immediate",
                "text": Text(SENSITIVE),
                "owners": Array([]),
                "status": "agreed",
                "sensitive": True,
            }
        )

    await server.kring.live.edit(room["id"], "board", plan)  # type: ignore[attr-defined]
    closed = await context.request.post(
        f"/api/meetings/{room['meeting_id']}/close", data={}, headers={ORIGIN_HEADER: server.url}
    )
    assert closed.ok, await closed.text()

    watched = await watched_page(context)
    page = watched.page
    await page.goto(f"/console/meetings/{room['meeting_id']}")
    panel = page.locator(f"[data-journal='{room['id']}']")
    await expect(panel.get_by_role("heading", name="Netwerk tussen bijeenkomsten")).to_be_visible()
    await panel.get_by_label("Link maken voor").select_option(label="Oma (draagt een afspraak)")
    await panel.get_by_role("button", name="Link maken").click()
    await expect(panel.get_by_role("img", name="QR-code van de link voor Oma")).to_be_visible()
    url = await panel.locator(".journal-url").input_value()
    assert "/l/" in url
    await expect(panel.locator(".journal-links")).to_contain_text("nog niet gebruikt")

    phone_context = await browser.new_context(viewport=PHONE, base_url=server.url)
    phone = await watched_page(phone_context)
    await phone.page.goto(url)
    await expect(phone.page.get_by_role("heading", name="Ons plan")).to_be_visible()
    assert phone.page.url.endswith("/plan")  # the token left the address bar
    mine = phone.page.locator("section", has=phone.page.get_by_role("heading", name="Mijn afspraken"))
    await expect(mine).to_contain_text(RULE)
    assert SENSITIVE not in await phone.page.content() and "Jansen" not in await phone.page.content()
    await mine.get_by_text("Doorgeven hoe het ging").click()
    await mine.get_by_label("Niet gehouden").check()
    await mine.get_by_label("Korte toelichting").fill(NOTE)
    await mine.get_by_role("button", name="Doorgeven").click()
    await expect(mine.get_by_role("status")).to_contain_text("Doorgegeven")
    # Nothing of the plan in the phone's storage; only the session cookie, HttpOnly.
    assert await phone.page.evaluate("localStorage.length + sessionStorage.length") == 0
    [cookie] = [c for c in await phone_context.cookies() if c["name"] == "kring_plan"]
    assert cookie["httpOnly"] and cookie["expires"] == -1
    await phone.page.screenshot(path=str(ARTIFACTS / "plan-link-phone-360x740.png"), full_page=True)
    # WCAG 2.2 AA with the report form open, at 360 px, and nothing wider than the phone.
    violations = await axe_violations(phone.page)
    assert not violations, describe_violations(violations)
    assert await phone.page.evaluate("document.documentElement.scrollWidth") <= 360

    await panel.get_by_role("button", name="Vernieuwen").click()
    flagged = panel.locator(".journal-rules li.is-flagged", has_text=RULE)
    await expect(flagged).to_contain_text("Niet gehouden deze week")
    await expect(flagged).to_contain_text("Oma (netwerk)")
    await expect(flagged).to_contain_text(NOTE)
    await expect(panel.locator(".journal-summary")).to_contain_text("0 van 1 afspraken gehouden deze week")
    await expect(panel.locator(".journal-summary")).to_contain_text(f"\u2018{RULE}\u2019 1\u00d7 niet gehouden")
    await expect(panel.locator(".journal-links")).to_contain_text("laatst gebruikt")
    await panel.screenshot(path=str(ARTIFACTS / "plan-link-console-journal.png"))

    assert phone.errors == []
    await panel.get_by_role("button", name="Link van Oma intrekken").click()
    await expect(panel.locator(".journal-links")).to_contain_text("ingetrokken")
    await phone.page.reload()
    await expect(phone.page.get_by_role("status")).to_contain_text("Deze link werkt niet (meer)")
    # The revoked link's own 401 is the only thing the phone's console may say now.
    assert watched.dialogs == [] and watched.errors == [] and all("401" in e for e in phone.errors)
    assert await phone.csp_violations() == [] and await watched.csp_violations() == []
    await phone_context.close()
    await context.close()
