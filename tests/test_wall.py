"""The wall document derived from a board: what it holds, and how little each change writes."""

from __future__ import annotations

from typing import Any

import pytest
from pycrdt import Array, Doc, Map, Text

from server.rooms.schema import BOARD_ROOTS
from server.rooms.wall import WallDocument, wall_of


def _board() -> Doc[Any]:
    doc: Doc[Any] = Doc()
    for root in BOARD_ROOTS:
        doc.get(root, type=Map)
    return doc


@pytest.fixture
def board() -> Doc[Any]:
    doc = _board()
    framework = doc.get("framework", type=Map)
    framework["v1"] = Map({"text": Text("Ruzie bij het ophalen"), "category": "danger", "by": "f:12", "order": 0})
    framework["v2"] = Map({"text": "Oma haalt op", "category": "goals", "by": "p1", "order": 1, "pair": "v1"})
    framework["s1"] = Map({"text": Text("GEHEIM adres"), "category": "danger", "by": "p1", "sensitive": True})
    framework["v1"]["pair"] = "v2"
    framework["empty"] = Map({"text": "", "category": "harm"})
    doc.get("proposals", type=Map)["p1:1"] = Map({"by": "p1", "text": "GEHEIM voorstel", "status": "open"})
    marks = doc.get("marks", type=Map)
    marks["v1|p1"], marks["s1|p1"], marks["v2|p1"] = "agree", "disagree", "shouting"
    agreements = doc.get("agreements", type=Map)
    agreements["r1"] = Map(
        {"text": Text("Oma belt elke avond"), "section": "immediate", "goal": "s1", "owners": Array(["p1"])}
    )
    agreements["r2"] = Map({"text": "GEHEIM regel", "when": "GEHEIM wanneer", "sensitive": True})
    claims = doc.get("claims", type=Map)
    claims["r1|p2"], claims["r2|p2"] = "claimed", "claimed"
    poll = doc.get("poll", type=Map)
    poll["open"] = Map({"title": "Nu", "status": "closed", "scores": Map({"p1": Map({"value": 3, "why": "GEHEIM"})})})
    poll["shown"] = Map({"status": "revealed", "pair": "s1", "scores": Map({"p1": Map({"value": 7, "why": "omdat"})})})
    people = doc.get("people", type=Map)
    people["p1"] = Map({"name": "Truus GEHEIM-Achternaam", "relation": "family"})
    people["p2"] = Map({"name": "  ", "relation": "teacher"})
    meta = doc.get("meta", type=Map)
    meta["wall"], meta["labels"], meta["note"] = "board", "nl", "GEHEIM"
    tools = doc.get("childtools", type=Map)
    tools["c1"] = Map({"house": "dreams", "visibility": "room", "text": Text("Een hond"), "consent": Map({"by": "x"})})
    tools["c2"] = Map({"house": "dreams", "visibility": "private", "text": "GEHEIM"})
    return doc


def test_the_wall_holds_only_what_the_wall_shows(board: Doc[Any]) -> None:
    assert wall_of(board) == {
        "framework": {
            "v1": {"text": "Ruzie bij het ophalen", "category": "danger", "by": "f:", "order": 0.0, "pair": "v2"},
            "v2": {"text": "Oma haalt op", "category": "goals", "by": "p1", "order": 1.0, "pair": "v1"},
        },
        # The goal on a sensitive item is left out, as the wall left it out before.
        "agreements": {"r1": {"text": "Oma belt elke avond", "section": "immediate", "owners": ["p1"]}},
        "marks": {"v1|p1": "agree"},
        "claims": {"r1|p2": "claimed"},
        "poll": {
            "open": {"title": "Nu", "status": "closed"},
            # The pair's number counts every item, as the wall numbered a round's pair before.
            "shown": {"status": "revealed", "pair": "s1", "scores": {"p1": {"value": 7.0, "why": "omdat"}}},
        },
        "people": {"p1": {"name": "Truus", "relation": "family"}, "p2": {"relation": "teacher"}},
        "meta": {"wall": "board", "labels": "nl"},
        "childtools": {"c1": {"house": "dreams", "visibility": "room", "text": "Een hond"}},
        "left_out": {"framework": 1.0, "agreements": 1.0},
    }


def test_a_rounds_pair_is_numbered_over_the_whole_board() -> None:
    doc = _board()
    framework = doc.get("framework", type=Map)
    framework["a"] = Map({"text": "GEHEIM", "category": "danger", "pair": "b", "order": 0, "sensitive": True})
    framework["b"] = Map({"text": "doel", "category": "goals", "pair": "a", "order": 1})
    framework["c"] = Map({"text": "zorg", "category": "danger", "pair": "d", "order": 2})
    framework["d"] = Map({"text": "doel twee", "category": "goals", "pair": "c", "order": 3})
    doc.get("poll", type=Map)["r"] = Map({"status": "open", "pair": "c"})
    assert wall_of(doc)["poll"]["r"] == {"status": "open", "pair": "c", "pair_number": 2.0}


def _refreshed(wall: WallDocument, board: Doc[Any]) -> bytes | None:
    wall.stale = True
    return wall.refresh(board)


def test_an_edit_writes_only_the_field_that_changed(board: Doc[Any]) -> None:
    wall = WallDocument()
    first = _refreshed(wall, board)
    assert first is not None and b"Ruzie bij het ophalen" in first
    reader: Doc[Any] = Doc()
    reader.apply_update(first)
    assert _refreshed(wall, board) is None  # nothing changed: nothing written

    text = board.get("framework", type=Map)["v1"]["text"]
    text += " en het brengen"
    update = _refreshed(wall, board)
    assert update is not None
    assert b"Ruzie bij het ophalen en het brengen" in update
    for elsewhere in (b"Oma haalt op", b"danger", b"Oma belt", b"Truus", b"Een hond"):
        assert elsewhere not in update
    reader.apply_update(update)
    assert reader.get("framework", type=Map).to_py() == wall_of(board)["framework"]


def test_a_sensitive_item_leaves_no_byte_of_itself_behind(board: Doc[Any]) -> None:
    wall = WallDocument()
    reader: Doc[Any] = Doc()
    reader.apply_update(_refreshed(wall, board) or b"")
    item = board.get("framework", type=Map)["v2"]
    item["text"] = "Oma haalt op, zegt GEHEIM-twee"
    reader.apply_update(_refreshed(wall, board) or b"")
    assert "GEHEIM-twee" in str(reader.get("framework", type=Map).to_py())

    item["sensitive"] = True
    deletion = _refreshed(wall, board)
    assert deletion is not None and b"GEHEIM" not in deletion
    reader.apply_update(deletion)
    assert "v2" not in reader.get("framework", type=Map)
    assert reader.get("left_out", type=Map)["framework"] == 2
    # A reader that comes later gets the whole state, or a diff from any point: no byte of it.
    assert b"GEHEIM" not in wall.doc.get_update()
    assert b"GEHEIM" not in wall.doc.get_update(Doc().get_state())

    item["text"] = "Nog steeds GEHEIM-drie"
    assert b"GEHEIM" not in (_refreshed(wall, board) or b"")
    item["text"] = "Oma haalt op"
    item["sensitive"] = False
    again = _refreshed(wall, board)
    assert again is not None and b"Oma haalt op" in again
    reader.apply_update(again)
    assert reader.get("framework", type=Map).to_py() == wall_of(board)["framework"]
    assert b"GEHEIM" not in wall.doc.get_update()


def test_a_reader_with_another_walls_history_is_told_to_start_afresh(board: Doc[Any]) -> None:
    wall, other = WallDocument(), WallDocument()
    _refreshed(wall, board)
    _refreshed(other, board)
    reader: Doc[Any] = Doc()
    assert wall.knows(reader.get_state())
    reader.apply_update(wall.doc.get_update())
    assert wall.knows(reader.get_state())
    assert not other.knows(reader.get_state())


def test_a_readers_answer_that_adds_nothing_is_told_apart_from_a_write(board: Doc[Any]) -> None:
    wall = WallDocument()
    reader: Doc[Any] = Doc()
    reader.apply_update(_refreshed(wall, board) or b"")
    board.get("framework", type=Map)["v2"]["sensitive"] = True
    reader.apply_update(_refreshed(wall, board) or b"")
    # Its step 2 repeats the deletion: not empty, but nothing the wall lacks.
    answer = reader.get_update(wall.doc.get_state())
    assert answer != b"\x00\x00"
    assert wall.adds_nothing(answer)
    before = reader.get_state()
    reader.get("framework", type=Map)["x"] = Map({"text": "van de beamer"})
    assert not wall.adds_nothing(reader.get_update(before))
    del reader.get("framework", type=Map)["v1"]
    assert not wall.adds_nothing(reader.get_update(wall.doc.get_state()))
    assert "v1" in wall.doc.get("framework", type=Map) and "x" not in wall.doc.get("framework", type=Map)
