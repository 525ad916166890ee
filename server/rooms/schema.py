"""The layout of a room's documents, and what each kind of person may read and write in them.

Every top-level type is a Map, so that every write lands on a key whose owner can be read off it:
  board    framework[item]          facilitator
           proposals["<pid>:<id>"]  {by: <pid>, text, category, status: "open"} of <pid>, until the
                                    facilitator decides (status accepted/declined, item)
           marks["<item>|<pid>"]    "agree" / "disagree" / "unsure" of <pid> on framework <item>
           claims["<rule>|<pid>"]   "claimed": <pid>'s "I'll do this" on agreements <rule>
           agreements, poll, people, meta   facilitator (and the server)
           childtools[entry]        facilitator (through the server): child-tool content shown in this
                                    room ("room") or also copyable to the other rooms ("shared")
  private  anything                  facilitator only: notes, contact details, and childtools[entry]
                                    whose visibility is "private" (never in a document a phone gets)
  p.<pid>  scores[round] = {value: 0..10, why}   <pid> and the facilitator; nobody else sees it
  wall     what the projector shows, derived by the server from the board (rooms/wall.py); the
           projector's only document, written by nobody else, never stored
A participant's own document keeps an unrevealed score out of every other phone's data entirely.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

BOARD = "board"
PRIVATE = "private"
WALL = "wall"
OWN_PREFIX = "p."

CHILD_TOOLS = "childtools"
# Every root a participant could reach is observed by the write check (permissions.py): a root
# left out here would let a phone write in it unseen once a facilitator had created it.
BOARD_ROOTS = ("framework", "proposals", "marks", "claims", "agreements", "poll", "people", "meta", CHILD_TOOLS)

# What a participant's phone writes on the board (web/src/phoneactions.js, read back by
# web/src/boarddata.js), and nothing else is a participant's to write.
CATEGORIES = ("harm", "danger", "complicating", "strengths", "safety", "goals", "next_steps", "grey")  # labels.js
PROPOSAL_FIELDS = frozenset({"by", "text", "category", "status"})
PROPOSAL_DECISION_FIELDS = frozenset({"item"})  # with status other than "open": the facilitator's
PROPOSAL_OPEN = "open"
MAX_PROPOSAL_TEXT = 2000
MARKS = ("agree", "disagree", "unsure")  # marks["<framework item>|<pid>"]
CLAIMED = "claimed"  # claims["<agreement>|<pid>"]; a bottom line is not claimed
OWN_ROOTS = ("scores",)
# Child tools (domain.md): the Three Houses, each entry with a visibility and a recorded consent.
HOUSES = ("worries", "good", "dreams")
VISIBILITIES = ("private", "room", "shared")  # facilitator only / this room / may be copied
# Who decides, by the child's age band: under 12 the parents, 12-16 child and parents, 16+ the young person.
CONSENT_BY_BAND = {
    "under_12": frozenset({"parents"}),
    "12_16": frozenset({"child", "parents"}),
    "16_plus": frozenset({"young_person"}),
}
DOC_NAME = re.compile(r"^(board|private|p\.[a-z0-9]{1,32})$")  # the documents a room stores

Kind = Literal["facilitator", "participant", "projector"]


@dataclass(frozen=True)
class Identity:
    """Who is on a socket, decided by the server from a session or token, never from a payload."""

    kind: Kind
    subject: str  # facilitator id, participant id, or the room id for a projector
    name: str
    role: str  # "facilitator", "projector", or the participant's relation

    @property
    def own_doc(self) -> str | None:
        return f"{OWN_PREFIX}{self.subject}" if self.kind == "participant" else None


def roots_of(doc_name: str) -> tuple[str, ...]:
    if doc_name == BOARD:
        return BOARD_ROOTS
    if doc_name.startswith(OWN_PREFIX):
        return OWN_ROOTS
    return ()


def known_doc(doc_name: str) -> bool:
    return doc_name == WALL or DOC_NAME.match(doc_name) is not None


def can_read(identity: Identity, doc_name: str) -> bool:
    # The wall is the projector's, and the projector reads nothing else: the board holds what
    # a shared screen must not receive (sensitive items, proposals, full names).
    if identity.kind == "projector" or doc_name == WALL:
        return identity.kind == "projector" and doc_name == WALL
    if identity.kind == "facilitator":
        return True
    return doc_name in (BOARD, identity.own_doc)


def audience(room: str, doc_name: str) -> list[str]:
    """The Socket.IO groups that receive a document's updates."""
    if doc_name == BOARD:
        return [room]
    if doc_name == WALL:
        return [wall_group(room)]
    if doc_name == PRIVATE:
        return [facilitators_group(room)]
    return [facilitators_group(room), f"{room}/{doc_name}"]


def facilitators_group(room: str) -> str:
    return f"{room}/facilitators"


def wall_group(room: str) -> str:
    return f"{room}/wall"


def people_group(room: str) -> str:
    """Everyone but the projector: presence (full names, who is typing) never goes to the wall."""
    return f"{room}/people"


def groups_of(room: str, identity: Identity) -> list[str]:
    if identity.kind == "projector":
        return [wall_group(room)]
    groups = [room, people_group(room)]
    if identity.kind == "facilitator":
        groups.append(facilitators_group(room))
    own = identity.own_doc
    if own is not None:
        groups.append(f"{room}/{own}")
    return groups
