"""Exports per room (JSON, PDF, the children's version) of the demo's split meeting against a real
server: they hold what the board held, read back from the files themselves, and nothing of the
other parent's room; only the case's facilitators get them, and each export is audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc, Map, Text

from server.demo import _ROOMS, _SHARED_FRAMEWORK, _SHARED_RULES
from server.meetings.render.printing import RefusedUrl, local_fetch
from server.settings import Settings
from tests.exports_helpers import CANARY, CANARY_PERSON, demo_server, pdf_text, plant_canary
from tests.meetings_helpers import PASSWORD, browser, store_of
from tests.utils import settings_for

EXPORTS = ("export.json", "export.html", "export.pdf", "children.html", "children.pdf")


def _words_of(room: str) -> list[str]:
    content = _ROOMS[room]
    return [name for name, _ in content["people"]] + [rule["text"] for rule in content["rules"]]


async def test_json_and_pdf_exports_hold_the_board_and_nothing_of_the_other_room(settings: Settings) -> None:
    async with demo_server(settings) as demo:
        await plant_canary(demo.server, demo.father)
        client = demo.client

        got = await client.get(f"/api/rooms/{demo.mother}/export.json")
        assert got.status_code == 200, got.text
        assert got.headers["cache-control"] == "no-store"
        assert got.headers["content-disposition"].startswith('attachment; filename="kring-export-')
        assert "Moeder" not in got.headers["content-disposition"]  # no names in a file name
        exported: dict[str, Any] = got.json()
        assert (exported["schema"], exported["schema_version"]) == ("kring.room-export", 2)
        assert exported["room"] == {"id": demo.mother, "name": "Moeder"}
        assert exported["meeting"]["split"] is True and exported["meeting"]["title"] == "Netwerkberaad 2"
        assert {(p["name"], p["relation"]) for p in exported["people"]} == set(_ROOMS["Moeder"]["people"])

        by_category = {c["category"]: [i["text"] for i in c["items"]] for c in exported["framework"]}
        for category, _key, text in [*_SHARED_FRAMEWORK, *_ROOMS["Moeder"]["framework"]]:
            assert text in by_category[category]
        dangers = {d["id"]: d for d in exported["danger_statements"]}
        assert dangers["danger-1"]["safety_goal"]["id"] == "goal-1"
        assert dangers["danger-2"]["safety_goal"]["id"] == "goal-2"
        [round_] = exported["rounds"]
        assert round_["status"] == "revealed"
        scored = {s["name"]: s["value"] for s in round_["scores"]}
        assert scored == {name: value for name, (value, _why) in _ROOMS["Moeder"]["scores"].items()}
        rules = {r["id"]: r for r in exported["plan"]}
        assert [o["name"] for o in rules["own-rule-1"]["owners"]] == ["Sandra", "Ria Smit"]
        assert [c["name"] for c in rules["own-rule-2"]["claimed_by"]] == ["Juf Anouk"]
        assert rules["own-rule-1"]["review"] and rules["own-rule-1"]["goal"]["id"] == "goal-2"
        assert rules["bottom-1"]["section"] == "bottom_line"
        text = json.dumps(exported, ensure_ascii=False)
        for word in _words_of("Vader"):
            assert word not in text

        pdf = await client.get(f"/api/rooms/{demo.mother}/export.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["cache-control"] == "no-store"
        assert pdf.headers["content-disposition"].endswith('.pdf"')
        read = pdf_text(pdf.content)
        assert "Verslag: Netwerkberaad 2" in read and "Wie waren erbij" in read
        for name, _relation in _ROOMS["Moeder"]["people"]:
            assert name in read
        for _category, _key, item in [*_SHARED_FRAMEWORK, *_ROOMS["Moeder"]["framework"]]:
            assert item in read
        for rule in [*_ROOMS["Moeder"]["rules"], *_SHARED_RULES]:
            assert rule["text"] in read
        assert "Sandra Ouder of verzorger 6 Ria en Els helpen echt" in read  # a named score
        for word in _words_of("Vader"):
            assert word not in read

        english = pdf_text((await client.get(f"/api/rooms/{demo.mother}/export.pdf?lang=en")).content)
        assert "Who took part" in english and "Safety plan: agreements" in english

        # The father's room has the canary (so it was planted where an export would find it) ...
        father = await client.get(f"/api/rooms/{demo.father}/export.json")
        assert CANARY in father.text and CANARY_PERSON in father.text
        assert CANARY in pdf_text((await client.get(f"/api/rooms/{demo.father}/export.pdf")).content)
        # ... and no export of the mother's room has it, nor the father's people.
        for name in EXPORTS:
            answer = await client.get(f"/api/rooms/{demo.mother}/{name}")
            assert answer.status_code == 200, (name, answer.text)
            body = pdf_text(answer.content) if name.endswith(".pdf") else answer.text
            assert CANARY not in body, name
            assert "Peter" not in body and "Oma Wil" not in body, name

        entries = (await client.get(f"/api/meetings/{demo.meeting_id}/audit")).json()["entries"]
        exports = [e for e in entries if e["action"] == "export"]
        assert len(exports) == 5 + len(EXPORTS)  # mother json, pdf, pdf en; father json, pdf
        assert {e["detail"] for e in exports} == {
            "format=json",
            "format=pdf",
            "format=html",
            "format=children_html",
            "format=children_pdf",
        }
        assert all(CANARY not in json.dumps(e) for e in entries)


async def test_the_childrens_version_is_the_agreed_plan_in_big_type_with_room_to_draw(settings: Settings) -> None:
    async with demo_server(settings) as demo:
        page = await demo.client.get(f"/api/rooms/{demo.mother}/children.html")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert '<link rel="stylesheet" href="/static/print.css">' in page.text
        assert page.text.count('class="draw') >= 3
        assert "Wat we hebben afgesproken" in page.text
        # Agreed and being-tried rules; never a sensitive one, never one only proposed.
        # Told in the words written for the children, never the adults' wording of the rule.
        assert "Moet mama &#x27;s avonds werken? Dan slaap je bij Ria of bij tante Els." in page.text
        assert "Sandra werkt alleen voor de webcam" not in page.text
        assert "paraplu" not in page.text
        father = await demo.client.get(f"/api/rooms/{demo.father}/children.pdf?lang=en")
        read = pdf_text(father.content)
        assert "What we agreed" in read and "Draw here" in read
        assert "Jeugdzorg blijft het gezin volgen" not in read  # status "proposed"
        assert "Logeer je bij papa? Dan is oma Wil of Lisa er ook." in read and "Who helps: Oma." in read
        assert "Oma Wil of Lisa is bij elk bezoek" not in read


def test_a_printed_page_may_load_only_the_print_stylesheet() -> None:
    base = "http://127.0.0.1:8000/"
    body, media_type = local_fetch("http://127.0.0.1:8000/static/print.css", base)
    assert media_type == "text/css" and b"@page" in body
    for url in [
        "https://fonts.example.com/font.woff2",
        "http://127.0.0.1:8000/static/kring.css",
        "http://127.0.0.1:8000/static/../../server/settings.py",
        "file:///etc/passwd",
        "http://127.0.0.1:9999/static/print.css",
        "data:text/css,body{}",
    ]:
        with pytest.raises(RefusedUrl):
            local_fetch(url, base)
    assert b"url(" not in body and b"@import" not in body and b"@font-face" not in body


CALLERS = ("anonymous", "participant", "projector", "other-facilitator")


async def test_only_the_cases_facilitators_export_or_delete(settings: Settings) -> None:
    async with demo_server(settings) as demo:
        server, store = demo.server, store_of(demo.server)
        await store.add_facilitator("eva@example.nl", "Eva", PASSWORD)
        _person, token = await store.add_participant(demo.mother, "Oma Truus", "family", admitted=True)
        link = await demo.client.post(f"/api/rooms/{demo.mother}/projector", json={})
        clients = {who: browser(server) for who in CALLERS}
        try:
            clients["participant"].cookies.set("kring_participant", token)
            clients["projector"].headers["Authorization"] = f"Bearer {link.json()['url'].split('#', 1)[1]}"
            login = await clients["other-facilitator"].post(
                "/api/session", json={"email": "eva@example.nl", "password": PASSWORD}
            )
            assert login.status_code == 204
            calls = [("GET", f"/api/rooms/{demo.mother}/{name}") for name in EXPORTS]
            calls.append(("POST", f"/api/meetings/{demo.meeting_id}/delete"))
            for method, path in calls:
                for who, client in clients.items():
                    answer = await client.request(method, path, json={} if method == "POST" else None)
                    expected = 404 if who == "other-facilitator" else 401
                    assert answer.status_code == expected, (who, path, answer.text)
                    assert set(answer.json()) <= {"error", "message"}
                    assert CANARY not in answer.text and "Sandra" not in answer.text
            # A change from another site is refused before anything happens.
            evil = await demo.client.post(
                f"/api/meetings/{demo.meeting_id}/delete", json={}, headers={"Origin": "https://evil.example"}
            )
            assert evil.status_code == 403
            assert (await demo.client.get(f"/api/meetings/{demo.meeting_id}")).json()["status"] == "open"
            entries = (await demo.client.get(f"/api/meetings/{demo.meeting_id}/audit")).json()["entries"]
            assert not [e for e in entries if e["action"] in ("export", "delete")]
        finally:
            for client in clients.values():
                await client.aclose()


async def test_child_tool_entries_with_consent_are_in_the_record_and_private_ones_are_not(
    settings: Settings,
) -> None:
    async with demo_server(settings) as demo:
        consent = {"band": "under_12", "parties": ["parents"]}
        entries = [
            (demo.mother, {"house": "dreams", "text": "Max wil naar de dierentuin met oma.", "visibility": "shared"}),
            (
                demo.mother,
                {"house": "worries", "text": "Kind-privé Xq9 voor de werker", "visibility": "private"},
            ),
            (demo.father, {"house": "worries", "text": f"Ash zegt {CANARY}", "visibility": "room"}),
        ]
        for room, entry in entries:
            body = {**entry, "consent": consent} if entry["visibility"] != "private" else entry
            added = await demo.client.post(f"/api/rooms/{room}/childtools", json=body)
            assert added.status_code == 201, added.text
        exported = (await demo.client.get(f"/api/rooms/{demo.mother}/export.json")).json()
        [entry] = exported["child_tools"]
        assert (entry["house"], entry["text"]) == ("dreams", "Max wil naar de dierentuin met oma.")
        assert entry["consent"]["band"] == "under_12" and entry["consent"]["parties"] == ["parents"]
        read = pdf_text((await demo.client.get(f"/api/rooms/{demo.mother}/export.pdf")).content)
        assert "Drie Huizen" in read and "Max wil naar de dierentuin met oma." in read
        assert "Kind-privé" not in read and CANARY not in read
        assert CANARY in (await demo.client.get(f"/api/rooms/{demo.father}/export.json")).text


async def test_facilitator_only_items_and_rules_are_in_the_record_marked_and_never_copied(settings: Settings) -> None:
    # The facilitator-only ones are in the room's private document (web/src/actions/facilitator.js setLevel).
    async with demo_server(settings) as demo:

        def keep(doc: Doc[Any]) -> None:
            doc.get("framework", type=Map)["only-item"] = Map(
                {"category": "danger", "text": Text("Alleen-begeleider adres opvang"), "by": "f:1", "order": 50}
            )
            doc.get("agreements", type=Map)["only-rule"] = Map(
                {"section": "immediate", "text": Text("Alleen-begeleider regel"), "status": "agreed", "order": 50}
            )

        await demo.server.kring.live.edit(demo.mother, "private", keep)
        exported = (await demo.client.get(f"/api/rooms/{demo.mother}/export.json")).json()
        items = {i["id"]: i for c in exported["framework"] for i in c["items"]}
        assert items["only-item"]["facilitator_only"] is True and items["only-item"]["sensitive"] is True
        assert all(i["facilitator_only"] is False for k, i in items.items() if k != "only-item")
        rules = {r["id"]: r for r in exported["plan"]}
        assert (
            rules["only-rule"]["facilitator_only"] is True and rules["only-rule"]["text"] == "Alleen-begeleider regel"
        )
        assert {d["id"]: d["facilitator_only"] for d in exported["danger_statements"]}["only-item"] is True

        page = (await demo.client.get(f"/api/rooms/{demo.mother}/export.html")).text
        assert 'Alleen-begeleider adres opvang<span class="tag">alleen begeleider</span>' in page
        assert 'Alleen-begeleider regel<span class="tag">alleen begeleider</span>' in page
        read = pdf_text((await demo.client.get(f"/api/rooms/{demo.mother}/export.pdf")).content)
        assert "Alleen-begeleider adres opvang alleen begeleider" in read
        # Never on the children's sheet, agreed or not.
        assert "Alleen-begeleider" not in (await demo.client.get(f"/api/rooms/{demo.mother}/children.html")).text

        body = {
            "from_room": demo.mother,
            "to_room": demo.father,
            "items": [{"root": "framework", "key": "only-item"}, {"root": "agreements", "key": "only-rule"}],
        }
        preview = (await demo.client.post(f"/api/meetings/{demo.meeting_id}/copy/preview", json=body)).json()
        assert preview["items"] == []
        assert {r["key"]: r["reason"] for r in preview["refused"]} == {
            "only-item": "facilitator_only",
            "only-rule": "facilitator_only",
        }
        assert "Alleen-begeleider" not in str(preview)


async def test_the_safety_journal_is_in_the_record_per_rule_and_nothing_of_the_other_room(
    database_url: str, tmp_path: Path
) -> None:
    """On SQLite and PostgreSQL: the JSON export's `journal` and the record's "Veiligheidsdagboek" hold
    the mother's room's reports per rule (who, their kind, the day, the verdict, the note) and the
    week's summary; a report made in the father's room is in neither."""
    async with demo_server(settings_for(tmp_path, database_url=database_url)) as demo:
        store = store_of(demo.server)
        people = {p.name: p.id for p in await store.participants_of(demo.mother)}
        today = datetime.now(UTC).date()
        await store.add_journal_entry(
            demo.mother, people["Ria Smit"], "own-rule-1", "held", "Kinderen sliepen bij mij", today - timedelta(days=3)
        )
        await store.add_journal_entry(
            demo.mother, people["Sandra"], "own-rule-1", "not_held", "Ria was ziek", today - timedelta(days=1)
        )
        await store.add_journal_entry(demo.mother, people["Juf Anouk"], "own-rule-2", "held", "", today)
        opa = (await store.participants_of(demo.father))[0]
        await store.add_journal_entry(demo.father, opa.id, "own-rule-1", "not_held", f"Notitie {CANARY}", today)

        exported = (await demo.client.get(f"/api/rooms/{demo.mother}/export.json")).json()
        journal = exported["journal"]
        rules = {r["id"]: r for r in journal["rules"]}
        one = rules["own-rule-1"]
        assert one["flagged"] is True and one["text"] == _ROOMS["Moeder"]["rules"][0]["text"]
        assert [(r["by"]["name"], r["kind"], r["verdict"], r["note"]) for r in one["reports"]] == [
            ("Ria Smit", "network", "held", "Kinderen sliepen bij mij"),
            ("Sandra", "parent", "not_held", "Ria was ziek"),
        ]
        assert one["reports"][0]["day"] == (today - timedelta(days=3)).isoformat()
        assert [(r["by"]["first_name"], r["kind"]) for r in rules["own-rule-2"]["reports"]] == [("Juf", "professional")]
        assert rules["own-rule-2"]["flagged"] is False
        summary = journal["summary"]
        assert (summary["until"], summary["held"]) == (today.isoformat(), 1)
        assert [(f["id"], f["times"]) for f in summary["not_held"]] == [("own-rule-1", 1)]
        assert CANARY not in json.dumps(exported)

        html = (await demo.client.get(f"/api/rooms/{demo.mother}/export.html")).text
        assert "<h2>Veiligheidsdagboek</h2>" in html and "Niet gehouden deze week" in html
        assert "Ria was ziek" in html and "Sandra (ouder)" in html
        english = (await demo.client.get(f"/api/rooms/{demo.mother}/export.html?lang=en")).text
        assert "<h2>Safety journal</h2>" in english and "Ria Smit (network)" in english
        read = pdf_text((await demo.client.get(f"/api/rooms/{demo.mother}/export.pdf")).content)
        assert "Veiligheidsdagboek" in read and "Kinderen sliepen bij mij" in read
        assert CANARY not in html and CANARY not in read
        assert CANARY in (await demo.client.get(f"/api/rooms/{demo.father}/export.json")).text
