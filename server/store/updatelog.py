"""The append-only update log: group commit, loading in order, compaction into a snapshot."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Doc
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.crdt import integrate
from server.latency import Histogram
from server.store import folding
from server.store.committer import Committer, committer_for, write_folds
from server.store.models import RoomSnapshot, RoomUpdate

log = logging.getLogger("kring.store")


@dataclass
class _Pending:
    room: str
    doc: str
    data: bytes
    done: asyncio.Future[None]


@dataclass
class StoredRoom:
    """What the store holds for a room: per document a snapshot (or nothing) and the later updates."""

    snapshots: dict[str, bytes] = field(default_factory=dict)
    updates: list[tuple[str, bytes]] = field(default_factory=list)

    def doc_names(self) -> list[str]:
        return sorted(set(self.snapshots) | {name for name, _ in self.updates})

    def apply_to(self, doc_name: str, doc: Doc[Any]) -> list[bytes]:
        """Load one document's snapshot and log into `doc`; returns the updates still waiting.

        Rows are in commit order, which is not causal order when several processes store one room
        (a process applies another's update before that one has committed), hence `integrate`.
        """
        snapshot = self.snapshots.get(doc_name)
        updates = [snapshot] if snapshot is not None else []
        updates += [data for name, data in self.updates if name == doc_name]
        return integrate(doc, updates)

    def document(self, doc_name: str) -> Doc[Any]:
        doc: Doc[Any] = Doc()
        self.apply_to(doc_name, doc)
        return doc


@dataclass
class CommitStats:
    commits: int = 0
    rows: int = 0
    failures: int = 0
    last_commit_seconds: float = 0.0
    commit_seconds_total: float = 0.0
    latency: Histogram = field(default_factory=Histogram)


@dataclass
class CompactionStats:
    written: int = 0
    skipped: int = 0  # the fold failed or its worker died: nothing was written
    last_pid: int | None = None  # the process of the last fold: a worker's, unless folding on a thread


class UpdateLog:
    """One writer for the whole process.

    Updates from every room that arrive within `commit_window` share one transaction (one fsync);
    each caller's future resolves only after that transaction committed. A failing store is retried
    with back-off and nothing is resolved meanwhile, so no acknowledgement ever lies.

    `fold` is what the compaction worker runs: a top-level function, as the worker imports it by
    name (tests pass one that stalls or fails).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        commit_window_ms: float = 2.0,
        committer: Committer | None = None,
        *,
        fold: folding.FoldFunction = folding.fold_room,
    ) -> None:
        self.engine = engine
        self._window = commit_window_ms / 1000
        self._queue: asyncio.Queue[_Pending | None] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self.stats = CommitStats()
        self.failing = False
        self._compaction_slot = asyncio.Semaphore(1)
        self.compactions = CompactionStats()
        self._fold = fold
        self._pool: ProcessPoolExecutor | None = None  # started by the first compaction
        self._fold_on_thread = False  # for good, once no worker process could be started
        self._committer = committer if committer is not None else committer_for(engine)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    async def start(self) -> None:
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_loop(), name="kring-update-log")

    async def close(self) -> None:
        """Commit everything queued, then stop, with the compaction worker if one was started."""
        if self._writer is not None:
            await self._queue.put(None)
            await self._writer
            self._writer = None
        await self._committer.close()
        pool, self._pool = self._pool, None
        if pool is not None:
            # Waits for a fold still running: a compaction cancelled while it waited leaves it behind.
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    @property
    def queued(self) -> int:
        return self._queue.qsize()

    def append(self, room: str, doc: str, data: bytes) -> asyncio.Future[None]:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(room, doc, data, done))
        return done

    async def _write_loop(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if first is None:
                break
            if self._window > 0:
                await asyncio.sleep(self._window)
            batch = [first]
            while not self._queue.empty():
                item = self._queue.get_nowait()
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            await self._commit_until_done(batch)

    async def _commit_until_done(self, batch: list[_Pending]) -> None:
        delay = 0.05
        while True:
            started = time.perf_counter()
            try:
                await self._committer.commit([(p.room, p.doc, p.data) for p in batch])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the store is down or refused: keep the batch, try again
                self.stats.failures += 1
                if not self.failing:
                    log.error("store commit failed, retrying", extra={"error": type(exc).__name__})
                self.failing = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            elapsed = time.perf_counter() - started
            if self.failing:
                log.warning("store commit recovered")
            self.failing = False
            self.stats.commits += 1
            self.stats.rows += len(batch)
            self.stats.last_commit_seconds = elapsed
            self.stats.commit_seconds_total += elapsed
            self.stats.latency.observe(elapsed)
            for p in batch:
                if not p.done.done():
                    p.done.set_result(None)
            return

    async def load(self, room: str) -> StoredRoom:
        async with self.engine.connect() as conn:
            return await _read_room(conn, room)

    async def count(self, room: str) -> int:
        async with self.engine.connect() as conn:
            n = await conn.scalar(select(func.count()).select_from(RoomUpdate).where(RoomUpdate.room == room))
            return int(n or 0)

    async def compact(self, room: str) -> int:
        """Fold a room's log into one snapshot per document. Returns rows removed.

        Works from what is committed, not from a process's memory, so that a process that has not
        yet seen another process's updates cannot compact them away. One compaction at a time per
        process, and the folding itself in a worker process: many rooms reach the threshold at
        once, and Yrs holds the GIL while it folds, so on a thread it stalled every board (measured
        in the soak: docs/performance.md). A fold that fails, or a worker that dies, skips the
        compaction: nothing is written, and 0 is returned.
        """
        async with self._compaction_slot:
            if self.is_postgres:
                async with self.engine.begin() as conn:
                    # Two processes compacting the same room would each delete what the other
                    # folded: the lock is held from the read to the commit.
                    await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:room))"), {"room": room})
                    stored = await _read_room(conn, room, with_ids=True)
                    folds = await self._folds(room, stored)
                    return 0 if folds is None else await self._write(conn, room, folds)
            # SQLite: one process, and a read transaction that later writes would fail whenever the
            # commit writer committed in between (WAL snapshot). Read, fold, then write briefly.
            async with self.engine.connect() as conn:
                stored = await _read_room(conn, room, with_ids=True)
            folds = await self._folds(room, stored)
            if folds is None:
                return 0
            return await self._write(None, room, folds)

    async def _write(self, conn: AsyncConnection | None, room: str, folds: list[folding.DocFold]) -> int:
        # PostgreSQL writes in the transaction that holds the room's lock; SQLite where its commits go.
        removed = await (
            write_folds(conn, room, folds) if conn is not None else self._committer.write_folds(room, folds)
        )
        self.compactions.written += 1
        return removed

    async def _folds(self, room: str, stored: _StoredWithIds) -> list[folding.DocFold] | None:
        """The new snapshots of a room, or None when the fold failed and nothing may be written."""
        args = (self._fold, stored.snapshots, stored.updates_with_ids)
        pool = None if self._fold_on_thread else await self._worker_pool()
        if pool is None:
            outcome = await asyncio.to_thread(folding.run_fold, *args)
        else:
            try:
                outcome = await asyncio.wrap_future(pool.submit(folding.run_fold, *args))
            except BrokenProcessPool:
                # Killed, out of memory, or a panic that aborted: what it folded died with it and the
                # store was never touched. The next compaction starts a new worker.
                self._pool = None
                await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
                self.compactions.skipped += 1
                log.error("compaction worker died; compaction skipped", extra={"room": room})
                return None
        self.compactions.last_pid = outcome.pid
        if outcome.error is not None:
            self.compactions.skipped += 1
            log.error("compaction fold failed; compaction skipped", extra={"room": room, "error": outcome.error})
            return None
        return outcome.folds

    async def _worker_pool(self) -> ProcessPoolExecutor | None:
        """The worker process, started on first use; None, for good, where none can be started."""
        if self._pool is not None:
            return self._pool
        try:
            # spawn, never fork: this process has threads (aiosqlite's, the commit writer's) and a
            # running event loop, and a forked child would inherit their locks in whatever state.
            pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=folding.worker_started
            )
        except Exception as exc:  # no working multiprocessing here (no sem_open, say)
            self._no_worker(exc)
            return None
        self._pool = pool  # set now, so that close() stops it even if this compaction is cancelled
        try:
            # A worker that cannot start, or cannot import pycrdt, fails here rather than on a fold,
            # so a dead worker later on is a death, not a platform that cannot run one.
            await asyncio.wrap_future(pool.submit(folding.ready))
        except Exception as exc:
            self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            self._no_worker(exc)
            return None
        return pool

    def _no_worker(self, exc: Exception) -> None:
        self._fold_on_thread = True
        log.warning("no compaction worker process; folding on a thread", extra={"error": type(exc).__name__})

    async def delete_room(self, room: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(RoomUpdate).where(RoomUpdate.room == room))
            await conn.execute(delete(RoomSnapshot).where(RoomSnapshot.room == room))


@dataclass
class _StoredWithIds(StoredRoom):
    updates_with_ids: list[tuple[int, str, bytes]] = field(default_factory=list)


async def _read_room(conn: AsyncConnection, room: str, with_ids: bool = False) -> _StoredWithIds:
    stored = _StoredWithIds()
    snaps = await conn.execute(select(RoomSnapshot.doc, RoomSnapshot.data).where(RoomSnapshot.room == room))
    for doc_name, data in snaps:
        stored.snapshots[doc_name] = bytes(data)
    rows: Sequence[tuple[int, str, bytes]] = (
        await conn.execute(
            select(RoomUpdate.id, RoomUpdate.doc, RoomUpdate.data)
            .where(RoomUpdate.room == room)
            .order_by(RoomUpdate.id)
        )
    ).all()
    for update_id, doc_name, data in rows:
        # Everything still in the log belongs in, whatever its id: compaction deleted what it folded,
        # and a row committed late by another process may carry an id below the snapshot's.
        stored.updates.append((doc_name, bytes(data)))
        if with_ids:
            stored.updates_with_ids.append((int(update_id), doc_name, bytes(data)))
    return stored
