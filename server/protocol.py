"""The wire contract: document names, frame kinds, limits and refusal codes (docs/protocol.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from pycrdt import YMessageType, YSyncMessageType, read_message, write_message, write_var_uint

from server.crdt import UnreadableUpdate, check_state_vector, check_update

ROOM_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class Refusal(StrEnum):
    NOT_AUTHENTICATED = "not_authenticated"
    BAD_AUTH = "bad_auth"
    UNKNOWN_EVENT = "unknown_event"
    BAD_ARGUMENTS = "bad_arguments"
    UNKNOWN_DOC = "unknown_doc"
    TOO_LARGE = "too_large"
    MALFORMED = "malformed"
    AWARENESS_NOT_YOURS = "awareness_not_yours"
    ROOM_RELOADING = "room_reloading"
    TOO_MANY_REFUSALS = "too_many_refusals"
    INTERNAL_ERROR = "internal_error"
    BAD_PACKET = "bad_packet"
    NOT_ALLOWED = "not_allowed"
    INVALID_VALUE = "invalid_value"
    INCOMPLETE = "incomplete"
    NOT_ADMITTED = "not_admitted"
    ROOM_CLOSED = "room_closed"
    REMOVED = "removed"
    REPLACED = "replaced"
    RATE_LIMITED = "rate_limited"
    TOO_MANY_CONNECTIONS = "too_many_connections"
    SLOW_READER = "slow_reader"
    RENAMED = "renamed"
    REBUILT = "rebuilt"
    VIEW_CHANGED = "view_changed"


MESSAGES: dict[Refusal, str] = {
    Refusal.NOT_AUTHENTICATED: "Connect with an auth payload before sending events.",
    Refusal.BAD_AUTH: "The auth payload must be {room: <name>} with a valid room name.",
    Refusal.UNKNOWN_EVENT: "This event does not exist.",
    Refusal.BAD_ARGUMENTS: "The event's arguments do not have the documented types.",
    Refusal.UNKNOWN_DOC: "This room has no document of that name.",
    Refusal.TOO_LARGE: "The frame is larger than the server accepts.",
    Refusal.MALFORMED: "The frame is not a valid y-protocols message or CRDT update.",
    Refusal.AWARENESS_NOT_YOURS: "An awareness update may only carry this connection's own clients.",
    Refusal.ROOM_RELOADING: "The room is reloading from the store; reconnect and resync.",
    Refusal.TOO_MANY_REFUSALS: "Too many refused frames; the connection is closed.",
    Refusal.INTERNAL_ERROR: "The server could not process this frame; nothing was applied.",
    Refusal.BAD_PACKET: "That is not a Socket.IO packet this server accepts; the connection is closed.",
    Refusal.NOT_ALLOWED: "You may not change this part of the board; nothing was applied.",
    Refusal.INVALID_VALUE: "A value is outside what the board accepts; nothing was applied.",
    Refusal.INCOMPLETE: "The update depends on changes the server has not seen; resync and send again.",
    Refusal.NOT_ADMITTED: "Wait until the facilitator admits you.",
    Refusal.ROOM_CLOSED: "This meeting is closed.",
    Refusal.REMOVED: "The facilitator removed you from this meeting.",
    Refusal.REPLACED: "A newer projector link replaced this one.",
    Refusal.RATE_LIMITED: "Too many frames at once; nothing was applied. Slow down and resync.",
    Refusal.TOO_MANY_CONNECTIONS: "Too many connections from this address; try again in a few seconds.",
    Refusal.SLOW_READER: "This connection fell too far behind; reconnect and resync.",
    Refusal.RENAMED: "The facilitator changed your name; reconnect to continue under it.",
    Refusal.REBUILT: "The server rebuilt this document since you received it; start it afresh.",
    Refusal.VIEW_CHANGED: "The facilitator switched you between the child view and the full board; reconnect.",
}


class Refused(Exception):
    """A frame the server will not apply; the room is unchanged and the sender is told why."""

    def __init__(self, code: Refusal, detail: str | None = None) -> None:
        super().__init__(code.value)
        self.code = code
        self.detail = detail

    def as_payload(self, event: str) -> dict[str, str]:
        return {"code": self.code.value, "message": MESSAGES[self.code], "event": event}


@dataclass(frozen=True)
class SyncFrame:
    kind: YSyncMessageType
    payload: bytes  # a state vector for step 1, an update for step 2 and update


def parse_sync_frame(frame: bytes) -> SyncFrame:
    """Split a y-websocket sync message: [0, kind, varbytes(payload)]."""
    if len(frame) < 3 or frame[0] != YMessageType.SYNC or frame[1] > YSyncMessageType.SYNC_UPDATE:
        raise Refused(Refusal.MALFORMED)
    try:
        payload = read_message(frame[2:])
    except Exception as exc:
        raise Refused(Refusal.MALFORMED) from exc
    if len(payload) != len(frame) - 2 - len(write_var_uint(len(payload))):
        raise Refused(Refusal.MALFORMED)  # truncated or trailing bytes
    kind = YSyncMessageType(frame[1])
    try:
        # Judged before any document sees it: Yrs would reserve memory for whatever counts it claims.
        (check_state_vector if kind == YSyncMessageType.SYNC_STEP1 else check_update)(payload)
    except UnreadableUpdate as exc:
        raise Refused(Refusal.MALFORMED) from exc
    return SyncFrame(kind, payload)


def sync_step2_frame(update: bytes) -> bytes:
    """The answer to a sync step 1: [0, 1, varbytes(update)] (pycrdt exports no builder for it)."""
    return bytes([YMessageType.SYNC, YSyncMessageType.SYNC_STEP2]) + write_message(update)


def parse_awareness_frame(frame: bytes) -> bytes:
    """Unwrap a y-websocket awareness message: [1, varbytes(update)]."""
    if len(frame) < 2 or frame[0] != YMessageType.AWARENESS:
        raise Refused(Refusal.MALFORMED)
    try:
        payload = read_message(frame[1:])
    except Exception as exc:
        raise Refused(Refusal.MALFORMED) from exc
    if len(payload) != len(frame) - 1 - len(write_var_uint(len(payload))):
        raise Refused(Refusal.MALFORMED)
    return payload
