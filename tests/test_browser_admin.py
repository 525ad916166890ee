"""An administrator in Chromium: signs in and lands on /admin (no cases), makes a team, puts a
facilitator in it, grants a role by its tick, and deactivates an account after saying yes; the
page passes axe-core in each state, and the deactivated person's open console page loses its
session."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.browser import axe_violations, browser, describe_violations, require_bundles, watched_page
from tests.meetings_helpers import PASSWORD
from tests.utils import RunningServer

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)


async def test_an_administrator_runs_accounts_and_teams_from_the_admin_page(
    server: RunningServer, browser: Browser
) -> None:
    require_bundles("admin")
    store = server.kring.meetings
    await store.add_facilitator("beheer@jeugdzorg.test", "Bea Beheer", PASSWORD, ("admin",))
    await store.add_facilitator("anna@jeugdzorg.test", "Anna Jansen", PASSWORD)
    origin = {"Origin": server.url}

    # Anna has her console open.
    anna_context = await browser.new_context(base_url=server.url)
    assert (
        await anna_context.request.post(
            "/api/session", data={"email": "anna@jeugdzorg.test", "password": PASSWORD}, headers=origin
        )
    ).status == 204
    anna = (await watched_page(anna_context)).page
    await anna.goto("/console")
    await expect(anna.locator("#main")).not_to_have_attribute("aria-busy", "true")

    context = await browser.new_context(base_url=server.url, viewport={"width": 1366, "height": 768})
    watched = await watched_page(context)
    page = watched.page
    await page.goto("/login")
    await page.fill("#email", "beheer@jeugdzorg.test")
    await page.fill("#password", PASSWORD)
    await page.click("#login button[type=submit]")
    await expect(page).to_have_url(f"{server.url}/admin")  # no facilitator role: not the case list
    await expect(page.locator("#main")).not_to_have_attribute("aria-busy", "true")
    await expect(page.locator("#cases-link")).to_be_hidden()
    row = page.locator("tr[data-account]", has_text="Anna Jansen")
    await expect(row).to_contain_text("anna@jeugdzorg.test")
    found = await axe_violations(page)
    assert not found, describe_violations(found)

    await page.get_by_label("Naam van het team").fill("Team Noord")
    await page.get_by_role("button", name="Team maken").click()
    await expect(page.locator("#live")).to_contain_text("Team Team Noord gemaakt.")
    await page.get_by_label("Lid toevoegen aan Team Noord").select_option(label="Anna Jansen (anna@jeugdzorg.test)")
    await page.get_by_role("button", name="Toevoegen").click()
    await expect(page.locator(".admin-members")).to_contain_text("Anna Jansen")
    await expect(row).to_contain_text("Team Noord")

    await row.get_by_label("Teamleider").check()
    await expect(page.locator("#live")).to_contain_text("Anna Jansen is nu ook teamleider.")
    await expect(row.get_by_label("Teamleider")).to_be_checked()

    await row.get_by_role("button", name="Uitschakelen Anna Jansen").click()
    await expect(row.locator(".admin-confirm")).to_contain_text("Anna Jansen uitschakelen?")
    found = await axe_violations(page)
    assert not found, describe_violations(found)
    await row.get_by_role("button", name="Ja, uitschakelen").click()
    await expect(row).to_contain_text("Uitgeschakeld")
    await expect(row.get_by_role("button", name="Weer inschakelen Anna Jansen")).to_be_focused()
    await watched.assert_clean()

    # Anna's session has ended: her console sends her to the log-in page.
    await anna.reload()
    await expect(anna).to_have_url(f"{server.url}/login?next=/console")
    for each in (context, anna_context):
        await each.close()
