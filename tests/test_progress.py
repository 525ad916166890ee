"""Progress over time: a follow-up room starts from the board of the room it continues (framework and
plan, never scores), and a room's line of meetings gives each person's and role's scores and each
rule's status per meeting, without ever taking in the other parent's rooms."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pycrdt import Array, Doc, Map, Text

from server.meetings.domain.people import show_person
from tests.meetings_helpers import facilitator, live_of, store_of
from tests.utils import RunningServer, run_server, settings_for


async def _case(client: httpx.AsyncClient) -> str:
    answer = await client.post("/api/cases", json={"label": "Gezin M-2026"})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def _meeting(client: httpx.AsyncClient, case: str, title: str, rooms: list[Any]) -> list[str]:
    answer = await client.post(f"/api/cases/{case}/meetings", json={"title": title, "rooms": rooms})
    assert answer.status_code == 201, answer.text
    return [r["id"] for r in answer.json()["rooms"]]


async def _scored(server: RunningServer, room: str, scores: dict[tuple[str, str], int]) -> None:
    """People of `room` and their revealed overall score, as after a reveal."""
    revealed: dict[str, int] = {}
    for (name, relation), value in scores.items():
        person, _token = await store_of(server).add_participant(room, name, relation, admitted=True)
        await show_person(live_of(server), person)
        revealed[person.id] = value

    def mutate(doc: Doc[Any]) -> None:
        doc.get("poll", type=Map)["r1"] = Map(
            {
                "title": "Hoe veilig?",
                "status": "revealed",
                "scores": Map({pid: Map({"value": float(v), "why": ""}) for pid, v in revealed.items()}),
            }
        )

    await live_of(server).edit(room, "board", mutate)


async def _status(server: RunningServer, room: str, rule: str, status: str) -> None:
    await live_of(server).edit(
        room, "board", lambda d: d.get("agreements", type=Map)[rule].__setitem__("status", status)
    )


async def test_a_follow_up_room_starts_from_the_framework_and_plan_without_scores(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        case = await _case(fatima)
        [first] = await _meeting(fatima, case, "Een", [])
        await _scored(server, first, {("Moeder Sanne", "parent"): 4})
        [sanne] = [p.id for p in await store_of(server).participants_of(first)]

        def board(doc: Doc[Any]) -> None:
            doc.get("framework", type=Map)["danger-1"] = Map(
                {"category": "danger", "text": Text("Als papa boos is, slaat hij"), "by": sanne, "pair": "goal-1"}
            )
            doc.get("framework", type=Map)["goal-1"] = Map(
                {"category": "goals", "text": Text("Max en Ash zijn veilig bij papa"), "by": "f:1", "pair": "danger-1"}
            )
            doc.get("agreements", type=Map)["rule-1"] = Map(
                {
                    "section": "immediate",
                    "text": Text("Oma is bij elk bezoek"),
                    "owners": Array([sanne]),
                    "status": "trying",
                    "review": "2026-12-08",
                }
            )
            doc.get("marks", type=Map)[f"danger-1|{sanne}"] = "disagree"
            doc.get("claims", type=Map)[f"rule-1|{sanne}"] = "claimed"
            doc.get("proposals", type=Map)[f"{sanne}:p1"] = Map({"by": sanne, "text": "Een voorstel", "status": "open"})
            doc.get("meta", type=Map)["labels"] = "early-help-nl"

        await live_of(server).edit(first, "board", board)

        def private(doc: Doc[Any]) -> None:
            doc.get("framework", type=Map)["only-1"] = Map(
                {"category": "danger", "text": Text("Adres van de opvang"), "by": "f:1", "sensitive": True}
            )

        await live_of(server).edit(first, "private", private)
        [second] = await _meeting(fatima, case, "Twee", [{"name": "Kamer", "continues": first}])
        [unlinked] = await _meeting(fatima, case, "Los", [])

        copy = await live_of(server).copy_of(second, "board")
        framework = copy.get("framework", type=Map).to_py()
        plan = copy.get("agreements", type=Map).to_py()
        assert {k: str(v["text"]) for k, v in framework.items()} == {
            "danger-1": "Als papa boos is, slaat hij",
            "goal-1": "Max en Ash zijn veilig bij papa",
        }
        assert framework["danger-1"]["pair"] == "goal-1" and "by" not in framework["danger-1"]
        assert framework["goal-1"]["by"] == "f:1"
        assert str(plan["rule-1"]["text"]) == "Oma is bij elk bezoek"
        assert plan["rule-1"]["status"] == "trying" and plan["rule-1"]["review"] == "2026-12-08"
        assert "owners" not in plan["rule-1"]
        # No scores, no marks, claims or proposals: the people of the earlier meeting spoke those.
        for root in ("poll", "marks", "claims", "proposals", "people"):
            assert not copy.get(root, type=Map).to_py(), root
        assert copy.get("meta", type=Map)["labels"] == "early-help-nl"
        assert sanne not in json.dumps({r: copy.get(r, type=Map).to_py() for r in ("framework", "agreements")})
        # A facilitator-only item stays so: in the follow-up's private document, not on its board.
        kept = (await live_of(server).copy_of(second, "private")).get("framework", type=Map).to_py()
        assert {k: str(v["text"]) for k, v in kept.items()} == {"only-1": "Adres van de opvang"}
        # It is a copy: the follow-up's board is its own from here.
        assert not (await live_of(server).copy_of(unlinked, "board")).get("framework", type=Map).to_py()
        await _status(server, second, "rule-1", "working")
        assert (await live_of(server).copy_of(first, "board")).get("agreements", type=Map)["rule-1"][
            "status"
        ] == "trying"
        actions = [e.action for e in await store_of(server).audit_entries(case_id=case)]
        assert "carry_over" in actions


async def test_progress_across_three_meetings(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        case = await _case(fatima)
        [one] = await _meeting(fatima, case, "Een", [])
        await _live_rule(server, one)
        await _scored(server, one, {("Moeder Sanne", "parent"): 3, ("Oma Truus", "family"): 5})
        [two] = await _meeting(fatima, case, "Twee", [{"name": "Kamer", "continues": one}])
        await _scored(
            server,
            two,
            {("Moeder Sanne", "parent"): 5, ("Oma Truus", "family"): 6, ("Meester Ahmed", "professional_school"): 8},
        )
        await _status(server, two, "rule-1", "trying")
        [three] = await _meeting(fatima, case, "Drie", [{"name": "Kamer", "continues": two}])
        await _scored(server, three, {("Moeder Sanne", "parent"): 7, ("Oma Truus", "family"): 7})
        await _status(server, three, "rule-1", "working")
        # Made facilitator-only in the last meeting (moved into its private document): still followed.
        moved = (await live_of(server).copy_of(three, "board")).get("agreements", type=Map).to_py()["rule-1"]
        await live_of(server).edit(
            three, "private", lambda d: d.get("agreements", type=Map).__setitem__("rule-1", Map(moved))
        )
        await live_of(server).edit(three, "board", lambda d: d.get("agreements", type=Map).pop("rule-1"))

        answer = await fatima.get(f"/api/rooms/{three}/progress")
        assert answer.status_code == 200, answer.text
        found = answer.json()
        assert [m["title"] for m in found["meetings"]] == ["Een", "Twee", "Drie"]
        assert [m["room_id"] for m in found["meetings"]] == [one, two, three]
        assert {(p["name"], p["relation"]): p["values"] for p in found["people"]} == {
            ("Moeder Sanne", "parent"): [3, 5, 7],
            ("Oma Truus", "family"): [5, 6, 7],
            ("Meester Ahmed", "professional_school"): [None, 8, None],
        }
        roles = {r["relation"]: r["values"] for r in found["roles"]}
        assert roles == {"parent": [3, 5, 7], "family": [5, 6, 7], "professional_school": [None, 8, None]}
        [rule] = found["rules"]
        assert rule["text"] == "Oma is bij elk bezoek" and rule["statuses"] == ["agreed", "trying", "working"]
        # The middle meeting sees only what came before it.
        middle = (await fatima.get(f"/api/rooms/{two}/progress")).json()
        assert [m["title"] for m in middle["meetings"]] == ["Een", "Twee"]
        async with facilitator(server, "other@jeugdzorg.test") as other:
            assert (await other.get(f"/api/rooms/{three}/progress")).status_code == 404


async def _live_rule(server: RunningServer, room: str) -> None:
    def mutate(doc: Doc[Any]) -> None:
        doc.get("agreements", type=Map)["rule-1"] = Map(
            {"section": "immediate", "text": Text("Oma is bij elk bezoek"), "status": "agreed"}
        )

    await live_of(server).edit(room, "board", mutate)


async def test_a_split_case_keeps_each_parents_line_apart(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        case = await _case(fatima)
        mother1, father1 = await _meeting(fatima, case, "Een", ["Moeder", "Vader"])
        await _scored(server, mother1, {("Moeder Sanne", "parent"): 3, ("Buurvrouw Els", "friend"): 4})
        await _scored(server, father1, {("Vader Kees", "parent"): 8, ("Vriendin Yara", "friend"): 9})

        def plan(name: str) -> Any:
            def mutate(doc: Doc[Any]) -> None:
                doc.get("agreements", type=Map)[f"rule-{name}"] = Map(
                    {"section": "immediate", "text": Text(f"Afspraak van {name}"), "status": "agreed"}
                )

            return mutate

        await live_of(server).edit(mother1, "board", plan("moeder"))
        await live_of(server).edit(father1, "board", plan("vader"))
        # The next meeting lists the rooms the other way round: only the links say which is whose.
        father2, mother2 = await _meeting(
            fatima,
            case,
            "Twee",
            [{"name": "Vader", "continues": father1}, {"name": "Moeder", "continues": mother1}],
        )
        await _scored(server, mother2, {("Moeder Sanne", "parent"): 5})
        await _scored(server, father2, {("Vader Kees", "parent"): 9})
        mother3, father3 = await _meeting(
            fatima,
            case,
            "Drie",
            [{"name": "Moeder", "continues": mother2}, {"name": "Vader", "continues": father2}],
        )

        for room, ours, theirs in [
            (mother3, ["Moeder Sanne", "Buurvrouw Els", "Afspraak van moeder"], ["Kees", "Yara", "vader"]),
            (father3, ["Vader Kees", "Vriendin Yara", "Afspraak van vader"], ["Sanne", "Els", "moeder"]),
        ]:
            found = (await fatima.get(f"/api/rooms/{room}/progress")).json()
            text = json.dumps(found)
            assert all(word in text for word in ours), text
            assert not any(word in text for word in theirs), text
            assert len(found["meetings"]) == 3
        mother = (await fatima.get(f"/api/rooms/{mother3}/progress")).json()
        assert [m["room_id"] for m in mother["meetings"]] == [mother1, mother2, mother3]
        sanne = next(p for p in mother["people"] if p["name"] == "Moeder Sanne")
        assert sanne["values"] == [3, 5, None]
        board = await live_of(server).copy_of(mother3, "board")
        assert list(board.get("agreements", type=Map).keys()) == ["rule-moeder"]


async def _pair_round(server: RunningServer, room: str, pair: str, scores: dict[str, int]) -> None:
    """A revealed round about one danger statement, scored by the room's people named in `scores`."""
    people = {p.name: p.id for p in await store_of(server).participants_of(room)}

    def mutate(doc: Doc[Any]) -> None:
        doc.get("poll", type=Map)["r2"] = Map(
            {
                "title": "Hoe veilig rond dit gevaar?",
                "status": "revealed",
                "pair": pair,
                "scores": Map({people[name]: Map({"value": v}) for name, v in scores.items()}),
            }
        )

    await live_of(server).edit(room, "board", mutate)


async def test_a_pairs_scores_follow_the_pair_across_meetings(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        case = await _case(fatima)
        [one] = await _meeting(fatima, case, "Een", [])
        danger = Map({"category": "danger", "text": Text("Als papa drinkt, rijdt hij met Max"), "pair": "goal-1"})
        await live_of(server).edit(one, "board", lambda d: d.get("framework", type=Map).__setitem__("danger-1", danger))
        await _scored(server, one, {("Moeder Sanne", "parent"): 3})
        await _pair_round(server, one, "danger-1", {"Moeder Sanne": 2})
        [two] = await _meeting(fatima, case, "Twee", [{"name": "Kamer", "continues": one}])
        await _scored(server, two, {("Moeder Sanne", "parent"): 6})
        await _pair_round(server, two, "danger-1", {"Moeder Sanne": 7})

        found = (await fatima.get(f"/api/rooms/{two}/progress")).json()
        assert [p["values"] for p in found["people"]] == [[3, 6]]
        [pair] = found["pairs"]
        assert pair["pair"] == "danger-1" and pair["title"] == "Als papa drinkt, rijdt hij met Max"
        assert [(p["name"], p["values"]) for p in pair["people"]] == [("Moeder Sanne", [2, 7])]
        assert pair["roles"] == [{"relation": "parent", "values": [2, 7], "counts": [1, 1]}]


async def _round(server: RunningServer, room: str, key: str, order: int, scores: dict[str, int], **about: str) -> None:
    """A revealed round of `room` with `order`, scored by the room's people named in `scores`."""
    people = {p.name: p.id for p in await store_of(server).participants_of(room)}

    def mutate(doc: Doc[Any]) -> None:
        doc.get("poll", type=Map)[key] = Map(
            {
                "title": about.get("title", "Hoe veilig?"),
                "status": "revealed",
                "order": order,
                **({"pair": about["pair"]} if "pair" in about else {}),
                "scores": Map({people[name]: Map({"value": float(v)}) for name, v in scores.items()}),
            }
        )

    await live_of(server).edit(room, "board", mutate)


async def test_every_revealed_round_is_kept_and_the_facilitator_picks_a_meetings_point(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        case = await _case(fatima)
        [one] = await _meeting(fatima, case, "Een", [])
        # Two overall rounds in the first meeting: Truus scored only the first, at the start.
        await _scored(server, one, {("Moeder Sanne", "parent"): 3, ("Oma Truus", "family"): 5})
        await _round(server, one, "r9", 5, {"Moeder Sanne": 4}, title="Algemeen")
        [two] = await _meeting(fatima, case, "Twee", [{"name": "Kamer", "continues": one}])
        await _scored(server, two, {("Moeder Sanne", "parent"): 6, ("Oma Truus", "family"): 7})

        found = (await fatima.get(f"/api/rooms/{two}/progress")).json()
        first = found["meetings"][0]
        # Both rounds are kept; by default the point is the meeting's last overall round.
        # Both rounds are kept, in the order shown (r9 has an order, r1 none); by default the point is
        # the meeting's last overall round.
        assert [(r["round_id"], r["number"], r["title"], r["about"]) for r in first["rounds"]] == [
            ("r9", 1, "Algemeen", ""),
            ("r1", 2, "Hoe veilig?", ""),
        ]
        assert first["round"] == "r1" and first["points"][""] == {"round_id": "r1", "picked": False}
        values = {p["name"]: p["values"] for p in found["people"]}
        assert values == {"Moeder Sanne": [3, 6], "Oma Truus": [5, 7]}

        # The facilitator picks the other round as the first meeting's point: kept in its board.
        other, last = "r9", "r1"
        answer = await fatima.put(f"/api/rooms/{one}/progress/point", json={"question": "", "round_id": other})
        assert answer.status_code == 200, answer.text
        again = (await fatima.get(f"/api/rooms/{two}/progress")).json()
        assert again["meetings"][0]["points"][""] == {"round_id": other, "picked": True}
        assert again["meetings"][0]["round"] == other
        assert {p["name"]: p["values"] for p in again["people"]} == {"Moeder Sanne": [4, 6], "Oma Truus": [None, 7]}
        board = await live_of(server).copy_of(one, "board")
        assert board.get("meta", type=Map)["points"].to_py() == {"": other}

        # Not a revealed round about that question: refused, and the pick stays.
        for wrong in ({"question": "", "round_id": "nope"}, {"question": "danger-1", "round_id": other}):
            refused = await fatima.put(f"/api/rooms/{one}/progress/point", json=wrong)
            assert refused.status_code == 404 and refused.json()["error"] == "unknown_round", refused.text
        # Back to the default.
        assert (
            await fatima.put(f"/api/rooms/{one}/progress/point", json={"question": "", "round_id": None})
        ).status_code == 200
        reset = (await fatima.get(f"/api/rooms/{two}/progress")).json()
        assert reset["meetings"][0]["points"][""] == {"round_id": last, "picked": False}
        async with facilitator(server, "other@jeugdzorg.test") as outsider:
            assert (
                await outsider.put(f"/api/rooms/{one}/progress/point", json={"question": "", "round_id": other})
            ).status_code == 404


async def test_the_previous_meetings_line_is_matched_by_what_a_round_is_about(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        case = await _case(fatima)
        [one] = await _meeting(fatima, case, "Een", [])
        await _scored(server, one, {("Moeder Sanne", "parent"): 3})
        await _round(server, one, "r5", 5, {"Moeder Sanne": 2}, title="Hoe veilig rond dit gevaar?", pair="danger-1")
        await _round(server, one, "r6", 6, {"Moeder Sanne": 8}, title="Nog eens", pair="danger-2")
        [two] = await _meeting(fatima, case, "Twee", [{"name": "Kamer", "continues": one}])

        found = (await fatima.get(f"/api/rooms/{two}/history")).json()
        # A round about pair danger-1 titled anything finds r5; the overall one finds r1.
        assert found["points"] == {"": "r1", "danger-1": "r5", "danger-2": "r6"}
        assert {r["round_id"]: r["about"] for r in found["rounds"]} == {"r1": "", "r5": "danger-1", "r6": "danger-2"}
        assert (
            await fatima.put(f"/api/rooms/{one}/progress/point", json={"question": "danger-1", "round_id": "r5"})
        ).status_code == 200
        assert (await fatima.get(f"/api/rooms/{two}/history")).json()["points"]["danger-1"] == "r5"


@pytest.fixture
async def either_store(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    """A server on SQLite and on the real PostgreSQL."""
    async with run_server(settings_for(tmp_path, database_url=database_url)) as running:
        yield running


async def test_each_rule_shows_how_often_it_held_between_the_meetings(either_store: RunningServer) -> None:
    server = either_store
    store = store_of(server)
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        case = await _case(fatima)
        [one] = await _meeting(fatima, case, "Een", [])
        await _live_rule(server, one)
        [two] = await _meeting(fatima, case, "Twee", [{"name": "Kamer", "continues": one}])
        [three] = await _meeting(fatima, case, "Drie", [{"name": "Kamer", "continues": two}])
        oma, _ = await store.add_participant(one, "Oma Truus", "family", admitted=True)
        later, _ = await store.add_participant(three, "Oma Truus", "family", admitted=True)
        day = datetime.now(UTC).date()
        for verdict in ("held", "held", "not_held"):
            await store.add_journal_entry(one, oma.id, "rule-1", verdict, "", day - timedelta(days=20))
        await store.add_journal_entry(three, later.id, "rule-1", "not_held", "Niet gelukt", day)
        await store.add_journal_entry(three, later.id, "rule-1", "unsure", "", day)

        found = (await fatima.get(f"/api/rooms/{three}/progress")).json()
        [rule] = found["rules"]
        assert rule["statuses"] == ["agreed", "agreed", "agreed"]
        assert rule["journal"] == [
            {"held": 2, "not_held": 1, "unsure": 0},
            None,
            {"held": 0, "not_held": 1, "unsure": 1},
        ]
        # The earlier meeting's chart holds only its own line so far.
        assert (await fatima.get(f"/api/rooms/{one}/progress")).json()["rules"][0]["journal"] == [
            {"held": 2, "not_held": 1, "unsure": 0}
        ]
