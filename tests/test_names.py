"""Two people of the same first name are told apart wherever first names are shown: one rule
(server/meetings/domain/people.py shown_names, web/src/names.js shownNames) run on the same cases in
Python and in Node; the board carries a surname's initial only for such people, and the wall too.
Also the previous meeting's line on a phone/console/wall: matched by what a round is about."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Array, Map, Text

from server.catalogue import catalogue
from server.meetings.domain.people import shown_names, surname_initial
from server.rooms.wall import wall_of
from tests.meetings_helpers import facilitator, live_of
from tests.utils import RunningServer

WEB = Path(__file__).resolve().parent.parent / "web"
ROLES: dict[str, str] = catalogue("nl")["people"]["roles"]


def _p(name: str, relation: str, initial: str = "") -> dict[str, str]:
    return {"name": name, "relation": relation, **({"initial": initial} if initial else {})}


# (people by id, the shown names by id), with the Dutch role words.
CASES: list[tuple[dict[str, dict[str, str]], dict[str, str]]] = [
    # Different first names: as they are, with no initial even where one is known.
    ({"a": _p("Kees", "parent", "V"), "b": _p("Sanne", "parent")}, {"a": "Kees", "b": "Sanne"}),
    # The surname's initial tells them apart.
    ({"a": _p("Kees", "parent", "V"), "b": _p("Kees", "family", "B")}, {"a": "Kees V.", "b": "Kees B."}),
    # The same initial: their roles do; a first name differing only in case is the same name.
    ({"a": _p("Kees", "parent", "V"), "b": _p("kees", "family", "V")}, {"a": "Kees (ouder)", "b": "kees (familie)"}),
    # No surname at all: the role.
    (
        {"a": _p("Kees", "parent"), "b": _p("Kees", "friend"), "c": _p("Els", "friend")},
        {"a": "Kees (ouder)", "b": "Kees (vriend)", "c": "Els"},
    ),
    # Neither tells them apart alone: both.
    (
        {"a": _p("Kees", "parent", "V"), "b": _p("Kees", "parent", "V")},
        {"a": "Kees V. (ouder)", "b": "Kees V. (ouder)"},
    ),
    # Three: each by what tells them apart from the other two.
    (
        {"a": _p("Kees", "parent", "V"), "b": _p("Kees", "family", "V"), "c": _p("Kees", "parent", "B")},
        {"a": "Kees V. (ouder)", "b": "Kees (familie)", "c": "Kees B."},
    ),
    # Without a name: the role, as before.
    ({"a": _p("", "professional_school"), "b": _p("", "professional_school")}, {"a": "school", "b": "school"}),
]


@pytest.mark.parametrize(("people", "expected"), CASES)
def test_the_rule_in_python(people: dict[str, dict[str, str]], expected: dict[str, str]) -> None:
    assert shown_names(people, lambda relation: ROLES.get(relation, "")) == expected


def test_a_surnames_initial() -> None:
    assert [surname_initial(n) for n in ("Kees de Vries", "kees bakker", "Kees", "", "  Oma  Truus ")] == [
        "V",
        "B",
        "",
        "",
        "T",
    ]


SCRIPT = r"""
import { createRequire } from 'node:module'
import { readFileSync, writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
const [web, bundle, given] = process.argv.slice(2)
const esbuild = createRequire(`${web}/package.json`)('esbuild')
const entry = `export { shownNames } from './src/names.js'
export { previousOf } from './src/scaleline.js'`
const built = esbuild.buildSync({ stdin: { contents: entry, resolveDir: web, sourcefile: 'names.js' }, bundle: true,
  format: 'esm', platform: 'node', write: false, logLevel: 'error' })
writeFileSync(bundle, built.outputFiles[0].text)
globalThis.window = { location: { search: '?lang=nl' } }
globalThis.document = { documentElement: { lang: '' } }
const m = await import(pathToFileURL(bundle).href)
const { cases, roles, previous } = JSON.parse(readFileSync(given, 'utf8'))
const role = (r) => roles[r] || ''
const names = cases.map((people) => Object.fromEntries(m.shownNames(new Map(Object.entries(people)), role)))
const lines = previous.map(([history, round]) => m.previousOf(history, round))
console.log(JSON.stringify({ names, lines }))
"""


def _r(round_id: str, title: str, about: str, who: str, value: int) -> dict[str, Any]:
    return {
        "round_id": round_id,
        "title": title,
        "pair": about or None,
        "about": about,
        "scores": [{"name": who, "value": value}],
    }


# The previous meeting: an overall round and rounds about pairs, titled otherwise than this meeting's.
HISTORY = {
    "meeting": "m1",
    "points": {"": "r1", "danger-1": "r4"},  # r4 picked as its point
    "rounds": [
        _r("r1", "Hoe veilig?", "", "A", 3),
        _r("r4", "Eerst", "danger-1", "B", 1),
        _r("r5", "Dan", "danger-1", "C", 2),
        _r("r6", "Hoe veilig nu?", "danger-2", "D", 8),
    ],
}
PREVIOUS = [
    # About pair danger-1, titled otherwise: the previous meeting's point on that pair (r4, not its last).
    ([HISTORY, {"key": "n1", "title": "Hoe veilig nu?", "pair": "danger-1"}], [{"name": "B", "value": 1}]),
    # Overall: the overall round, though a pair round has this title.
    ([HISTORY, {"key": "n2", "title": "Hoe veilig nu?", "pair": None}], [{"name": "A", "value": 3}]),
    # A pair the previous meeting did not scale: no line, never another round's.
    ([HISTORY, {"key": "n3", "title": "Hoe veilig?", "pair": "danger-9"}], None),
    # Without points (an older answer): the last round about it.
    ([{**HISTORY, "points": {}}, {"key": "n4", "title": "", "pair": "danger-1"}], [{"name": "C", "value": 2}]),
]


def _node(tmp_path: Path) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None or not (WEB / "node_modules" / "esbuild").is_dir():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but node or web/node_modules is missing")
        pytest.skip("node or web/node_modules is missing")
    given = tmp_path / "given.json"
    given.write_text(json.dumps({"cases": [c for c, _ in CASES], "roles": ROLES, "previous": [p for p, _ in PREVIOUS]}))
    script = tmp_path / "names.mjs"
    script.write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [node, str(script), str(WEB), str(tmp_path / "bundle.mjs"), str(given)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_the_same_rule_in_the_browser_and_the_previous_line_by_what_a_round_is_about(tmp_path: Path) -> None:
    found = _node(tmp_path)
    assert found["names"] == [expected for _, expected in CASES]
    assert found["lines"] == [expected for _, expected in PREVIOUS]


async def test_the_board_and_the_wall_carry_an_initial_only_for_two_of_the_same_first_name(
    server: RunningServer,
) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        case = (await fatima.post("/api/cases", json={"label": "Gezin K"})).json()["id"]
        meeting = (await fatima.post(f"/api/cases/{case}/meetings", json={"title": "Een", "rooms": []})).json()
        room = meeting["rooms"][0]["id"]

        async def add(name: str, relation: str) -> str:
            answer = await fatima.post("/api/participants", json={"room_id": room, "name": name, "relation": relation})
            assert answer.status_code == 201, answer.text
            return str(answer.json()["id"])

        async def people() -> dict[str, Any]:
            found: dict[str, Any] = (await live_of(server).copy_of(room, "board")).get("people", type=Map).to_py()
            return found

        vries = await add("Kees de Vries", "parent")
        sanne = await add("Sanne Jansen", "parent")
        assert all("initial" not in p for p in (await people()).values())
        bakker = await add("Kees Bakker", "family")
        board = await people()
        assert board[vries] == {"name": "Kees", "relation": "parent", "initial": "V", "in_person": True}
        assert board[bakker] == {"name": "Kees", "relation": "family", "initial": "B", "in_person": True}
        assert board[sanne] == {"name": "Sanne", "relation": "parent", "in_person": True}  # nobody else is Sanne
        wall = wall_of(await live_of(server).copy_of(room, "board"))["people"]
        assert wall[vries] == {"name": "Kees", "relation": "parent", "initial": "V"}
        assert wall[sanne] == {"name": "Sanne", "relation": "parent"}
        shown = shown_names(board, lambda relation: ROLES.get(relation, ""))
        assert [shown[p] for p in (vries, bakker, sanne)] == ["Kees V.", "Kees B.", "Sanne"]

        # The children's export names the helpers of a rule the same way.
        def rule(doc: Any) -> None:
            doc.get("agreements", type=Map)["rule-1"] = Map(
                {
                    "section": "immediate",
                    "text": Text("Samen naar school"),
                    "for_children": "We gaan samen naar school.",
                    "status": "agreed",
                    "owners": Array([vries, bakker]),
                }
            )

        await live_of(server).edit(room, "board", rule)
        children = await fatima.get(f"/api/rooms/{room}/children.html")
        assert children.status_code == 200, children.text
        assert "Kees V., Kees B." in children.text
        # One of them renamed: nobody to tell apart any more, so no initials on the board.
        answer = await fatima.post(f"/api/participants/{bakker}/rename", json={"name": "Piet Bakker"})
        assert answer.status_code == 200, answer.text
        assert all("initial" not in p for p in (await people()).values())
