"""Every page and every view passes axe-core with the WCAG 2.2 AA tags, in real Chromium: the home
and log-in pages, the case list, the meeting console (forms open), joining and the waiting screen,
the phone's board with a round open, the wall in each of its views, the shared list, and every
printed export on screen and as printed. Each test collects what it finds on every view and
reports it all at once, with the nodes, so one run says everything that is left to fix.

Re-run alone with `.venv/bin/pytest -q tests/test_browser_axe.py` (after `make web`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect

from server.demo import MEETING, seed_demo
from tests.browser import (
    axe_violations,
    browser,
    describe_violations,
    log_in_as_room_facilitator,
    watched_page,
)
from tests.utils import RunningServer

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)

CONSOLE: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 360, "height": 740}
PROJECTOR: ViewportSize = {"width": 1920, "height": 1080}
DEMO_EMAIL = "demo@kring.test"
ORIGIN = "Origin"


class Audit:
    """axe-core's findings per view, asserted together at the end."""

    def __init__(self) -> None:
        self.found: dict[str, list[dict[str, Any]]] = {}
        self.checked: list[str] = []

    async def check(self, page: Page, where: str) -> None:
        self.checked.append(where)
        violations = await axe_violations(page)
        if violations:
            self.found[where] = violations

    def assert_clean(self) -> None:
        report = "\n\n".join(f"== {where}\n{describe_violations(v)}" for where, v in self.found.items())
        assert not self.found, f"axe-core found violations on {len(self.found)} of {len(self.checked)} views:\n{report}"


async def open_every_panel(scope: Page | Locator) -> None:
    """Open every closed <details> (a form or panel), one at a time: opening one may redraw others."""
    closed = scope.locator("details:not([open]) > summary:visible")
    for _ in range(20):
        if not await closed.count():
            return
        await closed.first.click()
    raise AssertionError("details that do not stay open")


async def demo_console(browser: Browser, server: RunningServer, tmp_path: Path) -> tuple[BrowserContext, Page]:
    await seed_demo(server.settings, DEMO_EMAIL, tmp_path / "demo-var")
    password = (tmp_path / "demo-var" / "demo_password").read_text().strip()
    context = await browser.new_context(viewport=CONSOLE, base_url=server.url)
    response = await context.request.post(
        "/api/session", data={"email": DEMO_EMAIL, "password": password}, headers={ORIGIN: server.url}
    )
    assert response.status == 204, await response.text()
    watched = await watched_page(context)
    return context, watched.page


async def test_every_view_passes_axe(server: RunningServer, browser: Browser, tmp_path: Path) -> None:
    audit = Audit()

    # -- before logging in: home, log-in, joining ------------------------------------------------------
    anonymous = await browser.new_context(viewport=CONSOLE, base_url=server.url)
    page = (await watched_page(anonymous)).page
    await page.goto("/")
    await expect(page.locator("h1")).to_be_visible()
    await audit.check(page, "/")
    await page.goto("/login")
    await expect(page.locator("form#login")).to_be_visible()
    await audit.check(page, "/login")
    await page.fill("#email", "nobody@example.org")
    await page.fill("#password", "wrong")
    await page.click("#login button[type=submit]")
    await expect(page.locator("#error")).to_be_visible()
    await audit.check(page, "/login (refused)")
    # The account page with a one-time link that does not work (the working ones, enrolment and the
    # recovery codes, and /admin are checked in tests/test_browser_invite.py, which makes the accounts).
    await page.goto("/account#not-a-real-link")
    await expect(page.locator("#view .notice")).to_be_visible()
    await audit.check(page, "/account (a link that no longer works)")

    # -- the console: the case list, the meeting with both rooms, its forms open ---------------------
    console_context, console = await demo_console(browser, server, tmp_path)
    await console.goto("/console")
    await expect(console.locator("#main")).not_to_have_attribute("aria-busy", "true")
    await expect(console.get_by_role("link", name=re.compile(MEETING))).to_be_visible()
    await audit.check(console, "/console")
    await open_every_panel(console)  # the safety-network register, a new meeting
    await audit.check(console, "/console (panels open)")
    await console.get_by_role("link", name=re.compile(MEETING)).click()
    await expect(console.locator(".room-column")).to_have_count(2)
    moeder = console.locator(".room-column", has_text="Moeder").first
    await expect(moeder.locator(".board-view .card").first).to_be_visible()
    meeting_id = await console.locator("#main").get_attribute("data-meeting")
    rooms = (await (await console_context.request.get(f"/api/meetings/{meeting_id}")).json())["rooms"]
    mother = next(r for r in rooms if r["name"] == "Moeder")
    await open_every_panel(moeder)
    await audit.check(console, "the meeting console (forms open)")
    await (
        moeder.locator(".board-view .card:not(.rule)").first.get_by_role("button", name=re.compile("^Bewerken")).click()
    )
    await moeder.locator(".board-view .rule").first.get_by_role("button", name=re.compile("^Bewerken")).click()
    await expect(moeder.locator(".rule-editor")).to_be_visible()
    await audit.check(console, "the meeting console (an item's and a rule's editor open)")
    await moeder.locator(".rule-editor").get_by_role("button", name="Annuleren").click()
    await moeder.locator(".item-editor").get_by_role("button", name="Annuleren").click()

    # -- a phone joins: the join form, the waiting screen, then the board ----------------------------
    phone_context = await browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, base_url=server.url)
    phone = (await watched_page(phone_context)).page
    await phone.goto("/join")
    await expect(phone.locator("#code")).to_be_visible()
    await audit.check(phone, "/join")
    await phone.click("#join button[type=submit]")
    await expect(phone.locator("#error")).to_be_visible()
    await audit.check(phone, "/join (nothing filled in)")
    await phone.fill("#code", mother["join_code"])
    await phone.fill("#name", "Truus Jansen")
    await phone.select_option("#relation", "family")
    await phone.click("#join button[type=submit]")
    await expect(phone.get_by_role("heading", name="Wacht tot de gespreksleider je binnenlaat")).to_be_visible()
    await audit.check(phone, "the waiting screen")
    await moeder.get_by_role("button", name="Truus Jansen binnenlaten").click()
    await phone.wait_for_url(re.compile(r"/board"))
    await expect(phone.locator("#status")).to_have_attribute("data-state", "saved")
    await expect(phone.locator("#board .card").first).to_be_visible()
    await expect(phone.locator("#board .rule").first).to_be_visible()
    await audit.check(phone, "/board (phone)")
    await phone.locator(".propose-box summary").click()
    await audit.check(phone, "/board (phone, the suggestion form open)")
    await moeder.get_by_role("button", name="Ronde openen").click()
    await expect(phone.locator(".score-button").first).to_be_visible()
    await audit.check(phone, "/board (phone, a round open)")
    await phone.locator(".score-button").first.click()
    await audit.check(phone, "/board (phone, a score chosen)")
    await audit.check(console, "the meeting console (a round open, someone let in)")

    # -- the wall in each of its views -----------------------------------------------------------------
    async with console_context.expect_page() as opened:
        await moeder.locator(".access-controls button.secondary").click()
    popup = await opened.value
    await popup.wait_for_load_state()
    wall_url = popup.url
    await popup.close()
    projector_context = await browser.new_context(viewport=PROJECTOR)
    wall = (await watched_page(projector_context)).page
    await wall.goto(wall_url)
    await expect(wall.locator(".wall-poll")).to_be_visible()  # opening the round put it on the wall
    await audit.check(wall, "/projector (poll, a round open)")
    shows = moeder.get_by_label("Op het scherm")
    await shows.select_option("board")
    await expect(wall.locator(".wall-board .card").first).to_be_visible()
    await audit.check(wall, "/projector (board)")
    await shows.select_option("plan")
    await expect(wall.locator(".rule").first).to_be_visible()
    await audit.check(wall, "/projector (plan)")
    await projector_context.set_offline(True)
    await expect(wall.locator(".wall-connection")).to_have_attribute("data-state", "offline")
    await audit.check(wall, "/projector (plan, the connection lost)")
    await projector_context.set_offline(False)

    # -- the phone, removed: the board is gone and it says why --------------------------------------------
    await moeder.get_by_role("button", name="Truus Jansen verwijderen").click()
    await expect(phone.locator("h1.ended")).to_have_text("De gespreksleider heeft je uit de bijeenkomst gehaald.")
    await audit.check(phone, "/board (phone, removed)")

    # -- the exports, on screen and as printed -------------------------------------------------------
    exports = console
    # The record's safety journal too, with a rule not held and a note (issue 14).
    store = server.kring.meetings
    reporter = next(p for p in await store.participants_of(mother["id"]) if p.status == "admitted")
    today = datetime.now(UTC).date()
    await store.add_journal_entry(mother["id"], reporter.id, "own-rule-1", "not_held", "Ria was ziek", today)
    await store.add_journal_entry(mother["id"], reporter.id, "own-rule-2", "held", "", today)
    for path in ("export.html", "export.html?lang=en", "children.html", "children.html?lang=en"):
        answer = await exports.goto(f"/api/rooms/{mother['id']}/{path}")
        assert answer is not None and answer.status == 200
        await audit.check(exports, f"{path} (screen)")
        await exports.emulate_media(media="print")
        await audit.check(exports, f"{path} (print)")
        await exports.emulate_media(media="screen")

    # -- the administrators' page (/admin), with a team --------------------------------------------------
    await server.kring.meetings.add_facilitator("beheer@kring.test", "Bea Beheer", "correct horse battery", ("admin",))
    admin_context = await browser.new_context(viewport=CONSOLE, base_url=server.url)
    signed = await admin_context.request.post(
        "/api/session",
        data={"email": "beheer@kring.test", "password": "correct horse battery"},
        headers={ORIGIN: server.url},
    )
    assert signed.status == 204
    await admin_context.request.post("/api/admin/teams", data={"name": "Team Noord"}, headers={ORIGIN: server.url})
    admin_page = (await watched_page(admin_context)).page
    await admin_page.goto("/admin")
    await expect(admin_page.locator("#main")).not_to_have_attribute("aria-busy", "true")
    await expect(admin_page.locator(".admin-team")).to_have_count(1)
    await audit.check(admin_page, "/admin")
    await admin_context.close()

    # -- the shared list of /r/{room} ------------------------------------------------------------------
    list_context = await browser.new_context(viewport=PHONE, base_url=server.url)
    await log_in_as_room_facilitator(list_context, server.url, "axe-list")
    listing = (await watched_page(list_context)).page
    await listing.goto("/r/axe-list")
    await expect(listing.locator("#status")).to_have_attribute("data-state", "saved")
    await listing.fill("#item", "Boodschappen voor oma")
    await listing.press("#item", "Enter")
    await expect(listing.get_by_text("Boodschappen voor oma")).to_be_visible()
    await audit.check(listing, "/r/{room}")

    for context in (anonymous, console_context, phone_context, projector_context, list_context):
        await context.close()
    audit.assert_clean()


async def test_the_privacy_page_passes_axe(server: RunningServer, browser: Browser) -> None:
    # Imported here: the privacy page's scene belongs to its own test file (tests/test_browser_privacy.py).
    from tests.test_browser_privacy import officer_context, scene

    audit = Audit()
    made = await scene(server)
    context = await officer_context(browser, server)
    page = (await watched_page(context)).page
    for lang, case_button in (("nl", "Filter op zaak"), ("en", "Filter on case")):
        await page.goto(f"/privacy?lang={lang}")
        await expect(page.locator("#main")).not_to_have_attribute("aria-busy", "true")
        await expect(page.locator("#done-table")).to_be_visible()
        await audit.check(page, f"/privacy ({lang})")
        await page.locator("#audit-table").get_by_role("button", name=f"{case_button} {made.first_case}").first.click()
        await expect(page.locator("#access-table")).to_be_visible()
        await audit.check(page, f"/privacy ({lang}, a case's access)")
    await page.goto("/privacy?case=nosuchcase&from=2026-01-01")
    await expect(page.locator("#access .notice")).to_be_visible()
    await audit.check(page, "/privacy (an unknown case)")
    await context.close()
    audit.assert_clean()
