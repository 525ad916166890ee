"""`kring demo` (what `make run` seeds): Max and Ash, a split meeting with a room per parent, a full
board in each, the previous meeting's scores beside the revealed round, and nothing of one parent's
room in the other's."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from pycrdt import Doc, Map

from server.demo import _ROOMS, DEMO_LABEL, FIRST_MEETING, MEETING, seed_demo
from server.settings import Settings
from server.store.engine import create_engine
from server.store.meetings import MeetingStore
from server.store.updatelog import UpdateLog

EMAIL = "demo@kring.test"


def strings_of(value: Any) -> list[str]:
    """Every string in a document read with to_py(), keys included."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [str(k), *strings_of(v)]]
    if isinstance(value, list):
        return [s for v in value for s in strings_of(v)]
    return [value] if isinstance(value, str) else []


def read(doc: Doc[Any], roots: tuple[str, ...]) -> dict[str, Any]:
    return {root: doc.get(root, type=Map).to_py() or {} for root in roots}


BOARD_ROOTS = ("framework", "marks", "claims", "agreements", "poll", "people", "meta", "proposals")


def own_words(room: str) -> list[str]:
    """What belongs to one parent's room only: its people, its own items and rules."""
    content = _ROOMS[room]
    words = [name for name, _relation in content["people"]]
    words += [text for _c, _k, text in [*content["framework"], *content["sensitive"]]]
    words += [rule["text"] for rule in content["rules"]] + [rule["when"] for rule in content["rules"]]
    return words


async def test_the_demo_seeds_a_real_split_board(settings: Settings, tmp_path: Path) -> None:
    said = await seed_demo(settings, EMAIL, tmp_path / "var")
    assert EMAIL in said and "/login" in said
    again = await seed_demo(settings, EMAIL, tmp_path / "var")
    assert again == said  # idempotent, and the same password is printed again

    engine = create_engine(settings.database_url)
    try:
        store = MeetingStore(engine)
        password = (tmp_path / "var" / "demo_password").read_text().strip()
        person = await store.check_login(EMAIL, password)
        assert person is not None
        [case] = [c for c in await store.cases_of(person.id) if c.label == DEMO_LABEL]
        first, current = await store.meetings_of_case(case.id)
        assert (first.title, first.status, current.title, current.status) == (FIRST_MEETING, "closed", MEETING, "open")
        log = UpdateLog(engine)
        boards: dict[str, dict[str, Any]] = {}
        every_string: dict[str, set[str]] = {}
        for room in await store.rooms_of(current.id):
            stored = await log.load(room.id)
            board = read(stored.document("board"), BOARD_ROOTS)
            boards[room.name] = board
            names = [p.name for p in await store.participants_of(room.id)]
            found = set(strings_of(board)) | set(names)
            for doc_name in stored.doc_names():
                found |= set(strings_of(read(stored.document(doc_name), (*BOARD_ROOTS, "scores"))))
            every_string[room.name] = found

            # Danger statements paired with their safety goals, both ways.
            framework = board["framework"]
            dangers = {k: v for k, v in framework.items() if v["category"] == "danger"}
            assert len(dangers) >= 2
            for key, item in dangers.items():
                goal = framework[item["pair"]]
                assert goal["category"] == "goals" and goal["pair"] == key
                assert "Als er niets verandert:" in item["text"] and not item["text"].rstrip().endswith(":")
            assert {"harm", "danger", "complicating", "strengths", "safety", "goals", "next_steps"} <= {
                v["category"] for v in framework.values()
            }

            # People, marks (a dispute among them), rules with every field.
            people = board["people"]
            assert len(people) >= 4 and len(names) == len(people)
            assert "disagree" in board["marks"].values() or "unsure" in board["marks"].values()
            for mark_key in board["marks"]:
                item, pid = mark_key.rsplit("|", 1)
                assert item in framework and pid in people
            rules = board["agreements"]
            assert {r["section"] for r in rules.values()} == {"immediate", "longer", "bottom_line"}
            family = [r for r in rules.values() if r["section"] != "bottom_line"]
            assert any(r.get("goal") in framework for r in family)
            assert any(r["owners"] and all(o in people for o in r["owners"]) for r in family)
            for rule in rules.values():
                assert rule["check"] and rule["check_by"] and rule["start"] and rule["review"]
                if rule["section"] == "immediate":
                    start = datetime.date.fromisoformat(rule["start"])
                    assert datetime.date.fromisoformat(rule["review"]) == start + datetime.timedelta(days=7)
                    assert rule["when"]
            for claim in board["claims"]:
                rule_key, pid = claim.rsplit("|", 1)
                assert rule_key in rules and pid in people

            # A revealed round, everyone by name, and the first meeting's beside it.
            [round_] = board["poll"].values()
            assert round_["status"] == "revealed" and set(round_["scores"]) == set(people)
            earlier = await store.continued_room(room)
            assert earlier is not None and earlier.name == room.name and earlier.meeting_id == first.id
            before = read((await log.load(earlier.id)).document("board"), BOARD_ROOTS)
            [previous] = before["poll"].values()
            assert previous["status"] == "revealed" and len(previous["scores"]) >= 3
            assert read(stored.document(f"p.{next(iter(people))}"), ("scores",))["scores"]
    finally:
        await engine.dispose()

    # The mother's protective strategy is sensitive: it stays off the wall and out of any copy.
    assert any(v["sensitive"] for v in boards["Moeder"]["framework"].values())
    # Nothing of one parent's room is in the other's: not its people, its words, its rules.
    for room, other in (("Moeder", "Vader"), ("Vader", "Moeder")):
        there = " ".join(every_string[other])
        leaked = [word for word in own_words(room) if word in there]
        assert leaked == [], (room, leaked)
        first_names = {p["name"] for p in boards[room]["people"].values()}
        assert not first_names & {p["name"] for p in boards[other]["people"].values()}
