"""One live room: its CRDT documents, its connections, ordered apply and coalesced fan-out.

Nothing here awaits between receiving a frame and applying it, so a connection's frames are applied
in the order they arrived. Durability is the update log's business; the room hands back a future
that resolves once the update is committed, and the transport acknowledges then.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pycrdt import (
    Doc,
    Map,
    Subscription,
    TransactionEvent,
    YSyncMessageType,
    create_sync_message,
    create_update_message,
)

from server.crdt import EMPTY_UPDATE, CorruptUpdate, apply_checked, missing_after_apply
from server.protocol import Refusal, Refused, parse_awareness_frame, parse_sync_frame, sync_step2_frame
from server.relay import NoRelay, Relay
from server.rooms.awareness import RoomAwareness
from server.rooms.channel import RoomChannel
from server.rooms.childdoc import ChildFeed
from server.rooms.permissions import WriteGuard, forget_root_handles
from server.rooms.schema import (
    BOARD,
    CHILD,
    DOC_NAME,
    PRIVATE,
    WALL,
    Identity,
    audience,
    can_read,
    people_group,
    roots_of,
)
from server.rooms.wall import WallFeed, present_of
from server.store.updatelog import UpdateLog

log = logging.getLogger("kring.room")

# Waiting updates remembered per document; past this a resent one is merely stored twice.
_MAX_WAITING = 64
# How long a process gathers incomplete updates from others before it asks for a heal.
_HEAL_DELAY = 0.05


@dataclass
class RoomCounters:
    updates_in: int = 0
    updates_stored: int = 0
    duplicates: int = 0
    resyncs_requested: int = 0
    broadcasts: int = 0
    refused: int = 0


@dataclass
class SyncResult:
    replies: list[bytes] = field(default_factory=list)  # frames for the sender only
    durable: asyncio.Future[None] | None = None  # resolves when the update is committed


class Room:
    def __init__(
        self,
        name: str,
        log_: UpdateLog,
        channel: RoomChannel,
        *,
        broadcast_window_ms: float = 0.0,
        compact_after_updates: int = 500,
        on_poisoned: Callable[[Room], None] | None = None,
        relay: Relay | None = None,
    ) -> None:
        self.name = name
        self._log = log_
        self._channel = channel
        self._window = broadcast_window_ms / 1000
        # Up to a quarter later for some rooms: rooms of one busy hour reach the threshold together,
        # and their compactions would queue up behind each other (measured in the soak).
        self._compact_after = compact_after_updates + random.randrange(compact_after_updates // 4 + 1)
        self._on_poisoned = on_poisoned
        self._relay: Relay = relay if relay is not None else NoRelay()
        self.docs: dict[str, Doc[Any]] = {}
        self.awareness = RoomAwareness()
        self.peers: dict[str, Identity] = {}
        # Derived from the board while a projector is here; never stored, relayed or in `docs`.
        self.wall = WallFeed(name, channel, lambda: self.docs[BOARD], self._present)
        # Likewise for a child's phone: what it may see of the board, and nothing else of it.
        self.child = ChildFeed(name, channel, lambda: self.docs[BOARD])
        self._guard = WriteGuard()
        self.counters = RoomCounters()
        self.poisoned = False
        self._unflushed: set[asyncio.Future[None]] = set()
        # Per document, updates stored while part of them waited for a missing dependency.
        self._waiting: dict[str, set[bytes]] = {}
        self._since_compaction = 0
        self._last_change: bytes | None = None
        self._outgoing: dict[str, list[bytes]] = {}
        self._outgoing_senders: set[str | None] = set()
        self._flush_handle: asyncio.TimerHandle | asyncio.Handle | None = None
        self._compacting: asyncio.Task[None] | None = None
        self._heal_handle: asyncio.TimerHandle | None = None
        # pycrdt keeps an observed document alive until it is unobserved (the callback, which holds
        # this room and so the document, lives inside the Rust document, out of the collector's sight).
        self._subscriptions: list[tuple[Doc[Any], Subscription]] = []

    async def load(self) -> None:
        stored = await self._log.load(self.name)
        docs = {BOARD: self._new_doc(BOARD), PRIVATE: self._new_doc(PRIVATE)}
        for name in stored.doc_names():
            if DOC_NAME.match(name):
                waiting = stored.apply_to(name, docs.setdefault(name, self._new_doc(name)))
                if waiting:
                    # Kept in the log; a client or another process that has the missing part heals it.
                    log.warning(
                        "stored updates wait for a dependency", extra={"room": self.name, "count": len(waiting)}
                    )
        self.docs = docs
        self._since_compaction = len(stored.updates)

    def _new_doc(self, name: str) -> Doc[Any]:
        doc: Doc[Any] = Doc()
        for root in roots_of(name):
            doc.get(root, type=Map)  # every root of the schema is a Map, whoever writes first
        self._subscriptions.append((doc, doc.observe(self._record_change)))
        return doc

    def doc(self, name: str) -> Doc[Any]:
        """A document of this room, created empty if it is a valid name that has none yet."""
        doc = self.docs.get(name)
        if doc is None:
            if not DOC_NAME.match(name):
                raise Refused(Refusal.UNKNOWN_DOC)
            doc = self.docs[name] = self._new_doc(name)
        return doc

    def _record_change(self, event: TransactionEvent) -> None:
        self._last_change = event.update

    # -- joining and leaving ------------------------------------------------------------------

    def join(self, peer: str, identity: Identity) -> list[tuple[str, tuple[object, ...]]]:
        """Register a connection; returns what it should be sent first (our state, who is here)."""
        self.peers[peer] = identity
        if identity.kind == "projector":
            return self.wall.join(peer)
        self.wall.presence_changed()
        own = identity.own_doc
        if own is not None:
            self.doc(own)
        greeting: list[tuple[str, tuple[object, ...]]] = [
            ("sync", (name, create_sync_message(doc)))
            for name, doc in sorted(self.docs.items())
            if can_read(identity, name)
        ]
        if identity.child_view:
            return [self.child.join(peer), *greeting]  # no presence: it may carry anything a phone put in it
        presence = self.awareness.snapshot_frame()
        if presence is not None:
            greeting.append(("awareness", (presence,)))
        return greeting

    def leave(self, peer: str) -> None:
        self.peers.pop(peer, None)
        self.wall.leave(peer)
        self.child.leave(peer)
        self.wall.presence_changed()
        gone = self.awareness.leave(peer)
        if gone is not None:
            self._channel.broadcast(people_group(self.name), "awareness", (gone,), peer)
            self._relay.publish_awareness(self.name, gone)

    # -- incoming frames ------------------------------------------------------------------------

    def receive_sync(self, peer: str, doc_name: str, frame: bytes) -> SyncResult:
        if self.poisoned:
            raise Refused(Refusal.ROOM_RELOADING)
        identity = self.peers.get(peer)
        if identity is None:
            raise Refused(Refusal.NOT_AUTHENTICATED)
        if doc_name not in (WALL, CHILD) and not DOC_NAME.match(doc_name):
            raise Refused(Refusal.UNKNOWN_DOC)
        if not can_read(identity, doc_name):
            # The same answer whether or not the document exists: nothing about others leaks.
            raise Refused(Refusal.NOT_ALLOWED)
        if doc_name == WALL:
            missing = self.wall.receive(frame)
            if missing is None:
                return SyncResult(durable=_resolved())
            return SyncResult(replies=[sync_step2_frame(missing)])
        if doc_name == CHILD:
            missing = self.child.receive(frame)
            if missing is None:
                return SyncResult(durable=_resolved())
            return SyncResult(replies=[sync_step2_frame(missing)])
        doc = self.doc(doc_name)
        message = parse_sync_frame(frame)
        if message.kind == YSyncMessageType.SYNC_STEP1:
            try:
                missing = doc.get_update(message.payload)
            except Exception as exc:
                raise Refused(Refusal.MALFORMED) from exc
            return SyncResult(replies=[sync_step2_frame(missing)])
        return self._apply(peer, identity, doc_name, doc, message.payload)

    def _apply(self, peer: str, identity: Identity, doc_name: str, doc: Doc[Any], update: bytes) -> SyncResult:
        self.counters.updates_in += 1
        if update == EMPTY_UPDATE:
            return SyncResult(durable=_resolved())
        try:
            # Every write, a facilitator's too, is tried on the shadow first: besides the permission
            # check, that refuses an update that would leave parts pending in the live document
            # (Yrs 0.28 can crash the process when such parts are integrated later).
            # raises Refused; the live document is untouched
            self._guard.check(identity, doc_name, doc, update, self.docs.get(BOARD))
        except Refused as refused:
            if refused.code == Refusal.INCOMPLETE:
                # Ask the sender for everything we lack; its sync step 2 then stands on its own.
                self.counters.resyncs_requested += 1
                self._channel.send(peer, "sync", (doc_name, create_sync_message(doc)))
            raise
        self._last_change = None
        try:
            apply_checked(doc, update)
        except CorruptUpdate as exc:
            # The Rust core panicked mid-apply: the live document can no longer be trusted.
            # Reload it from the store, which never saw this update.
            self._poison()
            raise Refused(Refusal.MALFORMED) from exc
        except Exception as exc:
            raise Refused(Refusal.MALFORMED) from exc
        changed = self._last_change is not None
        pending = missing_after_apply(update, doc)
        waiting = self._waiting.setdefault(doc_name, set())
        if changed and waiting:
            self._waiting[doc_name] = waiting = {u for u in waiting if missing_after_apply(u, doc)}
        result = SyncResult()
        if pending:
            # Part of the update waits for something this server never received: ask the sender
            # for everything it has that we lack, instead of holding it pending forever.
            self.counters.resyncs_requested += 1
            result.replies.append(create_sync_message(doc))
        if not changed and (not pending or update in waiting):
            # Nothing new, but what it carries may sit in an update that is not committed yet:
            # "saved" must wait for that, or a crash could lose an acknowledged edit.
            self.counters.duplicates += 1
            result.durable = _when_all(list(self._unflushed))
            return result
        if pending and len(waiting) < _MAX_WAITING:
            waiting.add(update)  # so that the same bytes sent again are not stored again
        result.durable = self._store(doc_name, update)
        self._queue_broadcast(doc_name, update, peer)
        self._relay.publish_update(self.name, doc_name, update)
        return result

    def receive_awareness(self, peer: str, frame: bytes) -> None:
        identity = self.peers.get(peer)
        if identity is None:
            raise Refused(Refusal.NOT_AUTHENTICATED)
        if identity.kind == "projector":
            raise Refused(Refusal.NOT_ALLOWED)  # a screen is not a person in the room
        update = parse_awareness_frame(frame)
        # The server re-encodes every state with the name and role of the session behind it.
        frame = self.awareness.apply(peer, identity, update)
        self.wall.presence_changed()
        self._channel.broadcast(people_group(self.name), "awareness", (frame,), peer)
        self._relay.publish_awareness(self.name, frame)

    async def edit(self, doc_name: str, mutate: Callable[[Doc[Any]], None]) -> None:
        """A change made by the server itself (admission, a copy between rooms): stored, sent, relayed."""
        doc = self.doc(doc_name)
        self._last_change = None
        with doc.transaction(origin="server"):
            mutate(doc)
        update = self._last_change
        if update is None:
            return
        self._guard.invalidate(doc_name)
        durable = self._store(doc_name, update)
        self._queue_broadcast(doc_name, update, None)
        self._relay.publish_update(self.name, doc_name, update)
        await durable

    def apply_remote(self, doc_name: str, update: bytes) -> None:
        """An update another process hosting this room checked, applied and stores; not stored here."""
        if self.poisoned or not DOC_NAME.match(doc_name):
            return
        doc = self.doc(doc_name)
        try:
            # Redis may have lost the update this one builds on. Such an update never enters the
            # live document (Yrs does not always integrate a pending part later, and a client's
            # sync would then be stuck behind it); the heal brings it whole, with what it lacked.
            self._guard.check_complete(doc_name, doc, update)
        except Refused as refused:
            if refused.code == Refusal.INCOMPLETE:
                self._heal_soon()
            else:
                log.warning("undecodable update from another process", extra={"room": self.name})
            return
        self._last_change = None
        try:
            apply_checked(doc, update)
        except CorruptUpdate:
            self._poison()
            return
        except Exception:
            self._guard.invalidate(doc_name)
            log.warning("undecodable update from another process", extra={"room": self.name})
            return
        if self._last_change is not None:
            self._queue_broadcast(doc_name, update, None)

    def _heal_soon(self) -> None:
        """Ask the other processes for what this one lacks: once for a run of incomplete updates."""
        if self._heal_handle is None:
            self._heal_handle = asyncio.get_running_loop().call_later(_HEAL_DELAY, self._heal)

    def _heal(self) -> None:
        self._heal_handle = None
        self.counters.resyncs_requested += 1
        self._relay.request_heal(self.name)

    def receive_remote_awareness(self, frame: bytes) -> None:
        try:
            self.awareness.apply_remote(parse_awareness_frame(frame))
        except Refused:
            return
        self.wall.presence_changed()
        self._channel.broadcast(people_group(self.name), "awareness", (frame,), None)

    def _present(self) -> dict[str, str]:
        """Who the wall says is here: this process's connections, and the presence other processes
        relay for theirs (it expires when such a process dies without saying goodbye)."""
        users: list[dict[str, Any]] = [
            {"kind": identity.kind, "id": identity.subject, "role": identity.role} for identity in self.peers.values()
        ]
        users += [state["user"] for state in self.awareness.states.values() if isinstance(state.get("user"), dict)]
        # Someone without a phone is at the table all the same: the facilitator added them for it.
        board = self.docs.get(BOARD)
        people = board.get("people", type=Map) if board is not None else {}
        users += [
            {"kind": "participant", "id": pid, "role": entry.get("relation")}
            for pid, entry in people.items()
            if isinstance(entry, Map) and entry.get("in_person") is True
        ]
        return present_of(users)

    def state_vectors(self) -> dict[str, bytes]:
        return {name: doc.get_state() for name, doc in self.docs.items()}

    def missing_since(self, doc_name: str, state_vector: bytes) -> bytes | None:
        doc = self.docs.get(doc_name)
        if doc is None:
            return None
        try:
            missing = doc.get_update(state_vector)
        except Exception:
            return None
        return None if missing == EMPTY_UPDATE else missing

    # -- durability -------------------------------------------------------------------------------

    def _store(self, doc_name: str, update: bytes) -> asyncio.Future[None]:
        done = self._log.append(self.name, doc_name, update)
        self._unflushed.add(done)
        done.add_done_callback(self._unflushed.discard)
        self.counters.updates_stored += 1
        self._since_compaction += 1
        if self._since_compaction >= self._compact_after and self._compacting is None:
            self._compacting = asyncio.create_task(self._compact(), name=f"compact-{self.name}")
        # The caller gets its own future: cancelling its wait must not cancel the log's, which
        # `_unflushed` would then forget before the commit.
        return _when_all([done])

    async def flushed(self) -> None:
        """Wait until every update this room applied is committed."""
        while self._unflushed:
            # asyncio.wait, not gather: a cancelled waiter (an unload cut short by a join) must
            # leave the log's futures alone.
            await asyncio.wait(list(self._unflushed))

    async def _compact(self) -> None:
        try:
            await self.flushed()
            self._since_compaction = 0
            await self._log.compact(self.name)
        except Exception:
            log.exception("compaction failed", extra={"room": self.name})
        finally:
            self._compacting = None

    async def close(self) -> None:
        """Flush everything and fold the log, before the room is dropped from memory."""
        if self._heal_handle is not None:
            self._heal_handle.cancel()
            self._heal_handle = None
        self._flush_broadcast()
        await self.flushed()
        if self._compacting is not None:
            await self._compacting
        if self._since_compaction > 0:
            await self._compact()

    def dispose(self) -> None:
        """Let go of the documents once the room is out of the registry, so that they can be freed."""
        for doc, subscription in self._subscriptions:
            doc.unobserve(subscription)
        self._subscriptions = []
        for doc in self.docs.values():
            forget_root_handles(doc)
        self._guard.dispose()
        self.wall.close()
        self.child.close()

    # -- fan-out ----------------------------------------------------------------------------------

    def _queue_broadcast(self, doc_name: str, update: bytes, sender: str | None) -> None:
        if doc_name == BOARD:
            self.wall.board_changed()
            self.child.board_changed()
        self._outgoing.setdefault(doc_name, []).append(update)
        self._outgoing_senders.add(sender)  # None: it came from another process
        if self._flush_handle is None:
            loop = asyncio.get_running_loop()
            if self._window > 0:
                self._flush_handle = loop.call_later(self._window, self._flush_broadcast)
            else:
                self._flush_handle = loop.call_soon(self._flush_broadcast)

    def _flush_broadcast(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        outgoing, senders = self._outgoing, self._outgoing_senders
        self._outgoing, self._outgoing_senders = {}, set()
        # With one sender in the window it need not hear its own update back; with several, the
        # merged update goes to all (applying one's own update again is a no-op in a CRDT).
        skip = next(iter(senders)) if len(senders) == 1 else None  # None if remote ones came too
        for doc_name, updates in outgoing.items():
            # Each update as it was applied: merge_updates does not always equal applying them one
            # by one (the fuzz found a pair), and a wrong merge would leave clients silently apart.
            for update in updates:
                self.counters.broadcasts += 1
                frame = create_update_message(update)
                for group in audience(self.name, doc_name):  # a private document reaches facilitators only
                    self._channel.broadcast(group, "sync", (doc_name, frame), skip)

    def _poison(self) -> None:
        self.poisoned = True
        self.counters.refused += 1
        log.error("room document failed to apply an update; reloading", extra={"room": self.name})
        if self._on_poisoned is not None:
            self._on_poisoned(self)


def _resolved() -> asyncio.Future[None]:
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    done.set_result(None)
    return done


def _when_all(futures: list[asyncio.Future[None]]) -> asyncio.Future[None]:
    """A new future that resolves once all of `futures` have; cancelled if any of them was."""
    combined: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    remaining = len(futures)
    if remaining == 0:
        combined.set_result(None)
        return combined

    def one_done(future: asyncio.Future[None]) -> None:
        nonlocal remaining
        remaining -= 1
        if combined.done():
            return
        if future.cancelled():
            combined.cancel()  # no acknowledgement rather than a false one
        elif remaining == 0:
            combined.set_result(None)

    for future in futures:
        future.add_done_callback(one_done)
    return combined
