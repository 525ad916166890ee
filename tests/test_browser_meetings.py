"""A split meeting in real Chromium: a facilitator logs in and sets it up, two phones join the two
rooms and are let in, each phone sees its own room's board and never a byte of the other's, the
projector shows one room by first names, items cross rooms only through a previewed copy that
refuses sensitive ones, locking hides the code, and a removed phone is gone within a second."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

import msgpack
import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect

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
from tests.meetings_helpers import PASSWORD
from tests.utils import RunningServer, eventually

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

CONSOLE: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 360, "height": 740}
PROJECTOR: ViewportSize = {"width": 1920, "height": 1080}

EMAIL = "fatima@example.org"
# Room A ("Moeder") and room B ("Vader"). The canary lives only in B; ASCII, so its bytes are the
# same inside a Yjs update, a msgpack frame or the page text.
ITEM_A = "Oma Truus haalt Max en Ash op dinsdag van school"
SENSITIVE_A = "Opvangadres moeder: Kastanjelaan 12"
SHARED_A = "Max en Ash zijn nooit alleen met vader"
CANARY_B = "KANARIE-VADER-7Q3X"


@dataclass
class Phone:
    context: BrowserContext
    watched: Watched
    frames: list[bytes]

    @property
    def page(self) -> Page:
        return self.watched.page


async def new_phone(browser: Browser) -> Phone:
    context = await browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    watched = await watched_page(context)
    return Phone(context, watched, record_frames(watched.page))


def grouped(code: str | None) -> str:
    """A join code as the screens show it: "1234 5678"."""
    assert code is not None and len(code) == 8
    return f"{code[:4]} {code[4:]}"


def only_waiting(frames: list[bytes]) -> bool:
    """Engine.IO's handshake and pings, and Socket.IO packets of the `/waiting` namespace whose only
    event is the phone's own admission state."""
    for frame in frames:
        if frame[:1] in (b"0", b"2"):  # Engine.IO open (JSON text), ping
            continue
        packet = msgpack.loads(frame)
        if packet.get("nsp") != "/waiting":
            return False
        if packet["type"] == 2 and packet["data"][0] != "admission":
            return False
    return True


def received(frames: list[bytes], text: str) -> bool:
    needle = text.encode()
    return any(needle in frame for frame in frames)


async def page_text(page: Page) -> str:
    found: str = await page.evaluate("document.body.innerText")
    return found


async def add_item(column: Locator, category: str, text: str, *, sensitive: bool = False, level: str = "") -> None:
    """`level`: "sensitive" or "facilitator" (everyone when not given; `sensitive` says the first)."""
    await column.locator(".add-item select:not(.level-select)").select_option(category)
    await column.locator(".add-item input[maxlength='2000']").fill(text)
    if sensitive or level:
        await column.locator(".add-item select.level-select").select_option(level or "sensitive")
    await column.locator(".add-item button[type=submit]").click()
    await expect(column.locator(".board-view .card-text", has_text=text)).to_be_visible()


async def join(phone: Phone, server: RunningServer, code: str, name: str, relation: str, *, via_link: bool) -> None:
    page = phone.page
    if via_link:
        await page.goto(f"{server.url}/j/{code}")  # what the QR code holds
        await page.wait_for_url(re.compile(r"/join\?code=\d{8}$"))
        await expect(page.locator("#code")).to_have_value(code)
    else:
        await page.goto(f"{server.url}/join")
        await page.fill("#code", f"{code[:4]} {code[4:]}")  # as read out from the screen
    await page.fill("#name", name)
    await page.select_option("#relation", relation)
    await page.click("#join button[type=submit]")
    await expect(page.get_by_role("heading", name="Wacht tot de gespreksleider je binnenlaat")).to_be_visible()


async def min_target(page: Page, selector: str) -> None:
    for box in [await el.bounding_box() for el in await page.locator(selector).all()]:
        assert box is not None and box["height"] >= 44 and box["width"] >= 44, (selector, box)


async def no_horizontal_scroll(page: Page) -> None:
    widths: list[int] = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths


async def test_a_split_meeting_keeps_each_room_to_itself(server: RunningServer, browser: Browser) -> None:
    require_bundles("login", "console", "meeting", "join", "phone", "projector")
    ARTIFACTS.mkdir(exist_ok=True)
    await server.kring.meetings.add_facilitator(EMAIL, "Fatima Bakker", PASSWORD)

    # -- the facilitator logs in, makes a case and a split meeting ---------------------------------
    console_context = await browser.new_context(viewport=CONSOLE)
    console = await watched_page(console_context)
    page = console.page
    await page.goto(f"{server.url}/console")
    await page.wait_for_url(re.compile(r"/login\?next="))  # no session yet
    await page.fill("#email", EMAIL)
    await page.fill("#password", PASSWORD)
    await page.get_by_role("button", name="Inloggen").click()
    await page.wait_for_url(f"{server.url}/console")
    console.errors.clear()  # the 401 of /api/me that sent it to the log-in page

    await page.fill("#case-label", "Gezin M-2026")
    await page.get_by_role("button", name="Zaak aanmaken").click()
    case = page.locator(".case", has_text="Gezin M-2026")
    await case.get_by_label("Gesplitst: een kamer per ouder").check()
    await expect(case.get_by_label("Naam van kamer 1")).to_have_value("Moeder")
    await expect(case.get_by_label("Naam van kamer 2")).to_have_value("Vader")
    await case.get_by_role("button", name="Bijeenkomst aanmaken").click()
    await page.wait_for_url(re.compile(r"/console/meetings/[a-z0-9]+$"))
    meeting_id = page.url.rsplit("/", 1)[1]

    rooms = await server.kring.meetings.rooms_of(meeting_id)
    assert [r.name for r in rooms] == ["Moeder", "Vader"]
    room_a, room_b = rooms
    assert room_a.join_code and room_b.join_code
    column_a = page.locator(f'.room-column[data-room="{room_a.id}"]')
    column_b = page.locator(f'.room-column[data-room="{room_b.id}"]')
    for column, room in ((column_a, room_a), (column_b, room_b)):
        await expect(column.locator(".status")).to_have_attribute("data-state", "saved")
        await expect(column.locator(".join-code")).to_have_text(grouped(room.join_code))
        await expect(column.locator("img.qr")).to_have_attribute("src", f"/api/rooms/{room.id}/qr.svg")
        assert await column.locator("img.qr").evaluate("img => img.complete && img.naturalWidth > 0")
        await expect(column.get_by_role("switch", name="Kamer op slot")).to_have_attribute("aria-checked", "false")
    await expect(page.get_by_role("switch", name="Iedereen met de code meteen binnenlaten")).to_have_attribute(
        "aria-checked", "false"
    )

    await add_item(column_a, "strengths", ITEM_A)
    await add_item(column_a, "safety", SENSITIVE_A, sensitive=True)
    await add_item(column_a, "danger", SHARED_A)
    await add_item(column_b, "danger", CANARY_B)
    for column in (column_a, column_b):
        await expect(column.locator(".status")).to_have_text("Alles opgeslagen")

    # -- two phones join different rooms; each waits until let in ---------------------------------
    phone_a = await new_phone(browser)
    phone_b = await new_phone(browser)
    await join(phone_a, server, room_a.join_code, "Truus Jansen", "family", via_link=True)
    await join(phone_b, server, room_b.join_code, "Karel de Vries", "parent", via_link=False)
    for phone in (phone_a, phone_b):
        text = await page_text(phone.page)
        assert ITEM_A not in text and CANARY_B not in text
        # Before admission the only live connection is the waiting one: its own state, nothing else.
        assert phone.frames and only_waiting(phone.frames)
        assert not received(phone.frames, ITEM_A) and not received(phone.frames, CANARY_B)

    admit_a = column_a.get_by_role("button", name="Truus Jansen binnenlaten")
    await expect(admit_a).to_be_visible()
    await expect(page.locator("#live")).to_contain_text("wacht in kamer")
    await admit_a.click()
    await expect(page.locator("#live")).to_contain_text("Truus Jansen is binnengelaten.")
    await column_b.get_by_role("button", name="Karel de Vries binnenlaten").click()

    await phone_a.page.wait_for_url(f"{server.url}/board")
    await phone_b.page.wait_for_url(f"{server.url}/board")
    await expect(phone_a.page.locator(".card-text", has_text=ITEM_A)).to_be_visible()
    await expect(phone_a.page.locator(".card-text", has_text=SENSITIVE_A)).to_be_visible()
    await expect(phone_b.page.locator(".card-text", has_text=CANARY_B)).to_be_visible()
    # The console sees the phones connected.
    await expect(column_a.locator(".person-admitted", has_text="Truus Jansen").locator(".badge-live")).to_be_visible()
    await expect(column_b.locator(".person-admitted", has_text="Karel de Vries").locator(".badge-live")).to_be_visible()

    # -- the projector of room A ------------------------------------------------------------------
    async with console_context.expect_page() as opened:
        await column_a.get_by_role("button", name="Projector openen").click()
    popup = await opened.value
    await popup.wait_for_load_state()
    projector_url = popup.url
    assert re.search(r"/projector#[\w-]{20,}$", projector_url), projector_url
    projector_context = await browser.new_context(viewport=PROJECTOR)
    projector = await watched_page(projector_context)
    projector_frames = record_frames(projector.page)
    await popup.close()  # a second projector page on the same link: the wall is one browser
    await projector.page.goto(projector_url)
    wall = projector.page
    await expect(wall.locator(".card-text", has_text=ITEM_A)).to_be_visible()
    await expect(wall.locator(".wall-code")).to_have_text(grouped(room_a.join_code))
    await expect(wall.locator(".wall-qr")).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
    await expect(wall.locator(".wall-here")).to_have_text(re.compile(r"Truus"))
    wall_text = await page_text(wall)
    assert "Jansen" not in wall_text and "Fatima" not in wall_text and "Bakker" not in wall_text
    assert "gespreksleider" in wall_text
    # What the facilitator marked sensitive stays off the wall (it is on the phones of that room).
    assert SENSITIVE_A not in wall_text
    await expect(wall.locator(".hidden-note")).to_have_text("1 gevoelig punt staat niet op dit scherm.")
    assert CANARY_B not in wall_text and not received(projector_frames, CANARY_B)
    # Not only the page: no surname reaches the projector's data at all (board people are first names).
    assert not received(projector_frames, "Jansen") and not received(projector_frames, "Bakker")

    # -- copying between the rooms: previewed, sensitive refused ---------------------------------
    for text in (ITEM_A, SENSITIVE_A):
        await column_a.locator(".card", has_text=text).locator(".pick input").check()
    await column_a.get_by_role("button", name="Voorbeeld van de kopie").click()
    preview = column_a.locator(".preview")
    await expect(preview.locator(".will li")).to_have_count(1)
    await expect(preview.locator(".will li")).to_contain_text(ITEM_A)
    await expect(preview.locator(".refused li")).to_have_count(1)
    await expect(preview.locator(".refused li")).to_contain_text(SENSITIVE_A)
    await expect(preview.locator(".refused li .badge")).to_have_text("gevoelig")
    await preview.get_by_role("button", name="Kopiëren").click()
    await expect(page.locator("#live")).to_contain_text("1 item gekopieerd naar Vader.")
    await expect(column_b.locator(".board-view .card-text", has_text=ITEM_A)).to_be_visible()
    await expect(phone_b.page.locator(".card-text", has_text=ITEM_A)).to_be_visible()  # live, on the phone
    assert await column_b.locator(".board-view .card-text", has_text=SHARED_A).count() == 0

    # -- what each phone ever received -------------------------------------------------------------
    assert not received(phone_a.frames, CANARY_B)
    assert not received(phone_b.frames, SENSITIVE_A) and not received(phone_b.frames, SHARED_A)
    assert received(phone_b.frames, CANARY_B) and received(phone_a.frames, SENSITIVE_A)  # the recorder works
    assert CANARY_B not in await page_text(phone_a.page)
    assert SENSITIVE_A not in await page_text(phone_b.page)

    # -- screenshots, and what a machine can check of the layout --------------------------------------
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=str(ARTIFACTS / "meeting-console-1366x768.png"))
    await page.screenshot(path=str(ARTIFACTS / "meeting-console-1366x768-full.png"), full_page=True)
    await phone_a.page.screenshot(path=str(ARTIFACTS / "meeting-phone-board-360x740.png"), full_page=True)
    await wall.screenshot(path=str(ARTIFACTS / "meeting-projector-1920x1080.png"))
    for phone in (phone_a, phone_b):
        await no_horizontal_scroll(phone.page)
        await min_target(phone.page, "button:visible")
    await no_horizontal_scroll(page)
    await min_target(page, "main button:visible, .pick")

    # -- locking room A hides the way in on the wall ---------------------------------------------
    await column_a.get_by_role("switch", name="Kamer op slot").click()
    await expect(column_a.get_by_role("switch", name="Kamer op slot")).to_have_attribute("aria-checked", "true")
    await expect(wall.locator(".wall-join")).to_be_hidden()
    assert room_a.join_code not in await page_text(wall)
    assert grouped(room_a.join_code) not in await page_text(wall)
    await wall.screenshot(path=str(ARTIFACTS / "meeting-projector-locked-1920x1080.png"))

    # -- removing phone B: disconnected and told so within a second --------------------------------
    transport = server.kring.transport

    def sockets_in_b() -> int:
        return sum(1 for c in transport.connections.values() if c.room == room_b.id)

    assert sockets_in_b() == 2  # the console's and phone B's
    remove = column_b.get_by_role("button", name="Karel de Vries verwijderen")
    started = asyncio.get_running_loop().time()
    await remove.click()
    removed_message = phone_b.page.get_by_role("heading", name="De gespreksleider heeft je uit de bijeenkomst gehaald.")
    await expect(removed_message).to_be_visible(timeout=1000)
    assert asyncio.get_running_loop().time() - started < 1.5

    def only_the_console_left() -> None:
        assert sockets_in_b() == 1

    await eventually(only_the_console_left, timeout=1)
    assert CANARY_B not in await page_text(phone_b.page)  # the board is gone from the page
    await phone_b.page.screenshot(path=str(ARTIFACTS / "meeting-phone-removed-360x740.png"))
    await expect(column_b.locator(".person-removed", has_text="Karel de Vries")).to_have_count(1)

    # -- phone A leaves: nothing remains ---------------------------------------------------------------
    await phone_a.page.get_by_role("button", name="Verlaten").click()
    await expect(
        phone_a.page.get_by_role("heading", name=re.compile("Je hebt de bijeenkomst verlaten"))
    ).to_be_visible()
    assert ITEM_A not in await page_text(phone_a.page)
    for phone in (phone_a, phone_b):
        assert await browser_storage(phone.page) == NOTHING_STORED
    assert [c["name"] for c in await phone_a.context.cookies()] == []

    for watched in (console, phone_a.watched, phone_b.watched, projector):
        await watched.assert_clean()
    for context in (console_context, phone_a.context, phone_b.context, projector_context):
        await context.close()


async def logged_in_context(browser: Browser, server: RunningServer, viewport: ViewportSize) -> BrowserContext:
    """A browser context holding a facilitator's session cookie, logged in through the API."""
    await server.kring.meetings.add_facilitator(EMAIL, "Fatima Bakker", PASSWORD)
    context = await browser.new_context(viewport=viewport, base_url=server.url)
    response = await context.request.post(
        "/api/session", data={"email": EMAIL, "password": PASSWORD}, headers={"Origin": server.url}
    )
    assert response.status == 204, await response.text()
    return context


async def test_phone_in_english_admitted_at_once_renamed_and_closed_out(
    server: RunningServer, browser: Browser
) -> None:
    require_bundles("meeting", "join", "phone")
    console_context = await logged_in_context(browser, server, CONSOLE)
    origin = {"Origin": server.url}
    case = await (await console_context.request.post("/api/cases", data={"label": "Gezin K"}, headers=origin)).json()
    meeting = await (
        await console_context.request.post(
            f"/api/cases/{case['id']}/meetings", data={"title": "Netwerkberaad 2"}, headers=origin
        )
    ).json()
    [room] = meeting["rooms"]
    console = await watched_page(console_context)
    page = console.page
    await page.goto(f"/console/meetings/{meeting['id']}")
    await expect(page.locator(".room-column .status")).to_have_attribute("data-state", "saved")
    assert await page.locator(".copy").count() == 0  # one room: nothing to copy to

    # Admit everyone with the code: a meeting-wide switch, off until switched on.
    admit_all = page.get_by_role("switch", name="Iedereen met de code meteen binnenlaten")
    await admit_all.focus()
    await page.keyboard.press("Enter")
    await expect(admit_all).to_have_attribute("aria-checked", "true")
    await expect(page.locator("#live")).to_contain_text("Iedereen met de code komt nu meteen binnen.")

    # The phone, in English: checks before it asks, and the server's refusal in words.
    phone = await new_phone(browser)
    await phone.page.goto(f"{server.url}/join?lang=en")
    assert await phone.page.evaluate("document.documentElement.lang") == "en"
    await expect(phone.page.get_by_label("Your name")).to_be_visible()
    await phone.page.get_by_role("button", name="Join").click()
    await expect(phone.page.locator("#error")).to_have_text("Please enter the eight digits of the code.")
    await expect(phone.page.locator("#code")).to_have_attribute("aria-invalid", "true")
    assert await phone.page.evaluate("document.activeElement.id") == "code"
    assert await phone.page.locator("#code").get_attribute("inputmode") == "numeric"

    # One thumb or a keyboard: code, name, who you are, join, in that order.
    await phone.page.keyboard.type("0000 0000")
    await phone.page.keyboard.press("Tab")
    await phone.page.keyboard.type("Truus")
    await phone.page.keyboard.press("Tab")
    assert await phone.page.evaluate("document.activeElement.id") == "relation"
    await phone.page.select_option("#relation", "friend")
    await phone.page.keyboard.press("Tab")
    await phone.page.keyboard.press("Enter")
    await expect(phone.page.locator("#error")).to_have_text("This code is not valid. Please check the screen again.")
    phone.watched.errors = [e for e in phone.watched.errors if "status of 404" not in e]  # that answer, logged

    await phone.page.fill("#code", room["join_code"])
    await phone.page.click("#join button[type=submit]")
    await phone.page.wait_for_url(f"{server.url}/board?lang=en")  # admitted at once, no waiting
    await expect(phone.page.get_by_role("heading", name="Board")).to_be_visible()
    await expect(phone.page.locator("#board-part .board-view")).to_have_text("Nothing on the board yet.")
    await expect(phone.page.locator("#status")).to_have_text("Connected")
    await phone.page.screenshot(path=str(ARTIFACTS / "meeting-phone-empty-en-360x740.png"))

    # Renaming, with the keyboard only.
    person = page.locator(".person-admitted", has_text="Truus")
    await expect(person.locator(".badge-live")).to_have_text("verbonden")
    await person.get_by_role("button", name="Naam wijzigen: Truus").focus()
    await page.keyboard.press("Enter")
    name = page.get_by_label("Nieuwe naam")
    await expect(name).to_be_focused()
    await name.fill("Oma Truus")
    await page.keyboard.press("Enter")
    await expect(page.locator(".person-admitted .person-name")).to_have_text("Oma Truus")
    await expect(page.locator("#live")).to_contain_text("De naam is nu Oma Truus.")
    await expect(page.get_by_role("button", name="Naam wijzigen: Oma Truus")).to_be_focused()

    # Closing asks once more, then ends every connection of the meeting.
    await page.get_by_role("button", name="Bijeenkomst afsluiten").click()
    await expect(page.get_by_role("button", name="Annuleren")).to_be_focused()
    await page.get_by_role("button", name="Ja, afsluiten").click()
    await expect(page.get_by_text("Deze bijeenkomst is afgesloten. De codes werken niet meer.")).to_be_visible()
    await expect(page.locator(".join-code")).to_have_text("—")
    await expect(phone.page.get_by_role("heading", name="This meeting is closed.")).to_be_visible()
    # A phone still coming back from the rename meets the closed meeting at connect and asks its
    # status why: the 410 that answers is the server saying so, logged by the browser.
    phone.watched.errors = [e for e in phone.watched.errors if "status of 410" not in e]
    await expect(page.locator(".room-column .status")).to_have_text("Deze bijeenkomst is afgesloten.")
    assert await browser_storage(phone.page) == NOTHING_STORED
    # A closed meeting opened again: told so, and nothing asked of it that no longer exists.
    await page.reload()
    await expect(page.get_by_text("Deze bijeenkomst is afgesloten. De codes werken niet meer.")).to_be_visible()
    await expect(page.locator(".room-column .status")).to_have_text("Deze bijeenkomst is afgesloten.")
    await expect(page.locator("img.qr")).to_be_hidden()
    await expect(page.get_by_role("button", name="Projector openen")).to_be_disabled()

    for watched in (console, phone.watched):
        await watched.assert_clean()
    await console_context.close()
    await phone.context.close()


async def test_a_phone_removed_while_offline_is_told_why_when_back(server: RunningServer, browser: Browser) -> None:
    require_bundles("phone")
    console_context = await logged_in_context(browser, server, CONSOLE)
    origin = {"Origin": server.url}
    case = await (await console_context.request.post("/api/cases", data={"label": "Gezin L"}, headers=origin)).json()
    meeting = await (
        await console_context.request.post(f"/api/cases/{case['id']}/meetings", data={"title": "N"}, headers=origin)
    ).json()
    [room] = meeting["rooms"]

    phone = await new_phone(browser)
    joined = await phone.context.request.post(
        f"{server.url}/api/join",
        data={"code": room["join_code"], "name": "Sem", "relation": "friend"},
        headers=origin,
    )
    assert joined.status == 201, await joined.text()
    pid = (await joined.json())["participant_id"]
    admitted = await console_context.request.post(f"/api/participants/{pid}/admit", data={}, headers=origin)
    assert admitted.status == 200, await admitted.text()
    await phone.page.goto(f"{server.url}/board")
    await expect(phone.page.locator("#status")).to_have_text("Verbonden")

    await phone.context.set_offline(True)
    await expect(phone.page.locator("#status")).to_have_attribute("data-state", "offline")
    removed = await console_context.request.post(f"/api/participants/{pid}/remove", data={}, headers=origin)
    assert removed.status == 200, await removed.text()
    await phone.context.set_offline(False)

    await expect(
        phone.page.get_by_role("heading", name="De gespreksleider heeft je uit de bijeenkomst gehaald.")
    ).to_be_visible()
    await expect(phone.page.locator("#board")).to_have_count(0)
    # The status endpoint's 403 is how the phone learnt why; the browser logs that answer.
    phone.watched.errors = [e for e in phone.watched.errors if "status of 403" not in e]
    await phone.watched.assert_clean()
    await phone.context.close()
    await console_context.close()
