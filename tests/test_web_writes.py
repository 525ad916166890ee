"""No module of the web client writes to a Y document except the actions of web/src/actions/.

A lexical check, not a type checker: it knows the ways the client reaches shared types (the
document's getMap/getArray/getText, a name bound to one of those or to an entry read from one, a
name narrowed with `instanceof Y.Map`, a function that returns one) and flags a write method called
on any of them, a transaction, a shared type built to be written, and an update applied by hand.
The provider's sync plumbing (web/src/provider.js) applies the server's updates and is exempt.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

WEB_SRC = Path(__file__).resolve().parent.parent / "web" / "src"
ACTIONS = WEB_SRC / "actions"
EXEMPT = {WEB_SRC / "provider.js"}

WRITE_METHODS = r"(?:set|delete|insert|push|unshift|clear|applyDelta|format|insertEmbed)"
SHARED_ROOT = r"\.get(?:Map|Array|Text|XmlFragment)\([^()]*\)"
# Anything built only to be written into a document; `new Y.Doc()` is a document, not a write.
OUTRIGHT = [
    (re.compile(r"\.transact\s*\("), "a transaction"),
    (re.compile(r"\bnew\s+Y\.(?!Doc\b)\w+"), "a shared type built to be written"),
    (re.compile(r"\bY\.(?:Array|Map)\.from\s*\("), "a shared type built to be written"),
    (re.compile(r"\bY\.applyUpdate(?:V2)?\s*\("), "an update applied by hand"),
    (re.compile(SHARED_ROOT + r"(?:\.get\([^()]*\))?\s*\." + WRITE_METHODS + r"\s*\("), "a write on a root"),
]
BOUND = re.compile(r"\b(?:const|let|var)\s+(\w+)\s*=\s*([^\n]*)")
FIELD = re.compile(r"\bthis\.(\w+)\s*=\s*([^\n]*)")
NARROWED = re.compile(r"\b(\w+)\s+instanceof\s+Y\.(?!Doc\b)\w+")
TYPED = re.compile(r"@param\s+\{Y\.(?!Doc\b)\w+[^}]*\}\s+(\w+)")
RETURNS_SHARED = re.compile(r"\b(\w+)\s*\([^()]*\)\s*\{\s*return\s+[^\n]*" + SHARED_ROOT)


def _code(source: str) -> str:
    """The source without comments (JSDoc types are read before this; strings stay)."""
    source = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), source, flags=re.S)
    return re.sub(r"(?m)(^|[^:'\"`\\])//.*$", r"\1", source)


def _handles(source: str, code: str) -> tuple[set[str], set[str]]:
    """Names, and fields of `this`, that hold a shared type somewhere in the module."""
    names = {m.group(1) for m in TYPED.finditer(source)} | {m.group(1) for m in NARROWED.finditer(code)}
    names |= {m.group(1) for m in BOUND.finditer(code) if re.search(SHARED_ROOT, m.group(2))}
    fields = {m.group(1) for m in FIELD.finditer(code) if re.search(SHARED_ROOT, m.group(2))}
    # A name bound to an entry read from a handle (`const map = marks.get(k)`) is one too.
    grown = True
    while grown:
        grown = False
        for m in BOUND.finditer(code):
            if m.group(1) not in names and any(re.search(rf"\b{n}\.get\(", m.group(2)) for n in names):
                names.add(m.group(1))
                grown = True
    return names, fields


def writes_in(source: str) -> list[str]:
    """What in `source` writes to a Y document, one line per finding."""
    code = _code(source)
    found = [f"{why}: {m.group(0)}" for pattern, why in OUTRIGHT for m in pattern.finditer(code)]
    names, fields = _handles(source, code)
    receivers = [rf"(?<![\w.]){name}" for name in sorted(names)] + [rf"\bthis\.{field}" for field in sorted(fields)]
    for receiver in receivers:
        for m in re.finditer(rf"{receiver}\s*\.{WRITE_METHODS}\s*\(", code):
            found.append(f"a write on {m.group(0)}")
    for m in RETURNS_SHARED.finditer(code):
        for call in re.finditer(rf"\b{m.group(1)}\([^()]*\)\s*\.{WRITE_METHODS}\s*\(", code):
            found.append(f"a write on what {m.group(1)}() returns: {call.group(0)}")
    return found


def _modules() -> list[Path]:
    return sorted(p for p in WEB_SRC.rglob("*.js") if ACTIONS not in p.parents and p not in EXEMPT)


@pytest.mark.parametrize("module", _modules(), ids=lambda p: str(p.relative_to(WEB_SRC)))
def test_only_the_actions_write_to_a_document(module: Path) -> None:
    assert writes_in(module.read_text()) == [], f"move these writes into web/src/actions/: {module.name}"


@pytest.mark.parametrize("module", sorted(ACTIONS.glob("*.js")), ids=lambda p: p.name)
def test_the_check_sees_the_writes_of_the_actions(module: Path) -> None:
    # The same check over the modules that do write must find them, or it proves nothing above.
    assert writes_in(module.read_text())


@pytest.mark.parametrize(
    "snippet",
    [
        "this.board.transact(() => {})",
        "const m = new Y.Map([['a', 1]])",
        "rule.set('owners', Y.Array.from(owners))",
        "Y.applyUpdate(doc, update)",
        "this.board.getMap('claims').delete(key)",
        "board.getMap('framework').get(key).set('category', 'grey')",
        "const marks = this.board.getMap('marks')\nmarks.delete(key)",
        "const map = this.board.getMap('framework').get(item.key)\nif (map) map.set('sensitive', on)",
        "const poll = board.getMap('poll')\nconst round = poll.get(k)\nround.set('status', 'closed')",
        "if (entry instanceof Y.Map) entry.set('why', why)",
        "if (current instanceof Y.Text) current.insert(0, words)",
        "/** @param {Y.Array<string>} owners */\nfunction f (owners) { owners.push(['x']) }",
        "const items = doc.getArray('items')\nitems.push([text])",
        "this.meta = board.getMap('meta')\nthis.meta.set('wall', 'poll')",
        "scoresOf (pid) {\n  return this.provider.doc(pid).getMap('scores')\n}\nthis.scoresOf(p).set(k, v)",
    ],
)
def test_the_check_finds_each_way_of_writing(snippet: str) -> None:
    assert writes_in(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        "this.open.set(item.key, form)",
        "found.push({ key })",
        "const marks = this.board.getMap('marks')\nconst mine = marks.get(key)",
        "if (value instanceof Y.Map) names.push(value.get('name'))",
        "const board = new Y.Doc()",
        "// marks.delete(key) in a comment\nconst marks = board.getMap('marks')",
        "this.cards.delete(entry.key)",
    ],
)
def test_the_check_lets_reading_be(snippet: str) -> None:
    assert writes_in(snippet) == [], snippet
