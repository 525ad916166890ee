"""Small facts about Yrs updates that pycrdt does not expose directly.

The numbers are lib0 varints, read by a cursor of our own: pycrdt's `Decoder` costs a method call
and four attribute writes a number, and every update is read two or three times (its check, and
whether it waits for something): reading them took a tenth of a checked write's time.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from pycrdt import Doc, get_update

EMPTY_UPDATE = b"\x00\x00"


# A room re-checks its waiting updates against one state, and a state vector can name thousands of
# clients (a hostile writer invents them): decode each state once.
@functools.lru_cache(maxsize=4)
def _state_vector(state: bytes) -> dict[int, int]:
    reader = _Reader(state)
    clocks: dict[int, int] = {}
    for _ in range(reader.uint()):
        client = reader.uint()
        clocks[client] = reader.uint()
    return clocks


def state_vector_of(state: bytes) -> dict[int, int]:
    """Each client's clock in a state vector (checked with `check_state_vector` first if untrusted)."""
    return dict(_state_vector(state))


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
    reader = _Reader(rest)
    if reader.uint() != 0:
        return True  # structs the document could not integrate
    # Only a delete set is left: Yrs repeats deletions in every diff, so it is pending only
    # where it deletes something the document has never seen.
    clocks = _state_vector(state)
    for _ in range(reader.uint()):
        client = reader.uint()
        known = clocks.get(client, 0)
        for _ in range(reader.uint()):
            clock = reader.uint()
            length = reader.uint()
            if clock + length > known:
                return True
    return False


def integrate(doc: Doc[Any], updates: list[bytes]) -> list[bytes]:
    """Apply `updates` in the order given; returns those still waiting for a dependency.

    Updates that arrive out of causal order sit pending inside Yrs, and Yrs (pycrdt 0.14) does not
    always integrate them once their dependency arrives: measured, about one reordered sequence in
    a thousand left an item out for good. Applying the waiting ones again integrates them, so we
    go round until nothing waits or a round changes nothing (a dependency that is truly absent).
    """
    for update in updates:
        doc.apply_update(update)
    waiting = [u for u in updates if missing_after_apply(u, doc)]
    while waiting:
        before = doc.get_state()
        for update in waiting:
            doc.apply_update(update)
        if doc.get_state() == before:
            break
        waiting = [u for u in waiting if missing_after_apply(u, doc)]
    return waiting


def apply_checked(doc: Doc[Any], update: bytes) -> None:
    """Apply an update; CorruptUpdate if the CRDT core failed partway, leaving `doc` in doubt.

    pycrdt raises ValueError for bytes that do not decode (nothing was applied, and that passes
    through), RuntimeError when Yrs gives up while integrating (some of the update may already be in
    the document), and a Rust panic arrives as PanicException, a BaseException.
    """
    try:
        doc.apply_update(update)
    except ValueError:
        raise
    except Exception as exc:
        raise CorruptUpdate(str(exc)) from exc
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
    """The CRDT core failed while integrating an update (a panic or an integration error, not a
    decode error): the document it was applied to may hold part of it."""


class UnreadableUpdate(ValueError):
    """Bytes that are not a well-formed Yjs v1 update or state vector."""


def check_state_vector(data: bytes) -> None:
    """Raise UnreadableUpdate unless `data` is exactly a state vector: a count, then client/clock pairs."""
    reader = _Reader(data)
    for _ in range(reader.count(2)):
        reader.uint()
        reader.uint()
    reader.end()


def check_update(update: bytes) -> None:
    """Raise UnreadableUpdate unless `update` is a well-formed Yjs v1 update, read as Yrs reads it.

    Yrs trusts the counts in an update and reserves memory for them before it reads on: five bytes
    that announce a few hundred million clients cost it 400 ms and gigabytes. Here every count must
    fit in the bytes that follow it, every kind of content must be known, and nothing may trail the
    delete set. Only the encoding is judged: what the structs mean is the CRDT's business (honest
    documents hold zero-length and split items, e.g. around a halved emoji).
    """
    reader = _Reader(update)
    for _ in range(reader.count(3)):
        structs = reader.count(2)
        reader.uint()  # client
        reader.uint()  # first clock
        for _ in range(structs):
            info = reader.byte()
            kind = info & 0x1F
            if kind in (_GC, _SKIP):
                reader.uint()  # a length
            else:
                for flag in (0x80, 0x40):  # a left origin, a right origin: each an id (client, clock)
                    if info & flag:
                        reader.uint()
                        reader.uint()
                if not info & 0xC0:  # no origins: the parent (a root's name, or an item) follows
                    if reader.uint() == 1:
                        reader.string()
                    else:
                        reader.uint()
                        reader.uint()
                    if info & 0x20:
                        reader.string()  # the key in a map
                _skip_content(reader, kind)
    for _ in range(reader.count(2)):
        reader.uint()
        for _ in range(reader.count(2)):
            reader.uint()  # clock
            reader.uint()  # length
    reader.end()


_GC, _DELETED, _JSON, _BINARY, _STRING, _EMBED, _FORMAT, _TYPE, _ANY, _DOC, _SKIP = range(11)
_MAX_NESTING = 64


def _skip_content(reader: _Reader, kind: int) -> None:
    if kind == _DELETED:
        reader.uint()  # a length
    elif kind == _JSON:
        for _ in range(reader.count(1)):
            reader.string()
    elif kind in (_STRING, _EMBED):  # an embed is JSON text
        reader.string()
    elif kind == _BINARY:
        reader.bytes()
    elif kind == _FORMAT:
        reader.string()
        reader.string()
    elif kind == _TYPE:
        type_ref = reader.uint()
        if type_ref in (3, 5):  # an XML element's or hook's name
            reader.string()
        elif type_ref > 6:
            raise UnreadableUpdate("an unknown shared type")
    elif kind == _ANY:
        for _ in range(reader.count(1)):
            reader.any()
    elif kind == _DOC:
        reader.string()
        reader.any()
    else:
        raise UnreadableUpdate("an unknown kind of content")


class _Reader:
    """A cursor over bytes that may be hostile: every read checked against the bytes that are left."""

    __slots__ = ("_at", "_data")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def uint(self) -> int:
        """A lib0 varuint: seven bits a byte, the lowest first; the last byte is below 0x80."""
        data = self._data
        at = self._at
        value = shift = 0
        try:
            while True:
                byte = data[at]
                at += 1
                value |= (byte & 0x7F) << shift
                if byte < 0x80:
                    break
                shift += 7
        except IndexError as exc:
            raise UnreadableUpdate("truncated") from exc
        self._at = at
        return value

    def count(self, min_bytes_each: int) -> int:
        """A count of things that follow, each at least `min_bytes_each` long."""
        count = self.uint()
        if count * min_bytes_each > len(self._data) - self._at:
            raise UnreadableUpdate("a count larger than the bytes that follow")
        return count

    def take(self, size: int) -> bytes:
        at = self._at
        if size > len(self._data) - at:
            raise UnreadableUpdate("truncated")
        self._at = at + size
        return bytes(self._data[at : at + size])

    def byte(self) -> int:
        at = self._at
        if at >= len(self._data):
            raise UnreadableUpdate("truncated")
        self._at = at + 1
        return self._data[at]

    def bytes(self) -> bytes:
        return self.take(self.uint())

    def string(self) -> str:
        try:
            return self.bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableUpdate("a string that is not UTF-8") from exc

    def any(self, depth: int = 0) -> None:
        """Skip one lib0 `any` value (JSON-like, with binary and 64-bit numbers)."""
        if depth > _MAX_NESTING:
            raise UnreadableUpdate("values nested too deep")
        tag = self.byte()
        if tag in (127, 126, 121, 120):  # undefined, null, false, true
            return
        if tag == 125:  # a signed varint: skip to its last byte
            while self.byte() & 0x80:
                pass
        elif tag == 124:
            self.take(4)  # float32
        elif tag in (123, 122):
            self.take(8)  # float64, bigint
        elif tag == 119:
            self.string()
        elif tag == 118:
            for _ in range(self.count(2)):
                self.string()
                self.any(depth + 1)
        elif tag == 117:
            for _ in range(self.count(1)):
                self.any(depth + 1)
        elif tag == 116:
            self.bytes()
        else:
            raise UnreadableUpdate("an unknown kind of value")

    def end(self) -> None:
        if self._at != len(self._data):
            raise UnreadableUpdate("trailing bytes")
