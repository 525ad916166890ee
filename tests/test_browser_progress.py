"""The progress chart in real Chromium when a meeting revealed more than one round on a question:
the chart says which round is each meeting's point, the facilitator picks another, and the choice is
still there after a reload."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, expect
from pycrdt import Doc, Map, Text

from server.meetings.domain.people import show_person
from tests.browser import NOTHING_STORED, axe_violations, browser, browser_storage, require_bundles, watched_page
from tests.meetings_helpers import PASSWORD
from tests.utils import RunningServer

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

EMAIL = "fatima@example.org"


async def _rounds(server: RunningServer, room: str, rounds: list[tuple[str, str, int, int]]) -> None:
    """Moeder Sanne in `room`, and revealed overall rounds (key, title, order, her score)."""
    person, _ = await server.kring.meetings.add_participant(room, "Moeder Sanne", "parent", admitted=True)
    await show_person(server.kring.live, person)

    def mutate(doc: Doc[Any]) -> None:
        for key, title, order, value in rounds:
            doc.get("poll", type=Map)[key] = Map(
                {
                    "title": title,
                    "status": "revealed",
                    "order": order,
                    "scores": Map({person.id: Map({"value": value})}),
                }
            )

    await server.kring.live.edit(room, "board", mutate)


async def test_the_chart_shows_and_keeps_which_round_is_a_meetings_point(
    server: RunningServer, browser: Browser
) -> None:
    require_bundles("meeting")
    await server.kring.meetings.add_facilitator(EMAIL, "Fatima Bakker", PASSWORD)
    context = await browser.new_context(base_url=server.url, viewport={"width": 1366, "height": 1000})
    origin = {"Origin": server.url}
    assert (
        await context.request.post("/api/session", data={"email": EMAIL, "password": PASSWORD}, headers=origin)
    ).status == 204
    case = await (await context.request.post("/api/cases", data={"label": "Gezin M"}, headers=origin)).json()

    async def meeting(title: str, continues: str | None) -> tuple[str, str]:
        rooms = [{"name": "Kamer", "continues": continues}] if continues else []
        made = await (
            await context.request.post(
                f"/api/cases/{case['id']}/meetings", data={"title": title, "rooms": rooms}, headers=origin
            )
        ).json()
        return made["id"], made["rooms"][0]["id"]

    _, one = await meeting("Een", None)
    await _rounds(server, one, [("r-begin", "Begin", 0, 2), ("r-algemeen", "Algemeen", 1, 4)])
    second, two = await meeting("Twee", one)
    await _rounds(server, two, [("r1", "Hoe veilig?", 0, 6)])

    watched = await watched_page(context)
    page = watched.page

    async def open_progress() -> Any:
        await page.goto(f"/console/meetings/{second}")
        progress = page.locator(f'[data-room="{two}"] .progress-panel')
        await progress.locator("summary").click()
        await expect(progress.locator("svg.progress-chart")).to_be_visible()
        return progress

    progress = await open_progress()
    first = progress.locator(".progress-point").first
    # By default the first meeting's point is its last round, and the chart says which.
    await expect(first.locator(".point-is")).to_have_text("punt = ronde 2, \u2018Algemeen\u2019")
    await expect(progress.locator("svg.progress-chart text.point-round").first).to_have_text("ronde 2")
    sanne = progress.locator("table.progress-table tr", has_text="Moeder Sanne")
    await expect(sanne.locator("td")).to_have_text(["Ouder of verzorger", "4", "6"])
    # The one-round meeting offers no choice; the two-round one does, named for screen readers.
    await expect(progress.locator(".progress-point select")).to_have_count(1)
    choice = progress.get_by_label("Punt van Een", exact=False)
    await choice.focus()  # as from the keyboard
    await choice.select_option("r-begin")
    await expect(first.locator(".point-is")).to_have_text("punt = ronde 1, \u2018Begin\u2019 (gekozen)")
    await expect(progress.get_by_label("Punt van Een", exact=False)).to_be_focused()  # drawn anew, focus kept
    await expect(sanne.locator("td")).to_have_text(["Ouder of verzorger", "2", "6"])
    await expect(progress.locator("svg.progress-chart text.point-round").first).to_have_text("ronde 1")
    small = await progress.evaluate(
        """(el) => [...el.querySelectorAll('button, select, summary')]
            .filter((c) => c.offsetParent && (c.getBoundingClientRect().height < 44)).map((c) => c.outerHTML)"""
    )
    assert small == []

    # Kept: after a reload the chart shows the same point.
    progress = await open_progress()
    await expect(progress.locator(".progress-point").first.locator(".point-is")).to_have_text(
        "punt = ronde 1, \u2018Begin\u2019 (gekozen)"
    )
    await expect(progress.get_by_label("Punt van Een", exact=False)).to_have_value("r-begin")
    # Back to the last round.
    await progress.get_by_label("Punt van Een", exact=False).select_option("")
    await expect(progress.locator(".progress-point").first.locator(".point-is")).to_have_text(
        "punt = ronde 2, \u2018Algemeen\u2019"
    )
    board = await server.kring.live.copy_of(one, "board")
    assert board.get("meta", type=Map)["points"].to_py() == {}

    assert await browser_storage(page) == NOTHING_STORED
    await watched.assert_clean()
    await context.close()


async def test_two_of_the_same_first_name_are_told_apart_on_console_and_wall(
    server: RunningServer, browser: Browser
) -> None:
    require_bundles("meeting", "projector")
    await server.kring.meetings.add_facilitator(EMAIL, "Fatima Bakker", PASSWORD)
    context = await browser.new_context(base_url=server.url, viewport={"width": 1366, "height": 1000})
    origin = {"Origin": server.url}
    assert (
        await context.request.post("/api/session", data={"email": EMAIL, "password": PASSWORD}, headers=origin)
    ).status == 204
    case = await (await context.request.post("/api/cases", data={"label": "Gezin K"}, headers=origin)).json()
    made = await (
        await context.request.post(
            f"/api/cases/{case['id']}/meetings", data={"title": "Een", "rooms": []}, headers=origin
        )
    ).json()
    room = made["rooms"][0]["id"]
    ids = []
    for name, relation in [("Kees de Vries", "parent"), ("Kees Bakker", "family"), ("Sanne Jansen", "parent")]:
        added = await context.request.post(
            "/api/participants", data={"room_id": room, "name": name, "relation": relation}, headers=origin
        )
        assert added.status == 201
        ids.append((await added.json())["id"])

    def mutate(doc: Doc[Any]) -> None:
        doc.get("poll", type=Map)["r1"] = Map(
            {
                "title": "Hoe veilig?",
                "status": "revealed",
                "scores": Map({pid: Map({"value": v}) for pid, v in zip(ids, (3, 7, 5), strict=True)}),
            }
        )
        doc.get("meta", type=Map)["wall"] = "poll"

    await server.kring.live.edit(room, "board", mutate)
    link = await (await context.request.post(f"/api/rooms/{room}/projector", data={}, headers=origin)).json()

    watched = await watched_page(context)
    await watched.page.goto(f"/console/meetings/{made['id']}")
    line = watched.page.locator(f'[data-room="{room}"] .scale-now')
    for value, name in [(3, "Kees V."), (7, "Kees B."), (5, "Sanne")]:
        await expect(line.locator(f".scale-step[data-value='{value}'] .scale-name")).to_have_text(name)

    projector = await browser.new_context(base_url=server.url, viewport={"width": 1920, "height": 1080})
    wall = await watched_page(projector)
    await wall.page.goto(link["url"])
    now = wall.page.locator(".scale-now")
    for value, name in [(3, "Kees V."), (7, "Kees B."), (5, "Sanne")]:
        await expect(now.locator(f".scale-step[data-value='{value}'] .scale-name")).to_have_text(name)
    await wall.assert_clean()
    await watched.assert_clean()
    await projector.close()
    await context.close()


async def test_the_chart_shows_beside_the_scores_how_often_each_rule_held(
    server: RunningServer, browser: Browser
) -> None:
    """The safety journal per rule and meeting, in words; a meeting nobody reported on says so."""
    require_bundles("meeting")
    store = server.kring.meetings
    await store.add_facilitator(EMAIL, "Fatima Bakker", PASSWORD)
    context = await browser.new_context(base_url=server.url, viewport={"width": 360, "height": 800})
    origin = {"Origin": server.url}
    assert (
        await context.request.post("/api/session", data={"email": EMAIL, "password": PASSWORD}, headers=origin)
    ).status == 204
    case = await (await context.request.post("/api/cases", data={"label": "Gezin M"}, headers=origin)).json()

    async def meeting(title: str, continues: str | None) -> tuple[str, str]:
        rooms = [{"name": "Kamer", "continues": continues}] if continues else []
        made = await (
            await context.request.post(
                f"/api/cases/{case['id']}/meetings", data={"title": title, "rooms": rooms}, headers=origin
            )
        ).json()
        return made["id"], made["rooms"][0]["id"]

    _, one = await meeting("Een", None)
    await _rounds(server, one, [("r1", "Hoe veilig?", 0, 4)])
    await server.kring.live.edit(
        one,
        "board",
        lambda d: d.get("agreements", type=Map).__setitem__(
            "rule-1", Map({"section": "immediate", "text": Text("Oma is bij elk bezoek"), "status": "agreed"})
        ),
    )
    [sanne] = await store.participants_of(one)
    for verdict in ("held", "held", "not_held"):
        await store.add_journal_entry(one, sanne.id, "rule-1", verdict, "", sanne.created_at.date())
    second, two = await meeting("Twee", one)
    await _rounds(server, two, [("r1", "Hoe veilig?", 0, 6)])

    watched = await watched_page(context)
    page = watched.page
    await page.goto(f"/console/meetings/{second}")
    progress = page.locator(f'[data-room="{two}"] .progress-panel')
    await progress.locator("summary").click()
    table = progress.locator("table.journal-over-time")
    await expect(table.locator("caption")).to_contain_text("Gehouden of niet, tussen de bijeenkomsten")
    row = table.locator("tbody tr", has_text="Oma is bij elk bezoek")
    await expect(row.locator("td")).to_have_text(["2 gehouden, 1 niet gehouden", "niets doorgegeven"])
    await expect(row.locator("td.journal-failed")).to_have_count(1)
    # On a 360-px phone the tables scroll sideways, and the keyboard reaches that too.
    assert await axe_violations(page) == []
    await watched.assert_clean()
    await context.close()
