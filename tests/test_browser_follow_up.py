"""A follow-up meeting in real Chromium: the console asks which earlier room each new room continues,
starts at none, and sends only what the facilitator chose."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from tests.browser import browser, require_bundles, watched_page
from tests.meetings_helpers import PASSWORD
from tests.utils import RunningServer

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

EMAIL = "fatima@example.org"


async def test_follow_up_rooms_continue_only_the_rooms_chosen(server: RunningServer, browser: Browser) -> None:
    require_bundles("console")
    store = server.kring.meetings
    await store.add_facilitator(EMAIL, "Fatima Bakker", PASSWORD)
    context = await browser.new_context(base_url=server.url, viewport={"width": 1366, "height": 900})
    origin = {"Origin": server.url}
    response = await context.request.post("/api/session", data={"email": EMAIL, "password": PASSWORD}, headers=origin)
    assert response.status == 204
    case = await (await context.request.post("/api/cases", data={"label": "Gezin M"}, headers=origin)).json()
    first = await (
        await context.request.post(
            f"/api/cases/{case['id']}/meetings",
            data={"title": "Beraad 1", "rooms": ["Moeder", "Vader"]},
            headers=origin,
        )
    ).json()
    mother, father = (r["id"] for r in first["rooms"])

    watched = await watched_page(context)
    page = watched.page
    await page.goto("/console")
    card = page.locator(".case", has_text="Gezin M")
    await card.locator("summary", has_text="Nieuwe bijeenkomst").click()
    joint = card.get_by_label("Vervolg van welke eerdere kamer?")
    await expect(joint.locator("option")).to_have_count(3)  # none, and the two rooms of the first meeting
    await expect(joint).to_have_value("")  # nothing chosen for the facilitator

    # A split the other way round: room 1 is the father's, and continues his room.
    await card.get_by_label("Gesplitst: een kamer per ouder").check()
    await expect(joint).to_be_hidden()
    await card.get_by_label("Naam van kamer 1").fill("Vader")
    await card.get_by_label("Naam van kamer 2").fill("Moeder")
    room_1 = card.get_by_label("Kamer 1 is een vervolg van")
    await expect(room_1.locator(f'option[value="{father}"]')).to_have_text(re.compile(r"^Vader — Beraad 1"))
    await room_1.select_option(father)
    await card.get_by_label("Kamer 2 is een vervolg van").select_option(mother)
    await card.get_by_role("button", name="Bijeenkomst aanmaken").click()
    await page.wait_for_url(re.compile(r"/console/meetings/[a-z0-9]+$"))
    second = page.url.rsplit("/", 1)[1]
    rooms = await store.rooms_of(second)
    assert [(r.name, r.continues_room_id) for r in rooms] == [("Vader", father), ("Moeder", mother)]

    # One room, left at none: it continues nothing.
    await page.goto("/console")
    card = page.locator(".case", has_text="Gezin M")
    await card.locator("summary", has_text="Nieuwe bijeenkomst").click()
    await expect(card.get_by_label("Vervolg van welke eerdere kamer?").locator("option")).to_have_count(5)
    await card.get_by_role("button", name="Bijeenkomst aanmaken").click()
    await page.wait_for_url(re.compile(r"/console/meetings/[a-z0-9]+$"))
    [room] = await store.rooms_of(page.url.rsplit("/", 1)[1])
    assert room.continues_room_id is None
    await watched.assert_clean()
    await context.close()
