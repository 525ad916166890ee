"""Between meetings: the network's personal links and the safety journal, on SQLite and PostgreSQL.

A link shows its room's agreed plan and nothing else (no proposal, nothing sensitive, nothing
facilitator-only, never the other room of a split meeting); it is stored as a hash, throttled,
audited, revocable, and ends with the meeting's deletion. Reports are the holder's own, checked
and limited, and go with the meeting.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from pycrdt import Array, Doc, Map, Text
from sqlalchemy import inspect, text

from server.cookie_names import PLAN_COOKIE
from server.meetings.domain import network_links, reviews
from server.store.engine import create_engine
from server.store.migrate import alembic_config, migrate
from tests.log_helpers import MARKER, production_logs
from tests.meetings_helpers import api_client, browser, facilitator, from_address, split_meeting, store_of
from tests.utils import RunningServer, run_server, settings_for

MOTHER_RULE = "Moeder werkt alleen met de deur open"
SENSITIVE_RULE = "Geheim-gevoelig-regel"
PRIVATE_RULE = "Alleen-gespreksleider-regel"
PROPOSED_RULE = "Nog-een-voorstel"
FATHER_RULE = "Vader-kamer-regel"


@pytest.fixture
async def server(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    """A server on the conftest's migrated store: SQLite, and the real PostgreSQL."""
    async with run_server(settings_for(tmp_path, database_url=database_url)) as running:
        yield running


@dataclass
class Family:
    client: httpx.AsyncClient
    meeting_id: str
    mother: str
    father: str
    oma: str  # carries the mother's rule
    juf: str  # a professional of the mother's room
    opa: str  # the father's room


def _rule(text_: str, status: str, owners: list[str], **more: Any) -> Map[Any]:
    return Map({"section": "immediate", "text": Text(text_), "owners": Array(owners), "status": status, **more})


async def _family(server: RunningServer, client: httpx.AsyncClient) -> Family:
    meeting = await split_meeting(client)
    mother, father = (room["id"] for room in meeting["rooms"])
    store = store_of(server)
    oma, _ = await store.add_participant(mother, "Oma Truus Jansen", "family", admitted=True)
    juf, _ = await store.add_participant(mother, "Juf Petra de Wit", "professional_school", admitted=True)
    opa, _ = await store.add_participant(father, "Opa Kees", "family", admitted=True)

    def mother_board(doc: Doc[Any]) -> None:
        rules = doc.get("agreements", type=Map)
        rules["r1"] = _rule(MOTHER_RULE, "agreed", [oma.id], order=1)
        rules["r2"] = _rule(PROPOSED_RULE, "proposed", [oma.id], order=2)
        rules["r3"] = _rule(SENSITIVE_RULE, "agreed", [juf.id], order=3, sensitive=True)
        rules["r5"] = _rule("Juf belt elke vrijdag", "working", [juf.id], order=5)

    def mother_private(doc: Doc[Any]) -> None:
        doc.get("agreements", type=Map)["r4"] = _rule(PRIVATE_RULE, "agreed", [oma.id], order=4)

    def father_board(doc: Doc[Any]) -> None:
        doc.get("agreements", type=Map)["v1"] = _rule(FATHER_RULE, "agreed", [opa.id], order=1)

    live = server.kring.live  # type: ignore[attr-defined]
    await live.edit(mother, "board", mother_board)
    await live.edit(mother, "private", mother_private)
    await live.edit(father, "board", father_board)
    return Family(client, meeting["id"], mother, father, oma.id, juf.id, opa.id)


async def _link(family: Family, room: str, participant: str) -> tuple[dict[str, Any], str]:
    made = await family.client.post(f"/api/rooms/{room}/links", json={"participant_id": participant})
    assert made.status_code == 201, made.text
    answer: dict[str, Any] = made.json()
    return answer, answer["url"].rsplit("/l/", 1)[1]


async def _open(phone: httpx.AsyncClient, token: str) -> httpx.Response:
    opened = await phone.get(f"/l/{token}", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/plan", opened.text
    return opened


async def _audit_actions(server: RunningServer, meeting_id: str) -> list[tuple[str, str | None, str | None]]:
    entries = await store_of(server).audit_entries(meeting_id=meeting_id)
    return [(e.action, e.on_behalf_of, e.detail) for e in entries]


async def test_a_link_shows_its_rooms_agreed_plan_only_until_revoked(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        family = await _family(server, fatima)
        made, token = await _link(family, family.mother, family.oma)
        assert made["link"]["state"] == "active" and made["link"]["last_used_at"] is None
        assert made["link"]["first_name"] == "Oma" and made["qr_svg"].lstrip().startswith("<")
        # Someone of the other room gets no link to this one.
        other = await fatima.post(f"/api/rooms/{family.mother}/links", json={"participant_id": family.opa})
        assert other.status_code == 404
        # Only the token's hash is stored.
        async with store_of(server).sessions() as db:
            rows = (await db.execute(text("SELECT token_hash FROM plan_links"))).scalars().all()
        assert len(rows) == 1 and token not in rows[0] and len(token) >= 40

        async with browser(server) as phone:
            opened = await _open(phone, token)
            cookie = next(h for h in opened.headers.get_list("set-cookie") if h.startswith(f"{PLAN_COOKIE}="))
            attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
            assert {"httponly", "samesite=strict", "path=/"} <= attributes
            assert not any(a.startswith(("max-age", "expires")) for a in attributes)  # a session cookie
            page = await phone.get("/api/plan")
            assert page.status_code == 200, page.text
            shown = page.json()
            assert shown["first_name"] == "Oma"
            assert [(r["id"], r["mine"], r["owners"]) for r in shown["rules"]] == [
                ("r1", True, ["Oma"]),
                ("r5", False, ["Juf"]),
            ]
            for absent in (PROPOSED_RULE, SENSITIVE_RULE, PRIVATE_RULE, FATHER_RULE, "Jansen", "de Wit", "Kees"):
                assert absent not in page.text, absent

            panel = (await fatima.get(f"/api/rooms/{family.mother}/journal")).json()
            [state] = panel["links"]
            assert state["last_used_at"] is not None and state["state"] == "active"
            assert {(c["first_name"], c["carries"]) for c in panel["candidates"]} == {("Oma", True), ("Juf", True)}

            revoked = await fatima.post(f"/api/links/{state['id']}/revoke", json={})
            assert revoked.status_code == 204
            ended = await phone.get("/api/plan")
            assert (ended.status_code, ended.json()["error"]) == (401, "link_ended")
            panel = (await fatima.get(f"/api/rooms/{family.mother}/journal")).json()
            assert panel["links"][0]["state"] == "revoked"

        actions = await _audit_actions(server, family.meeting_id)
        assert [a for a, _, _ in actions if a.startswith("plan_link")] == [
            "plan_link_made",
            "plan_link_used",
            "plan_link_revoked",
        ]
        assert token not in str(actions) and "Oma" not in str(actions) and MOTHER_RULE not in str(actions)


async def test_a_link_of_one_room_never_shows_the_other(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        family = await _family(server, fatima)
        _made, father_token = await _link(family, family.father, family.opa)
        _made, mother_token = await _link(family, family.mother, family.oma)
        async with browser(server) as dad_side, browser(server) as mum_side:
            await _open(dad_side, father_token)
            await _open(mum_side, mother_token)
            dad = await dad_side.get("/api/plan")
            assert [r["id"] for r in dad.json()["rules"]] == ["v1"]
            assert MOTHER_RULE not in dad.text and "Oma" not in dad.text
            # Reporting on the other room's rule through this link is refused.
            wrong = await dad_side.post("/api/plan/reports", json={"rule_id": "r1", "verdict": "held"})
            assert (wrong.status_code, wrong.json()["error"]) == (404, "unknown_rule")
            mum = await mum_side.get("/api/plan")
            assert FATHER_RULE not in mum.text
        father_panel = (await fatima.get(f"/api/rooms/{family.father}/journal")).json()
        assert [link["first_name"] for link in father_panel["links"]] == ["Opa"]


async def test_one_link_per_person_and_ending_the_plan_ends_them_all(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        family = await _family(server, fatima)
        _first, old = await _link(family, family.mother, family.oma)
        _second, new = await _link(family, family.mother, family.oma)
        _juf, juf = await _link(family, family.mother, family.juf)
        async with browser(server) as phone:
            await _open(phone, old)
            assert (await phone.get("/api/plan")).status_code == 401
            await _open(phone, new)
            assert (await phone.get("/api/plan")).status_code == 200
            # Removing the person from the room ends their link too.
            _juf2, juf_again = await _link(family, family.mother, family.juf)
            async with browser(server) as juf_phone:
                await _open(juf_phone, juf_again)
                assert (await juf_phone.get("/api/plan")).status_code == 200
                assert (await fatima.post(f"/api/participants/{family.juf}/remove", json={})).status_code < 300
                assert (await juf_phone.get("/api/plan")).status_code == 401
            assert (await fatima.post(f"/api/rooms/{family.mother}/links/end", json={})).status_code == 204
            assert (await phone.get("/api/plan")).status_code == 401
            await _open(phone, juf)
            assert (await phone.get("/api/plan")).status_code == 401
        states = [link["state"] for link in (await fatima.get(f"/api/rooms/{family.mother}/journal")).json()["links"]]
        assert states == ["revoked"] * 4


async def test_wrong_links_are_throttled_per_address(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        family = await _family(server, fatima)
        _made, token = await _link(family, family.mother, family.oma)
    async with from_address(server, "203.0.113.7") as guesser:
        # Ten wrong tries are free; the eleventh is refused as wrong and blocks the address.
        for attempt in range(11):
            guesser.cookies.set(PLAN_COOKIE, f"guess-{attempt}")
            assert (await guesser.get("/api/plan")).status_code == 401
        blocked = await guesser.get("/api/plan")
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
        # While blocked even the right link is refused: a lucky guess gains nothing.
        guesser.cookies.set(PLAN_COOKIE, token)
        assert (await guesser.get("/api/plan")).status_code == 429
        assert (await guesser.get(f"/l/{token}", follow_redirects=False)).headers["location"] == "/plan"
    async with from_address(server, "198.51.100.9") as elsewhere:
        elsewhere.cookies.set(PLAN_COOKIE, token)
        assert (await elsewhere.get("/api/plan")).status_code == 200


async def test_the_journal_takes_a_holders_own_checked_reports(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        family = await _family(server, fatima)
        _made, oma_token = await _link(family, family.mother, family.oma)
        _made, juf_token = await _link(family, family.mother, family.juf)
        today = reviews.today(server.kring.settings.time_zone)  # the organisation's day, not UTC's
        async with browser(server) as oma, browser(server) as juf, api_client(server) as stranger:
            await _open(oma, oma_token)
            await _open(juf, juf_token)
            capfd.readouterr()
            with production_logs():
                held = await oma.post(
                    "/api/plan/reports",
                    json={"rule_id": "r1", "verdict": "held", "note": f"Ging goed {MARKER}", "day": str(today)},
                )
                assert held.status_code == 201, held.text
                # The body cannot name someone else: the report is the link holder's.
                not_held = await juf.post(
                    "/api/plan/reports",
                    json={"rule_id": "r1", "verdict": "not_held", "participant_id": family.oma, "note": "Deur dicht"},
                )
                assert not_held.status_code == 201 and not_held.json()["day"] == today.isoformat()
                earlier = str(today - timedelta(days=2))
                again = await juf.post(
                    "/api/plan/reports", json={"rule_id": "r1", "verdict": "not_held", "day": earlier}
                )
                assert again.status_code == 201
                fine = await juf.post("/api/plan/reports", json={"rule_id": "r5", "verdict": "held"})
                assert fine.status_code == 201
            assert MARKER not in capfd.readouterr().err

            refused = {
                "future": {"rule_id": "r1", "verdict": "held", "day": str(today + timedelta(days=1))},
                "long_ago": {"rule_id": "r1", "verdict": "held", "day": str(today - timedelta(days=60))},
                "not_a_day": {"rule_id": "r1", "verdict": "held", "day": "gisteren"},
                "verdict": {"rule_id": "r1", "verdict": "maybe"},
                "note": {"rule_id": "r1", "verdict": "held", "note": "x" * 501},
                "proposed": {"rule_id": "r2", "verdict": "held"},
                "sensitive": {"rule_id": "r3", "verdict": "held"},
                "private": {"rule_id": "r4", "verdict": "held"},
            }
            codes = {}
            for why, body in refused.items():
                answer = await oma.post("/api/plan/reports", json=body)
                codes[why] = (answer.status_code, answer.json()["error"])
            assert codes == {
                "future": (400, "bad_day"),
                "long_ago": (400, "bad_day"),
                "not_a_day": (400, "bad_day"),
                "verdict": (400, "bad_verdict"),
                "note": (400, "bad_note"),
                "proposed": (404, "unknown_rule"),
                "sensitive": (404, "unknown_rule"),
                "private": (404, "unknown_rule"),
            }
            # No link, no report; and a cross-site page cannot post one with the cookie.
            assert (
                await stranger.post("/api/plan/reports", json={"rule_id": "r1", "verdict": "held"})
            ).status_code == 401
            cross = await oma.post(
                "/api/plan/reports", json={"rule_id": "r1", "verdict": "held"}, headers={"Origin": "https://evil.test"}
            )
            assert cross.status_code == 403

            mine = (await oma.get("/api/plan")).json()["reports"]
            assert [(r["rule_id"], r["verdict"]) for r in mine] == [("r1", "held")]

            monkeypatch.setattr(network_links, "MAX_REPORTS_PER_DAY", 3)
            assert (await juf.post("/api/plan/reports", json={"rule_id": "r5", "verdict": "held"})).status_code == 429

        panel = (await fatima.get(f"/api/rooms/{family.mother}/journal")).json()
        [r1, r5] = panel["rules"]
        assert (r1["id"], r1["text"], r1["flagged"], r5["flagged"]) == ("r1", MOTHER_RULE, True, False)
        assert [(r["first_name"], r["kind"], r["verdict"]) for r in r1["reports"]] == [
            ("Juf", "professional", "not_held"),
            ("Oma", "network", "held"),
            ("Juf", "professional", "not_held"),
        ]
        assert r1["reports"][1]["note"] == f"Ging goed {MARKER}"
        summary = panel["summary"]
        assert (summary["rules"], summary["held"]) == (2, 1)
        assert summary["not_held"] == [{"id": "r1", "text": MOTHER_RULE, "times": 2}]
        actions = [a for a, _, _ in await _audit_actions(server, family.meeting_id)]
        assert actions.count("journal_report") == 4
        assert MARKER not in str(await store_of(server).audit_entries(meeting_id=family.meeting_id))


async def test_links_and_reports_go_with_the_meeting(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        family = await _family(server, fatima)
        _made, token = await _link(family, family.mother, family.oma)
        _made, father_token = await _link(family, family.father, family.opa)
        async with browser(server) as phone:
            await _open(phone, token)
            assert (await phone.post("/api/plan/reports", json={"rule_id": "r1", "verdict": "held"})).status_code == 201
            closed = await fatima.post(f"/api/meetings/{family.meeting_id}/close", json={})
            assert closed.status_code == 200, closed.text
            # A closed meeting's plan is what the links are for.
            assert (await phone.get("/api/plan")).status_code == 200
            deleted = await fatima.post(f"/api/meetings/{family.meeting_id}/delete", json={})
            assert deleted.status_code == 200
            assert (await phone.get("/api/plan")).status_code == 401
            await _open(phone, father_token)
            assert (await phone.get("/api/plan")).status_code == 401
        async with store_of(server).sessions() as db:
            for table in ("plan_links", "journal_entries"):
                count = (await db.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
                assert count == 0, table
        gone = await fatima.get(f"/api/rooms/{family.mother}/journal")
        assert gone.status_code == 410


def test_journal_of_counts_a_week() -> None:
    today = date(2026, 3, 10)

    def report(rule: str, verdict: str, days_ago: int, who: str = "p1") -> network_links.Report:
        day = today - timedelta(days=days_ago)
        return network_links.Report(f"{rule}{verdict}{days_ago}", who, rule, verdict, "", day, day.isoformat())

    rules = [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}, {"id": "c", "text": "C"}]
    reports = [
        report("a", "held", 1),
        report("a", "held", 8),  # outside the week
        report("b", "held", 2),
        report("b", "not_held", 6),
        report("b", "not_held", 7),  # outside: the week is today and the six days before
        report("c", "unsure", 0),
    ]
    found = network_links.journal_of(rules, reports, {"p1": ("Moeder Anna", "parent")}, today)
    assert found["summary"]["held"] == 1 and found["summary"]["rules"] == 3
    assert found["summary"]["not_held"] == [{"id": "b", "text": "B", "times": 1}]
    assert [r["flagged"] for r in found["rules"]] == [False, True, False]
    assert found["rules"][0]["reports"][0]["kind"] == "parent"
    assert found["rules"][0]["reports"][0]["first_name"] == "Moeder"


async def test_migration_0007_goes_down_and_up_again(database_url: str) -> None:
    async def tables() -> set[str]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
        finally:
            await engine.dispose()

    assert {"plan_links", "journal_entries"} <= await tables()
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0006")
    assert not {"plan_links", "journal_entries"} & await tables()
    await asyncio.to_thread(migrate, database_url)
    assert {"plan_links", "journal_entries"} <= await tables()
