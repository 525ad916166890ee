"""The words of the printed exports, in every language of the interface's catalogues
(server/catalogue/), and the board's label sets (the client's own files, web/static/labels/*.json).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from server.catalogue import LANGUAGES, catalogue

LABELS_DIR = Path(__file__).resolve().parents[3] / "web" / "static" / "labels"
# Which sets exist is configuration too: the index beside them, shared with the web client.
LABEL_SETS: tuple[str, ...] = tuple(json.loads((LABELS_DIR / "index.json").read_text(encoding="utf-8"))["sets"])

Words = dict[str, Any]


def label_set(name: str) -> dict[str, Any]:
    chosen = name if name in LABEL_SETS else "nl"
    loaded: dict[str, Any] = json.loads((LABELS_DIR / f"{chosen}.json").read_text(encoding="utf-8"))
    return loaded


# The record says what the screen said: these words of the printed forms are the board's, the child
# tools' and the people list's own phrases.
FROM_SCREEN: dict[str, tuple[str, ...]] = {
    "facilitator": ("people", "roles", "facilitator"),
    "sensitive": ("ui", "sensitiveBadge"),
    "facilitator_only": ("ui", "facilitatorOnlyBadge"),
    "round": ("board", "scaleTitle"),
    "no_scores": ("board", "noScores"),
    "score": ("board", "scoreValue"),
    "plan": ("board", "planTitle"),
    "who": ("board", "owners"),
    "nobody_yet": ("board", "nobodyYet"),
    "goal": ("board", "goalOf"),
    "when": ("board", "whenLabel"),
    "check": ("board", "checkLabel"),
    "check_by": ("board", "checkByLabel"),
    "start": ("board", "ruleStart"),
    "review": ("board", "ruleReview"),
    "rule_status": ("board", "ruleStatus"),
    "statuses": ("board", "statuses"),
    "houses": ("child", "houses"),
    "parties": ("child", "partiesShort"),
    "journal_title": ("journal", "journalTitle"),
    "journal_held": ("journal", "summaryHeld"),
    "journal_failed": ("journal", "summaryFailed"),
    "journal_flagged": ("journal", "flagged"),
    "journal_none": ("journal", "noReports"),
    "journal_verdicts": ("journal", "verdicts"),
    "journal_kinds": ("journal", "kinds"),
}


def _print_words(lang: str) -> Words:
    words = catalogue(lang)
    shared: Words = {}
    for key, path in FROM_SCREEN.items():
        phrase: Any = words
        for part in path:
            phrase = phrase[part]
        shared[key] = phrase
    return {**words["print"], **shared}


# How people relate to the family: the same list, in the same words, as the phone's join form.
RELATIONS: dict[str, dict[str, str]] = {lang: catalogue(lang)["people"]["relations"] for lang in LANGUAGES}
# The short role words the screens use beside a first name ("Kees (ouder)").
ROLES: dict[str, dict[str, str]] = {lang: catalogue(lang)["people"]["roles"] for lang in LANGUAGES}
WORDS: dict[str, Words] = {lang: _print_words(lang) for lang in LANGUAGES}
