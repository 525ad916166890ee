"""Progress over time: a follow-up room starts from the board of the room it continues, and a room's
lineage (the chain of rooms each explicitly continues) gives its scores and rule statuses per meeting,
and per rule how often the network reported it held or not held between one meeting and the next.

A lineage is followed only through `continues_room_id`, never by position or name, so in a split
case the mother's line and the father's line never meet (see poll.py).
"""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, Map

from server.meetings.domain.copy_plan import board_value
from server.meetings.domain.network_links import VERDICTS
from server.meetings.domain.parts import KringParts
from server.rooms.schema import BOARD, PRIVATE
from server.store.models import MeetingRoom, Participant

# A case meets every few weeks for a year or two: more than this is a loop, not a history.
MAX_LINEAGE = 50
# What carries over: the framework and the safety plan. Not the scores (a new round is scored
# afresh), not proposals, marks or claims (they are people of the earlier meeting speaking).
CARRIED_ROOTS = ("framework", "agreements")
# Participant ids of the earlier meeting mean nobody in the new one.
_DROPPED = {"framework": ("marks",), "agreements": ("owners", "marks")}


def carried(board: Doc[Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """What of an earlier board a follow-up room starts with, as plain values, by root and key."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for root in CARRIED_ROOTS:
        values = board.get(root, type=Map).to_py() or {}
        kept: dict[str, dict[str, Any]] = {}
        for key, value in values.items():
            if not isinstance(value, dict):
                continue
            entry = {k: v for k, v in value.items() if k not in _DROPPED[root]}
            by = entry.get("by")
            if isinstance(by, str) and not by.startswith("f:"):
                entry.pop("by")  # who raised it was someone of the earlier meeting's room
            entry["carried_from"] = "earlier"
            kept[key] = entry
        found[root] = kept
    return found


async def carry_over(kring: KringParts, earlier_room: str, new_room: str) -> int:
    """Write the earlier room's framework and plan into the new room as the server, keys kept (so a
    rule's status can be followed from meeting to meeting); returns how many entries. The
    facilitator-only ones go from the earlier room's `private` document into the new room's: they
    stay on no phone."""
    values = carried(await kring.live.copy_of(earlier_room, BOARD))
    hidden = carried(await kring.live.copy_of(earlier_room, PRIVATE))
    labels = (await kring.live.copy_of(earlier_room, BOARD)).get("meta", type=Map).get("labels")

    def writer(found: dict[str, dict[str, dict[str, Any]]], with_labels: bool) -> Any:
        def mutate(doc: Doc[Any]) -> None:
            for root, entries in found.items():
                target = doc.get(root, type=Map)
                for key, value in entries.items():
                    target[key] = board_value(value)
            if with_labels and isinstance(labels, str):
                doc.get("meta", type=Map)["labels"] = labels

        return mutate

    count = sum(len(v) for v in values.values())
    only = sum(len(v) for v in hidden.values())
    if only:
        await kring.live.edit(new_room, PRIVATE, writer(hidden, False))
    if count or isinstance(labels, str):
        await kring.live.edit(new_room, BOARD, writer(values, True))
    return count + only


async def lineage(kring: KringParts, room: MeetingRoom) -> list[MeetingRoom]:
    """The room and every room it continues, the oldest first."""
    chain = [room]
    seen = {room.id}
    while len(chain) < MAX_LINEAGE:
        earlier = await kring.meetings.continued_room(chain[-1])
        if earlier is None or earlier.id in seen:
            break
        seen.add(earlier.id)
        chain.append(earlier)
    return list(reversed(chain))


# Where a meeting keeps which of its revealed rounds is its point on the line, per question: the
# board's meta (written by the server only), so it is kept with that meeting and survives a reload.
POINTS = "points"
OVERALL = ""  # the question about the whole situation; any other is a danger statement's key


def _sorted_rounds(board: Doc[Any]) -> list[tuple[str, dict[str, Any]]]:
    """The meeting's rounds by `order`, then key: the order every device shows them in."""
    rounds = board.get("poll", type=Map).to_py() or {}

    def order(value: Any) -> float:
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else float("inf")

    found = [(key, value) for key, value in rounds.items() if isinstance(value, dict)]
    return sorted(found, key=lambda kv: (order(kv[1].get("order")), kv[0]))


def revealed_rounds(board: Doc[Any]) -> list[dict[str, Any]]:
    """Every revealed round of a meeting, in order, each with its number among the meeting's rounds
    (as the record numbers them) and what it is about (OVERALL or the danger statement's key)."""
    found = []
    for number, (round_id, round_) in enumerate(_sorted_rounds(board), start=1):
        if round_.get("status") == "revealed":
            about = round_.get("pair")
            found.append(
                {
                    **round_,
                    "round_id": round_id,
                    "number": number,
                    "about": about if isinstance(about, str) else OVERALL,
                    "title": str(round_.get("title") or ""),
                }
            )
    return found


def picked(board: Doc[Any]) -> dict[str, str]:
    """The rounds the facilitator picked as the meeting's points, by question."""
    raw = board.get("meta", type=Map).get(POINTS)
    values = raw.to_py() if isinstance(raw, Map) else None
    return {str(k): v for k, v in (values or {}).items() if isinstance(v, str)}


def points(board: Doc[Any]) -> dict[str, dict[str, Any]]:
    """Per question, the round that is the meeting's point: the one picked, if it is still a revealed
    round about that question, else the last revealed one about it."""
    rounds = revealed_rounds(board)
    chosen = picked(board)
    found: dict[str, dict[str, Any]] = {}
    for round_ in rounds:
        found[round_["about"]] = {**round_, "picked": False}  # the last one wins
    for question, round_id in chosen.items():
        match = next((r for r in rounds if r["round_id"] == round_id and r["about"] == question), None)
        if match is not None:
            found[question] = {**match, "picked": True}
    return found


def pick(doc: Doc[Any], question: str, round_id: str | None) -> bool:
    """Make `round_id` the meeting's point on `question` (None: back to the last round); False if it
    is no revealed round about that question. Runs inside the server's edit of the board."""
    if round_id is not None and not any(
        r["round_id"] == round_id and r["about"] == question for r in revealed_rounds(doc)
    ):
        return False
    meta = doc.get("meta", type=Map)
    chosen = meta.get(POINTS)
    if not isinstance(chosen, Map):
        if round_id is None:
            return True
        meta[POINTS] = chosen = Map()
    if round_id is None:
        if question in chosen:
            del chosen[question]
    else:
        chosen[question] = round_id
    return True


class _Series:
    """Each person's and each role's score on one question, per meeting of the line."""

    def __init__(self, meetings: int) -> None:
        self.meetings = meetings
        self.people: dict[tuple[str, str], dict[str, Any]] = {}
        self.roles: dict[str, list[list[int]]] = {}

    def add(self, index: int, round_: dict[str, Any], names: dict[str, Participant]) -> None:
        for pid, score in (round_.get("scores") or {}).items():
            who = names.get(pid)
            if who is None or not isinstance(score, dict):
                continue
            value = int(score.get("value", 0))  # Yjs numbers arrive as floats
            # The same person in the next meeting is a new participant: matched by name and relation,
            # only within this room's own line of meetings.
            person = self.people.setdefault(
                (who.name.strip().casefold(), who.relation),
                {"name": who.name, "relation": who.relation, "values": [None] * self.meetings},
            )
            person["values"][index] = value
            self.roles.setdefault(who.relation, [[] for _ in range(self.meetings)])[index].append(value)

    def as_json(self) -> dict[str, Any]:
        return {
            "people": sorted(self.people.values(), key=lambda p: (p["relation"], p["name"])),
            # Each role's mean beside, never instead of, each person's own score (domain.md).
            "roles": [
                {
                    "relation": relation,
                    "values": [round(sum(v) / len(v), 1) if v else None for v in per_meeting],
                    "counts": [len(v) for v in per_meeting],
                }
                for relation, per_meeting in sorted(self.roles.items())
            ],
        }


async def progress_of(kring: KringParts, room: MeetingRoom) -> dict[str, Any]:
    rooms = await lineage(kring, room)
    meetings: list[dict[str, Any]] = []
    overall = _Series(len(rooms))
    # Framework keys are kept from meeting to meeting (carry_over), so a pair's rounds line up.
    pairs: dict[str, _Series] = {}
    pair_titles: dict[str, str] = {}
    rules: dict[str, dict[str, Any]] = {}
    for index, here in enumerate(rooms):
        meeting = await kring.meetings.meeting(here.meeting_id)
        board = await kring.live.copy_of(here.id, BOARD)
        revealed = points(board)
        meetings.append(
            {
                "room_id": here.id,
                "meeting_id": here.meeting_id,
                "title": meeting.title if meeting else "",
                "at": meeting.created_at.isoformat() if meeting and meeting.created_at else None,
                "round": revealed[OVERALL]["round_id"] if OVERALL in revealed else None,
                # Every revealed round is kept, so the facilitator can pick which one is the point.
                "rounds": [
                    {"round_id": r["round_id"], "number": r["number"], "title": r["title"], "about": r["about"]}
                    for r in revealed_rounds(board)
                ],
                "points": {
                    question: {"round_id": r["round_id"], "picked": r["picked"]} for question, r in revealed.items()
                },
            }
        )
        names = {p.id: p for p in await kring.meetings.participants_of(here.id)}
        framework = board.get("framework", type=Map).to_py() or {}
        for pair, round_ in revealed.items():
            series = overall if not pair else pairs.setdefault(pair, _Series(len(rooms)))
            series.add(index, round_, names)
            if pair:
                item = framework.get(pair)
                pair_titles[pair] = (
                    str(item.get("text", "")) if isinstance(item, dict) else str(round_.get("title", ""))
                )
        # The facilitator-only rules too (this is the facilitator's view); the board's copy counts
        # while a rule is halfway between the two documents.
        hidden = (await kring.live.copy_of(here.id, PRIVATE)).get("agreements", type=Map).to_py() or {}
        shown = board.get("agreements", type=Map).to_py() or {}
        for key, rule in {**hidden, **shown}.items():
            if not isinstance(rule, dict):
                continue
            line = rules.setdefault(key, {"key": key, "text": "", "section": "", "statuses": [None] * len(rooms)})
            line["text"] = str(rule.get("text", ""))
            line["section"] = str(rule.get("section", ""))
            line["statuses"][index] = str(rule.get("status", "proposed"))
        # The safety journal of this meeting's room: what the network reported after this meeting,
        # until the next one continued the plan (its own room, its own links).
        for entry in await kring.meetings.journal_entries_of(here.id):
            line = rules.setdefault(
                entry.rule_id, {"key": entry.rule_id, "text": "", "section": "", "statuses": [None] * len(rooms)}
            )
            held = line.setdefault("journal", [None] * len(rooms))
            counts = held[index] = held[index] or {verdict: 0 for verdict in VERDICTS}
            if entry.verdict in counts:
                counts[entry.verdict] += 1
    for line in rules.values():
        line.setdefault("journal", [None] * len(rooms))
    return {
        "meetings": meetings,
        **overall.as_json(),
        "pairs": [
            {"pair": pair, "title": pair_titles.get(pair, ""), **series.as_json()} for pair, series in pairs.items()
        ],
        "rules": list(rules.values()),
    }
