"""Issue 14 in Chromium: two network members report through their links over two weeks (their
reports dated back), the facilitator sees the journal's summary, the review countdown and the
"rule did not hold" mark, and calls the network together; the follow-up opens with the week's
summary on its board. Screenshots of the link page, the journal and the follow-up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.async_api import Browser, Dialog, Page, expect
from pycrdt import Array, Doc, Map, Text

from server.meetings.domain import reviews
from tests.browser import ARTIFACTS, assert_axe_clean, browser, require_bundles, watched_page
from tests.test_browser_board import ORIGIN_HEADER, meeting_with_room
from tests.test_browser_meetings import CONSOLE, PHONE, logged_in_context
from tests.utils import RunningServer

__all__ = ["browser"]

pytestmark = pytest.mark.browser

DOOR = "Moeder werkt alleen met de deur open"
SCHOOL = "Juf belt elke vrijdag"
NOTE = "Notitie-die-niet-op-het-bord-komt"


async def _report(page: Page, rule: str, verdict: str, day: str, note: str = "") -> None:
    mine = page.locator("section", has=page.get_by_role("heading", name="Mijn afspraken"))
    card = mine.locator("li.plan-rule", has_text=rule)
    done = await card.locator(".plan-mine li").count()
    if await card.locator("details.plan-report").get_attribute("open") is None:
        await card.get_by_text("Doorgeven hoe het ging").click()
    await card.get_by_label(verdict, exact=True).check()
    await card.get_by_label("Over welke dag?").fill(day)
    if note:
        await card.get_by_label("Korte toelichting").fill(note)
    await card.get_by_role("button", name="Doorgeven").click()
    await expect(card.get_by_role("status")).to_contain_text("Doorgegeven")
    # The page has read the report back: the next one starts from a settled form.
    await expect(card.locator(".plan-mine li")).to_have_count(done + 1)


async def test_two_weeks_of_reports_and_the_network_called_together(server: RunningServer, browser: Browser) -> None:
    require_bundles("meeting", "plan")
    context = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(context, server, "Gezin N")
    store = server.kring.meetings  # type: ignore[attr-defined]
    oma, _ = await store.add_participant(room["id"], "Oma Truus Jansen", "family", admitted=True)
    juf, _ = await store.add_participant(room["id"], "Juf Petra de Wit", "professional_school", admitted=True)

    def plan(doc: Doc[Any]) -> None:
        rules = doc.get("agreements", type=Map)
        rules["r1"] = Map({"section": "immediate", "text": Text(DOOR), "owners": Array([oma.id]), "status": "agreed"})
        rules["r2"] = Map({"section": "immediate", "text": Text(SCHOOL), "owners": Array([juf.id]), "status": "agreed"})

    await server.kring.live.edit(room["id"], "board", plan)  # type: ignore[attr-defined]
    closed = await context.request.post(
        f"/api/meetings/{room['meeting_id']}/close", data={}, headers={ORIGIN_HEADER: server.url}
    )
    assert closed.ok, await closed.text()
    urls = {}
    for person in (oma, juf):
        made = await context.request.post(
            f"/api/rooms/{room['id']}/links", data={"participant_id": person.id}, headers={ORIGIN_HEADER: server.url}
        )
        assert made.ok, await made.text()
        urls[person.id] = (await made.json())["url"]

    today = reviews.today(server.kring.settings.time_zone)  # type: ignore[attr-defined]
    week_one, week_two = (today - timedelta(days=9)).isoformat(), (today - timedelta(days=2)).isoformat()
    phones = []
    for person, reports in (
        (
            oma,
            [
                (DOOR, "Gehouden", week_one, ""),
                (DOOR, "Niet gehouden", week_two, NOTE),
                (DOOR, "Niet gehouden", today.isoformat(), ""),
            ],
        ),
        (juf, [(SCHOOL, "Gehouden", week_one, ""), (SCHOOL, "Gehouden", week_two, "")]),
    ):
        phone_context = await browser.new_context(viewport=PHONE, base_url=server.url)
        phone = await watched_page(phone_context)
        await phone.page.goto(urls[person.id])
        await expect(phone.page.get_by_role("heading", name="Ons plan")).to_be_visible()
        for rule, verdict, day, note in reports:
            await _report(phone.page, rule, verdict, day, note)
        phones.append((phone_context, phone))
    await phones[0][1].page.screenshot(path=str(ARTIFACTS / "call-network-link-page-360.png"), full_page=True)

    late = (today - timedelta(days=2)).isoformat()

    def school_review_passed(doc: Doc[Any]) -> None:
        doc.get("agreements", type=Map)["r2"]["review"] = late

    await server.kring.live.edit(room["id"], "board", school_review_passed)  # type: ignore[attr-defined]
    page = await context.new_page()

    async def accept(dialog: Dialog) -> None:
        await dialog.accept()

    page.on("dialog", accept)
    await page.goto("/console")
    await expect(page.locator(".case-reviews .pill-not-held")).to_have_text("1 afspraak niet gehouden")
    await page.goto(f"/console/meetings/{room['meeting_id']}")
    panel = page.locator(f"[data-journal='{room['id']}']")
    summary = panel.locator(".journal-summary")
    await expect(summary).to_contain_text("1 van 2 afspraken gehouden deze week")
    await expect(summary).to_contain_text(f"\u2018{DOOR}\u2019 2\u00d7 niet gehouden")
    # The meeting was held today: the immediate plan is reviewed in a week.
    await expect(panel.locator(".journal-review")).to_contain_text("nog 7 dagen")
    await expect(panel.locator(".journal-rules li.is-flagged", has_text=DOOR)).to_contain_text("Evaluatie")
    await expect(panel.locator(".journal-rules li", has_text=SCHOOL)).to_contain_text("2 dagen te laat")
    await expect(page.locator(".meeting-head .journal-mark")).to_contain_text("afspraak niet gehouden")
    await panel.scroll_into_view_if_needed()
    await panel.screenshot(path=str(ARTIFACTS / "call-network-journal.png"))
    await assert_axe_clean(page, "the console with the journal panel")

    await panel.get_by_role("button", name="Het netwerk bijeenroepen").click()
    await page.wait_for_url(lambda url: "/console/meetings/" in url and room["meeting_id"] not in url)
    failed = f"Afspraak \u2018{DOOR}\u2019 is 2\u00d7 niet gehouden"
    await expect(page.get_by_text(failed).first).to_be_visible()
    await expect(page.get_by_text("1 van 2 afspraken gehouden (week van").first).to_be_visible()
    content = await page.content()
    assert NOTE not in content and "Jansen" not in content
    await page.screenshot(path=str(ARTIFACTS / "call-network-follow-up.png"), full_page=True)

    # Back on the earlier meeting, the panel leads to the follow-up instead of making another.
    await page.go_back()
    await expect(panel.get_by_role("link", name="Naar de vervolgbijeenkomst")).to_be_visible()
    for phone_context, phone in phones:
        assert phone.errors == [] and phone.dialogs == []
        await phone_context.close()
    await context.close()
