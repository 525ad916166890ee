"""Shared test helpers: a real server in the test's own event loop, clients, `eventually`."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import socketio
import uvicorn
from pycrdt import (
    Array,
    Doc,
    YMessageType,
    YSyncMessageType,
    create_sync_message,
    create_update_message,
    handle_sync_message,
)
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.app import create_app
from server.auth import sign
from server.cli import uvicorn_config
from server.process import Kring
from server.settings import Settings
from server.store.engine import create_engine
from server.store.meetings import MeetingStore
from server.store.models import Case, CaseFacilitator, Facilitator, FacilitatorRole, Meeting, MeetingRoom

# Which database and key each server under test uses, by URL: what `facilitator_auth` needs to
# let a scripted client into a room the way a logged-in facilitator's browser gets in.
SERVERS: dict[str, tuple[str, str]] = {}
TEST_FACILITATOR = "facilitator@kring.test"


async def _ensure_room(store: MeetingStore, room: str) -> int:
    async with store.sessions.begin() as db:
        person = await db.scalar(select(Facilitator).where(Facilitator.email == TEST_FACILITATOR))
        if person is None:
            person = Facilitator(email=TEST_FACILITATOR, name="Fatima", password_hash="!")
            db.add(person)
            await db.flush()
            db.add(FacilitatorRole(facilitator_id=person.id, role="facilitator"))
        if await db.get(MeetingRoom, room) is None:
            case_id, meeting_id = f"c-{room}"[:32], f"m-{room}"[:32]
            db.add(Case(id=case_id, label="test"))
            await db.flush()
            db.add(CaseFacilitator(case_id=case_id, facilitator_id=person.id))
            db.add(Meeting(id=meeting_id, case_id=case_id, title="test", status="open", admit_all=False))
            await db.flush()
            db.add(MeetingRoom(id=room, meeting_id=meeting_id, name=room, position=0, locked=False))
        return person.id


async def facilitator_auth(url: str, room: str) -> dict[str, str]:
    """Auth for a facilitator of `room` on the server at `url`; creates the room's meeting if needed."""
    database_url, secret_key = SERVERS[url]
    engine = create_engine(database_url)
    try:
        store = MeetingStore(engine)
        for _attempt in range(3):
            try:
                person_id = await _ensure_room(store, room)
                break
            except IntegrityError:
                continue  # another client of the same test created it at the same moment
        token = await store.open_session(person_id)
    finally:
        await engine.dispose()
    return {"room": room, "session": sign(token, secret_key)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def eventually(check: Callable[[], Any], timeout: float = 5.0, interval: float = 0.02) -> Any:  # noqa: ASYNC109
    """Retry `check` (sync or async) until it stops raising AssertionError or the time is up."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            result = check()
            if isinstance(result, Awaitable):
                result = await result
            return result
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(interval)


class RunningServer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self.kring: Kring = self.app.kring  # type: ignore[attr-defined]
        self.server = uvicorn.Server(uvicorn_config(settings, self.app))
        self.task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    async def start(self) -> None:
        SERVERS[self.url] = (self.settings.database_url, self.settings.secret_key)
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            await self.task


@contextlib.asynccontextmanager
async def run_server(settings: Settings) -> AsyncIterator[RunningServer]:
    server = RunningServer(settings)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


class BoardClient:
    """A scripted y-websocket-style peer: a pycrdt Doc kept in sync over Socket.IO."""

    def __init__(self, url: str, room: str, doc_name: str = "board") -> None:
        self.url = url
        self.room = room
        self.doc_name = doc_name
        self.doc: Doc = Doc()
        self.items = self.doc.get("items", type=Array)
        self.refusals: list[dict[str, Any]] = []
        self.acks: list[Any] = []
        self._pending_acks: set[asyncio.Task[Any]] = set()
        self.last_ack: asyncio.Future[Any] | None = None  # the ack of the latest local edit
        self._remote = False
        self.synced = asyncio.Event()
        self.doc.observe(self._on_local_change)
        self.sio = self._new_socket()

    def _new_socket(self) -> socketio.AsyncClient:
        sio = socketio.AsyncClient(serializer="msgpack", reconnection=False)
        sio.on("sync", self._on_sync)
        sio.on("refused", self._on_refused)
        return sio

    async def reconnect_to(self, url: str) -> None:
        """Continue with the same document on another server (as a load balancer would route it)."""
        if self.sio.connected:
            await self.sio.disconnect()
        self.url = url
        self.synced = asyncio.Event()
        self.sio = self._new_socket()
        await self.connect()

    async def connect(self, auth: Any = None) -> None:
        await self.sio.connect(
            self.url,
            transports=["websocket"],
            auth=auth if auth is not None else await facilitator_auth(self.url, self.room),
            headers={"Origin": self.url},
            wait_timeout=10,
        )
        await self.sio.emit("sync", (self.doc_name, create_sync_message(self.doc)))

    async def disconnect(self) -> None:
        await self.sio.disconnect()

    def _on_local_change(self, event: Any) -> None:
        if self._remote or not self.sio.connected:
            return
        frame = create_update_message(event.update)
        self._send_with_ack(frame)

    def _send_with_ack(self, frame: bytes) -> None:
        task = asyncio.ensure_future(self.sio.call("sync", (self.doc_name, frame), timeout=30))
        self.last_ack = task
        self._pending_acks.add(task)
        task.add_done_callback(self._ack_done)

    def _ack_done(self, task: asyncio.Task[Any]) -> None:
        self._pending_acks.discard(task)
        if not task.cancelled() and task.exception() is None:
            self.acks.append(task.result())

    async def all_acked(self) -> None:
        while self._pending_acks:
            await asyncio.gather(*list(self._pending_acks), return_exceptions=True)

    async def _on_sync(self, doc_name: str, frame: bytes) -> None:
        if doc_name != self.doc_name or frame[0] != YMessageType.SYNC:
            return
        self._remote = True
        try:
            reply = handle_sync_message(frame[1:], self.doc)
        finally:
            self._remote = False
        if frame[1] == YSyncMessageType.SYNC_STEP2:
            self.synced.set()
        if reply is not None:
            # The server asked for what it lacks (its sync step 1): answer with step 2, acknowledged.
            self._send_with_ack(reply)

    async def _on_refused(self, payload: dict[str, Any]) -> None:
        self.refusals.append(payload)

    def values(self) -> list[Any]:
        return list(self.items.to_py() or [])


def settings_for(tmp_path: Any, **overrides: Any) -> Settings:
    port = overrides.pop("port", None) or free_port()
    base = Settings.from_env(
        {
            "KRING_VAR_DIR": str(tmp_path / "var"),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
            # The tests sign in by password alone; the second factor's own tests turn it back on
            # (tests/test_credentials.py). Production keeps the default: required.
            "KRING_REQUIRE_SECOND_FACTOR": "0",
            **{k: str(v) for k, v in overrides.pop("env", {}).items()},
        }
    )
    return base.with_(**overrides)
