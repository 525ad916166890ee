"""The children's version in real Chromium (issue 14): the console's rule form takes the rule in the
child's words, and the children's version tells it in those words only; the version itself, with the
child's Three Houses, a drawing and the safety people (one with the photo the facilitator added in the
console, with her consent), passes axe on screen and in print, prints every word at 16pt or more, and
is saved as screenshots and PDFs in test-artifacts/ for review."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from playwright.async_api import Browser, BrowserContext, Page, expect
from pypdf import PdfReader

from server.settings import Settings
from tests.browser import ARTIFACTS, assert_axe_clean, browser, watched_page
from tests.exports_helpers import demo_server
from tests.test_browser_board import meeting_with_room
from tests.test_browser_meetings import CONSOLE, logged_in_context
from tests.utils import RunningServer, eventually

__all__ = ["browser"]

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

A4 = {"width": 794, "height": 1123}  # CSS pixels of an A4 page at 96 dpi
PT16 = 16 * 96 / 72  # 16pt in CSS pixels


async def children_page(context: BrowserContext, room: str) -> str:
    answer = await context.request.get(f"/api/rooms/{room}/children.html")
    assert answer.status == 200
    return await answer.text()


async def test_the_rule_form_takes_the_rule_in_the_childs_words(server: RunningServer, browser: Browser) -> None:
    console_context = await logged_in_context(browser, server, CONSOLE)
    room = await meeting_with_room(console_context, server, "Gezin W")
    console = await watched_page(console_context)
    page = console.page
    await page.goto(f"/console/meetings/{room['meeting_id']}")
    column = page.locator(".room-column")
    await expect(column.locator(".status")).to_have_attribute("data-state", "saved")
    plan = column.locator(".plan-box")
    await plan.locator("summary").click()

    field = plan.get_by_label("Voor de kinderen: de afspraak in de woorden van het kind")
    # The field says what it is for, and what an empty one means.
    described = await field.get_attribute("aria-describedby")
    assert described
    await expect(page.locator(f"#{described}")).to_contain_text("Leeg laten: dan staat hij er niet in.")
    await plan.get_by_label("Wat gaat er gebeuren?").fill("Vader drinkt nooit als de kinderen er zijn")
    await field.fill("Papa drinkt geen bier als jij er bent.")
    await assert_axe_clean(page, "the console's rule form with the children's words")
    await plan.get_by_role("button", name="Afspraak toevoegen").click()
    await expect(field).to_have_value("")  # the form is ready for the next rule
    rule = column.locator(".board-view .rule", has_text="Vader drinkt nooit")
    await rule.get_by_label("Stand").select_option("agreed")
    await expect(rule.locator(".rule-left-out")).to_have_count(0)

    async def told_in_the_childs_words() -> None:
        children = await children_page(console_context, room["id"])
        assert "Papa drinkt geen bier als jij er bent." in children, children
        assert "Vader drinkt nooit" not in children

    await eventually(told_in_the_childs_words)

    # The editor shows the words as saved; emptied, the rule leaves the children's version again.
    await rule.get_by_role("button", name="Bewerken: Vader drinkt nooit als de kinderen er zijn").click()
    editor = column.locator(".rule-editor")
    words = editor.get_by_label("Voor de kinderen: de afspraak in de woorden van het kind")
    await expect(words).to_have_value("Papa drinkt geen bier als jij er bent.")
    ARTIFACTS.mkdir(exist_ok=True)
    await editor.screenshot(path=str(ARTIFACTS / "children-rule-editor-console.png"))
    await words.fill("")
    await editor.get_by_role("button", name="Opslaan").click()
    left_out_note = rule.locator(".rule-left-out")
    await expect(left_out_note).to_have_text("Niet in de kinderversie: nog geen tekst voor de kinderen")

    async def left_out() -> None:
        children = await children_page(console_context, room["id"])
        assert "Papa drinkt geen bier" not in children and "Vader drinkt nooit" not in children

    await eventually(left_out)
    await console.assert_clean()


def drawing() -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (600, 400), (255, 250, 235))
    for x in range(80, 520):  # a sun and a house, of sorts
        for y in range(200, 380):
            if x < 300 or y > 300:
                image.putpixel((x, y), (200, 60, 40))
    image.save(out, "JPEG")
    return out.getvalue()


def portrait() -> bytes:
    """A stand-in for a phone photo of a safety person: a face of sorts, on a camera-sized JPEG."""
    out = io.BytesIO()
    image = Image.new("RGB", (900, 1200), (120, 170, 210))
    for x in range(250, 650):
        for y in range(250, 750):
            if (x - 450) ** 2 / 200**2 + (y - 500) ** 2 / 250**2 <= 1:
                image.putpixel((x, y), (240, 200, 170))
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


async def add_safety_photo_in_the_console(page: Page, meeting_id: str, room: str, tmp: Path) -> None:
    """The console's safety people panel: a photo of Sandra, refused until her consent is ticked."""
    await page.goto(f"/console/meetings/{meeting_id}")
    column = page.locator(f'.room-column[data-room="{room}"]')
    await expect(column.locator(".status")).to_have_attribute("data-state", "saved")
    panel = column.locator(".safety-people-panel")
    await panel.locator("summary").click()
    sandra = panel.locator(".safety-person", has_text="Sandra")
    picture = tmp / "sandra.jpg"
    picture.write_bytes(portrait())
    file_input = sandra.get_by_label("Foto van Sandra")
    assert await file_input.get_attribute("accept") == "image/*"
    assert await file_input.get_attribute("capture") is not None  # a phone opens its camera
    await file_input.set_input_files(str(picture))
    await sandra.get_by_role("button", name="Foto bewaren").click()
    await expect(sandra.locator(".safety-state")).to_have_text("Vink eerst aan dat Sandra toestemming geeft.")
    await sandra.get_by_label("Sandra vindt een foto in de kinderversie goed").check()
    await sandra.get_by_role("button", name="Foto bewaren").click()
    photo = sandra.get_by_role("img", name="Foto van Sandra")
    await expect(photo).to_be_visible()
    assert await photo.evaluate("img => img.complete && img.naturalWidth > 0")
    await expect(
        sandra.get_by_role("button", name="Foto weghalen (ook als de toestemming is ingetrokken)")
    ).to_be_visible()
    await assert_axe_clean(page, "the console's safety people with a photo")
    await panel.screenshot(path=str(ARTIFACTS / "children-safety-people-console.png"))


async def test_the_childrens_version_prints_large_passes_axe_and_is_saved_for_review(
    settings: Settings, browser: Browser, tmp_path: Path
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    async with demo_server(settings) as demo:
        client, room = demo.client, demo.mother
        photo = (
            await client.post(f"/api/rooms/{room}/photos", content=drawing(), headers={"Content-Type": "image/jpeg"})
        ).json()["photo"]
        consent = {"band": "under_12", "parties": ["parents"]}
        for entry in [
            {"house": "good", "text": "Voorlezen met mama", "photo": photo, "visibility": "room", "consent": consent},
            {"house": "dreams", "text": "Een hond in de tuin", "visibility": "room", "consent": consent},
            {"house": "worries", "text": "Als mama moe is", "visibility": "room", "consent": consent},
        ]:
            assert (await client.post(f"/api/rooms/{room}/childtools", json=entry)).status_code == 201

        url = demo.server.url
        context = await browser.new_context(base_url=url, viewport=A4)
        cookie = demo.client.cookies["kring_session"]
        await context.add_cookies(
            [{"name": "kring_session", "value": cookie, "url": url, "httpOnly": True, "sameSite": "Strict"}]
        )
        watched = await watched_page(context)
        page = watched.page
        await add_safety_photo_in_the_console(page, demo.meeting_id, room, tmp_path)
        for lang in ("nl", "en"):
            answer = await page.goto(f"/api/rooms/{room}/children.html?lang={lang}")
            assert answer is not None and answer.status == 200
            await expect(page.locator("img.drawing")).to_have_count(1)
            assert await page.locator("img.drawing").evaluate("img => img.complete && img.naturalWidth > 0")
            # Sandra's photo, given with her consent, in her frame; the others' frames stay empty.
            portrait_img = page.locator("img.portrait")
            await expect(portrait_img).to_have_count(1)
            assert await portrait_img.evaluate("img => img.complete && img.naturalWidth > 0")
            alt = "Foto van Sandra" if lang == "nl" else "Photo of Sandra"
            await expect(page.get_by_role("img", name=alt)).to_have_count(1)
            await assert_axe_clean(page, f"children.html?lang={lang} with the Three Houses (screen)")
            await page.screenshot(path=str(ARTIFACTS / f"children-version-{lang}-screen.png"), full_page=True)
            await page.emulate_media(media="print")
            await assert_axe_clean(page, f"children.html?lang={lang} with the Three Houses (print)")
            # Every word a child reads: 16pt or more when printed.
            sizes = await page.evaluate(
                """() => [...document.body.querySelectorAll('*')]
                  .filter((el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
                  .map((el) => [el.textContent.trim().slice(0, 40), parseFloat(getComputedStyle(el).fontSize)])"""
            )
            small = [(text, size) for text, size in sizes if size < PT16 - 0.01]
            assert sizes and not small, small
            await page.screenshot(path=str(ARTIFACTS / f"children-version-{lang}-print.png"), full_page=True)
            await page.pdf(path=str(ARTIFACTS / f"children-version-{lang}-chromium.pdf"), format="A4")
            await page.emulate_media(media="screen")
        await watched.assert_clean()
        pdf = await client.get(f"/api/rooms/{room}/children.pdf")
        assert pdf.status_code == 200
        (ARTIFACTS / "children-version-nl-weasyprint.pdf").write_bytes(pdf.content)
        # The WeasyPrint PDF prints the drawing and Sandra's photo, and nothing asked for them.
        assert len({image.name for p in PdfReader(io.BytesIO(pdf.content)).pages for image in p.images}) == 2
        await context.close()
