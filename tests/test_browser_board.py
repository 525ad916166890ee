"""The meeting board in real Chromium: a facilitator's console, a projector and three phones.
Proposals reach the wall only once accepted; marks show with names; the guided danger/goal pair;
a scaling round whose scores reach nobody before the reveal; rules claimed from a phone; the
English and early-help label sets; hostile text shown as text without breaking the layout."""

from __future__ import annotations

import contextlib
import re
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser import (
    ARTIFACTS,
    NOTHING_STORED,
    Watched,
    browser,
    browser_storage,
    record_frames,
    require_bundles,
    watched_page,
)
from tests.test_browser_meetings import (
    CONSOLE,
    PROJECTOR,
    Phone,
    logged_in_context,
    min_target,
    new_phone,
    no_horizontal_scroll,
    page_text,
    received,
)
from tests.utils import RunningServer

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

ORIGIN_HEADER = "Origin"
WHY_TRUUS = "WAAROM-TRUUS-Q7Z"  # ASCII: the same bytes in a Yjs update as on the page
WHY_KAREL = "WAAROM-KAREL-X4K"
HOSTILE = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "javascript:alert(document.cookie)",
    "\u202egnip\u202c omgedraaid",
]
LONG = "A" * 10_000


async def meeting_with_room(context: BrowserContext, server: RunningServer, label: str) -> dict[str, Any]:
    origin = {ORIGIN_HEADER: server.url}
    case = await (await context.request.post("/api/cases", data={"label": label}, headers=origin)).json()
    meeting = await (
        await context.request.post(f"/api/cases/{case['id']}/meetings", data={"title": "Netwerkberaad"}, headers=origin)
    ).json()
    room: dict[str, Any] = meeting["rooms"][0]
    room["meeting_id"] = meeting["id"]
    return room


async def phone_in(
    browser: Browser,
    server: RunningServer,
    console: BrowserContext,
    room: dict[str, Any],
    name: str,
    relation: str,
    lang: str = "",
) -> Phone:
    phone = await new_phone(browser)
    origin = {ORIGIN_HEADER: server.url}
    joined = await phone.context.request.post(
        f"{server.url}/api/join", data={"code": room["join_code"], "name": name, "relation": relation}, headers=origin
    )
    assert joined.status == 201, await joined.text()
    pid = (await joined.json())["participant_id"]
    admitted = await console.request.post(f"/api/participants/{pid}/admit", data={}, headers=origin)
    assert admitted.status == 200, await admitted.text()
    await phone.page.goto(f"{server.url}/board{lang}")
    await expect(phone.page.locator("#status")).to_have_attribute("data-state", "saved")
    return phone


async def open_projector(
    console: Page, column: Locator, browser: Browser
) -> tuple[BrowserContext, Watched, list[bytes]]:
    async with console.context.expect_page() as opened:
        await column.locator(".access-controls button.secondary").click()
    popup = await opened.value
    await popup.wait_for_load_state()
    url = popup.url
    await popup.close()
    context = await browser.new_context(viewport=PROJECTOR)
    wall = await watched_page(context)
    frames = record_frames(wall.page)
    await wall.page.goto(url)
    return context, wall, frames


async def propose(phone: Phone, category: str, text: str) -> None:
    page = phone.page
    box = page.locator(".propose-box")
    if await box.get_attribute("open") is None:
        await box.locator("summary").click()
    await page.select_option("#propose-category", category)
    await page.fill("#propose-text", text)
    await page.locator("#propose button[type=submit]").click()
    await expect(page.locator(".my-proposal", has_text=text[:40]).first).to_be_visible()


async def fill_pair(column: Locator, parts: dict[str, str]) -> None:
    for part, value in parts.items():
        await column.locator(f".pair-form textarea[data-part='{part}']").fill(value)


PAIR = {
    "who": "De school en de jeugdbeschermer",
    "behaviour": "Max en Ash alleen zijn met iemand die hen pijn deed",
    "impact": "voelen ze zich niet veilig",
    "parents": "Vader zorgt dat oma er altijd bij is",
    "child": "Max en Ash zich veilig voelen bij vader",
    "duration": "een half jaar",
}


async def pair_count(page: Page) -> int:
    count: int = await page.locator(".room-column .board-view .card[data-category='danger'] .pair-tag").count()
    return count


async def wall_fits(page: Page) -> None:
    """The wall never scrolls: not sideways, and not down either (it shows a part at a time instead)."""
    with contextlib.suppress(Exception):  # the wall fits itself on the next frame; then it is checked
        await page.wait_for_function("document.documentElement.scrollHeight <= window.innerHeight", timeout=3000)
    sizes: list[int] = await page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth,"
        " document.documentElement.scrollHeight, window.innerHeight]"
    )
    assert sizes[0] <= 1920 and sizes[0] <= sizes[1] and sizes[2] <= sizes[3], sizes


async def test_the_board_on_console_projector_and_phones(server: RunningServer, browser: Browser) -> None:
    require_bundles("meeting", "phone", "projector")
    ARTIFACTS.mkdir(exist_ok=True)
    console_context = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(console_context, server, "Gezin M-2026")
    console = await watched_page(console_context)
    page = console.page
    await page.goto(f"/console/meetings/{room['meeting_id']}")
    column = page.locator(".room-column")
    await expect(column.locator(".status")).to_have_attribute("data-state", "saved")

    truus = await phone_in(browser, server, console_context, room, "Truus Jansen", "family")
    karel = await phone_in(browser, server, console_context, room, "Karel de Vries", "parent")
    sem = await phone_in(browser, server, console_context, room, "Sem Bos", "professional_school")
    projector_context, wall_watched, wall_frames = await open_projector(page, column, browser)
    wall = wall_watched.page
    await expect(wall.locator(".wall-here")).to_contain_text("Truus")

    # -- proposals: only what the facilitator accepts reaches the wall -----------------------------------
    await propose(truus, "strengths", "Oma haalt de kinderen elke dinsdag op")
    await propose(karel, "danger", "Vader werkt te veel en is moe")
    await propose(sem, "harm", "Dit voorstel wordt afgewezen")
    inbox = column.locator(".inbox")
    await expect(inbox.locator(".proposal")).to_have_count(3)
    await expect(page.locator("#live")).to_contain_text("Nieuw voorstel van Sem.")
    assert "Oma haalt" not in await page_text(wall)

    await inbox.get_by_role("button", name="Voorstel van Truus op het bord zetten").click()
    karel_row = inbox.locator(".proposal", has_text="Van Karel")
    await karel_row.locator("select").select_option("complicating")  # moved to another category
    await karel_row.locator("textarea").fill("Vader werkt veel en is dan moe")  # and edited
    await inbox.get_by_role("button", name="Voorstel van Karel op het bord zetten").click()
    await inbox.get_by_role("button", name="Voorstel van Sem afwijzen").click()
    await expect(inbox.locator(".proposal")).to_have_count(0)

    strengths = wall.locator(".category[data-category='strengths'] .card-text", has_text="Oma haalt de kinderen")
    await expect(strengths).to_be_visible()
    await expect(wall.locator(".category[data-category='complicating'] .card-text")).to_have_text(
        "Vader werkt veel en is dan moe"
    )
    await expect(wall.locator(".category[data-category='strengths'] .card-by")).to_have_text("van Truus")
    wall_text = await page_text(wall)
    assert "Dit voorstel wordt afgewezen" not in wall_text and "Vader werkt te veel" not in wall_text
    await expect(sem.page.locator(".my-proposal", has_text="afgewezen").locator(".proposal-status")).to_have_text(
        "niet op het bord"
    )
    await expect(truus.page.locator(".my-proposal .proposal-status")).to_have_text("op het bord")

    # -- marks: agree / disagree, visible with names everywhere ------------------------------------------
    card = truus.page.locator("#board .card", has_text="Oma haalt de kinderen")
    await card.get_by_role("button", name=re.compile("^Eens:")).click()
    await expect(card.get_by_role("button", name=re.compile("^Eens:"))).to_have_attribute("aria-pressed", "true")
    await (
        karel.page.locator("#board .card", has_text="Oma haalt de kinderen")
        .get_by_role("button", name=re.compile("^Oneens:"))
        .click()
    )
    await (
        sem.page.locator("#board .card", has_text="Oma haalt de kinderen")
        .get_by_role("button", name=re.compile("^Weet niet:"))
        .click()
    )
    for view in (wall, page, sem.page):
        marks = view.locator(".card", has_text="Oma haalt de kinderen").locator(".marks")
        await expect(marks).to_contain_text("Eens 1: Truus")
        await expect(marks).to_contain_text("Oneens 1: Karel")
        await expect(marks).to_contain_text("Weet niet 1: Sem")

    # -- the guided pair, jargon, the soft limit ----------------------------------------------------------
    await column.locator(".pair-box summary").click()
    await fill_pair(column, {**PAIR, "behaviour": "er sprake is van verwaarlozing"})
    await expect(column.locator(".pair-form .jargon-warning")).to_contain_text('"verwaarlozing"')
    await fill_pair(column, PAIR)
    await expect(column.locator(".pair-form .jargon-warning")).to_be_hidden()
    await column.get_by_role("button", name="Paar op het bord zetten").click()
    danger = wall.locator(".category[data-category='danger'] .card", has_text="De school en de jeugdbeschermer")
    goal = wall.locator(".category[data-category='goals'] .card", has_text="Vader zorgt dat oma")
    await expect(danger.locator(".pair-tag")).to_have_text("paar 1")
    await expect(goal.locator(".pair-tag")).to_have_text("paar 1")
    await expect(danger.locator(".card-text")).to_contain_text("Als er niets verandert: voelen ze zich niet veilig")
    await expect(column.locator(".pair-limit")).to_be_hidden()
    for n in (2, 3):
        await fill_pair(column, {**PAIR, "who": f"Zorg {n}"})
        await column.get_by_role("button", name="Paar op het bord zetten").click()
        await expect(wall.locator(".category[data-category='danger'] .pair-tag", has_text=f"paar {n}")).to_be_visible()
    await expect(column.locator(".pair-limit")).to_contain_text("al 3 paren")
    await fill_pair(column, {**PAIR, "who": "Zorg 4"})
    await column.get_by_role("button", name="Paar op het bord zetten").click()  # soft: it still goes on
    await expect(column.locator(".pair-limit")).to_contain_text("al 4 paren")
    assert await pair_count(page) == 4

    # -- scaling: nobody sees a score before the reveal ---------------------------------------------------
    no_phone = column.locator(".no-phone-box")
    await no_phone.locator("summary").click()
    await no_phone.get_by_label("Voornaam of rol").fill("Henk")
    await no_phone.get_by_role("button", name="Toevoegen").click()
    # Henk has no phone: the wall's "Aanwezig" lists who is connected now (tests/test_wall_presence.py).
    await expect(column.get_by_text("Henk").first).to_be_visible()

    await column.get_by_label("Titel van de ronde").fill("Hoe veilig nu?")
    await column.get_by_role("button", name="Ronde openen").click()
    await expect(wall.locator(".scale-instruction")).to_contain_text("Kies nu op je telefoon")
    for phone in (truus, karel, sem):
        await expect(phone.page.locator(".score-button")).to_have_count(11)
    await min_target(truus.page, ".score-button")
    await truus.page.locator(".score-button[data-value='7']").click()
    await truus.page.fill("#score-why", WHY_TRUUS)
    await truus.page.locator("#save-why").click()
    await karel.page.fill("#score-why", WHY_KAREL)
    await karel.page.locator(".score-button[data-value='4']").click()
    await sem.page.locator(".score-button[data-value='6']").click()
    await expect(truus.page.locator(".score-note")).to_contain_text("Je koos 7")
    await expect(column.locator(".round-count")).to_have_text("3 van 4 hebben gekozen")
    # The facilitator enters Henk's score (he has no phone).
    score_for = column.locator(".score-for")
    await score_for.get_by_label("Wie").select_option(label="Henk")
    await score_for.get_by_label("Score").select_option("5")
    await score_for.get_by_role("button", name="Score opslaan").click()
    await expect(column.locator(".round-count")).to_have_text("4 van 4 hebben gekozen")

    assert await wall.locator(".scale-name").count() == 0
    wall_text = await page_text(wall)
    assert WHY_TRUUS not in wall_text and WHY_KAREL not in wall_text
    assert not received(wall_frames, WHY_TRUUS) and not received(wall_frames, WHY_KAREL)
    assert not received(karel.frames, WHY_TRUUS) and not received(sem.frames, WHY_TRUUS)
    assert not received(truus.frames, WHY_KAREL) and not received(sem.frames, WHY_KAREL)

    await column.get_by_role("button", name="Ronde sluiten").click()
    await expect(wall.locator(".scale-instruction")).to_contain_text("gesloten")
    await column.get_by_role("button", name="Alle scores tonen").click()
    now = wall.locator(".scale-now")
    for value, name in ((7, "Truus"), (4, "Karel"), (6, "Sem"), (5, "Henk")):
        await expect(now.locator(f".scale-step[data-value='{value}'] .scale-name")).to_have_text(name)
    await expect(wall.locator(".anchor-zero")).to_contain_text("niet thuis kunnen blijven")
    await expect(wall.locator(".anchor-ten")).to_contain_text("veilig genoeg")
    await expect(wall.locator(".scale-whys")).to_contain_text(WHY_TRUUS)
    assert received(karel.frames, WHY_TRUUS)  # now it is on the board, for everyone
    await expect(karel.page.locator(".phone-scale .scale-step[data-value='7'] .scale-name")).to_have_text("Truus")
    await wall.screenshot(path=str(ARTIFACTS / "board-poll-revealed-1920x1080.png"))
    await truus.page.screenshot(path=str(ARTIFACTS / "board-phone-poll-revealed-360x740.png"))

    # -- agreements: three sections, a claim, a confirmation, statuses ---------------------------------------
    plan = column.locator(".plan-box")
    await plan.locator("summary").click()
    rules = [
        ("immediate", "Oma is bij elk bezoek van vader"),
        ("longer", "Vader en oma bespreken elke maand hoe het gaat"),
        ("bottom_line", "De kinderen zijn nooit alleen met vader"),
    ]
    for section, text in rules:
        await plan.get_by_label("Soort").select_option(section)
        await plan.get_by_label("Wat gaat er gebeuren?").fill(text)
        if section == "immediate":
            await plan.get_by_label("Bij welk doel hoort het?").select_option(index=1)
            await plan.get_by_label("Wanneer / wat is het signaal?").fill("Elk weekend bij vader")
            await plan.get_by_label("Hoe wordt het gecontroleerd").fill("De gezinsvoogd belt oma")
            await plan.get_by_label("Wat gebeurt er als het niet lukt?").fill("Dan gaan de kinderen niet")
            await plan.get_by_label("Start").fill("2026-03-01")
            await plan.get_by_label("Bekijken op").fill("2026-03-08")
        else:  # a rule needs a review date; only an immediate one is given one (start + 7 days)
            await plan.get_by_label("Bekijken op").fill("2026-09-01")
        await plan.get_by_role("button", name="Afspraak toevoegen").click()
    await column.get_by_label("Op het scherm").select_option("plan")
    await expect(wall.locator(".plan-bottom_line .card-text")).to_have_text("De kinderen zijn nooit alleen met vader")
    await expect(wall.locator(".plan-immediate .rule-goal")).to_contain_text("Vader zorgt dat oma")

    rule = truus.page.locator("#board .rule", has_text="Oma is bij elk bezoek")
    await rule.get_by_role("button", name="Ik doe dit").click()
    await expect(truus.page.locator("#my-rules .my-rule")).to_contain_text("wacht op de gespreksleider")
    assert await truus.page.locator("#board .plan-bottom_line button").count() == 0  # not claimable
    await column.get_by_role("button", name="Truus bevestigen").click()
    await expect(wall.locator(".plan-immediate .rule-owners")).to_contain_text("Truus")
    await expect(truus.page.locator("#my-rules .my-rule")).to_contain_text("Oma is bij elk bezoek")
    status = column.locator(".rule", has_text="Oma is bij elk bezoek").get_by_label("Stand")
    await status.select_option("trying")
    await expect(truus.page.locator("#my-rules .status-pill")).to_have_text("wordt geprobeerd")
    await status.select_option("working")
    await expect(wall.locator(".plan-immediate .status-pill")).to_have_text("werkt")
    await expect(karel.page.locator("#my-rules .empty")).to_be_visible()

    # -- screenshots and what a machine can check of the layout ------------------------------------------
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=str(ARTIFACTS / "board-console-1366x768.png"))
    await page.screenshot(path=str(ARTIFACTS / "board-console-1366x768-full.png"), full_page=True)
    await wall.screenshot(path=str(ARTIFACTS / "board-projector-plan-1920x1080.png"))
    await column.get_by_label("Op het scherm").select_option("board")
    await wall.screenshot(path=str(ARTIFACTS / "board-projector-1920x1080.png"))
    await truus.page.screenshot(path=str(ARTIFACTS / "board-phone-360x740.png"), full_page=True)
    for phone in (truus, karel, sem):
        await no_horizontal_scroll(phone.page)
        await min_target(phone.page, "button:visible")
    await no_horizontal_scroll(page)
    await min_target(page, "main button:visible")
    await wall_fits(wall)
    wall_text = await page_text(wall)
    assert "Jansen" not in wall_text and "Vries" not in wall_text

    # -- leaving keeps nothing -------------------------------------------------------------------------------
    await truus.page.get_by_role("button", name="Verlaten").click()
    await expect(truus.page.get_by_role("heading", name=re.compile("Je hebt de bijeenkomst verlaten"))).to_be_visible()
    assert "Oma haalt" not in await page_text(truus.page)
    assert await browser_storage(truus.page) == NOTHING_STORED

    for watched in (console, truus.watched, karel.watched, sem.watched, wall_watched):
        await watched.assert_clean()
    for context in (console_context, truus.context, karel.context, sem.context, projector_context):
        await context.close()


async def test_english_and_the_early_help_words(server: RunningServer, browser: Browser) -> None:
    """The whole flow in English with three phones: suggest and accept, mark, a round that shows
    nothing on the wall before the reveal and every named score after, claim and confirm."""
    require_bundles("meeting", "phone", "projector")
    console_context = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(console_context, server, "Family K")
    console = await watched_page(console_context)
    page = console.page
    await page.goto(f"/console/meetings/{room['meeting_id']}?lang=en")
    column = page.locator(".room-column")
    await expect(column.locator(".status")).to_have_attribute("data-state", "saved")
    await column.get_by_label("Words on the board").select_option("en")
    await expect(column.locator(".add-item select option[value='danger']")).to_have_text("Danger statements")

    ann = await phone_in(browser, server, console_context, room, "Ann Smith", "friend", "?lang=en")
    bob = await phone_in(browser, server, console_context, room, "Bob Jones", "parent", "?lang=en")
    cleo = await phone_in(browser, server, console_context, room, "Cleo Park", "professional_school", "?lang=en")
    phones = (ann, bob, cleo)
    projector_context, wall_watched, wall_frames = await open_projector(page, column, browser)
    wall = wall_watched.page
    await expect(wall.locator(".category[data-category='goals'] h3")).to_have_text("Safety goals")
    await expect(wall.locator(".wall-here")).to_contain_text("Cleo")

    await propose(ann, "safety", "Grandma took the children to her house when it went wrong")
    await propose(bob, "strengths", "Bob cooks dinner every evening")
    await column.get_by_role("button", name="Put Ann's suggestion on the board").click()
    await column.get_by_role("button", name="Decline Bob's suggestion").click()
    await expect(ann.page.locator("#live")).to_contain_text("Your suggestion is on the board: Grandma took")
    await expect(bob.page.locator("#live")).to_contain_text("Your suggestion was not put on the board")
    card = ann.page.locator("#board .card", has_text="Grandma took")
    await card.get_by_role("button", name=re.compile("^Agree:")).click()
    await (
        cleo.page.locator("#board .card", has_text="Grandma took").get_by_role("button", name=re.compile("^Not sure:"))
    ).click()
    marks = wall.locator(".card", has_text="Grandma took").locator(".marks")
    await expect(marks).to_contain_text("Agree 1: Ann")
    await expect(marks).to_contain_text("Not sure 1: Cleo")
    assert "Bob cooks" not in await page_text(wall)

    await column.get_by_label("Title of the round").fill("How safe now?")
    await column.get_by_role("button", name="Open round").click()
    for phone in phones:
        await expect(phone.page.locator("#live")).to_contain_text("The scaling question is open")
    why = {"Ann": "WHY-ANN-R2D", "Bob": "WHY-BOB-K9Q", "Cleo": "WHY-CLEO-Z3T"}
    chosen = {"Ann": 8, "Bob": 3, "Cleo": 5}
    for phone, name in zip(phones, ("Ann", "Bob", "Cleo"), strict=True):
        await phone.page.fill("#score-why", why[name])
        await phone.page.locator(f".score-button[data-value='{chosen[name]}']").click()
        await expect(phone.page.locator(".score-note")).to_contain_text(f"You chose {chosen[name]}")
    await expect(column.locator(".round-count")).to_have_text("3 of 3 have chosen")
    await expect(wall.locator(".scale-instruction")).to_contain_text("Choose a number")
    # Before the reveal: no name on the line, no number, no reason, on the screen or in its data.
    assert await wall.locator(".scale-name, .scale-step .scale-names li").count() == 0
    wall_text = await page_text(wall)
    for name in why:
        assert why[name] not in wall_text and not received(wall_frames, why[name])
    for phone, name in zip(phones, ("Ann", "Bob", "Cleo"), strict=True):
        for other in why:
            if other != name:
                assert not received(phone.frames, why[other])
    await column.get_by_role("button", name="Close and show all scores").click()
    now = wall.locator(".scale-now")
    for name, value in chosen.items():
        await expect(now.locator(f".scale-step[data-value='{value}'] .scale-name")).to_have_text(name)
    await expect(now.locator(".scale-name")).to_have_count(3)
    await expect(wall.locator(".anchor-ten")).to_contain_text("safe enough for the case to be closed")
    for phone in phones:
        await expect(phone.page.locator("#live")).to_contain_text("All scores can be seen now.")
    await expect(wall.locator(".scale-whys")).to_contain_text(why["Bob"])

    plan = column.locator(".plan-box")
    await plan.locator("summary").click()
    await plan.get_by_label("What will happen?").fill("Ann calls every Sunday")
    await plan.get_by_label("How is it checked?").fill("A message in the family chat")
    await plan.get_by_label("By whom?").fill("The guardian")
    await plan.get_by_role("button", name="Add agreement").click()
    for phone in (ann, cleo):
        await phone.page.locator("#board .rule").get_by_role("button", name="I'll do this").click()
    await column.get_by_role("button", name="Confirm Ann").click()
    await column.get_by_role("button", name="Confirm Cleo").click()
    await expect(ann.page.locator("#my-rules .my-rule")).to_contain_text("Ann calls every Sunday")
    await expect(cleo.page.locator("#live")).to_contain_text("The facilitator confirmed you on the agreement")
    await column.get_by_label("On the screen").select_option("plan")
    await expect(wall.locator(".rule-owners")).to_contain_text("Ann, Cleo")
    await expect(wall.locator(".rule-check-by")).to_contain_text("Checked by")
    await expect(bob.page.locator("#my-rules .empty")).to_have_text("No agreements in your name yet.")

    # The early-help words, chosen by the facilitator, on every view.
    await column.get_by_label("Words on the board").select_option("early-help-en")
    await column.get_by_label("On the screen").select_option("board")
    await expect(wall.locator(".category[data-category='danger'] h3")).to_have_text("Worry statements")
    await expect(wall.locator(".category[data-category='goals'] h3")).to_have_text("Wellbeing goals")
    await expect(ann.page.locator("#propose-category option[value='danger']")).to_have_text("Worry statements")
    await expect(column.locator(".pair-box summary")).to_contain_text("Worry statement and wellbeing goal")
    await wall.screenshot(path=str(ARTIFACTS / "board-projector-early-help-en-1920x1080.png"))
    await ann.page.screenshot(path=str(ARTIFACTS / "board-phone-en-360x740.png"), full_page=True)

    for watched in (console, wall_watched, *(p.watched for p in phones)):
        await watched.assert_clean()
    for context in (console_context, projector_context, *(p.context for p in phones)):
        await context.close()


async def no_overlap(page: Page, selector: str) -> None:
    """Layout in height as well as width: nothing inside a card reaches out of it, no two cards
    overlap, and no card is wider than the page."""
    found: list[str] = await page.evaluate(
        """(selector) => {
            const problems = []
            const cards = [...document.querySelectorAll(selector)].filter((c) => c.getClientRects().length)
            const boxes = cards.map((c) => c.getBoundingClientRect())
            cards.forEach((card, n) => {
                const r = boxes[n]
                // A card wholly beyond the right edge is on another page of the wall (projector.js).
                const edge = document.documentElement.clientWidth
                if (r.right > edge + 1 && r.left < edge) problems.push(`wide ${n}`)
                // A card taller than a whole page of the wall is cut there on purpose, and says so.
                const clipped = card.classList.contains('wall-cut')
                for (const el of clipped ? [] : card.querySelectorAll('*')) {
                    const e = el.getBoundingClientRect()
                    if (!e.height) continue
                    const out = e.bottom > r.bottom + 1 || e.right > r.right + 1
                    if (out) problems.push(`out of card ${n}: ${el.className}`)
                }
                boxes.forEach((o, m) => {
                    if (m <= n) return
                    const across = r.left < o.right - 1 && o.left < r.right - 1
                    const down = r.top < o.bottom - 1 && o.top < r.bottom - 1
                    if (across && down) problems.push(`cards ${n} and ${m} overlap`)
                })
            })
            return problems.slice(0, 10)
        }""",
        selector,
    )
    assert found == [], found


async def set_value(locator: Locator, text: str) -> None:
    """Type past a field's maxlength, as a modified page or a paste tool could: the page must cope."""
    await locator.evaluate(
        "(el, text) => { el.value = text; el.dispatchEvent(new Event('input', { bubbles: true })) }", text
    )


RTL_FIRST = "\u202eRTL"  # an override opened in a first name and never closed
EVIL = "<img src=x onerror=alert(1)>\u202e"


async def test_hostile_text_stays_text(server: RunningServer, browser: Browser) -> None:
    require_bundles("meeting", "phone", "projector")
    console_context = await logged_in_context(browser, server, CONSOLE)
    origin = {ORIGIN_HEADER: server.url}
    # Case, meeting and room names at the longest the API takes, hostile throughout.
    label = ("<script>alert('case')</script>\u202e" + "W" * 120)[:120]
    case = await (await console_context.request.post("/api/cases", data={"label": label}, headers=origin)).json()
    made = await console_context.request.post(
        f"/api/cases/{case['id']}/meetings",
        data={"title": ("javascript:alert(1) \u202e" + "T" * 200)[:200], "rooms": [(EVIL + "M" * 120)[:120], "Vader"]},
        headers=origin,
    )
    assert made.status == 201, await made.text()
    meeting = await made.json()
    room: dict[str, Any] = meeting["rooms"][0]
    console = await watched_page(console_context)
    page = console.page
    await page.goto(f"/console/meetings/{meeting['id']}")
    column = page.locator(".room-column").first
    await expect(column.locator(".status")).to_have_attribute("data-state", "saved")
    await expect(column.locator("h2")).to_have_text((EVIL + "M" * 120)[:120])
    phone = await phone_in(browser, server, console_context, room, "<b>Evil</b> \u202eNaam", "family")
    rtl = await phone_in(browser, server, console_context, room, f"{RTL_FIRST} Achternaam", "friend")
    projector_context, wall_watched, _frames = await open_projector(page, column, browser)
    wall = wall_watched.page

    for text in HOSTILE:
        await propose(phone, "strengths", text)
    inbox = column.locator(".inbox")
    await expect(inbox.locator(".proposal")).to_have_count(len(HOSTILE))
    # The facilitator's edit of a suggestion, 10,000 characters long (the board keeps 2,000).
    await set_value(inbox.locator(".proposal textarea").last, HOSTILE[0] + LONG)
    while await inbox.locator(".proposal .accept").count():
        await inbox.locator(".proposal .accept").first.click()
    # The console's own form, past its maxlength.
    await column.locator(".add-item select:not(.level-select)").select_option("harm")
    await set_value(column.locator(".add-item input[maxlength='2000']"), HOSTILE[3] + LONG)
    await column.locator(".add-item button[type=submit]").click()
    await column.locator(".pair-box summary").click()
    await fill_pair(column, {part: HOSTILE[n % len(HOSTILE)] for n, part in enumerate(PAIR)})
    await set_value(column.locator(".pair-form textarea[data-part='seen']"), LONG)
    await column.locator(".pair-add").click()
    plan = column.locator(".plan-box")
    await plan.locator("summary").click()
    await set_value(plan.get_by_label("Wat gaat er gebeuren?"), LONG)
    await plan.get_by_label("Wanneer / wat is het signaal?").fill(HOSTILE[0])
    await plan.get_by_label("Hoe wordt het gecontroleerd?").fill(HOSTILE[2])
    await set_value(plan.get_by_label("Door wie?"), HOSTILE[1] + LONG)
    await set_value(plan.get_by_label("Wat gebeurt er als het niet lukt?"), HOSTILE[3] + LONG)
    await plan.get_by_role("button", name="Afspraak toevoegen").click()

    # Written straight into the document, 10,000 characters in every field, as any facilitator
    # client could: the server takes it (see the report), so every view must cope.
    def unbounded(doc: Any) -> None:
        from pycrdt import Map, Text

        doc.get("framework", type=Map)["zz-long"] = Map(
            {"category": "grey", "text": Text(HOSTILE[1] + LONG), "by": "f:1", "order": 99}
        )
        doc.get("agreements", type=Map)["zz-long"] = Map(
            {
                "section": "bottom_line",
                "text": Text(HOSTILE[0] + LONG),
                "when": LONG,
                "check": LONG,
                "check_by": LONG,
                "if_not_kept": HOSTILE[3] + LONG,
                "start": "2026-01-01",
                "review": "2026-01-08",
                "status": "agreed",
                "order": 99,
            }
        )

    await server.kring.live.edit(room["id"], "board", unbounded)
    await expect(column.locator(".board-view .card[data-root='framework'][data-key='zz-long']")).to_be_visible()
    assert (
        len(
            await column.locator(".board-view .card[data-root='framework'][data-key='zz-long'] .card-text").inner_text()
        )
        > 10_000
    )

    await set_value(column.get_by_label("Titel van de ronde"), HOSTILE[1] + LONG)
    await column.get_by_role("button", name="Ronde openen").click()
    await phone.page.fill("#score-why", HOSTILE[0])
    await phone.page.locator(".score-button[data-value='3']").click()
    await rtl.page.locator(".score-button[data-value='9']").click()
    # Both scores have reached the console before the round closes: a close that overtakes a
    # phone's score reveals one name, which is right, but not what this test is about.
    await expect(column.locator(".round-count")).to_have_text("2 van 2 hebben gekozen")
    await column.get_by_role("button", name="Sluiten en alle scores tonen").click()
    await expect(wall.locator(".scale-now .scale-name")).to_have_count(2)
    await expect(wall.locator(".scale-whys")).to_contain_text(HOSTILE[0])
    await wall.screenshot(path=str(ARTIFACTS / "board-projector-hostile-poll-1920x1080.png"))
    await no_horizontal_scroll(wall)
    await wall_fits(wall)

    card = phone.page.locator("#board .category[data-category='strengths'] .card").first
    await expect(card.locator(".card-text")).to_have_text(HOSTILE[0])
    await card.get_by_role("button", name=re.compile("^Eens:")).click()
    rtl_card = rtl.page.locator("#board .category[data-category='strengths'] .card").first
    await rtl_card.get_by_role("button", name=re.compile("^Eens:")).click()
    await column.get_by_label("Op het scherm").select_option("board")
    first = wall.locator(".category[data-category='strengths'] .card").first
    await expect(first.locator(".marks")).to_contain_text("<b>Evil</b>")
    await expect(first.locator(".marks")).to_contain_text("Eens 2")  # both marks, before reading them
    # The unclosed override ends with the name: isolated, so "Eens 2: <b>Evil</b>, …" reads on.
    marks_text = await first.locator(".marks").inner_text()
    assert f"\u2068{RTL_FIRST}\u2069" in marks_text, ascii(marks_text)
    here = await wall.locator(".wall-here").inner_text()
    assert f"\u2068{RTL_FIRST}\u2069" in here, ascii(here)
    for view in (page, phone.page, wall):
        assert await view.locator("script:not([src])").count() == 0
        assert (
            await view.locator(".board-view img, .board-view a, .wall-poll img, main a[href^='javascript']").count()
            == 0
        )
    long_cards = wall.locator(".board-wall .card-text", has_text="AAAA")
    await expect(long_cards).to_have_count(4)
    for view in (phone.page, page):
        await no_horizontal_scroll(view)
        await no_overlap(view, ".board-view .card")
    await wall_fits(wall)
    await no_overlap(wall, ".wall-board .card")
    await column.get_by_label("Op het scherm").select_option("plan")
    await expect(wall.locator(".plan-bottom_line .card-text").first).to_contain_text("AAAA")
    await wall_fits(wall)
    await no_overlap(wall, ".wall-plan .card")
    await phone.page.screenshot(path=str(ARTIFACTS / "board-phone-hostile-360x740.png"))
    await wall.screenshot(path=str(ARTIFACTS / "board-projector-hostile-1920x1080.png"))
    for watched in (console, phone.watched, rtl.watched, wall_watched):
        await watched.assert_clean()
    for context in (console_context, phone.context, rtl.context, projector_context):
        await context.close()
