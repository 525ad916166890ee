"""The plan's states in real Chromium: confirming someone on a proposed rule offers to mark it agreed
(never by itself), the console says which rules the children's version leaves out and why, and an
agreed rule is in that version once the rule's editor has the children's words for it; a rule is not
saved without its start and review date, and the form says so at each field."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Locator, expect

from tests.browser import ARTIFACTS, assert_axe_clean, browser, watched_page
from tests.test_browser_board import meeting_with_room, phone_in
from tests.test_browser_meetings import CONSOLE, logged_in_context
from tests.utils import RunningServer, eventually

__all__ = ["browser"]

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)


async def exported_rule(context: BrowserContext, room: str, text: str) -> dict[str, Any]:
    answer = await context.request.get(f"/api/rooms/{room}/export.json")
    assert answer.status == 200
    [rule] = [r for r in (await answer.json())["plan"] if r["text"] == text]
    return rule


async def children_page(context: BrowserContext, room: str) -> str:
    answer = await context.request.get(f"/api/rooms/{room}/children.html")
    assert answer.status == 200
    return await answer.text()


async def add_rule(plan: Locator, text: str) -> None:
    await plan.get_by_label("Wat gaat er gebeuren?").fill(text)
    await plan.get_by_role("button", name="Afspraak toevoegen").click()


async def test_confirming_offers_to_mark_the_rule_agreed_for_the_childrens_version(
    server: RunningServer, browser: Browser
) -> None:
    console_context = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(console_context, server, "Gezin K")
    console = await watched_page(console_context)
    page = console.page
    await page.goto(f"/console/meetings/{room['meeting_id']}")
    column = page.locator(".room-column")
    await expect(column.locator(".status")).to_have_attribute("data-state", "saved")
    truus = await phone_in(browser, server, console_context, room, "Truus Jansen", "family")
    note = column.locator(".child-left-out")
    await expect(note).to_be_hidden()  # no rules, nothing left out

    plan = column.locator(".plan-box")
    await plan.locator("summary").click()
    await add_rule(plan, "Truus belt elke zondag")
    rule = column.locator(".board-view .rule", has_text="Truus belt elke zondag")
    await expect(rule.locator(".rule-left-out")).to_have_text("Niet in de kinderversie: nog niet afgesproken")
    await expect(note).to_have_text("1 afspraak staat niet in de kinderversie: nog niet afgesproken")

    await truus.page.locator("#board .rule").get_by_role("button", name="Ik doe dit").click()
    await column.get_by_role("button", name="Truus bevestigen").click()
    offer = rule.locator(".agree-offer")
    await expect(offer).to_contain_text("nog een voorstel")
    await expect(offer.get_by_role("button", name="Op afgesproken zetten")).to_be_focused()
    # Confirming Truus did not agree the rule: it is still proposed, so not in the children's version.
    confirmed = await eventually(lambda: _owned_by(console_context, room["id"], "Truus"))
    assert confirmed["status"] == "proposed"
    assert "Truus belt elke zondag" not in await children_page(console_context, room["id"])
    await assert_axe_clean(page, "the console with the offer open")
    ARTIFACTS.mkdir(exist_ok=True)
    await column.locator(".room-board").screenshot(path=str(ARTIFACTS / "plan-agree-offer-console.png"))

    await offer.get_by_role("button", name="Op afgesproken zetten").click()
    await expect(rule.get_by_label("Stand")).to_have_value("agreed")
    await expect(rule.get_by_label("Stand")).to_be_focused()
    await expect(offer).to_have_count(0)
    await expect(page.locator("#live")).to_contain_text("afgesproken")
    # Agreed, but nothing written for the children yet: still left out, and the console says why.
    no_words = "nog geen tekst voor de kinderen"
    await expect(rule.locator(".rule-left-out")).to_have_text(f"Niet in de kinderversie: {no_words}")
    await expect(note).to_have_text(f"1 afspraak staat niet in de kinderversie: {no_words}")

    # The rule's editor takes the children's words; then the children's version tells it in those only.
    await rule.get_by_role("button", name="Bewerken: Truus belt elke zondag").click()
    editor = column.locator(".rule-editor")
    await editor.get_by_label("Voor de kinderen").fill("Oma Truus belt je elke zondag.")
    await editor.get_by_role("button", name="Opslaan").click()
    await expect(rule.locator(".rule-left-out")).to_have_count(0)
    await expect(note).to_be_hidden()

    async def in_childrens_version() -> None:
        children = await children_page(console_context, room["id"])
        assert "Oma Truus belt je elke zondag." in children and "Truus." in children, children
        assert "Truus belt elke zondag" not in children  # never the adults' wording

    await eventually(in_childrens_version)

    # Assigning someone offers it too; "not now" leaves the rule a proposal, and the console says so.
    await add_rule(plan, "Oma kookt op woensdag")
    second = column.locator(".board-view .rule", has_text="Oma kookt op woensdag")
    await second.get_by_label("Iemand erbij zetten").select_option(label="Truus")
    await second.get_by_role("button", name="Erbij zetten").click()
    await expect(second.locator(".agree-offer")).to_be_visible()
    await second.get_by_role("button", name="Niet nu").click()
    await expect(second.locator(".agree-offer")).to_have_count(0)
    await expect(second.get_by_label("Stand")).to_have_value("proposed")
    await expect(note).to_have_text("1 afspraak staat niet in de kinderversie: nog niet afgesproken")
    await second.get_by_label("Stand").select_option("not_working")
    await expect(note).to_have_text("1 afspraak staat niet in de kinderversie: werkt niet")
    for watched in (console, truus.watched):
        await watched.assert_clean()


async def _owned_by(context: BrowserContext, room: str, first_name: str) -> dict[str, Any]:
    rule = await exported_rule(context, room, "Truus belt elke zondag")
    assert [o["first_name"] for o in rule["owners"]] == [first_name], rule
    return rule


async def test_a_rule_needs_its_start_and_review_date(server: RunningServer, browser: Browser) -> None:
    console_context = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(console_context, server, "Gezin D")
    console = await watched_page(console_context)
    page = console.page
    await page.goto(f"/console/meetings/{room['meeting_id']}")
    column = page.locator(".room-column")
    await expect(column.locator(".status")).to_have_attribute("data-state", "saved")
    plan = column.locator(".plan-box")
    await plan.locator("summary").click()
    start, review = plan.get_by_label("Start"), plan.get_by_label("Bekijken op")
    # A rule made at the meeting starts that day unless someone says otherwise.
    await expect(start).to_have_value(datetime.date.today().isoformat())

    await start.fill("")
    await plan.get_by_label("Soort").select_option("longer")
    await expect(review).to_have_value("")
    await add_rule(plan, "Vader en oma bespreken elke maand hoe het gaat")
    await expect(start).to_be_focused()
    for control, message in (
        (start, "Vul in vanaf wanneer de afspraak geldt."),
        (review, "Vul in wanneer jullie de afspraak samen bekijken."),
    ):
        await expect(control).to_have_attribute("aria-invalid", "true")
        described = await control.get_attribute("aria-describedby")
        assert described
        await expect(page.locator(f"#{described}")).to_have_text(message)
        await expect(page.locator(f"#{described}")).to_be_visible()
    await expect(plan.locator(".error")).to_have_text("2 velden zijn nog niet ingevuld.")
    ARTIFACTS.mkdir(exist_ok=True)
    await plan.screenshot(path=str(ARTIFACTS / "plan-missing-dates-console.png"))
    await assert_axe_clean(page, "the plan form saying what is missing")

    await start.fill("2026-03-01")
    await expect(start).not_to_have_attribute("aria-invalid", "true")
    await plan.get_by_role("button", name="Afspraak toevoegen").click()
    await expect(review).to_be_focused()
    await expect(plan.locator(".error")).to_have_text("1 veld is nog niet ingevuld.")
    await review.fill("2026-06-01")
    await plan.get_by_role("button", name="Afspraak toevoegen").click()
    rule = column.locator(".board-view .rule", has_text="Vader en oma bespreken")
    await expect(rule.locator(".rule-dates")).to_contain_text("vanaf 1 mrt 2026, bekijken op 1 jun 2026")
    await expect(plan.locator(".field-error:visible")).to_have_count(0)
    await expect(plan.locator(".error")).to_be_hidden()
    # Nothing was written before both dates were there: one rule, the one with its dates.
    await expect(column.locator(".board-view .rule")).to_have_count(1)

    # The editor asks the same.
    await rule.get_by_role("button", name="Bewerken: Vader en oma bespreken elke maand hoe het gaat").click()
    editor = column.locator(".rule-editor")
    await editor.get_by_label("Bekijken op").fill("")
    await editor.get_by_role("button", name="Opslaan").click()
    await expect(editor.get_by_label("Bekijken op")).to_have_attribute("aria-invalid", "true")
    await expect(editor.get_by_label("Bekijken op")).to_be_focused()
    await expect(editor.get_by_text("Vul in wanneer jullie de afspraak samen bekijken.")).to_be_visible()
    await editor.get_by_role("button", name="Annuleren").click()
    await expect(rule.locator(".rule-dates")).to_contain_text("bekijken op 1 jun 2026")
    await console.assert_clean()
