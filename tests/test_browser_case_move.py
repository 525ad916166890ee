"""Teams in the console, in Chromium: a team lead hands a case to another team (confirmed, and gone
from their list since they are not in that team), and a facilitator in two teams chooses the team of a
new case (someone in one team gets no choice). Both screens are axe-clean."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, BrowserContext, Dialog, expect

from server.store.accounts import AccountStore
from tests.browser import assert_axe_clean, browser, require_bundles
from tests.meetings_helpers import PASSWORD
from tests.test_browser_meetings import CONSOLE
from tests.utils import RunningServer

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)


async def signed_in(browser: Browser, server: RunningServer, email: str) -> BrowserContext:
    context = await browser.new_context(viewport=CONSOLE, base_url=server.url)
    response = await context.request.post(
        "/api/session", data={"email": email, "password": PASSWORD}, headers={"Origin": server.url}
    )
    assert response.status == 204, await response.text()
    return context


async def test_a_team_lead_hands_a_case_to_another_team(server: RunningServer, browser: Browser) -> None:
    require_bundles("console")
    meetings = server.kring.meetings
    accounts = AccountStore(meetings.engine)
    lead = await meetings.add_facilitator("lotte@example.org", "Lotte Leider", PASSWORD, ("facilitator", "team_lead"))
    bram = await meetings.add_facilitator("bram@example.org", "Bram de Vries", PASSWORD)
    north = await accounts.create_team("Team Noord")
    south = await accounts.create_team("Team Zuid")
    assert north is not None and south is not None
    await accounts.set_member(north.id, lead.id, True)
    await accounts.set_member(north.id, bram.id, True)

    # Bram makes the case; Lotte sees it as a member of its team (not as one who runs it).
    colleague = await signed_in(browser, server, "bram@example.org")
    origin = {"Origin": server.url}
    case = await (await colleague.request.post("/api/cases", data={"label": "Gezin K"}, headers=origin)).json()
    assert case["team_id"] == north.id  # his only team
    context = await signed_in(browser, server, "lotte@example.org")
    page = await context.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    async def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.accept()

    page.on("dialog", accept)
    await page.goto("/console")
    await expect(page.locator("#main")).not_to_have_attribute("aria-busy", "true")
    assert await page.locator("#case-team").count() == 0  # one team: nothing to choose
    await page.locator(".case-move summary").click()  # the disclosure, "Zaak overdragen"
    choice = page.get_by_label("Overdragen aan")
    await expect(choice.locator("option")).to_have_text(
        ["Kies een team of begeleider", "Team Zuid", "Bram de Vries", "Lotte Leider"]
    )
    await assert_axe_clean(page, "/console (hand-on form open)")
    await choice.select_option(label="Team Zuid")
    await page.locator(".case-move-form").get_by_role("button", name="Zaak overdragen").click()
    await expect(page.locator(".case")).to_have_count(0)  # not in Team Zuid: no longer theirs
    await expect(page.locator("#live")).to_contain_text("Zaak overgedragen aan Team Zuid.")
    assert dialogs == ["Zaak Gezin K overdragen aan Team Zuid?"]
    assert errors == []
    moved = await meetings.case(case["id"])
    assert moved is not None and moved.team_id == south.id
    assert (await context.request.get(f"/api/cases/{case['id']}")).status == 404
    await context.close()

    # Bram, who runs it, keeps it (in Team Zuid now) but may not hand it on: he leads no team.
    assert [c["id"] for c in (await (await colleague.request.get("/api/cases")).json())["cases"]] == [case["id"]]
    assert (await colleague.request.get(f"/api/cases/{case['id']}/move-options")).status == 403
    await colleague.close()


async def test_a_facilitator_in_two_teams_chooses_the_new_cases_team(server: RunningServer, browser: Browser) -> None:
    require_bundles("console")
    meetings = server.kring.meetings
    accounts = AccountStore(meetings.engine)
    anna = await meetings.add_facilitator("anna@example.org", "Anna Jansen", PASSWORD)
    north = await accounts.create_team("Team Noord")
    south = await accounts.create_team("Team Zuid")
    assert north is not None and south is not None
    await accounts.set_member(north.id, anna.id, True)
    await accounts.set_member(south.id, anna.id, True)

    context = await signed_in(browser, server, "anna@example.org")
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto("/console")
    await expect(page.locator("#main")).not_to_have_attribute("aria-busy", "true")
    team = page.get_by_label("Team van deze zaak")
    await expect(team.locator("option")).to_have_text(["Team Noord", "Team Zuid"])
    assert await page.locator(".case-move").count() == 0  # no team lead
    await assert_axe_clean(page, "/console (a team to choose)")
    await team.select_option(label="Team Zuid")
    await page.get_by_label("Kenmerk van de zaak").fill("Gezin Z")
    await page.get_by_role("button", name="Zaak aanmaken").click()
    await expect(page.locator(".case h3")).to_have_text(["Gezin Z"])
    cases = (await (await context.request.get("/api/cases")).json())["cases"]
    assert [(c["label"], c["team_id"]) for c in cases] == [("Gezin Z", south.id)]
    assert errors == []
    await context.close()
