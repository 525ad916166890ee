"""Small facts about Yrs updates that pycrdt does not expose directly.

Only pycrdt's own y-protocols decoder is used to read the numbers; no varint codec is written here.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pycrdt import Decoder, Doc, get_update

EMPTY_UPDATE = b"\x00\x00"


def _state_vector(state: bytes) -> dict[int, int]:
    decoder = Decoder(state)
    clocks: dict[int, int] = {}
    for _ in range(decoder.read_var_uint()):
        client = decoder.read_var_uint()
        clocks[client] = decoder.read_var_uint()
    return clocks


def missing_after_apply(update: bytes, doc: Doc[Any]) -> bool:
    """True when `doc` could not integrate all of `update` (its dependencies have not arrived).

    Yrs keeps such parts pending inside the document. The caller heals that by asking the sender
    for everything it has that the server lacks (sync step 1), so nothing waits forever.
    An update whose rest cannot be read counts as waiting: asking again is harmless, while an
    exception here would leave an applied update unstored.
    """
    try:
        return _waits_for_something(update, doc)
    except Exception:
        return True
    except BaseException as exc:
        if is_rust_panic(exc):
            return True
        raise


def _waits_for_something(update: bytes, doc: Doc[Any]) -> bool:
    state = doc.get_state()
    rest = get_update(update, state)
    if rest == EMPTY_UPDATE:
        return False
    decoder = Decoder(rest)
    if decoder.read_var_uint() != 0:
        return True  # structs the document could not integrate
    # Only a delete set is left: Yrs repeats deletions in every diff, so it is pending only
    # where it deletes something the document has never seen.
    clocks = _state_vector(state)
    for _ in range(decoder.read_var_uint()):
        client = decoder.read_var_uint()
        known = clocks.get(client, 0)
        for _ in range(decoder.read_var_uint()):
            clock = decoder.read_var_uint()
            length = decoder.read_var_uint()
            if clock + length > known:
                return True
    return False


def apply_checked(doc: Doc[Any], update: bytes) -> None:
    """Apply an update, turning a Rust panic into an ordinary exception the caller can refuse."""
    try:
        doc.apply_update(update)
    except Exception:
        raise
    except BaseException as exc:
        if not is_rust_panic(exc):
            raise
        raise CorruptUpdate(str(exc)) from exc


def is_rust_panic(exc: BaseException) -> bool:
    """pyo3 turns a Rust panic into `PanicException`, a BaseException that cannot be imported.

    Anything else outside Exception (cancellation, interrupts, exits) must keep propagating.
    """
    return not isinstance(exc, (Exception, KeyboardInterrupt, SystemExit, GeneratorExit, asyncio.CancelledError))


class CorruptUpdate(ValueError):
    """Raised for an update the CRDT core could not integrate (a panic, not a decode error)."""
