"""y-websocket sync frames, as the browser's provider sends them: [0, kind, varuint(len), payload]."""

from __future__ import annotations

from pycrdt import YMessageType, YSyncMessageType, write_message


def sync_frame(kind: YSyncMessageType, payload: bytes) -> bytes:
    return bytes((YMessageType.SYNC, kind)) + write_message(payload)
