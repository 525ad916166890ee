"""The awareness (presence) wire format: a frame's entries of client id, clock and state.

A leaf shared by a room's presence (rooms/awareness.py) and the presence relayed from other
processes (relay/presence.py), so that neither reaches into the other.
"""

from __future__ import annotations

import json

from pycrdt import Decoder, Encoder

from server.protocol import Refusal, Refused

MAX_CLIENTS_PER_FRAME = 16

Entry = tuple[int, int, object]


def decode_entries(update: bytes) -> list[Entry]:
    try:
        decoder = Decoder(update)
        count = decoder.read_var_uint()
        if count > MAX_CLIENTS_PER_FRAME:
            raise Refused(Refusal.MALFORMED)
        entries: list[Entry] = []
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


def encode_entries(entries: list[Entry]) -> bytes:
    encoder = Encoder()
    encoder.write_var_uint(len(entries))
    for client_id, clock, state in entries:
        encoder.write_var_uint(client_id)
        encoder.write_var_uint(clock)
        encoder.write_var_string(json.dumps(state, separators=(",", ":")))
    return encoder.to_bytes()
