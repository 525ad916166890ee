"""The style sheets are served as written (no build step checks them): an unclosed rule makes the
browser drop every rule after it, so their braces must balance."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"


@pytest.mark.parametrize("sheet", sorted(p.name for p in STATIC.glob("*.css")))
def test_every_rule_is_closed(sheet: str) -> None:
    text = re.sub(r"/\*.*?\*/", "", (STATIC / sheet).read_text(encoding="utf-8"), flags=re.S)
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        for char in line:
            depth += {"{": 1, "}": -1}.get(char, 0)
            assert depth >= 0, f"{sheet}: a '}}' closes nothing (line {number} without comments)"
    assert depth == 0, f"{sheet}: {depth} rule(s) never closed"
