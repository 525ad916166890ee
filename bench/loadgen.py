"""Kring benchmark load generator in Python: python-socketio clients with pycrdt documents.

The same line protocol as bench/loadgen.cjs (see bench/runner.py): a config line and a `go` line in,
a `ready` line and a `result` line out. Run as `python -m bench.loadgen`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp
import socketio
from pycrdt import Doc, Map, MapEvent, TransactionEvent, YMessageType, YSyncMessageType, read_message

from bench.frames import sync_frame


def now_us() -> int:
    return time.monotonic_ns() // 1000


OWN_PROPOSALS = 8


@dataclass
class Stats:
    connected: int = 0
    connect_failed: int = 0
    disconnects: int = 0
    refusals: int = 0
    sent: dict[str, int] = field(default_factory=dict)
    sent_total: int = 0
    received: int = 0
    latency_us: list[int] = field(default_factory=list)
    latency_second: list[int] = field(default_factory=list)  # seconds from the window's start to the send
    acks_ok: int = 0
    acks_saved: int = 0
    acks_failed: int = 0
    acks_missing: int = 0
    ack_us: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def note(self, message: str) -> None:
        if len(self.errors) < 10:
            self.errors.append(message)


@dataclass
class Window:
    start: float = float("inf")
    stop: float = float("-inf")

    def __contains__(self, t: float) -> bool:
        return self.start <= t < self.stop


class Phone:
    """One simulated participant: a pycrdt document kept in sync with the room over Socket.IO."""

    def __init__(
        self, spec: dict[str, Any], doc_name: str, stats: Stats, window: Window, http: aiohttp.ClientSession
    ) -> None:
        self.spec = spec
        self.room: str = spec["room"]
        self.rate: float = float(spec["rate"])
        self.doc_name = doc_name
        # A phone may only write what it owns: its own open proposals,
        # proposals["<participant>:<id>"] = {by, text, status}. The text carries the send time.
        self.participant: str = spec["participant"]
        self.prefix = f"{self.participant}:"
        self.stats = stats
        self.window = window
        self.seq = 0
        self.pending_acks = 0
        self.doc: Doc[Any] = Doc()
        self.map: Map[Any] = self.doc.get("proposals", type=Map)
        self.synced = asyncio.Event()
        self.sending = False
        self._remote = False
        self._sent_at: int | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.sio = socketio.AsyncClient(
            serializer="msgpack", reconnection=False, handle_sigint=False, http_session=http
        )
        self.sio.on("sync", self._on_sync)
        self.sio.on("refused", self._on_refused)
        self.sio.on("disconnect", self._on_disconnect)
        self.doc.observe(self._on_local_change)
        self.map.observe(self._on_map)

    async def connect(self, within: float) -> bool:
        try:
            async with asyncio.timeout(within):
                await self._connect()
        except Exception as exc:
            self.stats.connect_failed += 1
            self.stats.note(f"connect: {type(exc).__name__}: {exc}")
            with contextlib.suppress(Exception):
                await self.sio.disconnect()
            return False
        self.stats.connected += 1
        return True

    async def _connect(self) -> None:
        await self.sio.connect(
            self.spec["url"],
            transports=["websocket"],
            auth={"token": self.spec["token"]},
            headers={"Origin": self.spec["origin"]},
            wait_timeout=20,
        )
        self._emit(sync_frame(YSyncMessageType.SYNC_STEP1, self.doc.get_state()), None)
        await self.synced.wait()

    # -- receiving ------------------------------------------------------------------------------

    async def _on_sync(self, doc_name: str, frame: bytes) -> None:
        if doc_name != self.doc_name or not frame or frame[0] != YMessageType.SYNC:
            return
        payload = read_message(frame[2:])
        if frame[1] == YSyncMessageType.SYNC_STEP1:
            self._emit(sync_frame(YSyncMessageType.SYNC_STEP2, self.doc.get_update(payload)), None)
            return
        self._remote = True
        try:
            self.doc.apply_update(payload)
        finally:
            self._remote = False
        if frame[1] == YSyncMessageType.SYNC_STEP2:
            self.synced.set()

    def _on_map(self, event: MapEvent) -> None:
        if not self._remote:
            return
        now = now_us()
        changes: dict[str, dict[str, Any]] = event.keys  # type: ignore[attr-defined]
        for key, change in changes.items():
            if key.startswith(self.prefix):
                continue
            entry = change.get("newValue")
            text = entry.get("text") if isinstance(entry, Map) else None
            sent_at = int(text) if isinstance(text, str) and text.isdigit() else None
            if sent_at is not None and sent_at in self.window:
                self.stats.received += 1
                self.stats.latency_us.append(now - int(sent_at))
                self.stats.latency_second.append(int((sent_at - self.window.start) // 1_000_000))

    async def _on_refused(self, payload: Any) -> None:
        self.stats.refusals += 1
        self.stats.note(f"refused: {payload}")

    async def _on_disconnect(self, reason: Any = None) -> None:
        if self.sending:
            self.stats.disconnects += 1
            self.stats.note(f"disconnect: {reason}")

    # -- sending --------------------------------------------------------------------------------

    def _on_local_change(self, event: TransactionEvent) -> None:
        if not self._remote:
            self._emit(sync_frame(YSyncMessageType.SYNC_UPDATE, event.update), self._sent_at)

    def _emit(self, frame: bytes, sent_at: int | None) -> None:
        counted = sent_at is not None and sent_at in self.window
        if counted:
            self.pending_acks += 1

        async def on_ack(ack: Any = None) -> None:
            if not counted or sent_at is None:
                return
            self.pending_acks -= 1
            if isinstance(ack, dict) and ack.get("ok"):
                self.stats.acks_ok += 1
                if ack.get("saved"):
                    self.stats.acks_saved += 1
                    self.stats.ack_us.append(now_us() - sent_at)
            else:
                self.stats.acks_failed += 1
                self.stats.note(f"ack: {ack}")

        task = asyncio.ensure_future(self.sio.emit("sync", (self.doc_name, frame), callback=on_ack))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def send_one(self) -> None:
        sent_at = now_us()
        self._sent_at = sent_at
        self.seq += 1
        proposal = Map({"by": self.participant, "text": str(sent_at), "status": "open"})
        # A phone keeps a few proposals and rewrites them, as a person edits theirs: the board stays
        # the size of a real one however long the run (the soak looks for growth that is not data).
        self.map[f"{self.prefix}b{self.seq % OWN_PROPOSALS}"] = proposal  # the doc observer emits the frame
        if sent_at in self.window:
            self.stats.sent[self.room] = self.stats.sent.get(self.room, 0) + 1
        self.stats.sent_total += 1

    async def run(self, start_us: int, stop_us: int) -> None:
        """Send at a fixed rate from a random phase, on absolute times so timer lag never drifts."""
        if self.rate <= 0:
            return
        interval = 1e6 / self.rate
        due = start_us + random.random() * interval
        self.sending = True
        while due < stop_us and self.sio.connected:
            await asyncio.sleep(max(0.0, (due - now_us()) / 1e6))
            self.send_one()
            due += interval

    async def close(self) -> None:
        self.sending = False
        with contextlib.suppress(Exception):
            await self.sio.disconnect()


async def _read_line(reader: asyncio.StreamReader) -> dict[str, Any] | None:
    line = await reader.readline()
    return json.loads(line) if line.strip() else None


def _write(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    config = await _read_line(reader)
    if config is None:
        return
    stats, window = Stats(), Window()
    limit = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=limit) as http:
        phones = [Phone(spec, config["doc"], stats, window, http) for spec in config["clients"]]
        gate = asyncio.Semaphore(int(config.get("connect_concurrency", 50)))
        timeout = float(config.get("connect_timeout", 20))

        async def connect(phone: Phone) -> bool:
            async with gate:
                return await phone.connect(timeout)

        await asyncio.gather(*(connect(p) for p in phones))
        rooms: dict[str, int] = {}
        for phone in phones:
            if phone.synced.is_set():
                rooms[phone.room] = rooms.get(phone.room, 0) + 1
        _write(
            {
                "event": "ready",
                "connected": stats.connected,
                "connect_failed": stats.connect_failed,
                "rooms": rooms,
                "errors": stats.errors,
            }
        )
        go = await _read_line(reader)
        if go is not None and go.get("event") == "go":
            window.start, window.stop = go["from_us"], go["to_us"]
            senders = [asyncio.create_task(p.run(go["start_us"], go["to_us"])) for p in phones]
            await asyncio.sleep(max(0.0, (go["drain_us"] - now_us()) / 1e6))
            for task in senders:
                task.cancel()
            stats.acks_missing = sum(p.pending_acks for p in phones)
            _write({"event": "result", **asdict(stats)})
        await asyncio.gather(*(p.close() for p in phones))


if __name__ == "__main__":
    try:
        import uvloop  # comes with uvicorn[standard]; the server runs on it too
    except ImportError:  # pragma: no cover
        asyncio.run(main())
    else:
        uvloop.run(main())
