"""The case list in Chromium shows each case's due and overdue reviews (counts, the earliest date,
each rule with its date and a link to its meeting), says so when no e-mail reminds anyone, and fits
a 360-px phone."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from playwright.async_api import Browser, expect
from pycrdt import Doc, Map, Text

from server.meetings.domain.reviews import today
from tests.browser import ARTIFACTS, assert_axe_clean, browser, require_bundles, watched_page
from tests.test_browser_meetings import CONSOLE, PHONE, logged_in_context
from tests.utils import RunningServer

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)


def on(n: int) -> str:
    return (today("Europe/Amsterdam") + datetime.timedelta(days=n)).isoformat()


async def test_the_case_list_shows_due_and_overdue_reviews(server: RunningServer, browser: Browser) -> None:
    require_bundles("console")
    context = await logged_in_context(browser, server, CONSOLE)
    origin = {"Origin": server.url}

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await context.request.post(path, data=body, headers=origin)
        assert answer.status == 201, await answer.text()
        found: dict[str, Any] = await answer.json()
        return found

    watched_case = await post("/api/cases", {"label": "Gezin K-2026"})
    quiet_case = await post("/api/cases", {"label": "Gezin R-2026"})
    meeting = await post(f"/api/cases/{watched_case['id']}/meetings", {"title": "Netwerkberaad 1", "rooms": []})
    quiet = await post(f"/api/cases/{quiet_case['id']}/meetings", {"title": "Rustig", "rooms": []})

    def rules(values: dict[str, tuple[str, str]]) -> Any:
        def mutate(doc: Doc[Any]) -> None:
            for key, (text, review) in values.items():
                doc.get("agreements", type=Map)[key] = Map(
                    {"section": "immediate", "text": Text(text), "status": "agreed", "review": review}
                )

        return mutate

    await server.kring.live.edit(
        meeting["rooms"][0]["id"],
        "board",
        rules(
            {
                "r1": ("Oma Truus is bij elk bezoek", on(-2)),
                "r2": ("Papa belt voordat hij komt", on(1)),
                "r3": ("School belt bij afwezigheid", on(20)),
            }
        ),
    )
    await server.kring.live.edit(quiet["rooms"][0]["id"], "board", rules({"q1": ("Rustig", on(20))}))

    watched = await watched_page(context)
    page = watched.page
    await page.goto("/console")
    panel = page.get_by_role("region", name="Te herzien")
    await expect(panel).to_have_count(1)  # the quiet case has none
    await expect(panel.locator(".reviews-counts")).to_contain_text("1 review te laat")
    await expect(panel.locator(".reviews-counts")).to_contain_text("1 review binnenkort")
    await expect(panel.locator(".review")).to_have_text(
        [f"te laat {_nl(on(-2))} Oma Truus is bij elk bezoek", f"binnenkort {_nl(on(1))} Papa belt voordat hij komt"],
        use_inner_text=True,
    )
    # The panel is in the watched case's card, and its rules lead to their meeting.
    card = page.get_by_role("region", name="Gezin K-2026")
    await expect(card.get_by_role("region", name="Te herzien")).to_have_count(1)
    await expect(page.get_by_role("region", name="Gezin R-2026").locator(".case-reviews")).to_have_count(0)
    link = panel.get_by_role("link", name="Oma Truus is bij elk bezoek")
    await expect(link).to_have_attribute("href", f"/console/meetings/{meeting['id']}")
    # No SMTP on this server: the list is the only reminder, and it says so.
    no_mail = "Er is geen e-mail ingesteld: de reviews staan alleen hier."
    await expect(page.locator(".reviews-no-mail")).to_have_text(no_mail)
    await assert_axe_clean(page, "console case list with reviews")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "console-reviews-1366x768.png"), full_page=True)

    await page.set_viewport_size(PHONE)
    await expect(panel).to_be_visible()
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await page.screenshot(path=str(ARTIFACTS / "console-reviews-360x740.png"), full_page=True)
    await watched.assert_clean()
    await context.close()


def _nl(day: str) -> str:
    """An ISO day as the Dutch console writes it (Intl, nl: "3 dec 2026")."""
    months = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
    d = datetime.date.fromisoformat(day)
    return f"{d.day} {months[d.month - 1]} {d.year}"
