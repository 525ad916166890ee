"""docs/protocol.md's table of who writes what is `schema.WRITES`, and the write check observes it.

`python -m tests.test_write_table` prints the table to paste between the markers.
"""

from __future__ import annotations

from pathlib import Path

from server.rooms.schema import BOARD, WRITES, roots_of

PROTOCOL = Path(__file__).resolve().parent.parent / "docs" / "protocol.md"
BEGIN = "<!-- writes: generated from server/rooms/schema.py WRITES (python -m tests.test_write_table) -->"
END = "<!-- /writes -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render() -> str:
    lines = [
        BEGIN,
        "| who | document | root | key | value | web/src/actions/ |",
        "|---|---|---|---|---|---|",
    ]
    for w in WRITES:
        actions = ", ".join(f"`{a}`" for a in w.actions)
        where = f"`{w.role}.js`: {actions}" if w.actions else "(the server itself)"
        cells = [w.role, f"`{w.doc}`", f"`{w.root}`", f"`{w.key}`", w.value, where]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    lines.append(END)
    return "\n".join(lines)


def test_the_protocol_doc_shows_the_table() -> None:
    text = PROTOCOL.read_text()
    assert BEGIN in text and END in text, "docs/protocol.md lost the markers of the table"
    shown = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert shown == render(), "docs/protocol.md's table differs from schema.WRITES:\n" + render()


def test_the_write_check_observes_every_map_root_of_the_board() -> None:
    # A board root someone writes that the check does not observe would let a phone write in it.
    written = {w.root for w in WRITES if w.doc == BOARD and not w.array}
    assert written <= set(roots_of(BOARD))


if __name__ == "__main__":
    print(render())
