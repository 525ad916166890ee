"""In real Chromium: a first visit speaks the browser's language; the language switch on each of the
six views (log-in, cases, meeting console, join, phone board, wall) changes the words without losing
the page's state, and the choice holds for the rest of the browser session; after "leave" and "log
out" the browser keeps nothing of it."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser import NOTHING_STORED, browser, browser_storage, require_bundles, watched_page
from tests.meetings_helpers import PASSWORD
from tests.utils import RunningServer

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

EMAIL = "fatima@example.org"
PHONE = {"width": 360, "height": 740}
ITEM = "Oma Truus haalt Max op dinsdag"


async def meeting_with_a_room(context: BrowserContext, server: RunningServer) -> dict[str, str]:
    """Through the API, as the logged-in facilitator of `context`: a case, a one-room meeting that lets
    everyone with the code in at once, and the room's projector link."""
    origin = {"Origin": server.url}
    case = await (await context.request.post("/api/cases", data={"label": "Gezin T"}, headers=origin)).json()
    made = await context.request.post(f"/api/cases/{case['id']}/meetings", data={"title": "Beraad"}, headers=origin)
    meeting = await made.json()
    switched = await context.request.patch(f"/api/meetings/{meeting['id']}", data={"admit_all": True}, headers=origin)
    assert switched.ok, await switched.text()
    room = meeting["rooms"][0]
    link = await context.request.post(f"/api/rooms/{room['id']}/projector", data={}, headers=origin)
    return {
        "meeting": f"/console/meetings/{meeting['id']}",
        "code": room["join_code"],
        "wall": (await link.json())["url"],
    }


async def log_in_by_api(context: BrowserContext, server: RunningServer) -> None:
    response = await context.request.post(
        "/api/session", data={"email": EMAIL, "password": PASSWORD}, headers={"Origin": server.url}
    )
    assert response.ok


async def choose(page: Page, language: str) -> None:
    """Follow the switch's link to `language`, as a person does (by keyboard: it is a link)."""
    switch = page.get_by_role("navigation", name=re.compile("^(Taal|Language)$"))
    await switch.get_by_role("link", name=language).focus()
    await page.keyboard.press("Enter")
    await expect(switch.locator("[aria-current=true]")).to_have_text(language)


async def lang_cookies(context: BrowserContext) -> list[dict[str, object]]:
    return [dict(c) for c in await context.cookies() if c["name"] == "kring_lang"]


async def test_a_first_visit_speaks_the_browsers_language(server: RunningServer, browser: Browser) -> None:
    require_bundles("login", "join", "console")
    await server.kring.meetings.add_facilitator(EMAIL, "Fatima", PASSWORD)
    context = await browser.new_context(locale="en-GB", base_url=server.url)
    watched = await watched_page(context)
    page = watched.page

    await page.goto("/login")
    assert await page.evaluate("document.documentElement.lang") == "en"
    await expect(page.get_by_role("heading", level=1)).to_have_text("Log in for facilitators")
    switch = page.get_by_role("navigation", name="Language")
    await expect(switch.locator("[aria-current=true]")).to_have_text("English")
    await expect(switch.get_by_role("link", name="Nederlands")).to_have_attribute("lang", "nl")

    await page.goto("/join?code=12345678")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Join the network meeting")
    await expect(page.get_by_label("Your name")).to_be_visible()

    # Dates as the browser's English writes them (en-GB: day, month, year), not the ISO day.
    await log_in_by_api(context, server)
    await meeting_with_a_room(context, server)
    await page.goto("/console")
    today = date.today()
    await page.locator(".new-meeting summary").first.click()  # offers the earlier meetings, with their day
    option = page.locator(".new-meeting option", has_text="Beraad").first
    await expect(option).to_contain_text(f"({today.day} {today:%b} {today.year})")
    assert await lang_cookies(context) == []  # nothing chosen, nothing remembered
    await watched.assert_clean()
    await context.close()


async def test_the_switch_on_each_view_changes_the_words_and_holds_for_the_session(
    server: RunningServer, browser: Browser
) -> None:
    require_bundles("login", "console", "meeting", "join", "phone", "projector")
    await server.kring.meetings.add_facilitator(EMAIL, "Fatima", PASSWORD)

    # -- the facilitator's browser speaks English; she works in Dutch -----------------------------------
    desk = await browser.new_context(locale="en-GB", base_url=server.url, viewport={"width": 1366, "height": 768})
    console = await watched_page(desk)
    page = console.page
    await page.goto("/login")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Log in for facilitators")
    await choose(page, "Nederlands")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen voor gespreksleiders")
    await page.fill("#email", EMAIL)
    await page.fill("#password", PASSWORD)
    await page.get_by_role("button", name="Inloggen").click()
    # No ?lang= in the address any more: the session remembers Dutch over the browser's English.
    await page.wait_for_url(f"{server.url}/console")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Zaken")
    [remembered] = await lang_cookies(desk)
    assert remembered["value"] == "nl"
    assert remembered["expires"] == -1  # a session cookie: gone when the browser closes
    assert remembered["httpOnly"] is True

    await choose(page, "English")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Cases")
    where = await meeting_with_a_room(desk, server)
    await page.goto(where["meeting"])  # typed, without ?lang=
    await expect(page.get_by_role("link", name="Back to cases")).to_be_visible()
    column = page.locator(".room-column").first
    await column.locator(".add-item select:not(.level-select)").select_option("strengths")
    await column.locator(".add-item input[maxlength='2000']").fill(ITEM)
    await column.locator(".add-item button[type=submit]").click()
    await expect(column.locator(".board-view .card-text", has_text=ITEM)).to_be_visible()
    await choose(page, "Nederlands")
    await expect(page.get_by_role("link", name="Terug naar zaken")).to_be_visible()
    await expect(column.locator(".board-view .card-text", has_text=ITEM)).to_be_visible()  # the board is back

    # -- the wall: the token stays in the fragment through the switch ----------------------------------
    wall_context = await browser.new_context(base_url=server.url, viewport={"width": 1920, "height": 1080})
    wall = await watched_page(wall_context)
    await wall.page.goto(where["wall"])
    await expect(wall.page.locator(".wall-join-title")).to_have_text("Doe mee met je telefoon")
    header = wall.page.locator(".wall-head")
    await expect(header.get_by_role("navigation", name="Taal")).to_be_visible()  # in the header, not over the board
    await choose(wall.page, "English")
    await expect(wall.page.locator(".wall-join-title")).to_have_text("Join with your phone")
    await expect(wall.page.locator(".card-text", has_text=ITEM)).to_be_visible()
    assert "#" in wall.page.url and "lang=en" in wall.page.url

    # -- a phone: join in English, the board in Dutch, and back ----------------------------------------
    phone_context = await browser.new_context(base_url=server.url, viewport=PHONE, has_touch=True, is_mobile=True)
    phone = await watched_page(phone_context)
    await phone.page.goto(f"/j/{where['code']}")
    await expect(phone.page.get_by_role("heading", level=1)).to_have_text("Meedoen aan het netwerkberaad")
    await choose(phone.page, "English")
    await expect(phone.page.get_by_role("heading", level=1)).to_have_text("Join the network meeting")
    await expect(phone.page.locator("#code")).to_have_value(where["code"])  # what came with the link stays
    await fits_the_phone(phone.page)
    await phone.page.fill("#name", "Truus")
    await phone.page.select_option("#relation", "family")
    await phone.page.get_by_role("button", name="Join").click()
    await phone.page.wait_for_url(f"{server.url}/board?lang=en")
    await expect(phone.page.locator("#status")).to_have_text("Connected")
    await fits_the_phone(phone.page)
    await choose(phone.page, "Nederlands")
    await expect(phone.page.get_by_role("heading", name="Bord")).to_be_visible()
    await expect(phone.page.locator("#status")).to_have_text("Verbonden")  # connected again, as itself
    await expect(phone.page.locator("#board .card-text", has_text=ITEM)).to_be_visible()
    await phone.page.goto("/board")  # the session's choice, not the address, says Dutch here
    await expect(phone.page.get_by_role("button", name="Verlaten")).to_be_visible()

    for watched in (console, wall, phone):
        await watched.assert_clean()
    for context in (desk, wall_context, phone_context):
        await context.close()


async def fits_the_phone(page: Page) -> None:
    """The top bar with the switch stays inside 360 px, and its links are 44 px targets."""
    widths: list[int] = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    for link in await page.locator(".langswitch a").all():
        box = await link.bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 44 and box["x"] + box["width"] <= 360, box


async def test_leaving_and_logging_out_leave_no_language_behind(server: RunningServer, browser: Browser) -> None:
    require_bundles("login", "console", "join", "phone")
    await server.kring.meetings.add_facilitator(EMAIL, "Fatima", PASSWORD)
    desk = await browser.new_context(base_url=server.url)
    await log_in_by_api(desk, server)
    where = await meeting_with_a_room(desk, server)

    phone_context = await browser.new_context(base_url=server.url, viewport=PHONE, has_touch=True, is_mobile=True)
    phone = await watched_page(phone_context)
    await phone.page.goto(f"/join?code={where['code']}")
    await choose(phone.page, "English")
    await phone.page.fill("#name", "Truus")
    await phone.page.select_option("#relation", "family")
    await phone.page.get_by_role("button", name="Join").click()
    await expect(phone.page.locator("#status")).to_have_text("Connected")
    assert [c["value"] for c in await lang_cookies(phone_context)] == ["en"]
    await phone.page.get_by_role("button", name="Leave").click()
    await expect(phone.page.get_by_role("heading", level=1)).to_have_text(
        "You left the meeting. Nothing was kept on this phone."
    )
    # The answer to "leave" has arrived (the page says so): it deleted the cookies with it.
    assert await phone_context.cookies() == []
    assert await browser_storage(phone.page) == NOTHING_STORED

    console = await watched_page(desk)
    await console.page.goto("/console?lang=en")
    assert [c["value"] for c in await lang_cookies(desk)] == ["en"]
    # The case list's requests answered first: one still in flight when the session ends answers 401.
    await console.page.wait_for_load_state("networkidle")
    await console.page.get_by_role("button", name="Log out").click()
    # Logging out ended the choice with the session: the log-in page follows the browser (Dutch) again.
    await expect(console.page.get_by_role("heading", level=1)).to_have_text("Inloggen voor gespreksleiders")
    assert await lang_cookies(desk) == []
    assert await browser_storage(console.page) == NOTHING_STORED

    for watched in (phone, console):
        await watched.assert_clean()
    for context in (desk, phone_context):
        await context.close()
