"""Presence for one room: who is here, who is typing. Each connection may speak only for the
awareness clients it (or an earlier connection of the same person) introduced, every state carries
the name and role of the session behind it, and a connection's clients are cleared when it leaves."""

from __future__ import annotations

from typing import Any

from pycrdt import Awareness, Doc, create_awareness_message

from server.presence import decode_entries, encode_entries
from server.protocol import Refusal, Refused
from server.rooms.schema import Identity

# A browser tab speaks for one client; without a bound, one connection could fill the room's
# presence (and every joiner's greeting) with invented clients.
_MAX_CLIENTS_PER_PEER = 16


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
        entries = decode_entries(update)
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
        stamped = encode_entries(
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
        entries = decode_entries(update)
        kept = [e for e in entries if not (e[2] is None and e[0] in self._owner)]
        if not kept:
            return
        self._awareness.apply_awareness_update(
            update if len(kept) == len(entries) else encode_entries(kept), origin="remote"
        )

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


def _user(identity: Identity) -> dict[str, str]:
    return {"id": identity.subject, "name": identity.name, "role": identity.role, "kind": identity.kind}
