"""The console's case list is keyed by case, in Chromium: making a new case (which reloads the list)
leaves another case's card the very element it was, with what someone was typing there."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.browser import browser, require_bundles, watched_page
from tests.test_browser_meetings import CONSOLE, logged_in_context
from tests.utils import RunningServer

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)


async def test_a_new_case_leaves_what_is_typed_in_another_case(server: RunningServer, browser: Browser) -> None:
    require_bundles("console")
    context = await logged_in_context(browser, server, CONSOLE)
    response = await context.request.post("/api/cases", data={"label": "Gezin A"}, headers={"Origin": server.url})
    first = (await response.json())["id"]
    watched = await watched_page(context)
    page = watched.page
    await page.goto("/console")
    colleague = page.locator(f"#cofac-{first}")
    await colleague.fill("half getypt")
    await page.evaluate(f"() => {{ window.__typed = document.getElementById('cofac-{first}') }}")

    await page.locator("#case-label").fill("Gezin B")
    await page.locator("#new-case button[type=submit]").click()
    await expect(page.locator(".case-list > li")).to_have_count(2)
    made = await page.locator(".case-list h3").all_inner_texts()
    assert sorted(made) == ["Gezin A", "Gezin B"]

    assert await page.evaluate(f"() => window.__typed === document.getElementById('cofac-{first}')")
    await expect(colleague).to_have_value("half getypt")
    await expect(page.locator("#case-label")).to_have_value("")  # the new-case form is ready for the next
    second = next(c for c in (await (await context.request.get("/api/cases")).json())["cases"] if c["id"] != first)
    await expect(page.locator(f"#title-{second['id']}")).to_be_focused()  # on to its first meeting
    await watched.assert_clean()
    await context.close()
