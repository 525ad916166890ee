"""The facilitator's hands on the board, in real Chromium: marking any item or rule sensitive (and so
off the wall; facilitator-only is tests/test_browser_levels.py), editing and moving items, removing
an item people marked only after asking (the grey area offered instead), a rule card's every field,
owners without a phone, the seven-day review of an immediate rule, and the guided pair refusing a
statement without its ending."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.async_api import Browser, Locator, expect

from tests.browser import browser, watched_page
from tests.test_browser_board import PAIR, fill_pair, meeting_with_room, open_projector, phone_in, propose
from tests.test_browser_meetings import CONSOLE, add_item, logged_in_context, min_target, page_text
from tests.utils import RunningServer

__all__ = ["browser"]

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)


def card(column: Locator, text: str) -> Locator:
    return column.locator(".board-view .card", has_text=text)


async def test_sensitive_edit_move_and_remove_on_the_console(server: RunningServer, browser: Browser) -> None:
    console_context = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(console_context, server, "Gezin E")
    console = await watched_page(console_context)
    page = console.page
    await page.goto(f"/console/meetings/{room['meeting_id']}")
    column = page.locator(".room-column")
    await expect(column.locator(".status")).to_have_attribute("data-state", "saved")
    phone = await phone_in(browser, server, console_context, room, "Truus Jansen", "family")
    _projector_context, wall_watched, _frames = await open_projector(page, column, browser)
    wall = wall_watched.page

    # -- sensitive on an item that is already on the board -------------------------------------------
    await add_item(column, "safety", "Moeder heeft een codewoord met de buurvrouw")
    await expect(wall.locator(".card-text", has_text="codewoord")).to_be_visible()
    level = card(column, "codewoord").get_by_role("combobox", name=re.compile("^Wie ziet dit"))
    await min_target(page, ".level-select")
    await level.select_option("sensitive")
    await expect(level).to_have_value("sensitive")
    await expect(card(column, "codewoord").locator(".badge-sensitive")).to_be_visible()
    await expect(wall.locator(".card-text", has_text="codewoord")).to_have_count(0)
    await expect(wall.locator(".hidden-note")).to_contain_text("1 gevoelig punt")
    await expect(page.locator("#live")).to_contain_text("Gevoelig: niet op de muur")
    # Phones of this room still see it (it is their room); only the wall and other rooms do not.
    await expect(phone.page.locator("#board .card-text", has_text="codewoord")).to_be_visible()
    await level.select_option("all")
    await expect(wall.locator(".card-text", has_text="codewoord")).to_be_visible()
    await level.select_option("sensitive")  # and sensitive again for the rest of the test

    # -- a suggestion and a guided pair marked sensitive never reach the wall at all ---------------------
    await propose(phone, "strengths", "Truus weet waar de reservesleutel ligt")
    row = column.locator(".inbox .proposal", has_text="Van Truus")
    await row.get_by_label("Gevoelig").check()
    await column.get_by_role("button", name="Voorstel van Truus op het bord zetten").click()
    await expect(card(column, "reservesleutel").locator(".badge-sensitive")).to_be_visible()
    await column.locator(".pair-box summary").click()
    await fill_pair(column, PAIR)
    await column.locator(".pair-form").get_by_label("Wie ziet dit").select_option("sensitive")
    await column.get_by_role("button", name="Paar op het bord zetten").click()
    await expect(card(column, "De school en de jeugdbeschermer").locator(".badge-sensitive")).to_be_visible()
    await expect(card(column, "Vader zorgt dat oma").locator(".badge-sensitive")).to_be_visible()
    await expect(wall.locator(".hidden-note")).to_contain_text("4 gevoelige punten")
    wall_text = await page_text(wall)
    assert "reservesleutel" not in wall_text and "De school en de jeugdbeschermer" not in wall_text

    # -- a rule made sensitive on its card; a rule whose goal is sensitive does not show that goal --------
    plan = column.locator(".plan-box")
    await plan.locator("summary").click()
    await plan.get_by_label("Wat gaat er gebeuren?").fill("Oma is bij elk bezoek van vader")
    await plan.get_by_label("Bij welk doel hoort het?").select_option(index=1)
    await plan.get_by_role("button", name="Afspraak toevoegen").click()
    await plan.get_by_label("Wat gaat er gebeuren?").fill("Moeder belt Ria als het misgaat")
    await plan.get_by_role("button", name="Afspraak toevoegen").click()
    await column.get_by_label("Op het scherm").select_option("plan")
    await expect(wall.locator(".rule .card-text", has_text="Oma is bij elk bezoek")).to_be_visible()
    assert "Vader zorgt dat oma" not in await page_text(wall)  # the goal is sensitive
    rule = column.locator(".rule", has_text="Moeder belt Ria")
    await rule.get_by_role("combobox", name=re.compile("^Wie ziet dit")).select_option("sensitive")
    await expect(wall.locator(".rule .card-text", has_text="Moeder belt Ria")).to_have_count(0)
    await expect(rule.locator(".badge-sensitive")).to_be_visible()
    await column.get_by_label("Op het scherm").select_option("board")

    # -- edit the words and move to another category ------------------------------------------------------
    await add_item(column, "harm", "Vadre werkt te veel")
    await card(column, "Vadre werkt").get_by_role("button", name=re.compile("^Bewerken")).click()
    editor = column.locator(".item-editor")
    await expect(editor.get_by_label("Tekst")).to_be_focused()
    await editor.get_by_label("Tekst").fill("")
    await editor.get_by_role("button", name="Opslaan").click()
    await expect(editor.locator(".error")).to_have_text("De tekst mag niet leeg zijn.")
    await editor.get_by_label("Tekst").fill("Vader werkt veel en is dan moe")
    await editor.get_by_label("Onderdeel").select_option("complicating")
    await editor.get_by_role("button", name="Opslaan").click()
    await expect(editor).to_have_count(0)
    await expect(wall.locator(".category[data-category='complicating'] .card-text")).to_have_text(
        "Vader werkt veel en is dan moe"
    )
    assert "Vadre" not in await page_text(wall)
    await expect(page.locator("#live")).to_contain_text("Verplaatst naar Complicerende factoren")

    # An editor survives someone else's change to the board (the board redraws on every change).
    await card(column, "Vader werkt veel").get_by_role("button", name=re.compile("^Bewerken")).click()
    await column.locator(".item-editor").get_by_label("Tekst").fill("Half getypt")
    phone_card = phone.page.locator("#board .card", has_text="Vader werkt veel")
    await phone_card.get_by_role("button", name=re.compile("^Eens:")).click()
    await expect(card(column, "Vader werkt veel").locator(".marks")).to_contain_text("Eens 1: Truus")
    await expect(column.locator(".item-editor").get_by_label("Tekst")).to_have_value("Half getypt")
    await column.locator(".item-editor").get_by_role("button", name="Annuleren").click()
    await expect(wall.locator(".card-text", has_text="Vader werkt veel en is dan moe")).to_be_visible()

    # -- removing: at once without marks; with marks only after asking, the grey area offered -------------
    await add_item(column, "next_steps", "Weg ermee")
    await card(column, "Weg ermee").get_by_role("button", name=re.compile("^Weghalen")).click()
    await expect(card(column, "Weg ermee")).to_have_count(0)

    await add_item(column, "strengths", "Oma is er elke dag")
    phone_card = phone.page.locator("#board .card", has_text="Oma is er elke dag")
    await phone_card.get_by_role("button", name=re.compile("^Oneens:")).click()
    await expect(card(column, "Oma is er elke dag").locator(".marks")).to_contain_text("Oneens 1: Truus")
    await card(column, "Oma is er elke dag").get_by_role("button", name=re.compile("^Weghalen")).click()
    question = card(column, "Oma is er elke dag").locator(".remove-question")
    await expect(question).to_contain_text("1 persoon heeft hierop gereageerd (1 oneens)")
    await expect(question.get_by_role("button", name="Naar grijs gebied")).to_be_focused()
    await question.get_by_role("button", name="Naar grijs gebied").click()
    grey = wall.locator(".category[data-category='grey'] .card", has_text="Oma is er elke dag")
    await expect(grey.locator(".marks")).to_contain_text("Oneens 1: Truus")  # the dispute stays visible
    await card(column, "Oma is er elke dag").get_by_role("button", name=re.compile("^Weghalen")).click()
    await card(column, "Oma is er elke dag").get_by_role("button", name="Annuleren").click()
    await expect(card(column, "Oma is er elke dag")).to_have_count(1)
    await card(column, "Oma is er elke dag").get_by_role("button", name=re.compile("^Weghalen")).click()
    await card(column, "Oma is er elke dag").get_by_role("button", name="Toch weghalen").click()
    await expect(card(column, "Oma is er elke dag")).to_have_count(0)
    await expect(wall.locator(".card-text", has_text="Oma is er elke dag")).to_have_count(0)

    await min_target(page, "main button:visible")
    for watched in (console, phone.watched, wall_watched):
        await watched.assert_clean()


async def test_rule_cards_every_field_owners_without_a_phone_and_the_review_date(
    server: RunningServer, browser: Browser
) -> None:
    console_context = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(console_context, server, "Gezin R")
    console = await watched_page(console_context)
    page = console.page
    await page.goto(f"/console/meetings/{room['meeting_id']}")
    column = page.locator(".room-column")
    await expect(column.locator(".status")).to_have_attribute("data-state", "saved")
    phone = await phone_in(browser, server, console_context, room, "Karel de Vries", "parent")
    _projector_context, wall_watched, _frames = await open_projector(page, column, browser)
    wall = wall_watched.page
    no_phone = column.locator(".no-phone-box")
    await no_phone.locator("summary").click()
    await no_phone.get_by_label("Voornaam of rol").fill("Henk")
    await no_phone.get_by_role("button", name="Toevoegen").click()

    plan = column.locator(".plan-box")
    await plan.locator("summary").click()
    today = datetime.date.today()
    # An immediate rule is reviewed within about seven days: the form says so before anyone types.
    await expect(plan.get_by_label("Bekijken op")).to_have_value((today + datetime.timedelta(days=7)).isoformat())
    await plan.get_by_label("Start").fill("2026-03-01")
    await expect(plan.get_by_label("Bekijken op")).to_have_value("2026-03-08")
    await plan.get_by_label("Soort").select_option("longer")
    await expect(plan.get_by_label("Bekijken op")).to_have_value("")
    await plan.get_by_label("Soort").select_option("immediate")
    await expect(plan.get_by_label("Bekijken op")).to_have_value("2026-03-08")

    await plan.get_by_label("Wat gaat er gebeuren?").fill("Henk haalt de kinderen op zaterdag op")
    await plan.get_by_label("Wanneer / wat is het signaal?").fill("Elke zaterdag om tien uur")
    await plan.get_by_label("Hoe wordt het gecontroleerd?").fill("Een berichtje in de groepsapp")
    await plan.get_by_label("Door wie?").fill("De gezinsvoogd")
    await plan.get_by_label("Wat gebeurt er als het niet lukt?").fill("Oma springt in")
    await expect(plan.get_by_label("Henk")).to_be_visible()
    await plan.get_by_label("Henk").check()  # Henk has no phone: the facilitator names him
    await plan.get_by_role("button", name="Afspraak toevoegen").click()
    await expect(plan.get_by_label("Bekijken op")).to_have_value(
        (today + datetime.timedelta(days=7)).isoformat()
    )  # the next one starts afresh
    await column.get_by_label("Op het scherm").select_option("plan")
    wall_rule = wall.locator(".rule", has_text="Henk haalt de kinderen")
    await expect(wall_rule.locator(".rule-owners")).to_contain_text("Henk")
    await expect(wall_rule.locator(".rule-check")).to_contain_text("Een berichtje in de groepsapp")
    await expect(wall_rule.locator(".rule-check-by")).to_contain_text("Controle door")
    await expect(wall_rule.locator(".rule-check-by")).to_contain_text("De gezinsvoogd")
    await expect(wall_rule.locator(".rule-dates")).to_contain_text("vanaf 1 mrt 2026, bekijken op 8 mrt 2026")

    # Assign Karel from the card, then take Henk off; Karel's phone is told.
    rule = column.locator(".board-view .rule", has_text="Henk haalt de kinderen")
    await rule.get_by_label("Iemand erbij zetten").select_option(label="Karel")
    await rule.get_by_role("button", name="Erbij zetten").click()
    await expect(wall_rule.locator(".rule-owners")).to_contain_text("Henk, Karel")
    await expect(phone.page.locator("#live")).to_contain_text("De gespreksleider heeft je bevestigd bij de afspraak")
    await expect(phone.page.locator("#my-rules .my-rule")).to_contain_text("Henk haalt de kinderen")
    await rule.get_by_role("button", name="Henk weghalen bij deze afspraak").click()
    await expect(wall_rule.locator(".rule-owners")).to_have_text(re.compile("Karel$"))

    # Edit every field of the card.
    await rule.get_by_role("button", name=re.compile("^Bewerken")).click()
    editor = column.locator(".rule-editor")
    await expect(editor.get_by_label("Wat gaat er gebeuren?")).to_have_value("Henk haalt de kinderen op zaterdag op")
    await expect(editor.get_by_label("Door wie?")).to_have_value("De gezinsvoogd")
    await editor.get_by_label("Wat gaat er gebeuren?").fill("Henk haalt de kinderen op zondag op")
    await editor.get_by_label("Soort").select_option("longer")
    await editor.get_by_label("Wanneer / wat is het signaal?").fill("Elke zondag")
    await editor.get_by_label("Hoe wordt het gecontroleerd?").fill("Oma belt")
    await editor.get_by_label("Door wie?").fill("De wijkagent")
    await editor.get_by_label("Wat gebeurt er als het niet lukt?").fill("Dan niet")
    await editor.get_by_label("Bekijken op").fill("2026-06-01")
    await editor.get_by_role("button", name="Opslaan").click()
    wall_rule = wall.locator(".plan-longer .rule", has_text="Henk haalt de kinderen op zondag op")
    await expect(wall_rule.locator(".rule-when")).to_contain_text("Elke zondag")
    await expect(wall_rule.locator(".rule-check")).to_contain_text("Oma belt")
    await expect(wall_rule.locator(".rule-check-by")).to_contain_text("De wijkagent")
    await expect(wall_rule.locator(".rule-ifnot")).to_contain_text("Dan niet")
    await expect(wall_rule.locator(".rule-dates")).to_contain_text("bekijken op 1 jun 2026")
    assert "zaterdag" not in await page_text(wall)

    # A rule someone carries is removed only after asking.
    rule = column.locator(".board-view .rule", has_text="Henk haalt de kinderen")
    await rule.get_by_role("button", name=re.compile("^Weghalen")).click()
    await expect(rule.locator(".remove-question")).to_contain_text("1 persoon staat bij deze afspraak")
    await rule.get_by_role("button", name="Toch weghalen").click()
    await expect(wall.locator(".rule")).to_have_count(0)
    await expect(phone.page.locator("#my-rules .empty")).to_be_visible()

    await min_target(page, "main button:visible")
    for watched in (console, phone.watched, wall_watched):
        await watched.assert_clean()


async def test_the_guided_pair_asks_for_what_happens_and_how_long(server: RunningServer, browser: Browser) -> None:
    console_context = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(console_context, server, "Gezin G")
    console = await watched_page(console_context)
    page = console.page
    await page.goto(f"/console/meetings/{room['meeting_id']}")
    column = page.locator(".room-column")
    await expect(column.locator(".status")).to_have_attribute("data-state", "saved")
    await column.locator(".pair-box summary").click()
    form = column.locator(".pair-form")
    await fill_pair(column, {**PAIR, "impact": "", "duration": " "})
    await column.get_by_role("button", name="Paar op het bord zetten").click()
    impact = form.locator("textarea[data-part='impact']")
    duration = form.locator("textarea[data-part='duration']")
    await expect(impact).to_be_focused()
    await expect(impact).to_have_attribute("aria-invalid", "true")
    await expect(duration).to_have_attribute("aria-invalid", "true")
    await expect(form.get_by_text("Vul in wat er met het kind gebeurt als er niets verandert")).to_be_visible()
    await expect(form.get_by_text("Vul in hoe lang dit moet duren")).to_be_visible()
    await expect(form.locator(".error")).to_contain_text("2 vragen zijn nog niet beantwoord")
    # The message is the field's description, so a screen reader hears it on the field.
    described = await impact.get_attribute("aria-describedby")
    assert described and "kind gebeurt" in await page.locator(f"#{described}").inner_text()
    assert await column.locator(".board-view .card").count() == 0  # nothing half-written on the board

    await impact.fill("voelen ze zich niet veilig")
    await expect(impact).not_to_have_attribute("aria-invalid", "true")
    await column.get_by_role("button", name="Paar op het bord zetten").click()
    await expect(duration).to_be_focused()
    assert await column.locator(".board-view .card").count() == 0
    await duration.fill("een half jaar")
    await column.get_by_role("button", name="Paar op het bord zetten").click()
    danger = column.locator(".board-view .card[data-category='danger'] .card-text")
    await expect(danger).to_have_text(re.compile(r"Als er niets verandert: voelen ze zich niet veilig$"))
    await expect(column.locator(".board-view .card[data-category='goals'] .card-text")).to_contain_text("een half jaar")
    await expect(form.locator(".field-error:visible")).to_have_count(0)
    await console.assert_clean()
