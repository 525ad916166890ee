"""The projector and the phones in real Chromium, on the demo's full board (`kring demo`): the wall
fits 1920x1080 (smaller type first, then a part at a time), the full-screen button covers no text,
sensitive items stay off it, it says when it is offline; phones announce what others did."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from pycrdt import Array, Doc, Map, Text

from server.demo import seed_demo
from tests.browser import ARTIFACTS, browser, watched_page
from tests.test_browser_board import meeting_with_room, open_projector, phone_in, propose
from tests.test_browser_meetings import CONSOLE, PROJECTOR, logged_in_context, page_text
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
    # Readable from the back of the room: the type never goes below 0.67 of its size, 22 px.
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
    # The first page's cards are off the screen now (clipped by the view, not merely scrolled).
    await expect(wall.locator(".wall-board .card").first).not_to_be_in_viewport()
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


# -- reading the wall from the back of the room (issue 12) ---------------------------------------

# Every visible piece of text on the page, clipped by whatever clips it (a paged view, a clamped
# card, the window): its computed size, its element's class, and its line boxes.
_VISIBLE_TEXT = """() => {
    const clipOf = (el, rect) => {
        let [l, t, r, b] = [rect.left, rect.top, rect.right, rect.bottom]
        for (let a = el; a && a !== document.documentElement; a = a.parentElement) {
            const style = getComputedStyle(a)
            if (style.overflow === 'visible' && style.overflowX === 'visible' && style.overflowY === 'visible') continue
            const c = a.getBoundingClientRect()
            l = Math.max(l, c.left); t = Math.max(t, c.top); r = Math.min(r, c.right); b = Math.min(b, c.bottom)
        }
        l = Math.max(l, 0); t = Math.max(t, 0); r = Math.min(r, innerWidth); b = Math.min(b, innerHeight)
        return r - l > 1 && b - t > 1 ? [l, t, r, b] : null
    }
    const found = []
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement
        const seen = el && el.checkVisibility({ visibilityProperty: true, opacityProperty: true })
        if (!seen || !node.textContent.trim()) continue
        const range = document.createRange()
        range.selectNodeContents(node)
        const boxes = [...range.getClientRects()].map((rect) => clipOf(el, rect)).filter(Boolean)
        if (!boxes.length) continue
        found.push({
            size: parseFloat(getComputedStyle(el).fontSize), cls: el.className || el.tagName,
            text: node.textContent.trim().slice(0, 24), boxes,
        })
    }
    return found
}"""

# The cards and headings of the view that shows, each whole on the screen, not at all, or cut.
_PAGE_PARTS = """() => {
    const view = [...document.querySelectorAll('.wall-board, .wall-plan, .wall-poll')].find((v) => !v.hidden)
    const clip = view.getBoundingClientRect()
    const parts = view.querySelectorAll(
        '.card, .column-title, .category h3, .plan-section h3, .scale-row, .scale-whys li')
    const whole = [], cut = []
    for (const part of parts) {
        const r = part.getBoundingClientRect()
        const across = Math.min(r.right, clip.right) - Math.max(r.left, clip.left)
        const down = Math.min(r.bottom, clip.bottom) - Math.max(r.top, clip.top)
        if (across <= 0.5 || down <= 0.5) continue  // on another page
        const inside = r.left >= clip.left - 0.5 && r.right <= clip.right + 0.5
            && r.top >= clip.top - 0.5 && r.bottom <= clip.bottom + 0.5 && clip.bottom <= innerHeight
        // A card broken over two columns has a box per piece.
        const name = part.dataset.key || part.textContent.trim().slice(0, 20)
        ;(inside && part.getClientRects().length === 1 ? whole : cut).push(name)
    }
    return { whole, cut }
}"""

_WORDS = "een gewone zin over wat er gebeurt en wie het ziet"


def _full_board(doc: Doc[Any]) -> None:
    """A board as full as a long meeting leaves it: cards of every length with marks and names, a
    pair, rules with every field, a revealed round with everyone's reasons, one sensitive item."""
    people = doc.get("people", type=Map)
    names = ["Truus Jansen", "Karel de Vries", "Els Bakker", "Ria Smit", "Anouk Visser", "Henk Mulder"]
    for n, name in enumerate(names):
        people[f"p{n}"] = Map({"name": name, "relation": ("family", "friend", "teacher")[n % 3]})
    framework, marks = doc.get("framework", type=Map), doc.get("marks", type=Map)
    categories = ("harm", "danger", "complicating", "strengths", "safety", "goals", "next_steps")
    for n in range(44):
        words = f"Punt {n}: " + " ".join([_WORDS] * (1 + n % 5))
        by = f"p{n % 6}" if n % 4 else "f:1"
        framework[f"i{n:02d}"] = Map({"category": categories[n % 7], "text": Text(words), "by": by, "order": n})
        for p in range(n % 7):
            marks[f"i{n:02d}|p{p}"] = ("agree", "disagree", "unsure")[(n + p) % 3]
    framework["i01"]["pair"], framework["i05"]["pair"] = "i05", "i01"
    framework["geheim"] = Map({"category": "harm", "text": Text("Gevoelig punt"), "sensitive": True, "order": 99})
    agreements = doc.get("agreements", type=Map)
    for n in range(12):
        agreements[f"r{n:02d}"] = Map(
            {
                "text": Text(f"Afspraak {n}: " + " ".join([_WORDS] * (1 + n % 3))),
                "section": ("immediate", "longer", "bottom_line")[n % 3],
                "status": ("proposed", "agreed", "trying", "working")[n % 4],
                "owners": Array([f"p{n % 6}", f"p{(n + 1) % 6}"]),
                "goal": "i05",
                "when": "Elke avond na het eten, ook in het weekend",
                "check": "Ria stuurt een berichtje als de kinderen er zijn",
                "check_by": "De jeugdbeschermer",
                "if_not_kept": "Els haalt de kinderen op en belt de jeugdbeschermer",
                "start": "2026-12-05",
                "review": "2026-12-12",
                "order": n,
            }
        )
    scores = {f"p{n}": Map({"value": n + 3, "why": f"Omdat {_WORDS}"}) for n in range(6)}
    doc.get("poll", type=Map)["r1"] = Map({"title": "Nu", "status": "revealed", "scores": Map(scores), "order": 1})
    doc.get("meta", type=Map)["wall"] = "board"


def _show(view: str) -> Any:
    def shown(doc: Doc[Any]) -> None:
        doc.get("meta", type=Map)["wall"] = view

    return shown


async def _every_page(wall: Page) -> tuple[set[str], list[str]]:
    """Each page of the view that shows, in turn (the arrow key turns it, the 12-s turn would too):
    what every page shows whole, and what any page cuts."""
    # The wall pages once its type and the present list have settled: read the count on every page,
    # not once before (a late layout took a board from six pages to five mid-turn).
    await wall.evaluate(
        "document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))"
    )
    pages = int(await wall.evaluate("document.documentElement.dataset.wallPages || '1'"))
    whole: set[str] = set()
    cut: list[str] = []
    n = 1
    while True:
        if pages > 1:
            pager = wall.locator(".wall-pager")
            await expect(pager).to_have_text(re.compile(rf"^Deel {n} van \d+$"), timeout=15_000)
            pages = int((await pager.inner_text()).rsplit(" ", 1)[-1])
        parts: dict[str, list[str]] = await wall.evaluate(_PAGE_PARTS)
        whole |= set(parts["whole"])
        cut += [f"page {n}: {name}" for name in parts["cut"]]
        await wall.keyboard.press("ArrowRight")  # after the last page: back to the first
        if n >= pages:
            break
        n += 1
    return whole, cut


async def _full_wall(
    server: RunningServer, browser: Browser, label: str
) -> tuple[BrowserContext, BrowserContext, Any, Page]:
    console_context = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(console_context, server, label)
    page = (await watched_page(console_context)).page
    await page.goto(f"/console/meetings/{room['meeting_id']}")
    column = page.locator(".room-column")
    await expect(column.locator(".status")).to_have_attribute("data-state", "saved")
    await server.kring.live.edit(room["id"], "board", _full_board)
    projector_context, wall_watched, _frames = await open_projector(page, column, browser)
    await expect(wall_watched.page.locator(".wall-board .card")).to_have_count(44)
    return console_context, projector_context, room, wall_watched.page


async def test_a_page_turn_never_cuts_a_card(server: RunningServer, browser: Browser) -> None:
    console_context, projector_context, room, wall = await _full_wall(server, browser, "Gezin Pagina")
    for view, selector, count in (("board", ".wall-board .card", 44), ("plan", ".wall-plan .rule", 12)):
        await server.kring.live.edit(room["id"], "board", _show(view))
        await expect(wall.locator(selector)).to_have_count(count)
        await expect(wall.locator(".wall-pager")).to_have_text(re.compile(r"^Deel 1 van [2-9]$"))
        await fits_the_screen(wall)
        whole, cut = await _every_page(wall)
        assert cut == [], cut
        keys = set(await wall.locator(selector).evaluate_all("(cards) => cards.map((c) => c.dataset.key)"))
        assert keys <= whole, keys - whole  # every card is on some page, whole
        await wall.screenshot(path=str(ARTIFACTS / f"projector-paged-{view}-1920x1080.png"))
    for context in (console_context, projector_context):
        await context.close()


async def test_nothing_on_the_wall_is_smaller_than_22px_and_nothing_overlaps(
    server: RunningServer, browser: Browser
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    console_context, projector_context, room, wall = await _full_wall(server, browser, "Gezin Achterin")
    await expect(wall.locator(".hidden-note")).to_contain_text("1 gevoelig punt")
    for view, selector in (("board", ".wall-board .card"), ("plan", ".wall-plan .rule"), ("poll", ".scale-now")):
        await server.kring.live.edit(room["id"], "board", _show(view))
        await expect(wall.locator(selector).first).to_be_visible()
        for size in (PROJECTOR, {"width": 1280, "height": 720}):
            await wall.set_viewport_size(size)
            # Measured again after the resize (the wall waits a frame): the same view, settled.
            await wall.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
            texts: list[dict[str, Any]] = await wall.evaluate(_VISIBLE_TEXT)
            # The header, the join panel and (for the board, which has one) the "left out" note too.
            wanted = {"wall-here", "wall-code", "wall-how", "wall-join-title"} | (
                {"hidden-note"} if view == "board" else set()
            )
            assert wanted <= {t["cls"] for t in texts}, view
            if size == PROJECTOR:
                small = [(t["cls"], t["text"], t["size"]) for t in texts if t["size"] < 22]
                assert small == [], (view, small)
            overlaps = [
                (a["text"], b["text"])
                for i, a in enumerate(texts)
                for b in texts[i + 1 :]
                if any(_crossing(p, q) for p in a["boxes"] for q in b["boxes"])
            ]
            assert overlaps == [], (view, size, overlaps)
            # A card taller than a whole page (a rule with every field, at 720p) says it is cut.
            marks = await wall.evaluate(
                "[...document.querySelectorAll('.wall-cut')].map((c) => getComputedStyle(c, '::after').content)"
            )
            assert all("meer op de telefoon" in mark for mark in marks), marks
            await wall.screenshot(path=str(ARTIFACTS / f"projector-{view}-{size['width']}x{size['height']}.png"))
            await fits_the_screen(wall)
    # The status line says so, in the same large type, while the wall is offline.
    await wall.set_viewport_size(PROJECTOR)
    await projector_context.set_offline(True)
    await expect(wall.locator(".wall-connection")).to_be_visible()
    texts = await wall.evaluate(_VISIBLE_TEXT)
    assert "wall-connection" in {t["cls"] for t in texts}
    assert [t["text"] for t in texts if t["size"] < 22] == []
    await projector_context.set_offline(False)
    for context in (console_context, projector_context):
        await context.close()


def _crossing(a: list[float], b: list[float]) -> bool:
    """Two line boxes that share more than a sliver (lines of one paragraph touch, they do not cross)."""
    return min(a[2], b[2]) - max(a[0], b[0]) > 2 and min(a[3], b[3]) - max(a[1], b[1]) > 2
