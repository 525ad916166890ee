"""The safety-network register in the console: add, mark who knows the worries, remove."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.browser import browser, require_bundles, watched_page
from tests.test_browser_board import meeting_with_room
from tests.test_browser_meetings import CONSOLE, logged_in_context
from tests.utils import RunningServer

__all__ = ["browser"]

pytestmark = pytest.mark.browser


async def test_network_register_in_the_console(server: RunningServer, browser: Browser) -> None:
    require_bundles("console")
    context = await logged_in_context(browser, server, CONSOLE)
    await meeting_with_room(context, server, "Gezin N")
    watched = await watched_page(context)
    page = watched.page
    await page.goto("/console")
    panel = page.locator("details.network").first
    await panel.locator("summary").click()
    await expect(panel.locator(".network-list .empty")).to_be_visible()
    await panel.get_by_label("Naam").fill("Buurvrouw Els")
    await panel.get_by_label("Relatie").select_option("friend")
    await panel.get_by_label("Rol in het plan").fill("Is bij elk bezoek van vader")
    await panel.get_by_label("Contact (alleen voor gespreksleiders)").fill("06-12345678")
    await panel.get_by_role("button", name="Toevoegen aan netwerk").click()
    member = panel.locator(".network-member", has_text="Buurvrouw Els")
    await expect(member).to_contain_text("06-12345678")
    await expect(page.locator("#live")).to_contain_text("Buurvrouw Els toegevoegd")
    await member.get_by_role("checkbox").check()
    await expect(member.get_by_role("checkbox")).to_be_checked()
    cases = await (await context.request.get("/api/cases")).json()
    register = await (await context.request.get(f"/api/cases/{cases['cases'][0]['id']}/network")).json()
    assert register[0]["knows_worries"] is True
    await member.get_by_role("button", name="Buurvrouw Els uit het netwerk halen").click()
    await expect(panel.locator(".network-list .empty")).to_be_visible()
    assert watched.dialogs == [] and watched.errors == []
    await context.close()
