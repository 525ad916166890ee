"""Presence for one room: who is here, who is typing. Each connection may speak only for the
awareness clients it introduced, and its clients are cleared the moment it leaves."""

from __future__ import annotations

import json
from typing import Any

from pycrdt import Awareness, Decoder, Doc, create_awareness_message

from server.protocol import Refusal, Refused

_MAX_CLIENTS_PER_FRAME = 16


class RoomAwareness:
    def __init__(self) -> None:
        self._awareness = Awareness(Doc())
        self._awareness.remove_awareness_states([self._awareness.client_id], origin="server")
        self._owner: dict[int, str] = {}
        self._by_peer: dict[str, set[int]] = {}

    def apply(self, peer: str, update: bytes) -> None:
        """Validate and apply a peer's awareness update; refused whole if any part is wrong."""
        entries = _decode(update)
        for client_id, _clock, _state in entries:
            owner = self._owner.get(client_id)
            if owner is not None and owner != peer:
                raise Refused(Refusal.AWARENESS_NOT_YOURS)
        for client_id, _clock, _state in entries:
            self._owner[client_id] = peer
            self._by_peer.setdefault(peer, set()).add(client_id)
        self._awareness.apply_awareness_update(update, origin=peer)

    def apply_remote(self, update: bytes) -> None:
        """Presence relayed by another process, which already checked ownership for its peers."""
        _decode(update)
        self._awareness.apply_awareness_update(update, origin="remote")

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
