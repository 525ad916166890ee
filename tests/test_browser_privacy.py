"""The privacy officer's page in Chromium: the log as the officer first sees it, filtered by account,
period and (by picking a case id in the table) case, with that case's access list; the CSV export of
exactly the filtered entries; the deletions planned and done. A facilitator gets no log at all."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from playwright.async_api import Browser, BrowserContext, expect

from tests.browser import browser, require_bundles, watched_page
from tests.meetings_helpers import PASSWORD
from tests.meetings_helpers import browser as api_browser
from tests.test_browser_meetings import CONSOLE
from tests.utils import RunningServer

__all__ = ["browser"]

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)

OFFICER = "privacy@jeugdzorg.test"


@dataclass
class Scene:
    fatima: int
    first_case: str
    second_case: str
    closed_meeting: str
    deleted_meeting: str


async def scene(server: RunningServer) -> Scene:
    """Two facilitators at work on two cases; one meeting closed, one deleted."""
    store = server.kring.meetings
    fatima = await store.add_facilitator("fatima@jeugdzorg.test", "Fatima Bakker", PASSWORD)
    await store.add_facilitator("sanne@jeugdzorg.test", "Sanne de Vries", PASSWORD)
    made: list[dict[str, str]] = []
    for email in ("fatima@jeugdzorg.test", "sanne@jeugdzorg.test"):
        async with api_browser(server) as client:
            assert (await client.post("/api/session", json={"email": email, "password": PASSWORD})).status_code == 204
            case = (await client.post("/api/cases", json={"label": "Gezin P"})).json()
            meetings = [
                (await client.post(f"/api/cases/{case['id']}/meetings", json={"title": "Beraad", "rooms": []})).json()
                for _ in range(2)
            ]
            if email.startswith("fatima"):
                room = meetings[0]["rooms"][0]["id"]
                assert (await client.get(f"/api/rooms/{room}/export.json")).status_code == 200
                assert (await client.post(f"/api/meetings/{meetings[0]['id']}/close", json={})).status_code == 200
                assert (await client.post(f"/api/meetings/{meetings[1]['id']}/delete", json={})).status_code == 200
            made.append({"case": case["id"], "closed": meetings[0]["id"], "deleted": meetings[1]["id"]})
    return Scene(fatima.id, made[0]["case"], made[1]["case"], made[0]["closed"], made[0]["deleted"])


async def officer_context(browser: Browser, server: RunningServer) -> BrowserContext:
    await server.kring.meetings.add_facilitator(OFFICER, "Pim Privacy", PASSWORD, roles=("privacy_officer",))
    context = await browser.new_context(viewport=CONSOLE, base_url=server.url, accept_downloads=True)
    response = await context.request.post(
        "/api/session", data={"email": OFFICER, "password": PASSWORD}, headers={"Origin": server.url}
    )
    assert response.status == 204, await response.text()
    return context


async def test_the_officer_filters_the_log_sees_who_has_access_and_exports_it(
    server: RunningServer, browser: Browser
) -> None:
    require_bundles("privacy")
    made = await scene(server)
    context = await officer_context(browser, server)
    watched = await watched_page(context)
    page = watched.page
    await page.goto("/privacy")
    await expect(page.locator("#main")).not_to_have_attribute("aria-busy", "true")
    log = page.locator("#audit-table tbody tr")
    await expect(log.filter(has_text="Sanne de Vries").first).to_be_visible()
    await expect(page.locator("#due-table")).to_contain_text(made.closed_meeting)
    await expect(page.locator("#done-table")).to_contain_text(made.deleted_meeting)
    await expect(page.locator("#done-table")).to_contain_text("Fatima Bakker")
    # Nothing of a case's content reaches the page: its label is nowhere.
    assert "Gezin P" not in await page.content()

    # Fatima's actions, today.
    today = datetime.now(UTC).date().isoformat()
    await page.get_by_label("Account").select_option(label="Fatima Bakker (fatima@jeugdzorg.test)")
    await page.get_by_label("Van", exact=True).fill(today)
    await page.get_by_label("Tot en met").fill(today)
    await page.get_by_role("button", name="Filteren").click()
    await expect(log.filter(has_text="Sanne de Vries")).to_have_count(0)
    await expect(log.filter(has_text="export").first).to_be_visible()
    assert await log.count() == await log.filter(has_text="Fatima Bakker").count()
    assert f"person={made.fatima}" in page.url

    # A case id in the table filters on that case and shows who may open it.
    await log.get_by_role("button", name=f"Filter op zaak {made.first_case}").first.click()
    await expect(page.get_by_label("Zaaknummer")).to_have_value(made.first_case)
    access = page.locator("#access-table tbody tr")
    await expect(access).to_have_count(1)
    await expect(access.first).to_contain_text("Fatima Bakker")
    await expect(access.first).to_contain_text("gespreksleider")
    shown = await log.count()
    assert shown > 0 and await log.filter(has_text=made.second_case).count() == 0

    # The export holds exactly the filtered entries, newest first, as the table shows them.
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Exporteren als CSV").click()
    download = await downloading.value
    path = await download.path()
    assert path is not None
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows and {r["actor_name"] for r in rows} == {"Fatima Bakker"}
    assert {r["case_id"] for r in rows} == {made.first_case}
    table_ids = [await row.get_attribute("data-id") for row in await log.all()]
    # The page's own reads since are audited, but as the officer's: not in Fatima's filter.
    assert [r["id"] for r in rows] == table_ids
    await watched.assert_clean()
    await context.close()


async def test_a_facilitator_gets_no_log(server: RunningServer, browser: Browser) -> None:
    require_bundles("privacy")
    await server.kring.meetings.add_facilitator("fatima@jeugdzorg.test", "Fatima Bakker", PASSWORD)
    context = await browser.new_context(viewport=CONSOLE, base_url=server.url)
    response = await context.request.post(
        "/api/session", data={"email": "fatima@jeugdzorg.test", "password": PASSWORD}, headers={"Origin": server.url}
    )
    assert response.status == 204
    page = (await watched_page(context)).page
    # The server sends a facilitator to their own page: the privacy page's shell never arrives.
    await page.goto("/privacy")
    await expect(page).to_have_url(f"{server.url}/console")
    await expect(page.locator("#view table, .privacy")).to_have_count(0)
    await context.close()
