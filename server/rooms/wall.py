"""The wall's document: only what a projector may show, derived by the server from the live board.

A projector is often a shared meeting-room PC, so it never receives the board itself: no sensitive
item or rule, no proposal, no score before the reveal, first names only. The wall document is a
view, not a second source of truth: it is never stored or relayed, it is rebuilt from the board
whenever a room loads, and it follows the board by diffing what the wall should show against what
it holds, so an edit of a visible item changes only that field, and an item marked sensitive is
deleted (Yrs then drops its content, keeping a tombstone without it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NoReturn

from pycrdt import (
    Doc,
    Map,
    Subscription,
    TransactionEvent,
    YSyncMessageType,
    create_sync_message,
    create_update_message,
)

from server.crdt import EMPTY_UPDATE, apply_checked, missing_after_apply, state_vector_of
from server.protocol import Refusal, Refused, parse_sync_frame
from server.rooms.channel import RoomChannel
from server.rooms.schema import CHILD_TOOLS, CLAIMED, HOUSES, MARKS, WALL, wall_group

log = logging.getLogger("kring.room")

# Every root is a Map, as on the board; `left_out` says how many sensitive entries the wall lacks;
# `present` who is connected now (not from the board: from the room's sockets and presence).
PRESENT = "present"
WALL_ROOTS = ("framework", "agreements", "marks", "claims", "poll", "people", "meta", CHILD_TOOLS, "left_out", PRESENT)
_META_SHOWN = ("wall", "labels")  # which view is up, the label set
_RULE_TEXTS = ("when", "check", "check_by", "if_not_kept")
_RULE_WORDS = ("section", "start", "review", "status")
_SHOWN_CHILD_TOOLS = ("room", "shared")
# The wall follows the board at most this often: deriving it takes a few ms on a full board (3-9 ms
# for 60 items with 600 marks on a loaded machine), too much for every 2-ms fan-out window of a busy
# room, and nobody sees a tenth of a second on a screen across the room.
_INTERVAL = 0.1


def _plain(doc: Doc[Any], root: str) -> dict[str, Any]:
    """A root as plain values (texts read as str, arrays as lists), read in one call: pycrdt's `to_py`
    reads key by key, and took ~7 ms for a board of 60 items with their marks."""
    found = json.loads(str(doc.get(root, type=Map)))
    return found if isinstance(found, dict) else {}


def _entries(board: Doc[Any], root: str) -> dict[str, dict[str, Any]]:
    """A root's entries that are objects (a map on the board)."""
    return {key: value for key, value in _plain(board, root).items() if isinstance(value, dict)}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _order(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _fields(**fields: Any) -> dict[str, Any]:
    """Only the fields that hold something: a missing one reads the same on the wall."""
    return {key: value for key, value in fields.items() if value not in (None, "", [])}


def first_name(name: str) -> str:
    """What the wall may say of a name: its first word (web/src/projector.js shows the same)."""
    words = name.split()
    return words[0] if words else ""


def _people(board: Doc[Any]) -> dict[str, dict[str, Any]]:
    return {
        pid: _fields(
            name=first_name(_text(person.get("name"))),
            relation=_text(person.get("relation")),
            # Only on two people of the same first name (people.py): the wall tells them apart too.
            initial=_text(person.get("initial"))[:1],
        )
        for pid, person in _entries(board, "people").items()
    }


def present_of(users: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Who is connected now, as the wall may say it: each participant by their id (the wall's `people`
    has their first name) with their relation, and the facilitators as one "f:" (never which ones).
    `users` are the room's connections and presence states (`kind`, `id`, `role`, as the server
    stamps them); a projector is not a person in the room."""
    present: dict[str, str] = {}
    for user in users:
        kind, pid = user.get("kind"), user.get("id")
        if kind == "facilitator":
            present["f:"] = "facilitator"
        elif kind == "participant" and isinstance(pid, str) and pid:
            present[pid] = _text(user.get("role"))
    return present


def _sort_key(entry: tuple[str, dict[str, Any]]) -> tuple[float, str]:
    order = _order(entry[1].get("order"))
    return (math.inf if order is None else order, entry[0])


def _pair_numbers(items: dict[str, dict[str, Any]]) -> dict[str, float]:
    """The danger statements' pair numbers over every item, sensitive ones too, as the wall numbered
    a scaling round's pair before it had a document of its own (web/src/boardview.js pairNumbers)."""
    with_text = sorted(((key, item) for key, item in items.items() if _text(item.get("text"))), key=_sort_key)
    keys = {key for key, _item in with_text}
    numbers: dict[str, float] = {}
    n = 0
    for key, item in with_text:
        pair = item.get("pair")
        if item.get("category") == "danger" and isinstance(pair, str) and pair in keys:
            n += 1
            numbers[key] = numbers[pair] = float(n)
    return numbers


def _visible(entries: dict[str, dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], int]:
    """The entries with a text that are not marked sensitive, and how many are."""
    shown: dict[str, dict[str, Any]] = {}
    hidden = 0
    for key, entry in entries.items():
        if not _text(entry.get("text")):
            continue  # the views skip an entry without text, and so do not count it either
        if entry.get("sensitive") is True:
            hidden += 1
        else:
            shown[key] = entry
    return shown, hidden


def _framework(items: dict[str, dict[str, Any]], people: dict[str, Any]) -> dict[str, Any]:
    framework: dict[str, Any] = {}
    for key, item in items.items():
        by, pair = _text(item.get("by")), item.get("pair")
        framework[key] = _fields(
            category=_text(item.get("category")),
            text=item["text"],
            # Only whether a facilitator raised it (the wall says "gespreksleider"), or who of the people.
            by="f:" if by.startswith("f:") else by if by in people else None,
            order=_order(item.get("order")),
            pair=pair if isinstance(pair, str) and pair in items else None,
        )
    return framework


def _agreements(rules: dict[str, dict[str, Any]], framework: dict[str, Any]) -> dict[str, Any]:
    agreements: dict[str, Any] = {}
    for key, rule in rules.items():
        goal, owners = rule.get("goal"), rule.get("owners")
        agreements[key] = _fields(
            text=rule["text"],
            goal=goal if isinstance(goal, str) and goal in framework else None,
            owners=[pid for pid in owners if isinstance(pid, str)] if isinstance(owners, list) else None,
            order=_order(rule.get("order")),
            **{name: _text(rule.get(name)) for name in _RULE_TEXTS + _RULE_WORDS},
        )
    return agreements


def _poll(board: Doc[Any], numbers: dict[str, float]) -> dict[str, Any]:
    poll: dict[str, Any] = {}
    for key, round_ in _entries(board, "poll").items():
        status, pair, scores = _text(round_.get("status")), round_.get("pair"), round_.get("scores")
        shown = _fields(
            title=_text(round_.get("title")),
            pair=pair if isinstance(pair, str) else None,
            pair_number=numbers.get(pair) if isinstance(pair, str) else None,
            status=status,
            order=_order(round_.get("order")),
        )
        # Scores reach the board only at the reveal; should one be there earlier, the wall waits.
        if status == "revealed" and isinstance(scores, dict):
            shown["scores"] = {
                pid: _fields(value=score.get("value"), why=_text(score.get("why")))
                for pid, score in scores.items()
                if isinstance(score, dict)
            }
        poll[key] = shown
    return poll


def _child_tools(board: Doc[Any]) -> dict[str, Any]:
    return {
        key: _fields(
            house=entry.get("house"),
            visibility=entry.get("visibility"),
            text=_text(entry.get("text")),
            photo=_text(entry.get("photo")),
            order=_order(entry.get("order")),
        )
        for key, entry in _entries(board, CHILD_TOOLS).items()
        if entry.get("visibility") in _SHOWN_CHILD_TOOLS and entry.get("house") in HOUSES
    }


def wall_of(board: Doc[Any]) -> dict[str, dict[str, Any]]:
    """What the wall shows of `board`, root by root; a dict stands for a Map."""
    people = _people(board)
    items = _entries(board, "framework")
    shown_items, hidden_items = _visible(items)
    framework = _framework(shown_items, people)
    shown_rules, hidden_rules = _visible(_entries(board, "agreements"))
    agreements = _agreements(shown_rules, framework)
    marks, claims, meta = _plain(board, "marks"), _plain(board, "claims"), _plain(board, "meta")
    return {
        "framework": framework,
        "agreements": agreements,
        "marks": {k: v for k, v in marks.items() if v in MARKS and k.rpartition("|")[0] in framework},
        "claims": {k: v for k, v in claims.items() if v == CLAIMED and k.rpartition("|")[0] in agreements},
        "poll": _poll(board, _pair_numbers(items)),
        "people": people,
        "meta": {k: meta[k] for k in _META_SHOWN if isinstance(meta.get(k), str)},
        CHILD_TOOLS: _child_tools(board),
        "left_out": {"framework": float(hidden_items), "agreements": float(hidden_rules)},
    }


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _prelim(value: Any) -> Any:
    return Map({k: _prelim(v) for k, v in value.items()}) if isinstance(value, dict) else value


def _reconcile(target: Map[Any], have: Mapping[str, Any], want: Mapping[str, Any]) -> None:
    """Write into `target` (which reads as `have`) only what differs from `want`."""
    for key in have.keys() - want.keys():
        del target[key]
    for key, value in want.items():
        current = have.get(key)
        if _same(current, value):
            continue
        if isinstance(value, dict) and isinstance(current, dict):
            _reconcile(target[key], current, value)  # the wall writes Maps only, never plain objects
        else:
            target[key] = _prelim(value)


class WallDocument:
    """A room's wall document, brought into step with the board when it may have changed."""

    def __init__(self) -> None:
        self.doc: Doc[Any] = Doc()
        for root in WALL_ROOTS:
            self.doc.get(root, type=Map)
        self.stale = True
        self._update: bytes | None = None
        self._subscription: Subscription | None = self.doc.observe(self._record)

    def _record(self, event: TransactionEvent) -> None:
        self._update = event.update

    def refresh(self, board: Doc[Any], present: Mapping[str, str] | None = None) -> bytes | None:
        """Bring the wall into step with `board` (if it may have changed) and with who is `present`;
        returns the update that did it, if anything changed."""
        shown: dict[str, Any] = wall_of(board) if self.stale else {}
        if present is not None:
            shown[PRESENT] = dict(present)
        if not shown:
            return None
        self.stale = False
        self._update = None
        with self.doc.transaction(origin="server"):
            for root, want in shown.items():
                target = self.doc.get(root, type=Map)
                _reconcile(target, _plain(self.doc, root), want)
        return self._update

    def knows(self, state_vector: bytes) -> bool:
        """Whether a reader's state vector holds nothing but this document's own history: a reader
        that kept another wall document (before a restart, from another process) must start afresh."""
        ours = state_vector_of(self.doc.get_state())
        return all(ours.get(client, 0) >= clock for client, clock in state_vector_of(state_vector).items())

    def adds_nothing(self, update: bytes) -> bool:
        """Whether `update` (a reader's answer to our sync step 1) holds nothing the wall lacks: it
        repeats the whole delete set, so it is not empty once anything left the wall. Tried on a
        copy; the wall itself is never written by a reader."""
        copy: Doc[Any] = Doc()
        copy.apply_update(self.doc.get_update())
        before = copy.get_update()
        try:
            apply_checked(copy, update)
        except Exception:
            return False
        return copy.get_update() == before and not missing_after_apply(update, copy)

    def dispose(self) -> None:
        if self._subscription is not None:
            self.doc.unobserve(self._subscription)
            self._subscription = None


def _closed() -> NoReturn:
    raise RuntimeError("the room is closed")


class WallFeed:
    """One room's wall and its projectors: kept in step with the board while one is connected."""

    def __init__(
        self,
        room: str,
        channel: RoomChannel,
        board: Callable[[], Doc[Any]],
        present: Callable[[], Mapping[str, str]] = dict,
    ) -> None:
        self._room = room
        self._channel = channel
        self._board = board
        self._present = present
        self.document = WallDocument()
        self._projectors: set[str] = set()
        self._handle: asyncio.TimerHandle | None = None
        self._last = 0.0

    @property
    def doc(self) -> Doc[Any]:
        return self.document.doc

    def join(self, peer: str) -> list[tuple[str, tuple[object, ...]]]:
        """A projector connects: the wall brought into step, and our sync step 1 of it (no presence)."""
        self._projectors.add(peer)
        self._refresh()
        return [("sync", (WALL, create_sync_message(self.doc)))]

    def leave(self, peer: str) -> None:
        self._projectors.discard(peer)

    def receive(self, frame: bytes) -> bytes | None:
        """A projector's sync frame for the wall: for its step 1 the update it lacks (the room sends
        it as step 2), else None: acknowledged."""
        message = parse_sync_frame(frame)
        if message.kind != YSyncMessageType.SYNC_STEP1:
            if message.payload == EMPTY_UPDATE or self.document.adds_nothing(message.payload):
                return None  # the answer to our step 1 of a wall it has whole
            raise Refused(Refusal.NOT_ALLOWED)  # nobody writes the wall but the server
        self._refresh()
        if not self.document.knows(message.payload):
            # It kept a wall this room no longer has (rebuilt since a restart or a reload, or another
            # process's): what was deleted here would stay on its screen. It starts afresh.
            raise Refused(Refusal.REBUILT)
        return self.doc.get_update(message.payload)

    def board_changed(self) -> None:
        self.document.stale = True
        self._soon()

    def presence_changed(self) -> None:
        """Someone connected, left or changed their presence: the wall's `present` is checked again
        (with the board's next change, at most every _INTERVAL, and only while a projector is here)."""
        self._soon()

    def _soon(self) -> None:
        if self._handle is not None or not self._projectors:
            return  # without a projector the wall is brought into step when one connects
        loop = asyncio.get_running_loop()
        wait = max(0.0, self._last + _INTERVAL - loop.time())
        self._handle = loop.call_later(wait, self._tick)

    def _tick(self) -> None:
        self._handle = None
        self._last = asyncio.get_running_loop().time()
        self._refresh()

    def _refresh(self) -> None:
        if not self._projectors:
            return
        try:
            update = self.document.refresh(self._board(), self._present())
        except Exception as exc:
            # The wall keeps what it showed (and stays stale: the next change tries again); the
            # board and everyone else's connections carry on. No text in the log.
            log.error("wall derivation failed", extra={"room": self._room, "error": type(exc).__name__})
            return
        if update is not None:
            self._channel.broadcast(wall_group(self._room), "sync", (WALL, create_update_message(update)), None)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self.document.dispose()
        self._projectors.clear()
        # The callbacks lead back to the room: let go of them, so that the room is freed as soon as
        # it is dropped rather than by a full collection.
        self._board = self._present = _closed


# -- What the child document (rooms/childdoc.py) shares with the wall: reading the board the same way,
# and reconciling a derived document with what it should hold.
read_root = _plain
closed = _closed
entries_of = _entries
filled = _fields
order_of = _order
text_of = _text
reconcile = _reconcile
shown_child_tools = _child_tools
