"""The child document: what a child's phone may show, derived by the server from the live board.

A child in the room (relation "child", not switched to the full board) never receives the board:
it holds the danger statements and harm, and the plan's rules in adults' words. Like the wall
(rooms/wall.py, whose reconciling this reuses) the child document is a view, never stored or
relayed, rebuilt whenever a room loads and written by nobody but the server. It holds only:

- `agreements`: per rule that has a children's text (`for_children`), that text and its order;
  as in the children's printable version, only a rule that was agreed (not a proposal, not one that
  failed) and is not sensitive; any other rule is not there at all;
- `childtools`: the Three Houses entries the facilitator showed to this room;
- `poll`: the scaling rounds that are open now, each as `{status: "open", order}` and nothing else:
  not the question's words (they may name the danger), never a score. The child scores into its own
  document `p.<pid>` under the round's key, which the write check allows while the round is open.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from pycrdt import Doc, Map, YSyncMessageType, create_sync_message, create_update_message

from server.crdt import EMPTY_UPDATE
from server.protocol import Refusal, Refused, parse_sync_frame
from server.rooms.channel import RoomChannel
from server.rooms.schema import CHILD, CHILD_TOOLS, child_group
from server.rooms.wall import (
    WallDocument,
    closed,
    entries_of,
    filled,
    order_of,
    read_root,
    reconcile,
    shown_child_tools,
    text_of,
)

log = logging.getLogger("kring.room")

CHILD_ROOTS = ("agreements", CHILD_TOOLS, "poll")
FOR_CHILDREN = "for_children"
# The same choice as the children's printable version (meetings/render/printing.py CHILD_STATUSES):
# a rule the children are told about was agreed, and a sensitive one (a parent's own protective
# strategy) is not for a child.
CHILD_RULE_STATUSES = ("agreed", "trying", "working")
# As the wall: at most this often, and only while a child's phone is connected.
_INTERVAL = 0.1


def child_of(board: Doc[Any]) -> dict[str, dict[str, Any]]:
    """What a child's phone shows of `board`, root by root; a dict stands for a Map. Built from an
    allow-list of fields: nothing of a rule but its children's text and its order."""
    agreements: dict[str, Any] = {}
    for key, rule in entries_of(board, "agreements").items():
        if rule.get("status") not in CHILD_RULE_STATUSES or rule.get("sensitive") is True:
            continue
        text = text_of(rule.get(FOR_CHILDREN)).strip()
        if text:
            agreements[key] = filled(text=text, order=order_of(rule.get("order")))
    # A round's key and order are enough to score in it; its title and (once revealed) the scores stay out.
    poll = {
        key: filled(status="open", order=order_of(round_.get("order")))
        for key, round_ in entries_of(board, "poll").items()
        if round_.get("status") == "open"
    }
    return {"agreements": agreements, CHILD_TOOLS: shown_child_tools(board), "poll": poll}


class ChildDocument(WallDocument):
    """A room's child document; the wall's reading of a reader's state vector and answers applies."""

    def __init__(self) -> None:  # not the wall's roots
        self.doc: Doc[Any] = Doc()
        for root in CHILD_ROOTS:
            self.doc.get(root, type=Map)
        self.stale = True
        self._update: bytes | None = None
        self._subscription = self.doc.observe(self._record)

    def refresh(self, board: Doc[Any], present: Any = None) -> bytes | None:
        if not self.stale:
            return None
        self.stale = False
        self._update = None
        with self.doc.transaction(origin="server"):
            for root, want in child_of(board).items():
                reconcile(self.doc.get(root, type=Map), read_root(self.doc, root), want)
        return self._update


class ChildFeed:
    """One room's child document and the children's phones: kept in step while one is connected."""

    def __init__(self, room: str, channel: RoomChannel, board: Callable[[], Doc[Any]]) -> None:
        self._room = room
        self._channel = channel
        self._board = board
        self.document = ChildDocument()
        self._readers: set[str] = set()
        self._handle: asyncio.TimerHandle | None = None
        self._last = 0.0

    @property
    def doc(self) -> Doc[Any]:
        return self.document.doc

    def join(self, peer: str) -> tuple[str, tuple[object, ...]]:
        """A child's phone connects: the document brought into step, and our sync step 1 of it."""
        self._readers.add(peer)
        self._refresh()
        return ("sync", (CHILD, create_sync_message(self.doc)))

    def leave(self, peer: str) -> None:
        self._readers.discard(peer)

    def receive(self, frame: bytes) -> bytes | None:
        """A child's sync frame for the document: for its step 1 the update it lacks, else None."""
        message = parse_sync_frame(frame)
        if message.kind != YSyncMessageType.SYNC_STEP1:
            if message.payload == EMPTY_UPDATE or self.document.adds_nothing(message.payload):
                return None
            raise Refused(Refusal.NOT_ALLOWED)  # nobody writes the child document but the server
        self._refresh()
        if not self.document.knows(message.payload):
            raise Refused(Refusal.REBUILT)
        return self.doc.get_update(message.payload)

    def board_changed(self) -> None:
        self.document.stale = True
        if self._handle is not None or not self._readers:
            return  # without a reader it is brought into step when one connects
        loop = asyncio.get_running_loop()
        wait = max(0.0, self._last + _INTERVAL - loop.time())
        self._handle = loop.call_later(wait, self._tick)

    def _tick(self) -> None:
        self._handle = None
        self._last = asyncio.get_running_loop().time()
        self._refresh()

    def _refresh(self) -> None:
        if not self._readers:
            return
        try:
            update = self.document.refresh(self._board())
        except Exception as exc:
            # It keeps what it showed and stays stale; nobody else's connection is affected. No text logged.
            log.error("child document derivation failed", extra={"room": self._room, "error": type(exc).__name__})
            self.document.stale = True
            return
        if update is not None:
            self._channel.broadcast(child_group(self._room), "sync", (CHILD, create_update_message(update)), None)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self.document.dispose()
        self._readers.clear()
        # The callbacks lead back to the room: let go of them, so that the room is freed as soon as
        # it is dropped rather than by a full collection.
        self._board = closed
