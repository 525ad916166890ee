"""Presence for one room: who is here, who is typing. Each connection may speak only for the
awareness clients it (or an earlier connection of the same person) introduced, every state carries
the name and role of the session behind it, and a connection's clients are cleared when it leaves."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pycrdt import Awareness, Decoder, Doc, Encoder, create_awareness_message

from server.protocol import Refusal, Refused, parse_awareness_frame
from server.rooms.schema import Identity

_MAX_CLIENTS_PER_FRAME = 16
# A browser tab speaks for one client; without a bound, one connection could fill the room's
# presence (and every joiner's greeting) with invented clients.
_MAX_CLIENTS_PER_PEER = 16
# y-protocols clients renew their state every 15 s and treat 30 s without a renewal as gone.
REMOTE_PRESENCE_TIMEOUT = 30.0


class RoomAwareness:
    def __init__(self) -> None:
        self._awareness = Awareness(Doc())
        self._awareness.remove_awareness_states([self._awareness.client_id], origin="server")
        self._owner: dict[int, tuple[str, str]] = {}  # client id -> (peer, person)
        self._by_peer: dict[str, set[int]] = {}

    def apply(self, peer: str, identity: Identity, update: bytes) -> bytes:
        """Validate and apply a peer's awareness update; refused whole if any part is wrong.

        Returns the frame to pass on: the same states, each with the session's own name and role.
        """
        entries = _decode(update)
        for client_id, _clock, _state in entries:
            owner = self._owner.get(client_id)
            # The same person on a new connection (a phone that reconnected before the server
            # noticed the old one had died) takes its presence over; anyone else is refused.
            if owner is not None and owner[0] != peer and owner[1] != identity.subject:
                raise Refused(Refusal.AWARENESS_NOT_YOURS)
        owned = self._by_peer.get(peer, set())
        if len(owned | {client_id for client_id, _clock, _state in entries}) > _MAX_CLIENTS_PER_PEER:
            raise Refused(Refusal.TOO_LARGE)
        for client_id, _clock, _state in entries:
            previous = self._owner.get(client_id)
            if previous is not None and previous[0] != peer:
                self._by_peer.get(previous[0], set()).discard(client_id)
            self._owner[client_id] = (peer, identity.subject)
            self._by_peer.setdefault(peer, set()).add(client_id)
        stamped = _encode(
            [
                (client_id, clock, None if state is None else {**state, "user": _user(identity)})  # type: ignore[dict-item]
                for client_id, clock, state in entries
            ]
        )
        self._awareness.apply_awareness_update(stamped, origin=peer)
        return create_awareness_message(stamped)

    def apply_remote(self, update: bytes) -> None:
        """Presence relayed by another process, which already checked ownership for its peers.

        A removal of a client a connection here speaks for is not applied: the person moved to this
        process (a phone that reconnected elsewhere), and the other process's late "gone", or an
        expiry of the state it relayed, is not about the connection that is here now.
        """
        entries = _decode(update)
        kept = [e for e in entries if not (e[2] is None and e[0] in self._owner)]
        if not kept:
            return
        self._awareness.apply_awareness_update(update if len(kept) == len(entries) else _encode(kept), origin="remote")

    def leave(self, peer: str) -> bytes | None:
        """Forget a peer's clients; returns the awareness frame that tells the others."""
        ids = sorted(self._by_peer.pop(peer, set()))
        for client_id in ids:
            self._owner.pop(client_id, None)
        if not ids:
            return None
        self._awareness.remove_awareness_states(ids, origin=peer)
        # Encoded after removal: each entry carries its last clock and a null state, which
        # y-protocols clients read as "gone".
        return create_awareness_message(self._awareness.encode_awareness_update(ids))

    def snapshot_frame(self) -> bytes | None:
        ids = sorted(self._awareness.states)
        if not ids:
            return None
        return create_awareness_message(self._awareness.encode_awareness_update(ids))

    @property
    def states(self) -> dict[int, dict[str, Any]]:
        return dict(self._awareness.states)


def _decode(update: bytes) -> list[tuple[int, int, object]]:
    try:
        decoder = Decoder(update)
        count = decoder.read_var_uint()
        if count > _MAX_CLIENTS_PER_FRAME:
            raise Refused(Refusal.MALFORMED)
        entries: list[tuple[int, int, object]] = []
        for _ in range(count):
            client_id = decoder.read_var_uint()
            clock = decoder.read_var_uint()
            raw = decoder.read_var_string()
            state = json.loads(raw) if raw else None
            if state is not None and not isinstance(state, dict):
                raise Refused(Refusal.MALFORMED)
            entries.append((client_id, clock, state))
        if decoder.length != 0:
            raise Refused(Refusal.MALFORMED)
        return entries
    except Refused:
        raise
    except Exception as exc:  # truncated varints, bad UTF-8, bad JSON
        raise Refused(Refusal.MALFORMED) from exc


def _user(identity: Identity) -> dict[str, str]:
    return {"id": identity.subject, "name": identity.name, "role": identity.role, "kind": identity.kind}


def _encode(entries: list[tuple[int, int, object]]) -> bytes:
    encoder = Encoder()
    encoder.write_var_uint(len(entries))
    for client_id, clock, state in entries:
        encoder.write_var_uint(client_id)
        encoder.write_var_uint(clock)
        encoder.write_var_string(json.dumps(state, separators=(",", ":")))
    return encoder.to_bytes()


@dataclass
class _Heard:
    clock: int
    at: float


class RemotePresence:
    """When each presence state relayed by another process was last renewed, by room.

    A process that dies (SIGKILL, a lost machine) never sends its clients' "gone"; without an
    expiry their states would stay on every other process for good and be greeted to every joiner.
    Clients renew every 15 s and their process relays each renewal, so a relayed state not renewed
    within `timeout` belongs to nobody. States of this process's own connections are not tracked
    here: they are cleared when the connection goes.
    """

    def __init__(self, timeout: float = REMOTE_PRESENCE_TIMEOUT, clock: Callable[[], float] = time.monotonic) -> None:
        self.timeout = timeout
        self.clock = clock
        self._rooms: dict[str, dict[int, _Heard]] = {}

    def heard(self, room: str, frame: bytes) -> None:
        """An awareness frame another process relayed for `room`."""
        entries = _entries(frame)
        if not entries:
            return
        now = self.clock()
        states = self._rooms.setdefault(room, {})
        for client_id, clock, state in entries:
            if state is None:
                states.pop(client_id, None)
            else:
                previous = states.get(client_id)
                states[client_id] = _Heard(max(clock, previous.clock) if previous else clock, now)
        if not states:
            del self._rooms[room]

    def spoke_here(self, room: str, frame: bytes) -> None:
        """A frame this process relays: its clients are (now) this process's own, not remote."""
        states = self._rooms.get(room)
        if states is None:
            return
        for client_id, _clock, _state in _entries(frame):
            states.pop(client_id, None)
        if not states:
            del self._rooms[room]

    def forget(self, room: str) -> None:
        self._rooms.pop(room, None)

    def renew_all(self) -> None:
        """Start every state's wait afresh: renewals relayed while Redis was away were lost, not
        the people."""
        now = self.clock()
        for states in self._rooms.values():
            for heard in states.values():
                heard.at = now

    def expire(self) -> dict[str, bytes]:
        """Forget every state not renewed within the timeout; per room, the awareness frame that
        removes them (each with its last clock and a null state, which y-protocols reads as gone)."""
        now = self.clock()
        frames: dict[str, bytes] = {}
        for room, states in list(self._rooms.items()):
            stale = sorted(client_id for client_id, heard in states.items() if now - heard.at >= self.timeout)
            if not stale:
                continue
            encoder = Encoder()
            encoder.write_var_uint(len(stale))
            for client_id in stale:
                encoder.write_var_uint(client_id)
                encoder.write_var_uint(states.pop(client_id).clock)
                encoder.write_var_string("null")
            frames[room] = create_awareness_message(encoder.to_bytes())
            if not states:
                del self._rooms[room]
        return frames

    def tracked(self, room: str) -> set[int]:
        return set(self._rooms.get(room, {}))


def _entries(frame: bytes) -> list[tuple[int, int, object]]:
    try:
        return _decode(parse_awareness_frame(frame))
    except Refused:
        return []  # the receiving room refuses it too
