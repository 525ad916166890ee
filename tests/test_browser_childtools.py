"""The Three Houses and the progress chart in real Chromium: the facilitator adds the child's words and
a photo of a drawing with who may see them and who consented, changes who sees one, and reads each
person's scores across three meetings in a chart drawn by our own script."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.async_api import Browser, expect
from pycrdt import Doc, Map, Text

from server.meetings.domain.people import show_person
from tests.browser import (
    ARTIFACTS,
    NOTHING_STORED,
    browser,
    browser_storage,
    record_frames,
    require_bundles,
    watched_page,
)
from tests.meetings_helpers import PASSWORD
from tests.utils import RunningServer

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

EMAIL = "fatima@example.org"


@pytest.fixture(autouse=True)
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "var"
    monkeypatch.setenv("KRING_VAR_DIR", str(path))
    return path


def drawing(path: Path) -> Path:
    exif = Image.Exif()
    exif[0x010F] = "KanarieCam"
    Image.new("RGB", (120, 90), (240, 200, 40)).save(path, "JPEG", exif=exif)
    return path


async def _scored(server: RunningServer, room: str, scores: dict[tuple[str, str], int], status: str) -> None:
    revealed = {}
    for (name, relation), value in scores.items():
        person, _ = await server.kring.meetings.add_participant(room, name, relation, admitted=True)
        await show_person(server.kring.live, person)
        revealed[person.id] = value

    def mutate(doc: Doc[Any]) -> None:
        doc.get("poll", type=Map)["r1"] = Map(
            {
                "title": "Hoe veilig?",
                "status": "revealed",
                "scores": Map({p: Map({"value": v}) for p, v in revealed.items()}),
            }
        )
        rules = doc.get("agreements", type=Map)
        if "rule-1" in rules:
            rules["rule-1"]["status"] = status
        else:
            rules["rule-1"] = Map({"section": "immediate", "text": Text("Oma is bij elk bezoek"), "status": status})

    await server.kring.live.edit(room, "board", mutate)


async def _pair(server: RunningServer, room: str, value: int) -> None:
    """A revealed round about the danger statement (carried from meeting to meeting), by Moeder Sanne."""
    [sanne] = [p.id for p in await server.kring.meetings.participants_of(room) if p.name == "Moeder Sanne"]

    def mutate(doc: Doc[Any]) -> None:
        framework = doc.get("framework", type=Map)
        if "danger-1" not in framework:
            framework["danger-1"] = Map({"category": "danger", "text": Text("Als papa drinkt, rijdt hij met Max")})
        doc.get("poll", type=Map)["r2"] = Map(
            {
                "title": "Rond dit gevaar",
                "status": "revealed",
                "pair": "danger-1",
                "scores": Map({sanne: Map({"value": value})}),
            }
        )

    await server.kring.live.edit(room, "board", mutate)


async def test_three_houses_and_progress_in_the_console(
    server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    require_bundles("meeting")
    store = server.kring.meetings
    await store.add_facilitator(EMAIL, "Fatima Bakker", PASSWORD)
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
    await _scored(server, one, {("Moeder Sanne", "parent"): 3, ("Oma Truus", "family"): 5}, "agreed")
    await _pair(server, one, 2)
    _, two = await meeting("Twee", one)
    await _scored(server, two, {("Moeder Sanne", "parent"): 5, ("Oma Truus", "family"): 6}, "trying")
    third, three = await meeting("Drie", two)
    await _scored(server, three, {("Moeder Sanne", "parent"): 7, ("Oma Truus", "family"): 8}, "working")
    await _pair(server, three, 6)

    watched = await watched_page(context)
    page = watched.page
    await page.goto(f"/console/meetings/{third}")
    column = page.locator(f'[data-room="{three}"]')
    houses = column.locator(".child-tools")
    # Opened and filled from the keyboard: the summary, then the house, the words.
    await houses.locator("summary").focus()
    await page.keyboard.press("Enter")
    await page.keyboard.press("Tab")
    await expect(houses.get_by_label("Welk huis?")).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(houses.get_by_label("De woorden van het kind")).to_be_focused()

    # The child's words, for the facilitator only: no consent needed yet.
    await houses.get_by_label("Welk huis?").select_option("dreams")
    await houses.get_by_label("De woorden van het kind").fill("Een hond en een grote tuin")
    await expect(houses.get_by_label("Alleen gespreksleider")).to_be_checked()
    await houses.get_by_role("button", name="Toevoegen aan het huis").click()
    dreams = houses.locator(".house-dreams")
    entry = dreams.locator(".child-entry", has_text="Een hond en een grote tuin")
    await expect(entry.locator(".badge")).to_have_text("alleen gespreksleider")
    await expect(page.locator("#live")).to_contain_text("Toegevoegd aan Droomhuis.")
    board = await server.kring.live.copy_of(three, "board")
    assert not board.get("childtools", type=Map).to_py()

    # A drawing for this room: without consent the server says what is missing, at once.
    await houses.get_by_label("Welk huis?").select_option("worries")
    await houses.locator('input[type="file"]').set_input_files(str(drawing(tmp_path / "tekening.jpg")))
    await houses.get_by_label("Deze kamer").check()
    await houses.get_by_role("button", name="Toevoegen aan het huis").click()
    await expect(houses.locator(".error").first).to_contain_text("toestemming")
    await houses.get_by_label("Leeftijd van het kind").first.select_option("under_12")
    await expect(houses.get_by_label("Het kind stemde in").first).to_be_hidden()  # under 12 the parents decide
    await houses.get_by_label("De ouders stemden in").first.check()
    await houses.get_by_role("button", name="Toevoegen aan het huis").click()
    photo = houses.locator(".house-worries img.child-photo")
    await expect(photo).to_have_attribute("alt", "Tekening van het kind, Huis van de zorgen")
    assert await photo.evaluate("(img) => img.decode().then(() => img.naturalWidth)") == 120
    await expect(houses.locator(".house-worries .consent-line")).to_have_text("Toestemming: ouders (Onder 12)")

    # A phone of the room: the drawing for this room is there, the facilitator-only words are not,
    # not even in what came over its connection.
    phone_context = await browser.new_context(base_url=server.url, viewport={"width": 390, "height": 844})
    person, token = await store.add_participant(three, "Buurvrouw Els", "friend", admitted=True)
    await show_person(server.kring.live, person)
    await phone_context.add_cookies(
        [{"name": "kring_participant", "value": token, "url": server.url, "httpOnly": True, "sameSite": "Strict"}]
    )
    phone = await watched_page(phone_context)
    frames = record_frames(phone.page)
    await phone.page.goto("/board")
    on_phone = phone.page.locator(".child-board")
    await expect(on_phone.locator("h3")).to_have_text("Drie Huizen")
    phone_photo = on_phone.locator("img.child-photo")
    await expect(phone_photo).to_have_attribute("alt", "Tekening van het kind, Huis van de zorgen")
    assert await phone_photo.evaluate("(img) => img.decode().then(() => img.naturalWidth)") == 120
    await expect(on_phone).not_to_contain_text("Een hond")
    assert frames and not any(b"Een hond" in frame for frame in frames)

    # The words go to this room too, once the parents' consent is recorded on the entry.
    await entry.get_by_label(re.compile("^Zichtbaarheid van:")).select_option("room")
    await entry.get_by_label("De ouders stemden in").check()
    await entry.get_by_role("button", name="Zichtbaarheid wijzigen").click()
    moved = dreams.locator(".child-entry", has_text="Een hond en een grote tuin")
    await expect(moved.locator(".badge")).to_have_text("deze kamer")
    board = await server.kring.live.copy_of(three, "board")
    assert len(board.get("childtools", type=Map)) == 2
    await expect(on_phone.locator(".house-dreams")).to_contain_text("Een hond en een grote tuin")
    assert await browser_storage(phone.page) == NOTHING_STORED
    await phone.assert_clean()
    await phone_context.close()

    # Every control reachable and at least 44 px.
    small = await houses.evaluate(
        """(el) => [...el.querySelectorAll('button, select, summary, input[type=file]')]
            .filter((c) => c.offsetParent && (c.getBoundingClientRect().height < 44)).map((c) => c.outerHTML)"""
    )
    assert small == []

    progress = column.locator(".progress-panel")
    await progress.locator("summary").click()
    await expect(progress.get_by_role("button", name="Vernieuwen")).to_be_visible()
    small = await progress.evaluate(
        """(el) => [...el.querySelectorAll('button, select, summary')]
            .filter((c) => c.offsetParent && (c.getBoundingClientRect().height < 44)).map((c) => c.outerHTML)"""
    )
    assert small == []
    chart = progress.locator("svg.progress-chart")
    await expect(chart).to_be_visible()
    assert await chart.get_attribute("role") == "img"
    await expect(chart.locator("g.person polyline")).to_have_count(2)
    await expect(chart.locator("g.role polyline")).to_have_count(2)
    await expect(chart.locator("g.person circle")).to_have_count(6)
    table = progress.locator("table.progress-table").first
    sanne = table.locator("tr", has_text="Moeder Sanne")
    await expect(sanne.locator("td")).to_have_text(["Ouder of verzorger", "3", "5", "7"])
    # The same for the one danger statement scaled about, in the first and the last meeting.
    await progress.get_by_label("Welke schaalvraag?").select_option("danger-1")
    await expect(sanne.locator("td")).to_have_text(["Ouder of verzorger", "2", "—", "6"])
    await expect(chart.locator("g.person polyline")).to_have_count(0)  # a gap breaks the line
    await expect(chart.locator("g.person circle")).to_have_count(2)
    await progress.get_by_label("Welke schaalvraag?").select_option("")
    rules = progress.locator("table.rules-over-time tr", has_text="Oma is bij elk bezoek")
    await expect(rules.locator("td")).to_have_text(["afgesproken", "wordt geprobeerd", "werkt"])
    ARTIFACTS.mkdir(exist_ok=True)
    await column.screenshot(path=str(ARTIFACTS / "childtools-progress.png"))

    assert await browser_storage(page) == NOTHING_STORED
    await watched.assert_clean()
    await context.close()


async def test_only_a_shared_entry_offers_to_go_to_the_other_parents_room(
    server: RunningServer, browser: Browser
) -> None:
    require_bundles("meeting")
    await server.kring.meetings.add_facilitator(EMAIL, "Fatima Bakker", PASSWORD)
    context = await browser.new_context(base_url=server.url, viewport={"width": 1366, "height": 1000})
    origin = {"Origin": server.url}
    login = {"email": EMAIL, "password": PASSWORD}
    assert (await context.request.post("/api/session", data=login, headers=origin)).status == 204
    case = await (await context.request.post("/api/cases", data={"label": "Gezin M"}, headers=origin)).json()
    made = await (
        await context.request.post(
            f"/api/cases/{case['id']}/meetings", data={"title": "Een", "rooms": ["Moeder", "Vader"]}, headers=origin
        )
    ).json()
    mother, father = (r["id"] for r in made["rooms"])
    consent = {"band": "12_16", "parties": ["child", "parents"]}
    for house, text, visibility in [("good", "Voetbal met papa", "shared"), ("worries", "Mama huilt", "room")]:
        answer = await context.request.post(
            f"/api/rooms/{mother}/childtools",
            data={"house": house, "text": text, "visibility": visibility, "consent": consent},
            headers=origin,
        )
        assert answer.status == 201, await answer.text()

    watched = await watched_page(context)
    page = watched.page
    await page.goto(f"/console/meetings/{made['id']}")
    houses = page.locator(f'[data-room="{mother}"] .child-tools')
    await houses.locator("summary").click()
    await expect(houses.locator(".consent-line").first).to_have_text("Toestemming: kind, ouders (12 tot 16)")
    here = houses.locator(".child-entry", has_text="Mama huilt")
    await expect(here.get_by_role("button", name=re.compile("^Naar Vader kopiëren"))).to_have_count(0)
    shared = houses.locator(".child-entry", has_text="Voetbal met papa")
    await shared.get_by_role("button", name=re.compile("^Naar Vader kopiëren")).click()
    await expect(shared.locator(".copy-preview")).to_contain_text("Dit komt op het bord van Vader:")
    await expect(shared.locator(".copy-preview")).to_contain_text("Voetbal met papa")
    board = await server.kring.live.copy_of(father, "board")
    assert not board.get("childtools", type=Map).to_py()  # nothing before the facilitator says copy
    await shared.get_by_role("button", name=re.compile("^Kopiëren")).click()
    await expect(page.locator("#live")).to_contain_text("Gekopieerd naar Vader.")
    theirs = page.locator(f'[data-room="{father}"] .child-tools')
    await theirs.locator("summary").click()
    await expect(theirs.locator(".house-good .child-entry")).to_contain_text("Voetbal met papa")
    await expect(theirs).not_to_contain_text("Mama huilt")
    await watched.assert_clean()
    await context.close()
