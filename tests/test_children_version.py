"""The children's version, for children (issue 14): a rule is told only in the words written for the
children (none: it is left out, never the adults' wording), the child's own Three Houses entries are
in it as their visibility and consent allow, and the safety people are named, each with a frame for
a photo. Read back from the HTML and from the PDF's text, against the demo's split meeting."""

from __future__ import annotations

import io
import re
from typing import Any

from PIL import Image
from pycrdt import Array, Doc, Map, Text
from pypdf import PdfReader

from server.meetings.render.printing import RefusedUrl, local_fetch
from server.settings import Settings
from tests.exports_helpers import Demo, demo_server, pdf_text

# The adults' words a six-year-old must never read on their sheet, whatever the rule's status.
ADULT = "seksueel misbruikt"
CONSENT = {"band": "under_12", "parties": ["parents"]}


async def plant_adult_words(demo: Demo) -> None:
    """In the father's room: a danger statement, and two agreed rules in the adults' wording, one of
    them with words written for the children."""

    def mutate(doc: Doc[Any]) -> None:
        doc.get("framework", type=Map)["adult-danger"] = Map(
            {"category": "danger", "text": Text(f"Vader heeft een kind {ADULT}."), "by": "f:1", "order": 90}
        )
        agreements = doc.get("agreements", type=Map)
        agreements["adult-rule"] = Map(
            {
                "section": "immediate",
                "text": Text(f"Wie een kind {ADULT} heeft, slaapt nooit in huis."),
                "status": "agreed",
                "owners": Array([]),
                "order": 90,
            }
        )
        agreements["told-rule"] = Map(
            {
                "section": "immediate",
                "text": Text(f"Omdat vader een kind {ADULT} heeft, is hij nooit alleen met Max en Ash."),
                "for_children": "Papa is nooit alleen met jou. Er is altijd een andere grote mens bij.",
                "status": "working",
                "owners": Array([]),
                "order": 91,
            }
        )

    await demo.server.kring.live.edit(demo.father, "board", mutate)


async def test_a_rule_is_told_only_in_the_words_written_for_the_children(settings: Settings) -> None:
    async with demo_server(settings) as demo:
        await plant_adult_words(demo)
        client = demo.client
        exported = (await client.get(f"/api/rooms/{demo.father}/export.json")).json()
        rules = {r["id"]: r for r in exported["plan"]}
        assert rules["told-rule"]["for_children"].startswith("Papa is nooit alleen")
        assert rules["adult-rule"]["for_children"] == ""

        for lang in ("nl", "en"):
            page = await client.get(f"/api/rooms/{demo.father}/children.html?lang={lang}")
            assert page.status_code == 200, page.text
            assert "Papa is nooit alleen met jou. Er is altijd een andere grote mens bij." in page.text
            assert "Logeer je bij papa? Dan is oma Wil of Lisa er ook." in page.text
            # Not the adults' words of any rule, danger statement or harm, in either language's page.
            assert ADULT not in page.text and "misbruik" not in page.text
            assert "nooit alleen met Max en Ash" not in page.text  # the adult wording of a told rule
            assert "Oma Wil of Lisa is bij elk bezoek" not in page.text
            # The bottom line has children's words; the demo's rule-explain has none and is left out.
            assert "De jeugdbeschermer vertelt Max en Ash" not in page.text
            assert "Als je bij papa bent, is er altijd een andere grote mens bij." in page.text

        read = pdf_text((await client.get(f"/api/rooms/{demo.father}/children.pdf")).content)
        assert "Papa is nooit alleen met jou." in read
        assert ADULT not in read and "misbruik" not in read and "Oma Wil of Lisa is bij elk bezoek" not in read
        # The record keeps the adults' wording: the canary is really on the board.
        assert ADULT in (await client.get(f"/api/rooms/{demo.father}/export.html")).text


def drawing() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (250, 200, 40)).save(out, "JPEG")
    return out.getvalue()


async def test_the_childs_three_houses_are_in_it_as_visibility_and_consent_allow(settings: Settings) -> None:
    async with demo_server(settings) as demo:
        client, room = demo.client, demo.mother
        photo = (
            await client.post(f"/api/rooms/{room}/photos", content=drawing(), headers={"Content-Type": "image/jpeg"})
        ).json()["photo"]
        for entry in [
            {"house": "good", "text": "Voorlezen met mama", "photo": photo, "visibility": "room", "consent": CONSENT},
            {"house": "dreams", "text": "Een hond in de tuin", "visibility": "shared", "consent": CONSENT},
            {"house": "worries", "text": "Geheim-Zorgenhuis-Privé", "visibility": "private"},
        ]:
            added = await client.post(f"/api/rooms/{room}/childtools", json=entry)
            assert added.status_code == 201, added.text

        # Two entries on the board that no consent allows (as an old or damaged board may hold them):
        # none recorded, and one that lacks the child's own consent at 12-16.
        def unconsented(doc: Doc[Any]) -> None:
            tools = doc.get("childtools", type=Map)
            entry = {"tool": "three_houses", "house": "good", "visibility": "room"}
            tools["no-consent"] = Map({**entry, "text": Text("Zonder-Toestemming")})
            half = {"band": "12_16", "parties": Array(["parents"]), "at": "2026-12-01"}
            tools["half-consent"] = Map({**entry, "text": Text("Halve-Toestemming"), "consent": Map(half)})

        await demo.server.kring.live.edit(room, "board", unconsented)

        page = (await client.get(f"/api/rooms/{room}/children.html")).text
        assert "Wat jij hebt verteld" in page
        assert "Het huis van goede dingen" in page and "Het huis van dromen" in page
        assert "Voorlezen met mama" in page and "Een hond in de tuin" in page
        for hidden in ("Geheim-Zorgenhuis-Privé", "Zonder-Toestemming", "Halve-Toestemming"):
            assert hidden not in page
        assert "Het huis van zorgen" not in page  # nothing in it may be shown: no empty house
        # The drawing is in the page itself, with words for a screen reader; never its photo id or URL.
        [source] = re.findall(r'<img class="drawing" src="([^"]+)" alt="Jouw tekening">', page)
        assert source.startswith("data:image/jpeg;base64,") and photo not in page
        assert local_fetch(source, "http://127.0.0.1:1/")[1] == "image/jpeg"

        pdf = (await client.get(f"/api/rooms/{room}/children.pdf?lang=en")).content
        read = pdf_text(pdf)
        assert "What you told us" in read and "Voorlezen met mama" in read
        assert "Zonder-Toestemming" not in read and "Geheim-Zorgenhuis" not in read
        # The drawing, printed (pages may share one resource dictionary: count the images, not the uses).
        pictures = {image.name for p in PdfReader(io.BytesIO(pdf)).pages for image in p.images}
        assert len(pictures) == 1


def test_a_page_may_carry_a_drawing_inline_and_nothing_else() -> None:
    base = "http://127.0.0.1:8000/"
    for url in ("data:text/html;base64,PGI+", "data:image/svg+xml;base64,PHN2Zz4=", "data:image/png,raw"):
        try:
            local_fetch(url, base)
        except RefusedUrl:
            continue
        raise AssertionError(f"{url} was fetched")


async def test_the_safety_people_are_those_who_carry_a_rule_told_to_the_children(settings: Settings) -> None:
    async with demo_server(settings) as demo:
        page = (await demo.client.get(f"/api/rooms/{demo.mother}/children.html")).text
        assert "Deze mensen helpen jou" in page
        names = re.findall(r'<p class="person-name">([^<]+)</p>', page)
        # Sandra and Ria carry the webcam rule, Els the phone rule; Juf Anouk only offered to.
        assert names == ["Sandra", "Ria", "Els"]
        assert page.count('class="photo-frame"') == 3 and "Plak hier een foto" in page
        english = (await demo.client.get(f"/api/rooms/{demo.mother}/children.html?lang=en")).text
        assert "These people help you" in english
        # Only carriers of the rules the children are told: the father's rule without words has none.
        father = (await demo.client.get(f"/api/rooms/{demo.father}/children.html")).text
        assert re.findall(r'<p class="person-name">([^<]+)</p>', father) == ["Oma"]
