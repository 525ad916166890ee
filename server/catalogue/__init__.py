"""The interface's words: one catalogue per language (`<lang>.json` beside this file), read by the
printed exports here and bundled into the web client (web/src/catalogue.js).

A catalogue's sections are the parts that read it: `ui`, `board`, `child` and `people` for the web
client, `print` for the exports. A phrase is a string with `{placeholders}` (`{name|lower}` puts the
value in lower case), a plural (`{"one": …, "other": …}`, chosen by the count `n`), a list, or a group
of phrases keyed by a code the data carries (a status, a relation).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

CATALOGUE_DIR = Path(__file__).resolve().parent
DEFAULT_LANGUAGE = "nl"
PLACEHOLDER = re.compile(r"\{(\w+)(\|lower)?\}")


def languages(directory: Path = CATALOGUE_DIR) -> tuple[str, ...]:
    """The languages with a catalogue in `directory`, the default first: adding a file adds one."""
    found = sorted(p.stem for p in directory.glob("*.json"))
    return tuple(sorted(found, key=lambda lang: lang != DEFAULT_LANGUAGE))


LANGUAGES = languages()


def language(asked: str | None) -> str:
    """`asked` if it is the code of a catalogue here, else the default language."""
    return asked if asked in LANGUAGES else DEFAULT_LANGUAGE


@cache
def catalogue(lang: str, directory: Path = CATALOGUE_DIR) -> dict[str, Any]:
    """The catalogue of `lang` (the default language's when there is none)."""
    chosen = lang if lang in languages(directory) else DEFAULT_LANGUAGE
    loaded: dict[str, Any] = json.loads((directory / f"{chosen}.json").read_text(encoding="utf-8"))
    return loaded


def fill(phrase: str, **values: object) -> str:
    """`phrase` with its placeholders replaced by `values`; an unknown one stays visible as it is."""

    def value(match: re.Match[str]) -> str:
        name, lower = match.group(1), match.group(2)
        if name not in values:
            return match.group(0)
        text = str(values[name])
        return text.lower() if lower else text

    return PLACEHOLDER.sub(value, phrase)
