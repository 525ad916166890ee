"""A facilitator adds a colleague as co-facilitator from the console, in Chromium; the colleague
then has the case too. An address without an account is refused in words."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.browser import browser, require_bundles, watched_page
from tests.meetings_helpers import PASSWORD
from tests.test_browser_meetings import CONSOLE, logged_in_context
from tests.utils import RunningServer

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)


async def test_a_colleague_added_in_the_console_co_facilitates_the_case(
    server: RunningServer, browser: Browser
) -> None:
    require_bundles("console")
    await server.kring.meetings.add_facilitator("bram@example.org", "Bram de Vries", PASSWORD)
    context = await logged_in_context(browser, server, CONSOLE)
    origin = {"Origin": server.url}
    case = await (await context.request.post("/api/cases", data={"label": "Gezin K"}, headers=origin)).json()
    watched = await watched_page(context)
    page = watched.page
    await page.goto("/console")
    email = page.get_by_label("E-mailadres van een collega")
    await email.fill("niemand@example.org")
    await page.get_by_role("button", name="Als begeleider toevoegen").click()
    await expect(page.locator("#error")).to_contain_text("Geen begeleider met dit adres")
    watched.errors = [e for e in watched.errors if "status of 404" not in e]  # that answer, logged

    await email.fill("bram@example.org")
    await page.get_by_role("button", name="Als begeleider toevoegen").click()
    await expect(page.locator(".facilitator-list li")).to_have_text(["Bram de Vries", "Fatima Bakker"])  # by name
    await expect(page.locator("#live")).to_contain_text("Bram de Vries begeleidt deze casus nu mee.")
    await watched.assert_clean()
    await context.close()

    colleague = await browser.new_context(base_url=server.url)
    login = await colleague.request.post(
        "/api/session", data={"email": "bram@example.org", "password": PASSWORD}, headers=origin
    )
    assert login.status == 204
    cases = await (await colleague.request.get("/api/cases")).json()
    assert [c["id"] for c in cases["cases"]] == [case["id"]]
    await colleague.close()
