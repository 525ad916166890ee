"""The room page in real Chromium: the shared list live between browsers and a script, the saved
state, offline edits, nothing left in browser storage, hostile text shown as text, the layout."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, expect

from server.protocol import MESSAGES, Refusal
from tests.browser import ARTIFACTS, Watched, browser, log_in_as_room_facilitator, watched_page
from tests.utils import BoardClient, RunningServer, eventually

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

PHONE: ViewportSize = {"width": 360, "height": 740}
PROJECTOR: ViewportSize = {"width": 1920, "height": 1080}


async def open_room(context: BrowserContext, server: RunningServer, room: str, query: str = "") -> Watched:
    # The list page is a facilitator's: the browser carries a session cookie, as after logging in.
    await log_in_as_room_facilitator(context, server.url, room)
    watched = await watched_page(context)
    await watched.page.goto(f"{server.url}/r/{room}{query}")
    await expect(watched.page.locator("#status")).to_have_attribute("data-state", "saved")
    return watched


async def add_item(page: Page, text: str) -> None:
    await page.fill("#item", text)
    await page.press("#item", "Enter")


async def texts(page: Page) -> list[str]:
    found: list[str] = await page.locator("#items .text").all_text_contents()
    return found


async def shows(page: Page, expected: list[str]) -> None:
    """Wait until the page lists exactly these items (in any order: concurrent inserts may interleave)."""

    async def check() -> None:
        assert sorted(await texts(page)) == sorted(expected)

    await eventually(check, timeout=10)


async def script_client(server: RunningServer, room: str) -> BoardClient:
    client = BoardClient(server.url, room)
    await client.connect()
    await asyncio.wait_for(client.synced.wait(), 10)
    return client


async def script_sees(script: BoardClient, expected: list[str]) -> None:
    def check() -> None:
        assert sorted(script.values()) == sorted(expected)

    await eventually(check, timeout=10)


async def no_horizontal_scroll(page: Page) -> None:
    widths: list[int] = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths


async def test_browsers_and_a_script_share_one_list(server: RunningServer, browser: Browser) -> None:
    context = await browser.new_context()
    a = await open_room(context, server, "kring-gedeeld")
    b = await open_room(context, server, "kring-gedeeld")
    await expect(a.page.locator("#presence")).to_have_attribute("data-count", "2")
    await expect(a.page.locator("#presence")).to_have_text("2 mensen hier")

    await add_item(a.page, "Oma haalt de kinderen op dinsdag")
    await shows(b.page, ["Oma haalt de kinderen op dinsdag"])

    script = await script_client(server, "kring-gedeeld")
    await script_sees(script, ["Oma haalt de kinderen op dinsdag"])
    script.items.append("Buurvrouw belt de school")
    await script.all_acked()
    expected = ["Oma haalt de kinderen op dinsdag", "Buurvrouw belt de school"]
    await shows(a.page, expected)
    await shows(b.page, expected)

    await script.disconnect()
    for watched in (a, b):
        await watched.assert_clean()
    await b.page.close()  # leaving takes one's presence along
    await expect(a.page.locator("#presence")).to_have_text("Alleen jij bent hier")
    await context.close()


async def test_status_says_saved_once_the_server_stored_the_edit(server: RunningServer, browser: Browser) -> None:
    context = await browser.new_context()
    page = await open_room(context, server, "kring-opslaan", "?lang=en")
    assert await page.page.evaluate("document.documentElement.lang") == "en"
    await add_item(page.page, "Uncle checks homework on Thursdays")

    status = page.page.locator("#status")
    await expect(status).to_have_attribute("data-state", "saved")
    await expect(status).to_have_text("All changes saved")
    # "Saved" must mean stored: a newcomer loads it from the server.
    script = await script_client(server, "kring-opslaan")
    assert script.values() == ["Uncle checks homework on Thursdays"]
    await script.disconnect()
    await page.assert_clean()
    await context.close()


async def test_edits_made_offline_arrive_after_reconnect(server: RunningServer, browser: Browser) -> None:
    away_context, here_context = await browser.new_context(), await browser.new_context()
    away = await open_room(away_context, server, "kring-offline")
    here = await open_room(here_context, server, "kring-offline")
    script = await script_client(server, "kring-offline")

    await away_context.set_offline(True)
    status = away.page.locator("#status")
    await expect(status).to_have_attribute("data-state", "offline")
    await add_item(away.page, "Geschreven in de tunnel")
    await expect(status).to_have_text("Geen verbinding. 1 wijziging wacht tot de verbinding terug is.")
    assert "Geschreven in de tunnel" not in script.values()
    await add_item(here.page, "Geschreven aan tafel")
    await shows(away.page, ["Geschreven in de tunnel"])  # the other's edit cannot reach it now

    await away_context.set_offline(False)
    both = ["Geschreven in de tunnel", "Geschreven aan tafel"]
    await shows(here.page, both)
    await shows(away.page, both)
    await expect(status).to_have_attribute("data-state", "saved")
    await expect(status).to_have_text("Alles opgeslagen")
    await script_sees(script, both)
    # Presence heals too: both pages count each other again.
    await expect(here.page.locator("#presence")).to_have_attribute("data-count", "2")
    await expect(away.page.locator("#presence")).to_have_attribute("data-count", "2")

    await script.disconnect()
    for watched in (away, here):
        await watched.assert_clean()
    await away_context.close()
    await here_context.close()


async def test_page_comes_back_after_the_server_closed_it(server: RunningServer, browser: Browser) -> None:
    context = await browser.new_context()
    page = await open_room(context, server, "kring-herstart")
    transport = server.kring.transport
    connects = transport.counters.connects
    # What a room reloading after a fault does to its sockets; the client does not retry this by itself.
    transport.drop_room("kring-herstart", {"code": "room_reloading", "message": MESSAGES[Refusal.ROOM_RELOADING]})

    def reconnected() -> None:
        assert transport.counters.connects > connects

    await eventually(reconnected, timeout=10)
    await expect(page.page.locator("#status")).to_have_attribute("data-state", "saved")
    await add_item(page.page, "Na de herstart")
    script = await script_client(server, "kring-herstart")
    await script_sees(script, ["Na de herstart"])
    await script.disconnect()
    await page.assert_clean()
    await context.close()


async def test_nothing_of_the_board_stays_in_browser_storage(server: RunningServer, browser: Browser) -> None:
    context = await browser.new_context()
    room = await open_room(context, server, "kring-geheim")
    await add_item(room.page, "Vertrouwelijk: adres van moeder")
    await expect(room.page.locator("#status")).to_have_attribute("data-state", "saved")
    assert await room.page.evaluate("sessionStorage.length") == 0
    await room.page.close()

    fresh = await context.new_page()
    await fresh.goto(f"{server.url}/")
    stored = await fresh.evaluate(
        """async () => ({
            local: localStorage.length,
            session: sessionStorage.length,
            indexedDB: (await indexedDB.databases()).map((db) => db.name),
            caches: await caches.keys(),
            workers: (await navigator.serviceWorker.getRegistrations()).length,
            cookie: document.cookie,
        })"""
    )
    assert stored == {"local": 0, "session": 0, "indexedDB": [], "caches": [], "workers": 0, "cookie": ""}
    # Only the HttpOnly login cookie, which holds an opaque id and nothing of the board.
    assert [c["name"] for c in await context.cookies()] == ["kring_session"]
    await context.close()


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "\u202egnp.exe verborgen",
]


async def test_hostile_text_is_shown_as_text(server: RunningServer, browser: Browser) -> None:
    writer_context = await browser.new_context(viewport=PHONE)
    reader_context = await browser.new_context(viewport=PHONE)
    writer = await open_room(writer_context, server, "kring-vijandig")
    reader = await open_room(reader_context, server, "kring-vijandig")
    for text in HOSTILE:
        await add_item(writer.page, text)
    # A script is not held back by the input's maxlength: 10,000 characters without a space.
    script = await script_client(server, "kring-vijandig")
    long_text = "W" * 9_990 + "<b>x</b>"
    script.items.append(long_text)
    await script.all_acked()

    for watched in (writer, reader):
        await shows(watched.page, [*HOSTILE, long_text])
        assert await watched.page.locator("#items script, #items img, #items b").count() == 0
        assert await watched.page.locator("#items .text[dir=auto]").count() == len(HOSTILE) + 1
        await no_horizontal_scroll(watched.page)
        await watched.assert_clean()
    # The direction override stays inside its item: the button next to it still reads normally.
    button = writer.page.locator("#items li", has_text="verborgen").locator("button")
    await expect(button).to_have_text("Verwijderen")
    ARTIFACTS.mkdir(exist_ok=True)
    await writer.page.screenshot(path=str(ARTIFACTS / "hostile-360x740.png"))
    await script.disconnect()
    await writer_context.close()
    await reader_context.close()


async def test_own_items_can_be_removed_with_the_keyboard(server: RunningServer, browser: Browser) -> None:
    mine_context, theirs_context = await browser.new_context(), await browser.new_context()
    mine = await open_room(mine_context, server, "kring-weg")
    theirs = await open_room(theirs_context, server, "kring-weg")
    await add_item(theirs.page, "Blijft staan")
    await shows(mine.page, ["Blijft staan"])
    await add_item(mine.page, "Mag weg")
    await shows(theirs.page, ["Blijft staan", "Mag weg"])

    # Only the author gets a remove button.
    assert await mine.page.locator("#items li", has_text="Blijft staan").locator("button").count() == 0
    assert await theirs.page.locator("#items li", has_text="Mag weg").locator("button").count() == 0
    remove = mine.page.locator("#items li", has_text="Mag weg").locator("button")
    box = await remove.bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44, box

    await mine.page.focus("#item")
    await mine.page.keyboard.press("Tab")  # the add button
    await mine.page.keyboard.press("Tab")  # the only remove button
    assert await mine.page.evaluate("document.activeElement.getAttribute('aria-label')") == "Verwijderen: Mag weg"
    await mine.page.keyboard.press("Enter")

    await shows(mine.page, ["Blijft staan"])
    await shows(theirs.page, ["Blijft staan"])
    script = await script_client(server, "kring-weg")
    assert script.values() == ["Blijft staan"]
    await script.disconnect()
    for watched in (mine, theirs):
        await watched.assert_clean()
    await mine_context.close()
    await theirs_context.close()


@pytest.mark.parametrize("viewport", [PHONE, PROJECTOR], ids=["phone", "projector"])
async def test_layout_screenshots(server: RunningServer, browser: Browser, viewport: ViewportSize) -> None:
    """Screenshots for a person to review in test-artifacts/; the checks are what a machine can see."""
    ARTIFACTS.mkdir(exist_ok=True)
    size = f"{viewport['width']}x{viewport['height']}"
    context = await browser.new_context(viewport=viewport)
    await log_in_as_room_facilitator(context, server.url, "team-noord-3")
    home = await watched_page(context)
    await home.page.goto(f"{server.url}/")
    await home.page.screenshot(path=str(ARTIFACTS / f"home-{size}.png"))
    await home.page.fill("#room", "Team Noord 3")
    await home.page.press("#room", "Enter")
    await home.page.wait_for_url(f"{server.url}/r/team-noord-3")

    other = await open_room(context, server, "team-noord-3")
    for text in [
        "Opa brengt Sem op maandag en woensdag naar school",
        "Juf Karin belt als Sem niet op school is",
        "Tante Fatima is het vaste aanspreekpunt bij zorgen 's avonds en in het weekend",
    ]:
        await add_item(other.page, text)
    await add_item(home.page, "Mama zoekt met de buurtcoach een huiswerkplek")
    await shows(home.page, await texts(other.page))
    await expect(home.page.locator("#status")).to_have_text("Alles opgeslagen")
    await home.page.screenshot(path=str(ARTIFACTS / f"room-{size}.png"), full_page=True)

    await no_horizontal_scroll(home.page)
    for selector in ["#item", "#add button", "#items button"]:
        box = await home.page.locator(selector).first.bounding_box()
        assert box is not None and box["height"] >= 44, (selector, box)
    await home.assert_clean()
    await other.assert_clean()
    await context.close()
