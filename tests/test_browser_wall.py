"""The projector and the phones in real Chromium, on the demo's full board (`kring demo`): the wall
fits 1920x1080 (smaller type first, then a part at a time), the full-screen button covers no text,
sensitive items stay off it, it says when it is offline; phones announce what others did."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from pycrdt import Doc, Map, Text

from server.demo import seed_demo
from tests.browser import ARTIFACTS, browser, watched_page
from tests.test_browser_board import meeting_with_room, open_projector, phone_in, propose
from tests.test_browser_meetings import CONSOLE, logged_in_context, page_text
from tests.utils import RunningServer

__all__ = ["browser"]

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

DEMO_EMAIL = "demo@kring.test"


async def demo_console(browser: Browser, server: RunningServer, tmp_path: Path) -> tuple[BrowserContext, Page]:
    await seed_demo(server.settings, DEMO_EMAIL, tmp_path / "demo-var")
    password = (tmp_path / "demo-var" / "demo_password").read_text().strip()
    context = await browser.new_context(viewport=CONSOLE, base_url=server.url)
    response = await context.request.post(
        "/api/session", data={"email": DEMO_EMAIL, "password": password}, headers={"Origin": server.url}
    )
    assert response.status == 204, await response.text()
    watched = await watched_page(context)
    await watched.page.goto("/console")
    await watched.page.get_by_role("link", name=re.compile("Netwerkberaad 2")).click()
    await expect(watched.page.locator(".room-column")).to_have_count(2)
    return context, watched.page


async def fits_the_screen(wall: Page) -> None:
    """Nothing below the fold, nothing beside it, and the button covers no card."""
    sizes: dict[str, Any] = await wall.evaluate(
        """() => {
            const button = document.querySelector('.wall-fullscreen').getBoundingClientRect()
            const overlaps = [...document.querySelectorAll('.card-text, .rule-fields, .marks')].filter((el) => {
                const r = el.getBoundingClientRect()
                // Scrolled out of a paged view is not on the screen: clip to the view.
                const view = el.closest('.board-view, .wall-poll')
                const clip = view ? view.getBoundingClientRect() : r
                if (r.bottom <= clip.top || r.top >= clip.bottom) return false
                const across = r.left < button.right && r.right > button.left
                return r.width && across && r.top < button.bottom && r.bottom > button.top
            }).length
            return {
                height: document.documentElement.scrollHeight, width: document.documentElement.scrollWidth,
                inner: window.innerHeight, overlaps,
            }
        }"""
    )
    assert sizes["height"] <= sizes["inner"] and sizes["width"] <= 1920 and sizes["overlaps"] == 0, sizes


async def test_the_demo_board_on_the_wall(server: RunningServer, browser: Browser, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    console_context, page = await demo_console(browser, server, tmp_path)
    moeder = page.locator(".room-column", has_text="Moeder").first
    await expect(moeder.locator(".board-view .card-text", has_text="codewoord")).to_be_visible()
    await expect(moeder.locator(".board-view .badge-sensitive")).to_have_count(1)
    await expect(moeder.locator(".round .scale-previous, .round")).not_to_have_count(0)
    await page.screenshot(path=str(ARTIFACTS / "demo-console-1366x768.png"))

    projector_context, wall_watched, _frames = await open_projector(page, moeder, browser)
    wall = wall_watched.page
    await expect(wall.locator(".category[data-category='danger'] .card")).to_have_count(2)
    await expect(wall.locator(".hidden-note")).to_contain_text("1 gevoelig punt")
    assert "codewoord" not in await page_text(wall)
    await fits_the_screen(wall)
    # Readable from the back of the room: the type never goes below 0.7 of its size, about 23 px.
    smallest = await wall.evaluate(
        "Math.min(...[...document.querySelectorAll('.wall-board .card-text')]"
        ".map((e) => parseFloat(getComputedStyle(e).fontSize)))"
    )
    assert smallest >= 22, smallest
    await wall.screenshot(path=str(ARTIFACTS / "demo-projector-board-1920x1080.png"))

    await moeder.get_by_label("Op het scherm").select_option("plan")
    await expect(wall.locator(".plan-bottom_line .card-text")).to_contain_text("nooit alleen met vader")
    await fits_the_screen(wall)
    await wall.screenshot(path=str(ARTIFACTS / "demo-projector-plan-1920x1080.png"))
    await moeder.get_by_label("Op het scherm").select_option("poll")
    await expect(wall.locator(".scale-now .scale-name")).to_have_count(4)
    await expect(wall.locator(".scale-previous .scale-name")).to_have_count(3)  # the first meeting's
    await wall.screenshot(path=str(ARTIFACTS / "demo-projector-poll-1920x1080.png"))

    # Offline: the wall keeps the last board and says so; back online, it says nothing.
    await moeder.get_by_label("Op het scherm").select_option("board")
    await expect(wall.locator(".wall-board")).to_be_visible()
    await expect(wall.locator(".wall-pager")).to_be_hidden()
    connection = wall.locator(".wall-connection")
    await expect(connection).to_be_hidden()
    await projector_context.set_offline(True)
    await expect(connection).to_have_attribute("data-state", "offline")
    await expect(connection).to_be_visible()
    await expect(connection).to_contain_text("Verbinding kwijt")
    await expect(wall.locator(".card-text", has_text="Sandra leest")).to_be_visible()
    await wall.screenshot(path=str(ARTIFACTS / "projector-offline-1920x1080.png"))
    await projector_context.set_offline(False)
    await expect(connection).to_be_hidden(timeout=20_000)
    wall_watched.errors = [e for e in wall_watched.errors if "ERR_INTERNET_DISCONNECTED" not in e]
    await wall_watched.assert_clean()
    for context in (console_context, projector_context):
        await context.close()


async def test_a_board_too_full_for_the_wall_is_shown_in_parts(server: RunningServer, browser: Browser) -> None:
    console_context = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(console_context, server, "Gezin Vol")
    page = (await watched_page(console_context)).page
    await page.goto(f"/console/meetings/{room['meeting_id']}")
    column = page.locator(".room-column")
    await expect(column.locator(".status")).to_have_attribute("data-state", "saved")

    def many(doc: Doc[Any]) -> None:
        framework = doc.get("framework", type=Map)
        for n in range(60):
            category = ("harm", "strengths", "next_steps")[n % 3]
            words = f"Punt {n}: " + "een gewone zin over wat er gebeurt, " * 4
            framework[f"full-{n:02d}"] = Map({"category": category, "text": Text(words), "by": "f:1", "order": n})

    await server.kring.live.edit(room["id"], "board", many)
    projector_context, wall_watched, _frames = await open_projector(page, column, browser)
    wall = wall_watched.page
    await expect(wall.locator(".wall-board .card")).to_have_count(60)
    pager = wall.locator(".wall-pager")
    await expect(pager).to_have_text(re.compile(r"^Deel 1 van [2-9]$"))
    await fits_the_screen(wall)
    size = await wall.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.wall-board .card-text')).fontSize)"
    )
    assert size >= 22, size
    await expect(pager).to_have_text(re.compile(r"^Deel 2 van"), timeout=15_000)
    scrolled = await wall.evaluate("document.querySelector('.wall-board').scrollTop")
    assert scrolled > 0
    await fits_the_screen(wall)
    await wall.screenshot(path=str(ARTIFACTS / "projector-paged-1920x1080.png"))

    # Fewer items: back to one part in full-size type.
    def fewer(doc: Doc[Any]) -> None:
        framework = doc.get("framework", type=Map)
        for n in range(3, 60):
            del framework[f"full-{n:02d}"]

    await server.kring.live.edit(room["id"], "board", fewer)
    await expect(wall.locator(".wall-board .card")).to_have_count(3)
    await expect(pager).to_be_hidden()
    assert await wall.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--wall-scale')") == "1"
    await wall_watched.assert_clean()
    for context in (console_context, projector_context):
        await context.close()


async def test_phones_hear_what_others_did(server: RunningServer, browser: Browser) -> None:
    console_context = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(console_context, server, "Gezin H")
    console = await watched_page(console_context)
    page = console.page
    await page.goto(f"/console/meetings/{room['meeting_id']}")
    column = page.locator(".room-column")
    await expect(column.locator(".status")).to_have_attribute("data-state", "saved")
    truus = await phone_in(browser, server, console_context, room, "Truus Jansen", "family")
    live = truus.page.locator("#live")

    await propose(truus, "strengths", "Oma haalt de kinderen op")
    await propose(truus, "harm", "Dit wordt afgewezen")
    await column.get_by_role("button", name="Voorstel van Truus op het bord zetten").first.click()
    await expect(live).to_contain_text("Je voorstel staat op het bord: Oma haalt de kinderen op")
    await column.get_by_role("button", name="Voorstel van Truus afwijzen").click()
    await expect(live).to_contain_text("Je voorstel is niet op het bord gezet: Dit wordt afgewezen")

    await column.get_by_role("button", name="Ronde openen").click()
    await expect(live).to_contain_text("De schaalvraag is open")
    await truus.page.locator(".score-button[data-value='6']").click()
    await column.get_by_role("button", name="Sluiten en alle scores tonen").click()
    await expect(live).to_contain_text("Alle scores zijn nu te zien.")

    plan = column.locator(".plan-box")
    await plan.locator("summary").click()
    await plan.get_by_label("Wat gaat er gebeuren?").fill("Truus belt elke zondag")
    await plan.get_by_role("button", name="Afspraak toevoegen").click()
    await truus.page.locator("#board .rule").get_by_role("button", name="Ik doe dit").click()
    await column.get_by_role("button", name="Truus bevestigen").click()
    await expect(live).to_contain_text("De gespreksleider heeft je bevestigd bij de afspraak: Truus belt elke zondag")
    # Said once each: a later redraw (someone marks an item) says none of it again.
    said = await live.locator(".announcement").count()
    await (
        truus.page.locator("#board .card", has_text="Oma haalt")
        .get_by_role("button", name=re.compile("^Eens:"))
        .click()
    )
    await expect(live).to_contain_text("Je koos: Eens.")
    texts = await live.locator(".announcement").all_inner_texts()
    assert sum("bevestigd" in t for t in texts) == 1 and len(texts) <= max(said + 1, 5), texts
    for watched in (console, truus.watched):
        await watched.assert_clean()
