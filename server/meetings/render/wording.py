"""The words of the printed exports, Dutch (default) and English, and the board's label sets.

The label sets are the client's own files (web/static/labels/*.json); how people relate to the
family, and the plan's statuses, are worded as in web/src/labels.js and web/src/boardwords.js.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LABELS_DIR = Path(__file__).resolve().parents[3] / "web" / "static" / "labels"
# Which sets exist is configuration too: the index beside them, shared with the web client.
LABEL_SETS: tuple[str, ...] = tuple(json.loads((LABELS_DIR / "index.json").read_text(encoding="utf-8"))["sets"])

Words = dict[str, Any]


def label_set(name: str) -> dict[str, Any]:
    chosen = name if name in LABEL_SETS else "nl"
    loaded: dict[str, Any] = json.loads((LABELS_DIR / f"{chosen}.json").read_text(encoding="utf-8"))
    return loaded


RELATIONS: dict[str, dict[str, str]] = {
    "nl": {
        "parent": "Ouder of verzorger",
        "family": "Familie",
        "friend": "Vriend, vriendin of buur",
        "child": "Kind of jongere",
        "professional_school": "Professional: school",
        "professional_police": "Professional: politie",
        "professional_gp": "Professional: huisarts",
        "professional_other": "Professional: anders",
    },
    "en": {
        "parent": "Parent or carer",
        "family": "Family",
        "friend": "Friend or neighbour",
        "child": "Child or young person",
        "professional_school": "Professional: school",
        "professional_police": "Professional: police",
        "professional_gp": "Professional: GP",
        "professional_other": "Professional: other",
    },
}

WORDS: dict[str, Words] = {
    "nl": {
        "report_title": "Verslag",
        "case": "Zaak",
        "room": "Kamer",
        "held": "Datum",
        "status": "Stand",
        "exported": "Geëxporteerd",
        "meeting_status": {"open": "bezig", "closed": "afgesloten"},
        "split_note": "Gesplitst beraad: dit verslag bevat alleen wat in deze kamer is gezegd en besloten.",
        "people": "Wie waren erbij",
        "name": "Naam",
        "relation": "Relatie tot het gezin",
        "nobody": "Niemand aangemeld.",
        "none": "Niets.",
        "no_goal": "(nog geen veiligheidsdoel)",
        "framework": "Het bord",
        "sensitive": "gevoelig",
        "by": "van",
        "facilitator": "gespreksleider",
        "unknown": "onbekend",
        "marks": {"agree": "eens", "disagree": "oneens", "unsure": "weet niet"},
        "scaling": "Schaalvragen",
        "round": "Schaalvraag",
        "about": "over",
        "not_revealed": "Deze ronde is niet getoond: de scores staan niet in het verslag.",
        "no_scores": "Niemand heeft een score gegeven.",
        "score": "Score",
        "why": "Waarom dit getal",
        "plan": "Veiligheidsplan: afspraken",
        "who": "Wie",
        "nobody_yet": "nog niemand",
        "claimed": "Wil dit doen (nog niet bevestigd)",
        "goal": "Doel",
        "when": "Wanneer",
        "check": "Controle",
        "check_by": "Controle door",
        "if_not_kept": "Als het niet lukt",
        "start": "Start",
        "review": "Bekijken op",
        "rule_status": "Stand",
        "statuses": {
            "proposed": "voorgesteld",
            "agreed": "afgesproken",
            "trying": "wordt geprobeerd",
            "working": "werkt",
            "not_working": "werkt niet",
        },
        "child_tools": "Drie Huizen: wat het kind zei",
        "houses": {"worries": "Huis van de zorgen", "good": "Huis van de leuke dingen", "dreams": "Droomhuis"},
        "photo": "foto van een tekening",
        "consent": "(toestemming: {parties})",
        "parties": {"parents": "ouders", "child": "kind", "young_person": "jongere"},
        "child_title": "Wat we hebben afgesproken",
        "child_intro": "De grote mensen hebben samen gepraat. Dit hebben ze afgesproken. Zo ben jij veilig.",
        "child_draw_family": "Wie zijn er voor jou? Teken ze hier.",
        "child_draw_here": "Teken hier",
        "child_helpers": "Dit doet:",
        "child_none": "Er zijn nog geen afspraken.",
        "child_safe": "Waar voel jij je veilig? Teken het hier.",
    },
    "en": {
        "report_title": "Record",
        "case": "Case",
        "room": "Room",
        "held": "Date",
        "status": "Status",
        "exported": "Exported",
        "meeting_status": {"open": "in progress", "closed": "closed"},
        "split_note": "Split meeting: this record holds only what was said and decided in this room.",
        "people": "Who took part",
        "name": "Name",
        "relation": "Relation to the family",
        "nobody": "Nobody joined.",
        "none": "Nothing.",
        "no_goal": "(no safety goal yet)",
        "framework": "The board",
        "sensitive": "sensitive",
        "by": "from",
        "facilitator": "facilitator",
        "unknown": "unknown",
        "marks": {"agree": "agree", "disagree": "disagree", "unsure": "not sure"},
        "scaling": "Scaling questions",
        "round": "Scaling question",
        "about": "about",
        "not_revealed": "This round was not revealed: its scores are not in the record.",
        "no_scores": "Nobody gave a score.",
        "score": "Score",
        "why": "Why this number",
        "plan": "Safety plan: agreements",
        "who": "Who",
        "nobody_yet": "nobody yet",
        "claimed": "Offered to do this (not yet confirmed)",
        "goal": "Goal",
        "when": "When",
        "check": "Check",
        "check_by": "Checked by",
        "if_not_kept": "If it is not kept",
        "start": "Start",
        "review": "Review on",
        "rule_status": "Status",
        "statuses": {
            "proposed": "proposed",
            "agreed": "agreed",
            "trying": "being tried",
            "working": "working",
            "not_working": "not working",
        },
        "child_tools": "Three Houses: what the child said",
        "houses": {"worries": "House of worries", "good": "House of good things", "dreams": "House of dreams"},
        "photo": "photo of a drawing",
        "consent": "(consent: {parties})",
        "parties": {"parents": "parents", "child": "child", "young_person": "young person"},
        "child_title": "What we agreed",
        "child_intro": "The grown-ups talked together. This is what they agreed. It keeps you safe.",
        "child_draw_family": "Who is there for you? Draw them here.",
        "child_draw_here": "Draw here",
        "child_helpers": "Who helps:",
        "child_none": "There are no agreements yet.",
        "child_safe": "Where do you feel safe? Draw it here.",
    },
}
