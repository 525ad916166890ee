"""How one group commit reaches the disk: a whole transaction in one trip off the event loop.

On SQLite the update log's writer has a connection and a thread of its own: BEGIN, the INSERT of
every row of the batch and COMMIT (with its fsync) run as one call there, so a commit costs the
event loop one hand-off and one wake-up. Through SQLAlchemy and aiosqlite each of those steps was a
round trip through the loop, and under fan-out load every trip waited behind the broadcasts: the
acknowledgement tail (docs/performance.md, "Where the server's time goes", change 3).
Elsewhere (PostgreSQL, an in-memory SQLite) the commit goes through the SQLAlchemy engine.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from server.store.auditlog import current_address
from server.store.folding import DocFold
from server.store.models import AuditEntry, RoomSnapshot, RoomUpdate

log = logging.getLogger("kring.store")

Row = tuple[str, str, bytes]  # room, document, update

INSERT_UPDATE = "INSERT INTO room_updates (room, doc, data) VALUES (?, ?, ?)"
# Ids per DELETE in compaction: well under SQLite's and asyncpg's bound-parameter limits.
_DELETE_CHUNK = 500


class Committer(Protocol):
    async def commit(self, rows: list[Row]) -> None:
        """Store `rows` in one transaction; raises if nothing was stored."""

    async def write_folds(self, room: str, folds: list[DocFold]) -> int:
        """Replace a room's snapshots with `folds` and delete the rows they hold, in one transaction;
        returns the rows deleted."""

    async def close(self) -> None: ...


async def write_folds(conn: AsyncConnection, room: str, folds: list[DocFold]) -> int:
    """`Committer.write_folds` inside a transaction the caller holds (PostgreSQL: under its lock)."""
    removed = 0
    for fold in folds:
        await conn.execute(delete(RoomSnapshot).where(RoomSnapshot.room == room, RoomSnapshot.doc == fold.doc))
        await conn.execute(insert(RoomSnapshot).values(room=room, doc=fold.doc, data=fold.snapshot, upto_id=fold.upto))
        # Delete by id, never by range: on PostgreSQL a row another process inserted before ours
        # (lower id) may commit after the read, and a range would delete it unread.
        for start in range(0, len(fold.folded), _DELETE_CHUNK):
            chunk = fold.folded[start : start + _DELETE_CHUNK]
            result = await conn.execute(delete(RoomUpdate).where(RoomUpdate.id.in_(chunk)))
            removed += int(result.rowcount or 0)
    return removed


class EngineCommitter:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def commit(self, rows: list[Row]) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(insert(RoomUpdate), [{"room": r, "doc": d, "data": data} for r, d, data in rows])

    async def write_folds(self, room: str, folds: list[DocFold]) -> int:
        async with self._engine.begin() as conn:
            return await write_folds(conn, room, folds)

    async def close(self) -> None:
        return None


class SqliteCommitter:
    """A connection of its own on a thread of its own; SQLite's busy timeout orders it with the
    engine's connections (room loads, compaction, the meetings' tables) in WAL mode."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._conn: sqlite3.Connection | None = None
        # One thread: the connection is only ever used from it, and commits stay in order.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kring-commit")
        self._closed = False

    async def commit(self, rows: list[Row]) -> None:
        await asyncio.get_running_loop().run_in_executor(self._thread, self._commit, rows)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            try:
                # Per connection, like the engine's: FULL fsyncs every commit, which is what makes an
                # acknowledgement mean "on disk".
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
                conn.execute("PRAGMA busy_timeout=5000")
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    async def write_folds(self, room: str, folds: list[DocFold]) -> int:
        # On the commit thread too: from another connection this write held SQLite's one write lock
        # while the commits waited in its busy handler, which sleeps in steps of up to 100 ms (the
        # durable-ack tail went from 8 to 180 ms at 500 updates/s; docs/performance.md).
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._write_folds, room, folds)

    def _commit(self, rows: list[Row]) -> None:
        self._transaction(lambda conn: conn.executemany(INSERT_UPDATE, rows))

    def _write_folds(self, room: str, folds: list[DocFold]) -> int:
        removed = 0

        def write(conn: sqlite3.Connection) -> None:
            nonlocal removed
            for fold in folds:
                conn.execute("DELETE FROM room_snapshots WHERE room = ? AND doc = ?", (room, fold.doc))
                conn.execute(
                    "INSERT INTO room_snapshots (room, doc, data, upto_id) VALUES (?, ?, ?, ?)",
                    (room, fold.doc, fold.snapshot, fold.upto),
                )
                for start in range(0, len(fold.folded), _DELETE_CHUNK):
                    chunk = fold.folded[start : start + _DELETE_CHUNK]
                    marks = ", ".join("?" * len(chunk))
                    removed += conn.execute(f"DELETE FROM room_updates WHERE id IN ({marks})", chunk).rowcount

        self._transaction(write)
        return removed

    def _transaction(self, work: Callable[[sqlite3.Connection], object]) -> None:
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
            work(conn)
            conn.execute("COMMIT")
        except BaseException:
            # Start the next try from a new connection: after a disk error this one may be unusable,
            # and closing it rolls back whatever the failed transaction had written.
            self._conn = None
            conn.close()
            raise

    async def close(self) -> None:
        def finish() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        if self._closed:
            return
        self._closed = True
        await asyncio.get_running_loop().run_in_executor(self._thread, finish)
        self._thread.shutdown(wait=True)


class AuditBatch:
    """Audit rows of socket connects, group-committed: the rows of a few milliseconds in one
    transaction. A crowd of phones connecting at once wrote (and on SQLite fsynced) one transaction
    each, which was most of a connect's cost; the entry is the same, only later by a window."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], window: float = 0.005) -> None:
        self._sessions = sessions
        self._window = window
        self._rows: list[dict[str, Any]] = []
        self._writer: asyncio.Task[None] | None = None

    def add(self, **row: Any) -> None:
        # Where from is read now, in the connect's own context: the writer task runs in another.
        row.setdefault("address", current_address())
        self._rows.append(row)
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write_soon(), name="kring-audit")

    async def _write_soon(self) -> None:
        try:
            await asyncio.sleep(self._window)
        finally:
            self._writer = None
            await self._write()

    async def _write(self) -> None:
        rows, self._rows = self._rows, []
        if not rows:
            return
        try:
            async with self._sessions.begin() as db:
                await db.execute(insert(AuditEntry), rows)
        except Exception as exc:
            log.error("audit rows not written", extra={"count": len(rows), "error": type(exc).__name__})

    async def close(self) -> None:
        """Write what waits (the store must still be open)."""
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)
        await self._write()


def committer_for(engine: AsyncEngine) -> Committer:
    url = engine.url
    path = url.database
    if url.get_backend_name() == "sqlite" and path and path != ":memory:" and not path.startswith("file:"):
        return SqliteCommitter(path)
    return EngineCommitter(engine)
