"""The web client's writes, run for real in Node, against the table of who writes what.

Each function of web/src/actions/participant.js and facilitator.js is called on a board (and the
people's own documents), the updates it makes are fed to the server's write check
(server/rooms/permissions.py) as the role would send them, and what they touch is looked up in
`schema.WRITES`: every action is in the table, every row of the table is some action's, a phone's
writes are accepted as its own and refused as anyone else's, and the facilitator's writes on roots
no participant row names are refused for a participant.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Array, Doc, Map, Text

from server.protocol import Refusal, Refused
from server.rooms.permissions import WriteGuard
from server.rooms.schema import CATEGORIES, MARKS, WRITES, Identity, Role, Write

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
DRIVER = Path(__file__).resolve().parent / "actions_driver.mjs"

FACILITATOR = Identity("facilitator", "1", "Fatima", "facilitator")
ANNA = Identity("participant", "anna", "Anna", "family")
BOB = Identity("participant", "bob", "Bob", "parent")


def _doc(name: str) -> dict[str, str]:
    return {"$doc": name}


ME = {"board": _doc("board"), "own": _doc("p.anna"), "pid": "anna"}
B = _doc("board")
P = _doc("private")  # the facilitator-only items (v1) and rules (s1); the actions find them from B too
RULE = {"section": "immediate", "text": "Oma is er bij elk bezoek", "goal": "g1", "when": "elke zaterdag"}
RULE |= {"check": "belt", "checkBy": "Sara", "ifNotKept": "bellen", "start": "2026-12-05", "review": ""}
RULE |= {"forChildren": "Oma komt altijd mee"}

# Example calls of every action, with arguments as the views pass them, on the board below.
PARTICIPANT_CALLS: dict[str, list[list[Any]]] = {
    "mark": [[ME, "w2", kind] for kind in MARKS],
    "unmark": [[ME, "w1"]],
    "claim": [[ME, "r2"]],
    "unclaim": [[ME, "r1"]],
    "propose": [[ME, category, "Buurvrouw kijkt mee"] for category in CATEGORIES],
    "withdraw": [[ME, "anna:open"]],
    "score": [[ME, "q1", value, "Oma is er"] for value in (0, 7, 10)],
    "explainScore": [[ME, "q1", "Omdat oma er is"]],
}
FACILITATOR_CALLS: dict[str, list[list[Any]]] = {
    "addItem": [
        [B, {"category": "harm", "text": "Max viel", "by": "f:1", "sensitive": False}],
        [P, {"category": "harm", "text": "Vader slaat", "by": "f:1", "sensitive": True, "order": 7}],
    ],
    "addPair": [
        [
            B,
            {
                "by": "f:1",
                "sensitive": True,
                "danger": {"text": "De school is bang dat…", "guided": [["who", "De school"]]},
                "goal": {"text": "Moeder zorgt dat…", "guided": [["parents", "Moeder"], ["duration", "een jaar"]]},
            },
        ],
        [
            P,
            {
                "by": "f:1",
                "sensitive": True,
                "order": 9,
                "danger": {"text": "Vader slaat", "guided": [["who", "De school"]]},
                "goal": {"text": "Moeder zorgt dat…", "guided": [["parents", "Moeder"]]},
            },
        ],
    ],
    "editItem": [[B, "w1", "Max viel van de trap", "danger"], [B, "w1", "Max viel", None], [B, "v1", "Vader", None]],
    "moveItem": [[B, "w1", "grey"], [B, "v1", "grey"]],
    "setLevel": [
        [B, P, "framework", "w1", "sensitive"],
        [B, P, "framework", "w1", "facilitator"],
        [B, P, "framework", "v1", "all"],
        [B, P, "agreements", "r1", "facilitator"],
        [B, P, "agreements", "s1", "sensitive"],
    ],
    "removeItem": [[B, "w1"], [B, "v1"]],
    "acceptProposal": [[B, "anna:open", {"text": "Ik breng Max", "category": "safety", "sensitive": False}]],
    "declineProposal": [[B, "anna:open"]],
    "addRule": [[B, {**RULE, "owners": ["bob"], "sensitive": False}], [P, {**RULE, "owners": [], "sensitive": True}]],
    "editRule": [
        [B, "r1", RULE],
        [B, "r1", {**RULE, "goal": ""}],
        [B, "s1", RULE],
        [B, "r2", {k: v for k, v in RULE.items() if k != "forChildren"}],  # a caller without the field
    ],
    "setRuleStatus": [[B, "r1", "agreed"], [B, "s1", "agreed"]],
    "removeRule": [[B, "r1"], [B, "s1"]],
    "confirmOwner": [[B, "r1", "anna"], [B, "s1", "anna"]],
    "removeOwner": [[B, "r1", "bob"], [B, "s1", "bob"]],
    "openRound": [[B, {"title": "Hoe veilig?", "pair": ""}], [B, {"title": "", "pair": "w2"}]],
    "closeRound": [[B, "q1"]],
    "enterScore": [[_doc("p.bob"), "q1", 4, "zegt oma"]],
    "showOnWall": [[B, "plan"]],
    "chooseLabels": [[B, "en"]],
    "addListItem": [[B, "Boodschappen"]],
    "removeListItem": [[B, 0]],
}
CALLS: dict[Role, dict[str, list[list[Any]]]] = {"participant": PARTICIPANT_CALLS, "facilitator": FACILITATOR_CALLS}


def board() -> Doc[Any]:
    """A board in the middle of a meeting: items, a plan, an open round, Anna's own keys."""
    doc: Doc[Any] = Doc()
    framework = doc.get("framework", type=Map)
    framework["w1"] = Map({"category": "harm", "text": Text("Max viel van de trap"), "by": "f:1", "order": 0})
    framework["w2"] = Map({"category": "danger", "text": Text("Vader drinkt"), "by": "f:1", "order": 1})
    framework["g1"] = Map({"category": "goals", "text": Text("Max is veilig"), "by": "f:1", "order": 2})
    agreements = doc.get("agreements", type=Map)
    agreements["r1"] = Map({"section": "immediate", "text": Text("Oma komt"), "owners": Array(["bob"]), "goal": "g1"})
    agreements["r2"] = Map({"section": "longer", "text": Text("Buurvrouw belt"), "owners": Array([])})
    agreements["b1"] = Map({"section": "bottom_line", "text": Text("Nooit alleen met vader"), "owners": Array([])})
    doc.get("poll", type=Map)["q1"] = Map({"title": "Hoe veilig?", "status": "open", "order": 0})
    proposals = doc.get("proposals", type=Map)
    proposals["anna:open"] = Map({"by": "anna", "text": "Ik breng Max", "category": "strengths", "status": "open"})
    proposals["bob:1"] = Map({"by": "bob", "text": "Oma helpt", "category": "safety", "status": "open"})
    doc.get("marks", type=Map)["w1|anna"] = "agree"
    doc.get("claims", type=Map)["r1|anna"] = "claimed"
    doc.get("people", type=Map)["anna"] = Map({"name": "Anna", "relation": "family"})
    doc.get("meta", type=Map)["wall"] = "board"
    doc.get("items", type=Array).append("Brood")
    return doc


def private() -> Doc[Any]:
    """The room's facilitator-only document: an item and a rule no phone holds."""
    doc: Doc[Any] = Doc()
    framework = doc.get("framework", type=Map)
    framework["v1"] = Map({"category": "danger", "text": Text("Vader slaat"), "by": "f:1", "order": 3})
    agreements = doc.get("agreements", type=Map)
    agreements["s1"] = Map({"section": "immediate", "text": Text("Oma belt de politie"), "owners": Array(["bob"])})
    return doc


def own(score: int | None) -> Doc[Any]:
    doc: Doc[Any] = Doc()
    scores = doc.get("scores", type=Map)
    if score is not None:
        scores["q1"] = Map({"value": score, "why": ""})
    return doc


# Made once: every copy must hold the same items (the same client ids), as the server's and the
# phone's copies of one board do.
STATE = {
    name: doc.get_update()
    for name, doc in {"board": board(), "private": private(), "p.anna": own(6), "p.bob": own(None)}.items()
}


def documents() -> dict[str, Doc[Any]]:
    """Fresh copies of the documents the actions start from."""
    docs: dict[str, Doc[Any]] = {}
    for name, state in STATE.items():
        docs[name] = Doc()
        docs[name].apply_update(state)
    return docs


@dataclass
class Call:
    role: Role
    action: str
    args: list[Any]
    returned: Any
    updates: dict[str, list[bytes]]  # per document, in the order the provider would send them


def _node_or_skip() -> str:
    node = shutil.which("node")
    reason = None
    if node is None:
        reason = "node is not installed"
    elif not (WEB / "node_modules" / "yjs").is_dir():
        reason = "web/node_modules is missing (make setup)"
    if reason is not None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    assert node is not None
    return node


def run_actions(role: Role, calls: dict[str, list[list[Any]]], tmp: Path) -> tuple[list[str], list[Call]]:
    """The module's exports, and each call with the updates it made, from the real module in Node."""
    node = _node_or_skip()
    docs = {name: base64.b64encode(state).decode() for name, state in STATE.items()}
    flat: list[dict[str, Any]] = [{"action": a, "args": args} for a, examples in calls.items() for args in examples]
    given = tmp / f"{role}.json"
    given.write_text(json.dumps({"role": role, "docs": docs, "calls": flat}))
    done = subprocess.run(
        [node, "--input-type=module", "-e", DRIVER.read_text(), str(given)],
        cwd=WEB,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    ran = [
        Call(
            role,
            r["action"],
            f["args"],
            r["returned"],
            {name: [base64.b64decode(u) for u in ups] for name, ups in r["updates"].items() if ups},
        )
        for f, r in zip(flat, out["results"], strict=True)
    ]
    return out["exports"], ran


@pytest.fixture(scope="module")
def participant(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[Call]]:
    return run_actions("participant", PARTICIPANT_CALLS, tmp_path_factory.mktemp("actions"))


@pytest.fixture(scope="module")
def facilitator(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[Call]]:
    return run_actions("facilitator", FACILITATOR_CALLS, tmp_path_factory.mktemp("actions"))


# -- what an update touches, and the rows that allow it ---------------------------------------------


def _pattern(template: str, pid: str | None) -> re.Pattern[str]:
    """A row's document or key as a pattern: `<pid>` is `pid` (anyone's when None), `<x>` anything."""
    parts = re.split(r"(<\w+>)", template)
    anyone = r"[a-z0-9]+"
    return re.compile(
        "".join(
            (re.escape(pid) if pid else anyone) if p == "<pid>" else ".*" if p.startswith("<") else re.escape(p)
            for p in parts
        )
    )


def rows_of(role: Role) -> list[Write]:
    return [w for w in WRITES if w.role == role]


def touches(doc_name: str, before: Doc[Any], update: bytes) -> set[tuple[str, str]]:
    """(root, top-level key) of everything `update` changes in `doc_name`; a list root's key is ""."""
    doc: Doc[Any] = Doc()
    kinds = {w.root: w.array for w in WRITES if _pattern(w.doc, None).fullmatch(doc_name)}
    found: set[tuple[str, str]] = set()
    kept = []

    def recorder(root: str) -> Any:
        def record(events: list[Any]) -> None:
            for event in events:
                path = list(event.path)
                if path:
                    found.add((root, str(path[0])))
                elif hasattr(event, "keys"):
                    found.update((root, str(key)) for key in event.keys)
                else:
                    found.add((root, ""))

        return record

    for root, array in kinds.items():
        shared = doc.get(root, type=Array) if array else doc.get(root, type=Map)
        kept.append((shared, shared.observe_deep(recorder(root))))
    doc.apply_update(before.get_update())
    found.clear()
    roots_before = set(doc.keys())
    doc.apply_update(update)
    # A root nobody's row names: no row can match it.
    found.update((root, "") for root in set(doc.keys()) - roots_before - set(kinds))
    return found


def rows_for(role: Role, doc_name: str, touch: tuple[str, str], pid: str | None) -> list[Write]:
    root, key = touch
    return [
        w
        for w in rows_of(role)
        if w.root == root and _pattern(w.doc, pid).fullmatch(doc_name) and _pattern(w.key, pid).fullmatch(key)
    ]


def each_update(call: Call) -> Iterator[tuple[str, Doc[Any], bytes, Doc[Any]]]:
    """(document, its state before, the update, the board) for every update of a call, in order."""
    docs = documents()
    for name, updates in call.updates.items():
        for update in updates:
            yield name, docs[name], update, docs["board"]
            docs[name].apply_update(update)


def check(identity: Identity, name: str, live: Doc[Any], update: bytes, board: Doc[Any]) -> None:
    WriteGuard().check(identity, name, live, update, board)


def refusal(identity: Identity, name: str, live: Doc[Any], update: bytes, board: Doc[Any]) -> Refusal | None:
    try:
        check(identity, name, live, update, board)
    except Refused as refused:
        return refused.code
    return None


# -- the table and the modules agree ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["participant", "facilitator"])
def test_every_action_is_in_the_table_and_every_row_has_an_action(
    role: Role, participant: tuple[list[str], list[Call]], facilitator: tuple[list[str], list[Call]]
) -> None:
    exports, ran = participant if role == "participant" else facilitator
    in_table = {action for w in rows_of(role) for action in w.actions}
    assert sorted(in_table) == exports, f"web/src/actions/{role}.js and schema.WRITES name different actions"
    assert sorted(CALLS[role]) == exports, "every action needs an example call here"
    assert all(w.actions for w in rows_of(role)), "a row no action of the client writes"
    # Each row is written by each action it names, as the action runs.
    hit: set[tuple[Write, str]] = set()
    for call in ran:
        for name, before, update, _ in each_update(call):
            for touch in touches(name, before, update):
                hit.update((w, call.action) for w in rows_for(role, name, touch, None))
    missing = [(w.root, w.key, a) for w in rows_of(role) for a in w.actions if (w, a) not in hit]
    assert missing == [], "rows whose named action never writes them"


@pytest.mark.parametrize("role", ["participant", "facilitator"])
def test_every_write_of_an_action_is_a_row_that_names_it(
    role: Role, participant: tuple[list[str], list[Call]], facilitator: tuple[list[str], list[Call]]
) -> None:
    _, ran = participant if role == "participant" else facilitator
    for call in ran:
        assert call.updates, f"{call.action}{call.args[1:]} wrote nothing"
        assert call.returned in (None, True), f"{call.action} found nothing to change in the example"
        pid = "anna" if role == "participant" else None
        for name, before, update, _ in each_update(call):
            for touch in touches(name, before, update):
                rows = rows_for(role, name, touch, pid)
                assert any(call.action in w.actions for w in rows), (call.action, name, touch)


# -- the server's check agrees with the table -----------------------------------------------------


def test_a_phone_s_every_write_is_accepted_as_its_own(participant: tuple[list[str], list[Call]]) -> None:
    _, ran = participant
    for call in ran:
        for name, live, update, board_ in each_update(call):
            assert refusal(ANNA, name, live, update, board_) is None, (call.action, call.args[1:])


def test_a_phone_s_writes_are_refused_as_anyone_else_s(participant: tuple[list[str], list[Call]]) -> None:
    _, ran = participant
    for call in ran:
        for name, live, update, board_ in each_update(call):
            assert refusal(BOB, name, live, update, board_) == Refusal.NOT_ALLOWED, (call.action, call.args[1:])


def test_the_facilitator_s_every_write_is_accepted(facilitator: tuple[list[str], list[Call]]) -> None:
    _, ran = facilitator
    for call in ran:
        for name, live, update, board_ in each_update(call):
            assert refusal(FACILITATOR, name, live, update, board_) is None, (call.action, call.args[1:])


def _facilitator_only() -> list[Any]:
    """(document, root) of the facilitator's rows that no participant row shares."""
    phone = {(w.doc, w.root) for w in rows_of("participant")}
    only = sorted({(w.doc, w.root, w.array) for w in rows_of("facilitator") if (w.doc, w.root) not in phone})
    # A list root (the /r/<room> page's `items`) is observed too: the shadow watches every root it holds.
    return [pytest.param(doc, root, id=f"{doc}.{root}") for doc, root, _ in only]


@pytest.mark.parametrize(("doc", "root"), _facilitator_only())
def test_facilitator_only_roots_are_refused_for_a_participant(
    doc: str, root: str, facilitator: tuple[list[str], list[Call]]
) -> None:
    _, ran = facilitator
    tried = 0
    for call in ran:
        for name, live, update, board_ in each_update(call):
            if name == doc and any(r == root for r, _ in touches(name, live, update)):
                tried += 1
                assert refusal(ANNA, name, live, update, board_) == Refusal.NOT_ALLOWED, (call.action, call.args[1:])
    assert tried, f"no action writes {doc}.{root}"


def test_an_item_made_facilitator_only_leaves_the_board_without_its_words(
    facilitator: tuple[list[str], list[Call]],
) -> None:
    _, ran = facilitator
    [call] = [c for c in ran if c.action == "setLevel" and c.args[3:] == ["w1", "facilitator"]]
    docs = documents()
    for name, updates in call.updates.items():
        for update in updates:
            docs[name].apply_update(update)
    board_, private_ = docs["board"], docs["private"]
    assert "w1" not in board_.get("framework", type=Map) and "w1|anna" not in board_.get("marks", type=Map)
    # What a phone that syncs now would get holds none of its words (Yrs drops a deleted entry's content).
    assert b"Max viel van de trap" not in board_.get_update()
    moved = private_.get("framework", type=Map)["w1"]
    assert str(moved["text"]) == "Max viel van de trap" and moved["category"] == "harm" and moved["sensitive"] is True


def test_a_rule_back_from_facilitator_only_is_on_the_board_and_gone_from_private(
    facilitator: tuple[list[str], list[Call]],
) -> None:
    _, ran = facilitator
    [call] = [c for c in ran if c.action == "setLevel" and c.args[3:] == ["s1", "sensitive"]]
    docs = documents()
    for name, updates in call.updates.items():
        for update in updates:
            docs[name].apply_update(update)
    rule = docs["board"].get("agreements", type=Map)["s1"]
    assert str(rule["text"]) == "Oma belt de politie" and list(rule["owners"]) == ["bob"] and rule["sensitive"] is True
    assert "s1" not in docs["private"].get("agreements", type=Map)
    assert b"Oma belt de politie" not in docs["private"].get_update()


def _applied(call: Call) -> dict[str, Doc[Any]]:
    docs = documents()
    for name, updates in call.updates.items():
        for update in updates:
            docs[name].apply_update(update)
    return docs


def _fields_of(row: Write) -> set[str]:
    """The field names a row's value lists between its first braces, and those it names in backticks."""
    listed = row.value[row.value.index("{") + 1 : row.value.index("}")]
    named = re.findall(r"`(\w+)`", row.value)
    return {re.split(r"[\s:(]", f.strip())[0] for f in listed.split(",")} | set(named)


def test_a_rule_keeps_its_words_for_the_children_as_the_table_names_them(
    facilitator: tuple[list[str], list[Call]],
) -> None:
    """addRule and editRule write `for_children` (issue 14), and every field they write is in the row."""
    _, ran = facilitator
    [row] = [w for w in WRITES if w.role == "facilitator" and w.doc == "board" and w.root == "agreements"]
    [added] = [c for c in ran if c.action == "addRule" and c.args[0] == B]
    agreements = _applied(added)["board"].get("agreements", type=Map).to_py()
    [rule] = [r for key, r in agreements.items() if key not in ("r1", "r2", "b1")]
    assert rule["for_children"] == "Oma komt altijd mee"
    assert set(rule) <= _fields_of(row), set(rule) - _fields_of(row)
    [edited] = [c for c in ran if c.action == "editRule" and c.args[:2] == [B, "r1"] and c.args[2]["goal"]]
    assert _applied(edited)["board"].get("agreements", type=Map)["r1"]["for_children"] == "Oma komt altijd mee"
    # A caller that has no such field leaves the children's words as they were.
    [kept] = [c for c in ran if c.action == "editRule" and c.args[1] == "r2"]
    assert "for_children" not in _applied(kept)["board"].get("agreements", type=Map)["r2"]
