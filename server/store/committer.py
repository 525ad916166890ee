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
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from server.store.models import RoomUpdate

Row = tuple[str, str, bytes]  # room, document, update


class Committer(Protocol):
    async def commit(self, rows: list[Row]) -> None:
        """Store `rows` in one transaction; raises if nothing was stored."""

    async def close(self) -> None: ...


class EngineCommitter:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def commit(self, rows: list[Row]) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(insert(RoomUpdate), [{"room": r, "doc": d, "data": data} for r, d, data in rows])

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

    def _commit(self, rows: list[Row]) -> None:
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO room_updates (room, doc, data) VALUES (?, ?, ?)", rows)
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


def committer_for(engine: AsyncEngine) -> Committer:
    url = engine.url
    path = url.database
    if url.get_backend_name() == "sqlite" and path and path != ":memory:" and not path.startswith("file:"):
        return SqliteCommitter(path)
    return EngineCommitter(engine)
