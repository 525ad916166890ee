"""Calling the network together (issue 14): the journal's review countdowns, and the follow-up meeting
made from the console's panel with the journal's week on its board: the rules' words and counts,
never who reported or their notes. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc, Map

from server.meetings.domain import reviews
from tests.meetings_helpers import browser, facilitator, store_of
from tests.test_plan_links import MOTHER_RULE, _family, _link, _open
from tests.utils import RunningServer, run_server, settings_for

NOTE = "Deur-dicht-notitie-nooit-op-de-muur"


@pytest.fixture
async def server(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with run_server(settings_for(tmp_path, database_url=database_url)) as running:
        yield running


async def test_calling_the_network_makes_the_follow_up_with_the_weeks_summary(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        family = await _family(server, fatima)
        _made, oma_token = await _link(family, family.mother, family.oma)
        _made, juf_token = await _link(family, family.mother, family.juf)
        today = reviews.today(server.kring.settings.time_zone)  # type: ignore[attr-defined]
        async with browser(server) as oma, browser(server) as juf:
            await _open(oma, oma_token)
            await _open(juf, juf_token)
            for back in (0, 2):
                day = (today - timedelta(days=back)).isoformat()
                sent = await oma.post(
                    "/api/plan/reports", json={"rule_id": "r1", "verdict": "not_held", "note": NOTE, "day": day}
                )
                assert sent.status_code == 201, sent.text
            held = await juf.post("/api/plan/reports", json={"rule_id": "r5", "verdict": "held"})
            assert held.status_code == 201, held.text

        # A rule's own review date counts down too, and past it the count goes negative ("2 dagen te laat").
        late = (today - timedelta(days=2)).isoformat()

        def review_passed(doc: Doc[Any]) -> None:
            doc.get("agreements", type=Map)["r5"]["review"] = late

        await server.kring.live.edit(family.mother, "board", review_passed)  # type: ignore[attr-defined]
        panel = (await fatima.get(f"/api/rooms/{family.mother}/journal")).json()
        # The meeting was held today: the immediate plan, and each immediate rule, is reviewed in a week.
        in_a_week = (today + timedelta(days=7)).isoformat()
        assert panel["review"] == {"date": in_a_week, "days": 7}
        assert {(r["id"], r["review"], r["days"]) for r in panel["rules"]} == {
            ("r1", in_a_week, 7),
            ("r5", late, -2),
        }
        assert panel["follow_up"] is None
        # The case list tells the rule that did not hold (one rule, however often).
        [case] = (await fatima.get("/api/reviews")).json()["cases"]
        assert case["not_held"] == 1

        called = await fatima.post(
            f"/api/rooms/{family.mother}/call-network", json={"title": "Het netwerk bijeen", "lang": "nl"}
        )
        assert called.status_code == 201, called.text
        follow = called.json()
        [room] = follow["rooms"]
        board = (await server.kring.live.copy_of(room["id"], "board")).get("framework", type=Map).to_py()  # type: ignore[attr-defined]
        texts = {(v["category"], v["text"]) for v in board.values()}
        week = f"{_d(today - timedelta(days=6))} tot {_d(today)}"
        failed = f"Afspraak \u2018{MOTHER_RULE}\u2019 is 2\u00d7 niet gehouden (week van {week})"
        assert ("complicating", failed) in texts
        assert ("safety", f"1 van 2 afspraken gehouden (week van {week})") in texts
        assert all(not v["sensitive"] for v in board.values())
        # Never who reported, never a note: the wall may show this item.
        assert "Oma" not in str(board) and "Juf" not in str(board) and NOTE not in str(board)
        # The follow-up carries the plan on, as any follow-up does.
        plan = (await server.kring.live.copy_of(room["id"], "board")).get("agreements", type=Map).to_py()  # type: ignore[attr-defined]
        assert "r1" in plan

        panel = (await fatima.get(f"/api/rooms/{family.mother}/journal")).json()
        assert panel["follow_up"] == follow["id"]
        # Called together: the plan lives on in the follow-up, whose journal is still empty.
        [case] = (await fatima.get("/api/reviews")).json()["cases"]
        assert case["not_held"] == 0
        again = await fatima.post(f"/api/rooms/{family.mother}/call-network", json={"title": "Nog eens"})
        assert (again.status_code, again.json()["error"]) == (409, "already_continued")

        entries = await store_of(server).audit_entries(meeting_id=family.meeting_id)
        [called_entry] = [e for e in entries if e.action == "network_called"]
        assert called_entry.detail == f"meeting={follow['id']};items=2"
        follow_entries = {e.action for e in await store_of(server).audit_entries(meeting_id=follow["id"])}
        assert {"meeting_create", "room_continues", "carry_over"} <= follow_entries


async def test_another_facilitator_cannot_call_the_network(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        family = await _family(server, fatima)
        async with facilitator(server, "other@jeugdzorg.test") as other:
            refused = await other.post(f"/api/rooms/{family.mother}/call-network", json={"title": "X"})
            assert refused.status_code == 404


def _d(day: date) -> str:
    return f"{day.day}-{day.month}-{day.year}"
