"""Exporting one room of a meeting: structured JSON, a PDF from print HTML, the children's version.

The board is a working tool, not the dossier (domain.md): what was decided leaves it through
here, into the organisation's own file, before the board forgets it. Everything is per room: a
split meeting exports each parent's room on its own, and nothing here reads any other room's
documents, so one parent's network, words and scores cannot reach the other's export.

Only facilitators of the case may export; every export is audited ("export", the format, never the
content). The facilitator-only `private` document (notes, contact details) and unrevealed scores
are never exported: the first is not part of the meeting's record, the second was never shown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pycrdt import Map

from server.meetings.domain import network_links, photos
from server.meetings.domain.errors import ApiError
from server.meetings.domain.parts import KringParts
from server.meetings.domain.people import first_name
from server.meetings.render.printing import data_url
from server.meetings.render.wording import LABEL_SETS, label_set
from server.rooms.schema import BOARD, CATEGORIES, CHILD_TOOLS, LEVELLED_ROOTS, PRIVATE
from server.store.meetings import RoomAccess
from server.store.models import Participant

# Bumped when a field changes meaning or goes, or a new section is added that an importer must know
# of. 2: the safety journal (`journal`), the network's reports between meetings.
SCHEMA = "kring.room-export"
SCHEMA_VERSION = 2

COLUMNS = {
    "worried": ("harm", "danger", "complicating"),
    "working": ("strengths", "safety"),
    "needed": ("goals", "next_steps"),
    "unclear": ("grey",),
}
SECTIONS = ("immediate", "longer", "bottom_line")
STATUSES = ("proposed", "agreed", "trying", "working", "not_working")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _order(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else float("inf")


def _sorted(entries: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Entries by `order`, then key: the order every device shows (web/src/boarddata.js)."""
    found = [(key, value) for key, value in entries.items() if isinstance(value, dict)]
    return sorted(found, key=lambda kv: (_order(kv[1].get("order")), kv[0]))


def _when(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).isoformat()


async def room_content(kring: KringParts, access: RoomAccess) -> dict[str, Any]:
    """What this room's board holds, with names: the JSON export, and what the PDFs are drawn from."""
    store = kring.meetings
    meeting = await store.meeting(access.meeting_id)
    case = await store.case(access.case_id)
    if meeting is None or case is None or meeting.status in ("deleting", "deleted"):
        raise ApiError(410, "deleted", "Deze bijeenkomst is verwijderd. / This meeting was deleted.")
    rooms = await store.rooms_of(meeting.id)
    participants = await store.participants_of(access.room_id)
    board = (await kring.live.copy_of(access.room_id, BOARD)).get  # one detached copy, read below
    roots: dict[str, dict[str, Any]] = {
        root: board(root, type=Map).to_py() or {}
        for root in ("framework", "marks", "claims", "agreements", "poll", "people", "meta", CHILD_TOOLS)
    }
    # The facilitator-only items and rules (the private document, same roots and keys): the record is
    # the facilitators', so it holds them too, marked. While a move is halfway, the board's copy counts.
    private = (await kring.live.copy_of(access.room_id, PRIVATE)).get
    hidden: dict[str, set[str]] = {}
    for root in LEVELLED_ROOTS:
        kept = {k: v for k, v in (private(root, type=Map).to_py() or {}).items() if k not in roots[root]}
        hidden[root] = set(kept)
        roots[root] = {**roots[root], **kept}
    on_board = roots["people"]
    names = {p.id: p.name for p in participants}

    def person(pid: str) -> dict[str, Any]:
        shown = on_board.get(pid)
        name = names.get(pid) or (_text(shown.get("name")) if isinstance(shown, dict) else "")
        return {"id": pid, "name": name, "first_name": first_name(name)}

    labels_name = _text(roots["meta"].get("labels")) or "nl"
    labels = label_set(labels_name)
    marks: dict[str, list[dict[str, Any]]] = {}
    for key, mark in sorted(roots["marks"].items()):
        item, _, pid = key.rpartition("|")
        if item and mark in ("agree", "disagree", "unsure"):
            marks.setdefault(item, []).append({**person(pid), "mark": mark})
    claims: dict[str, list[dict[str, Any]]] = {}
    for key, value in sorted(roots["claims"].items()):
        rule, _, pid = key.rpartition("|")
        if rule and value == "claimed":
            claims.setdefault(rule, []).append(person(pid))

    items: dict[str, dict[str, Any]] = {}
    for key, raw in _sorted(roots["framework"]):
        text = _text(raw.get("text"))
        category = _text(raw.get("category"))
        if not text or category not in CATEGORIES:
            continue
        by = _text(raw.get("by"))
        items[key] = {
            "id": key,
            "category": category,
            "text": text,
            "raised_by": {"role": "facilitator"} if by.startswith("f:") or not by else person(by),
            "sensitive": raw.get("sensitive") is True or key in hidden["framework"],
            "facilitator_only": key in hidden["framework"],
            "pair": _text(raw.get("pair")) or None,
            "marks": marks.get(key, []),
        }

    def brief(item_id: str | None) -> dict[str, Any] | None:
        item = items.get(item_id or "")
        return {"id": item["id"], "text": item["text"]} if item else None

    framework = [
        {
            "category": category,
            "label": labels["categories"].get(category, category),
            "column": next(col for col, cats in COLUMNS.items() if category in cats),
            "items": [item for item in items.values() if item["category"] == category],
        }
        for category in CATEGORIES
    ]
    dangers = [
        {
            "id": item["id"],
            "text": item["text"],
            "sensitive": item["sensitive"],
            "facilitator_only": item["facilitator_only"],
            "safety_goal": brief(item["pair"]),
        }
        for item in items.values()
        if item["category"] == "danger"
    ]

    rounds = []
    for key, raw in _sorted(roots["poll"]):
        status = _text(raw.get("status"))
        status = status if status in ("open", "closed", "revealed") else "open"
        scores = []
        # Only a revealed round's scores were ever on the board; until then they are each person's own.
        if status == "revealed" and isinstance(raw.get("scores"), dict):
            for pid, score in raw["scores"].items():
                if not isinstance(score, dict) or not isinstance(score.get("value"), int | float):
                    continue
                value = int(score["value"])  # Yjs numbers arrive as floats
                if 0 <= value <= 10:
                    relation = next((p.relation for p in participants if p.id == pid), "")
                    scores.append({**person(pid), "relation": relation, "value": value, "why": _text(score.get("why"))})
        scores.sort(key=lambda s: (s["value"], s["name"]))
        about = _text(raw.get("pair")) or None
        rounds.append(
            {"id": key, "title": _text(raw.get("title")), "about": brief(about), "status": status, "scores": scores}
        )

    plan = []
    for key, raw in _sorted(roots["agreements"]):
        text = _text(raw.get("text"))
        if not text:
            continue
        section = _text(raw.get("section"))
        status = _text(raw.get("status"))
        owners = raw.get("owners")
        owners = owners if isinstance(owners, list) else []
        plan.append(
            {
                "id": key,
                "section": section if section in SECTIONS else "immediate",
                "text": text,
                "goal": brief(_text(raw.get("goal")) or None),
                "owners": [person(pid) for pid in owners if isinstance(pid, str)],
                "claimed_by": claims.get(key, []),  # said "I'll do this", not yet confirmed
                "when": _text(raw.get("when")),
                "check": _text(raw.get("check")),
                "check_by": _text(raw.get("check_by")),
                "if_not_kept": _text(raw.get("if_not_kept")),
                "for_children": _text(raw.get("for_children")),  # the children's version's only words for it
                "start": _text(raw.get("start")) or None,
                "review": _text(raw.get("review")) or None,
                "status": status if status in STATUSES else "proposed",
                "sensitive": raw.get("sensitive") is True or key in hidden["agreements"],
                "facilitator_only": key in hidden["agreements"],
            }
        )

    # Only what the child's words may be on the board for: an entry with its consent recorded.
    # Entries kept facilitator-only (the private document) had no such consent and stay out.
    child_tools = []
    for key, raw in _sorted(roots[CHILD_TOOLS]):
        consent = raw.get("consent") if isinstance(raw.get("consent"), dict) else None
        if raw.get("visibility") not in ("room", "shared") or consent is None:
            continue
        child_tools.append(
            {
                "id": key,
                "tool": _text(raw.get("tool")),
                "house": _text(raw.get("house")),
                "text": _text(raw.get("text")),
                "photo": _text(raw.get("photo")) or None,
                "visibility": raw.get("visibility"),
                "consent": {k: consent.get(k) for k in ("band", "parties", "at")},
            }
        )

    journal = await _journal(kring, access, plan, participants, person)

    retention = kring.settings.retention_days
    deletes_after = meeting.closed_at + timedelta(days=retention) if meeting.closed_at else None
    room = next(r for r in rooms if r.id == access.room_id)
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "exported_at": datetime.now(UTC).isoformat(),
        "labels": labels_name if labels_name in LABEL_SETS else "nl",
        "case": {"id": case.id, "label": case.label},
        "meeting": {
            "id": meeting.id,
            "title": meeting.title,
            "status": meeting.status,
            "created_at": _when(meeting.created_at),
            "closed_at": _when(meeting.closed_at),
            "deletes_after": _when(deletes_after),
            # How many rooms, never their names or contents: the other room is not this export's.
            "split": len(rooms) > 1,
        },
        "room": {"id": room.id, "name": room.name},
        "people": [
            {"id": p.id, "name": p.name, "first_name": first_name(p.name), "relation": p.relation}
            for p in participants
            if p.status == "admitted"
        ],
        "framework": framework,
        "danger_statements": dangers,
        "rounds": rounds,
        "plan": plan,
        "child_tools": child_tools,
        "journal": journal,
    }


async def _journal(
    kring: KringParts,
    access: RoomAccess,
    plan: list[dict[str, Any]],
    participants: list[Participant],
    person: Callable[[str], dict[str, Any]],
) -> dict[str, Any]:
    """The room's safety journal as the console shows it (network_links.journal_of), each report's
    author as the rest of the export names people ({id, name, first_name}) beside the relation's kind."""
    entries = await kring.meetings.journal_entries_of(access.room_id)
    reports = [
        network_links.Report(
            id=e.id,
            participant_id=e.participant_id,
            rule_id=e.rule_id,
            verdict=e.verdict,
            note=e.note,
            day=e.day,
            at=_when(e.created_at) or "",
        )
        for e in entries
    ]
    authors = {r.id: r.participant_id for r in reports}
    people = {p.id: (p.name, p.relation) for p in participants}
    found = network_links.journal_of(network_links.shared_plan(plan), reports, people, datetime.now(UTC).date())
    rules = []
    for rule in found["rules"]:
        shown = []
        for report in rule["reports"]:
            who = person(authors[report["id"]])
            shown.append(
                {
                    "id": report["id"],
                    "by": who,
                    "relation": report["relation"],
                    "kind": report["kind"],
                    "day": report["day"],
                    "at": report["at"],
                    "verdict": report["verdict"],
                    "note": report["note"],
                }
            )
        rules.append({**rule, "reports": shown})
    return {"rules": rules, "summary": found["summary"]}


def child_drawings(kring: KringParts, access: RoomAccess, content: dict[str, Any]) -> dict[str, str]:
    """The photos of the Three Houses entries in `content`, as data URLs for the children's version:
    the page carries them itself, so its PDF makes no request and the HTML needs no photo session."""
    found: dict[str, str] = {}
    for entry in content["child_tools"]:
        path = photos.photo_path(kring.settings, access.room_id, entry["photo"] or "")
        if path is not None:
            found[entry["photo"]] = data_url(path.read_bytes(), photos.MEDIA_TYPES[path.suffix.lstrip(".")])
    return found
