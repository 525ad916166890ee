"""The layout of a room's documents, and what each kind of person may read and write in them.

Every top-level type is a Map (but the /r/<room> page's list), so that every write lands on a key
whose owner can be read off it. Documents: `board` (everyone in the room), `private` (facilitators
only: notes, contact details, child-tool entries whose visibility is "private", and the framework
items and plan rules set to "facilitator only", see LEVELS), and `p.<pid>` (that
participant and the facilitators: an unrevealed score is in no other phone's data at all), and `wall`
(what the projector shows, derived by the server from the board in rooms/wall.py: the projector's
only document, written by nobody else, never stored), and `child` (what a child's phone shows, derived
likewise in rooms/childdoc.py: a child in the child view reads it instead of the board). Who writes
which key, with what, is the
table `WRITES` below: the write check (permissions.py) observes
the roots it names and holds a participant to its rows, the web client's writes (web/src/actions/)
are run against it in tests/test_actions.py, and docs/protocol.md's table is checked against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

BOARD = "board"
PRIVATE = "private"
WALL = "wall"
# A child's phone reads this instead of the board (rooms/childdoc.py): derived, never stored.
CHILD = "child"
CHILD_RELATION = "child"  # the relation that gets the child view (fields.RELATIONS)
OWN_PREFIX = "p."

CHILD_TOOLS = "childtools"

# What a participant's phone writes on the board (web/src/actions/participant.js, read back by
# web/src/boarddata.js), and nothing else is a participant's to write.
CATEGORIES = ("harm", "danger", "complicating", "strengths", "safety", "goals", "next_steps", "grey")  # labels.js
PROPOSAL_FIELDS = frozenset({"by", "text", "category", "status"})
PROPOSAL_DECISION_FIELDS = frozenset({"item"})  # with status other than "open": the facilitator's
PROPOSAL_OPEN = "open"
MAX_PROPOSAL_TEXT = 2000
MARKS = ("agree", "disagree", "unsure")  # marks["<framework item>|<pid>"]
CLAIMED = "claimed"  # claims["<agreement>|<pid>"]; a bottom line is not claimed
# Child tools (domain.md): the Three Houses, each entry with a visibility and a recorded consent.
HOUSES = ("worries", "good", "dreams")
VISIBILITIES = ("private", "room", "shared")  # facilitator only / this room / may be copied
# Who decides, by the child's age band: under 12 the parents, 12-16 child and parents, 16+ the young person.
CONSENT_BY_BAND = {
    "under_12": frozenset({"parents"}),
    "12_16": frozenset({"child", "parents"}),
    "16_plus": frozenset({"young_person"}),
}
# How far a framework item or a plan rule reaches (domain.md): everyone; the phones but not the wall
# (`sensitive: true` on the board); or the facilitators only, where it is not on the board at all but
# in `private` under the same root and key, so that no participant's document ever holds it.
LEVELS = ("all", "sensitive", "facilitator")
LEVELLED_ROOTS = ("framework", "agreements")
DOC_NAME = re.compile(r"^(board|private|p\.[a-z0-9]{1,32})$")  # the documents a room stores
OWN_DOC = f"{OWN_PREFIX}<pid>"

Role = Literal["participant", "facilitator", "server"]


@dataclass(frozen=True)
class Write:
    """One row of who writes what: `role` may write `key` of `root` in `doc`, holding `value`.

    In `doc` and `key`, `<pid>` is the writer's own participant id (the person's, for a row of the
    facilitator or the server) and any other `<name>` stands for any key. `actions` are the
    functions of web/src/actions/<role>.js that make this write."""

    role: Role
    doc: str
    root: str
    key: str
    value: str
    actions: tuple[str, ...] = ()
    array: bool = False  # the root is a list, not a Map (only the /r/<room> page's list)


_OR_DELETED = "; or deleted"
WRITES: tuple[Write, ...] = (
    Write(
        "participant",
        BOARD,
        "proposals",
        "<pid>:<id>",
        f"`{{by: <pid>, text: 1 to {MAX_PROPOSAL_TEXT} characters, category (optional): a framework category,"
        f' status: "{PROPOSAL_OPEN}"}}` until the facilitator decides; while open, deleted',
        ("propose", "withdraw"),
    ),
    Write(
        "participant",
        BOARD,
        "marks",
        "<item>|<pid>",
        " / ".join(f'`"{m}"`' for m in MARKS) + " on an item of `framework`" + _OR_DELETED,
        ("mark", "unmark"),
    ),
    Write(
        "participant",
        BOARD,
        "claims",
        "<rule>|<pid>",
        f'`"{CLAIMED}"` on a rule of `agreements` that is not a bottom line' + _OR_DELETED,
        ("claim", "unclaim"),
    ),
    Write(
        "participant",
        OWN_DOC,
        "scores",
        "<round>",
        f"`{{value: 0 to 10, why: at most {MAX_PROPOSAL_TEXT} characters}}`, only while `poll[<round>].status`"
        f' on the board is `"open"`',
        ("score", "explainScore"),
    ),
    Write(
        "facilitator",
        BOARD,
        "framework",
        "<item>",
        "`{category, text (shared text), by, sensitive, order}`; a danger statement and its goal also"
        " `pair` (the other's key) and `guided` (the form's parts)" + _OR_DELETED,
        ("addItem", "addPair", "editItem", "moveItem", "setLevel", "removeItem", "acceptProposal"),
    ),
    Write(
        "facilitator",
        PRIVATE,
        "framework",
        "<item>",
        "a facilitator-only item: the same fields as on the board (it is on the board under no key),"
        " moved here from the board and back by `setLevel`" + _OR_DELETED,
        ("addItem", "addPair", "editItem", "moveItem", "setLevel", "removeItem"),
    ),
    Write(
        "facilitator",
        BOARD,
        "proposals",
        "<pid>:<id>",
        '`status` `"accepted"` with `item` (the new item\'s key), or `"declined"`',
        ("acceptProposal", "declineProposal"),
    ),
    Write(
        "facilitator",
        BOARD,
        "marks",
        "<item>|<pid>",
        "deleted with their item, or when it becomes facilitator-only",
        ("removeItem", "setLevel"),
    ),
    Write(
        "facilitator",
        BOARD,
        "agreements",
        "<rule>",
        "`{section, text (shared text), owners: [<pid>…], when, check, check_by, if_not_kept, for_children,"
        " start, review, status, sensitive, order}` and `goal` (a goal item's key); `for_children` is the rule in"
        " the child's words, the children's version's only text for it (`\"\"`: left out)" + _OR_DELETED,
        ("addRule", "editRule", "setRuleStatus", "setLevel", "removeRule", "confirmOwner", "removeOwner"),
    ),
    Write(
        "facilitator",
        PRIVATE,
        "agreements",
        "<rule>",
        "a facilitator-only rule: the same fields as on the board, moved here and back by `setLevel`" + _OR_DELETED,
        ("addRule", "editRule", "setRuleStatus", "setLevel", "removeRule", "confirmOwner", "removeOwner"),
    ),
    Write(
        "facilitator",
        BOARD,
        "claims",
        "<rule>|<pid>",
        "deleted when confirmed (the person becomes an owner), with their rule, or when it becomes facilitator-only",
        ("confirmOwner", "removeRule", "setLevel"),
    ),
    Write(
        "facilitator",
        BOARD,
        "poll",
        "<round>",
        '`{title, status: "open", order}` and `pair` (a danger item\'s key); `status` `"closed"`',
        ("openRound", "closeRound"),
    ),
    Write("facilitator", BOARD, "meta", "wall", '`"board"`, `"poll"` or `"plan"`', ("openRound", "showOnWall")),
    Write("facilitator", BOARD, "meta", "labels", "a label set's name", ("chooseLabels",)),
    Write(
        "facilitator",
        OWN_DOC,
        "scores",
        "<round>",
        "`{value: 0 to 10, why}` for someone without a phone, also after the round",
        ("enterScore",),
    ),
    Write(
        "facilitator",
        BOARD,
        "items",
        "<index>",
        "a line of text (the `/r/<room>` page's list)" + _OR_DELETED,
        ("addListItem", "removeListItem"),
        array=True,
    ),
    Write(
        "server",
        BOARD,
        "people",
        "<pid>",
        "`{name: first name, relation}` on admission, and `initial` (the surname's) only while someone else in"
        " the room has the same first name; `in_person: true` for someone added without a phone" + _OR_DELETED,
    ),
    Write(
        "server",
        BOARD,
        "poll",
        "<round>",
        '`status` `"revealed"` and `scores: {<pid>: {value, why}}`, copied from every `p.<pid>` at once',
    ),
    Write(
        "server",
        BOARD,
        "framework",
        "<item>",
        "copies from another room of the meeting (never a sensitive one), and the earlier meeting's items"
        ", and the safety journal's week when the network is called together",
    ),
    Write(
        "server",
        BOARD,
        "agreements",
        "<rule>",
        "copies from another room of the meeting (never a sensitive one), and the earlier meeting's plan",
    ),
    Write("server", BOARD, "meta", "labels", "the earlier meeting's label set"),
    Write(
        "server",
        BOARD,
        "meta",
        "points",
        '`{<question>: <round>}`: which revealed round is the meeting\'s point on the progress chart (`""` the'
        " whole situation, else a pair's danger statement key)",
    ),
    Write("server", BOARD, CHILD_TOOLS, "<entry>", 'a child-tool entry shown in this room (`"room"`, `"shared"`)'),
    Write("server", PRIVATE, CHILD_TOOLS, "<entry>", 'a child-tool entry whose visibility is `"private"`'),
    Write("server", PRIVATE, "framework", "<item>", "the earlier meeting's facilitator-only items"),
    Write("server", PRIVATE, "agreements", "<rule>", "the earlier meeting's facilitator-only rules"),
)

# The board's Map roots, which the write check (permissions.py) observes from the start; any other
# root a document comes to hold (the list root, or one a facilitator made) it watches once it exists.
BOARD_ROOTS = tuple(dict.fromkeys(w.root for w in WRITES if w.doc == BOARD and not w.array))
OWN_ROOTS = tuple(dict.fromkeys(w.root for w in WRITES if w.doc == OWN_DOC))

Kind = Literal["facilitator", "participant", "projector"]


@dataclass(frozen=True)
class Identity:
    """Who is on a socket, decided by the server from a session or token, never from a payload."""

    kind: Kind
    subject: str  # facilitator id, participant id, or the room id for a projector
    name: str
    role: str  # "facilitator", "projector", or the participant's relation
    # A child who was not switched to the full board: reads the `child` document, never the board.
    child_view: bool = False

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
    return doc_name in (WALL, CHILD) or DOC_NAME.match(doc_name) is not None


def can_read(identity: Identity, doc_name: str) -> bool:
    # The wall is the projector's, and the projector reads nothing else: the board holds what
    # a shared screen must not receive (sensitive items, proposals, full names).
    if identity.kind == "projector" or doc_name == WALL:
        return identity.kind == "projector" and doc_name == WALL
    # The child view reads its derived document and its own scores, never the board; nobody else
    # needs the child document (a facilitator sees all of it on the board).
    if identity.child_view or doc_name == CHILD:
        return identity.child_view and doc_name in (CHILD, identity.own_doc)
    if identity.kind == "facilitator":
        return True
    return doc_name in (BOARD, identity.own_doc)


def audience(room: str, doc_name: str) -> list[str]:
    """The Socket.IO groups that receive a document's updates."""
    if doc_name == BOARD:
        return [room]
    if doc_name == WALL:
        return [wall_group(room)]
    if doc_name == CHILD:
        return [child_group(room)]
    if doc_name == PRIVATE:
        return [facilitators_group(room)]
    return [facilitators_group(room), f"{room}/{doc_name}"]


def facilitators_group(room: str) -> str:
    return f"{room}/facilitators"


def wall_group(room: str) -> str:
    return f"{room}/wall"


def child_group(room: str) -> str:
    return f"{room}/child"


def people_group(room: str) -> str:
    """Everyone but the projector: presence (full names, who is typing) never goes to the wall."""
    return f"{room}/people"


def groups_of(room: str, identity: Identity) -> list[str]:
    if identity.kind == "projector":
        return [wall_group(room)]
    if identity.child_view:
        # Not the room's group (the board's updates) nor the people's (presence may carry anything a
        # phone puts in its state): the child document and the child's own scores only.
        return [child_group(room), f"{room}/{identity.own_doc}"]
    groups = [room, people_group(room)]
    if identity.kind == "facilitator":
        groups.append(facilitators_group(room))
    own = identity.own_doc
    if own is not None:
        groups.append(f"{room}/{own}")
    return groups
