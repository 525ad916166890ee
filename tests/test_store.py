"""The update log on real SQLite and real PostgreSQL: group commit, order, compaction, outages."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from pycrdt import Array, Doc, Map, Text
from sqlalchemy import event

from server.crdt import _state_vector
from server.store.committer import Row, committer_for
from server.store.engine import create_engine
from server.store.folding import DocFold
from server.store.migrate import migrate
from server.store.updatelog import StoredRoom, UpdateLog
from tests.utils import eventually

ROOM = "kamer-1"


@pytest.fixture
async def log(database_url: str) -> AsyncIterator[UpdateLog]:
    engine = create_engine(database_url)
    update_log = UpdateLog(engine)
    await update_log.start()
    try:
        yield update_log
    finally:
        await update_log.close()
        await engine.dispose()


class Recorder:
    """A pycrdt document whose every transaction is kept as one update, in order."""

    def __init__(self, client_id: int | None = None) -> None:
        self.doc: Doc[Any] = Doc() if client_id is None else Doc(client_id=client_id)
        self.updates: list[bytes] = []
        self.doc.observe(lambda event: self.updates.append(event.update))

    def array(self, name: str = "items") -> Array[Any]:
        array: Array[Any] = self.doc.get(name, type=Array)
        return array


def _document(stored: StoredRoom, doc_name: str = "board") -> Doc[Any]:
    return stored.document(doc_name)


def _roots(doc: Doc[Any]) -> dict[str, Any]:
    return {
        "items": doc.get("items", type=Array).to_py(),
        "meta": doc.get("meta", type=Map).to_py(),
        "notes": doc.get("notes", type=Text).to_py(),
    }


# -- group commit -----------------------------------------------------------------------------------


async def test_appends_issued_together_share_transactions(database_url: str) -> None:
    engine = create_engine(database_url)
    committer = committer_for(engine)
    # What each commit saw of the futures it was about to resolve: none may be done before it.
    done_at_commit: list[int] = []

    class Watched:
        async def commit(self, rows: list[Row]) -> None:
            await committer.commit(rows)
            done_at_commit.append(sum(f.done() for f in futures))

        async def write_folds(self, room: str, folds: list[DocFold]) -> int:
            return await committer.write_folds(room, folds)

        async def close(self) -> None:
            await committer.close()

    update_log = UpdateLog(engine, commit_window_ms=2.0, committer=Watched())
    source = Recorder()
    for i in range(200):
        source.array().append(i)
    futures = [update_log.append(ROOM, "board", data) for data in source.updates]

    try:
        await asyncio.sleep(0.05)
        assert not any(f.done() for f in futures), "resolved before the writer ran"
        await update_log.start()
        await asyncio.wait_for(asyncio.gather(*futures), 30)
        assert update_log.stats.rows == 200
        assert 1 <= update_log.stats.commits < 200
        assert done_at_commit[0] == 0
        assert done_at_commit == sorted(done_at_commit)
        assert await update_log.count(ROOM) == 200
    finally:
        await update_log.close()
        await engine.dispose()


async def test_each_future_resolves_with_its_row_readable_elsewhere(log: UpdateLog, database_url: str) -> None:
    reader = create_engine(database_url)
    reader_log = UpdateLog(reader)  # never started: only used to read
    source = Recorder()
    try:
        for round_ in range(5):
            for i in range(20):
                source.array().append(f"{round_}-{i}")
            futures = [log.append(ROOM, "board", data) for data in source.updates[-20:]]
            for n, future in enumerate(futures, start=1):
                await asyncio.wait_for(future, 30)
                # Resolved means committed: another connection must already see the row.
                assert await reader_log.count(ROOM) >= round_ * 20 + n
    finally:
        await reader.dispose()


# -- loading ----------------------------------------------------------------------------------------


async def test_load_returns_updates_in_the_order_they_were_appended(log: UpdateLog) -> None:
    board, notes, other = Recorder(), Recorder(), Recorder()
    expected: list[tuple[str, bytes]] = []
    for batch in range(6):
        futures = []
        for i in range(15):
            board.array().append(f"b{batch}-{i}")
            notes.doc.get("notes", type=Text).insert(0, f"n{batch}-{i} ")
            other.array().append(i)
            expected += [("board", board.updates[-1]), ("notes", notes.updates[-1])]
            futures += [
                log.append(ROOM, "board", board.updates[-1]),
                log.append(ROOM, "notes", notes.updates[-1]),
                log.append("kamer-2", "board", other.updates[-1]),
            ]
        await asyncio.gather(*futures)

    stored = await log.load(ROOM)
    assert stored.snapshots == {}
    assert stored.updates == expected
    # Applied in that order, every update finds what it builds on: nothing is left waiting.
    assert _document(stored, "board").get("items", type=Array).to_py() == board.array().to_py()
    assert len((await log.load("kamer-2")).updates) == 90


# -- compaction -------------------------------------------------------------------------------------


def _edit_a_little_of_everything(a: Recorder, b: Recorder, rounds: int) -> None:
    for i in range(rounds):
        a.array().append(f"a{i}")
        b.doc.apply_update(a.updates[-1])
        b.doc.get("meta", type=Map)[f"k{i % 3}"] = i
        a.doc.apply_update(b.updates[-1])
        a.doc.get("notes", type=Text).insert(0, f"{i};")
        b.doc.apply_update(a.updates[-1])
        if i % 2:
            del b.array()[0]
            a.doc.apply_update(b.updates[-1])


async def test_compaction_keeps_the_document_and_empties_the_log(log: UpdateLog) -> None:
    a, b = Recorder(client_id=1), Recorder(client_id=2)
    for _ in range(2):  # the second round folds new updates into an existing snapshot
        start_a, start_b = len(a.updates), len(b.updates)
        _edit_a_little_of_everything(a, b, 12)
        new = [*a.updates[start_a:], *b.updates[start_b:]]
        await asyncio.gather(*(log.append(ROOM, "board", data) for data in new))

        before = _document(await log.load(ROOM))
        removed = await log.compact(ROOM)

        assert removed == len(new)
        assert await log.count(ROOM) == 0
        stored = await log.load(ROOM)
        assert set(stored.snapshots) == {"board"}
        assert stored.updates == []
        after = _document(stored)
        assert _roots(after) == _roots(before) == _roots(a.doc)
        assert _state_vector(after.get_state()) == _state_vector(before.get_state())


async def test_update_waiting_for_its_dependencies_survives_compaction(log: UpdateLog) -> None:
    inserts = Recorder(client_id=10)
    for value in ("x", "y", "z"):
        inserts.array().append(value)
    deletes = Recorder(client_id=20)
    deletes.array().append("gone")
    del deletes.array()[0]
    ins1, ins2, ins3 = inserts.updates
    created, deleted = deletes.updates

    # ins3 builds on ins2, and `deleted` deletes what `created` inserts: both wait.
    for data in (ins1, ins3, deleted):
        await log.append(ROOM, "board", data)
    await log.compact(ROOM)

    stored = await log.load(ROOM)
    assert stored.updates == [("board", ins3), ("board", deleted)]
    assert _document(stored).get("items", type=Array).to_py() == ["x"]

    for data in (ins2, created):
        await log.append(ROOM, "board", data)
    assert _document(await log.load(ROOM)).get("items", type=Array).to_py() == ["x", "y", "z"]

    await log.compact(ROOM)  # now everything integrates and the log can be emptied
    assert await log.count(ROOM) == 0
    assert _document(await log.load(ROOM)).get("items", type=Array).to_py() == ["x", "y", "z"]


@pytest.mark.postgres
async def test_compaction_keeps_a_row_another_process_commits_while_it_runs(postgres_url: str) -> None:
    """Another process's row may get a lower id than ours yet commit after compaction read the log."""
    await asyncio.to_thread(migrate, postgres_url)
    engine = create_engine(postgres_url)
    update_log = UpdateLog(engine)
    await update_log.start()
    ours, theirs = Recorder(client_id=1), Recorder(client_id=2)
    ours.array().append("ours-1")
    theirs.array().append("theirs")
    ours.array().append("ours-2")
    other = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await update_log.append(ROOM, "board", ours.updates[0])
        await update_log.compact(ROOM)  # leaves a snapshot row behind

        # The other process: its INSERT takes an id now, its COMMIT comes later. Holding the
        # snapshot row makes our compaction wait exactly between reading the log and deleting it.
        transaction = other.transaction()
        await transaction.start()
        await other.execute(
            "INSERT INTO room_updates (room, doc, data) VALUES ($1, 'board', $2)", ROOM, theirs.updates[0]
        )
        await other.execute("SELECT 1 FROM room_snapshots WHERE room = $1 FOR UPDATE", ROOM)
        await update_log.append(ROOM, "board", ours.updates[1])

        compaction = asyncio.create_task(update_log.compact(ROOM))

        async def compaction_waits_for_the_lock() -> None:
            waiting = await other.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            assert waiting == 1

        await eventually(compaction_waits_for_the_lock, timeout=10)
        await transaction.commit()
        await asyncio.wait_for(compaction, 10)

        items = _document(await update_log.load(ROOM)).get("items", type=Array).to_py()
        assert sorted(items) == ["ours-1", "ours-2", "theirs"]
    finally:
        await other.close()
        await update_log.close()
        await engine.dispose()


# -- the store going away -----------------------------------------------------------------------------


class SqliteOutage:
    """Another connection holding SQLite's write lock: every commit fails with 'database is locked'."""

    def __init__(self, url: str) -> None:
        self._path = url.split("///", 1)[1]
        self._holder: sqlite3.Connection | None = None

    async def begin(self) -> None:
        self._holder = sqlite3.connect(self._path, isolation_level=None)
        self._holder.execute("BEGIN EXCLUSIVE")

    async def end(self) -> None:
        assert self._holder is not None
        self._holder.execute("ROLLBACK")
        self._holder.close()


class PostgresOutage:
    """The database refuses connections and every session on it is terminated."""

    def __init__(self, url: str) -> None:
        self._name = url.rsplit("/", 1)[1]
        self._admin_url = url.replace("postgresql+asyncpg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"

    async def _run(self, *statements: str) -> None:
        admin = await asyncpg.connect(self._admin_url)
        try:
            for statement in statements:
                await admin.execute(statement)
        finally:
            await admin.close()

    async def begin(self) -> None:
        await self._run(
            f'ALTER DATABASE "{self._name}" WITH ALLOW_CONNECTIONS false',
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{self._name}'",
        )

    async def end(self) -> None:
        await self._run(f'ALTER DATABASE "{self._name}" WITH ALLOW_CONNECTIONS true')


async def test_commits_wait_while_the_store_is_down_and_land_when_it_is_back(database_url: str) -> None:
    engine = create_engine(database_url)
    outage: SqliteOutage | PostgresOutage
    if database_url.startswith("sqlite"):
        outage = SqliteOutage(database_url)

        # The server waits 5 s for a lock before failing; a shorter wait keeps this test short.
        @event.listens_for(engine.sync_engine, "connect")
        def _short_wait(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.cursor().execute("PRAGMA busy_timeout=100")
    else:
        outage = PostgresOutage(database_url)
    update_log = UpdateLog(engine)
    await update_log.start()
    source = Recorder()
    try:
        source.array().append("before")
        await asyncio.wait_for(update_log.append(ROOM, "board", source.updates[-1]), 10)

        await outage.begin()
        futures = []
        for i in range(30):
            source.array().append(i)
            futures.append(update_log.append(ROOM, "board", source.updates[-1]))

        def failed_twice() -> None:
            assert update_log.stats.failures >= 2

        await eventually(failed_twice, timeout=15)
        assert update_log.failing
        assert not any(f.done() for f in futures)

        await outage.end()
        await asyncio.wait_for(asyncio.gather(*futures), 30)
        assert not update_log.failing
        stored = await update_log.load(ROOM)
        assert [data for _, data in stored.updates] == source.updates
        assert _document(stored).get("items", type=Array).to_py() == ["before", *range(30)]
    finally:
        await update_log.close()
        await engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    migrate(url)
    return url


async def test_a_batch_refused_halfway_stores_none_of_it_and_all_of_it_once_it_passes(sqlite_url: str) -> None:
    # The writer's own SQLite connection (server/store/committer.py): a row refused in the middle of
    # a batch must take the rows before it down too, and the retry must not store them twice.
    url = sqlite_url
    engine = create_engine(url)
    update_log = UpdateLog(engine, commit_window_ms=20.0)
    refuse = (
        "CREATE TRIGGER refuse_fifth BEFORE INSERT ON room_updates "
        "WHEN NEW.doc = 'doc-5' "
        "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    async with engine.begin() as conn:
        await conn.exec_driver_sql(refuse)
    source = Recorder()
    try:
        futures = []
        for i in range(10):
            source.array().append(i)
            futures.append(update_log.append(ROOM, f"doc-{i}", source.updates[-1]))
        await update_log.start()

        def failed_twice() -> None:
            assert update_log.stats.failures >= 2

        await eventually(failed_twice, timeout=15)
        assert not any(f.done() for f in futures)
        assert await update_log.count(ROOM) == 0

        async with engine.begin() as conn:
            await conn.exec_driver_sql("DROP TRIGGER refuse_fifth")
        await asyncio.wait_for(asyncio.gather(*futures), 30)
        stored = await update_log.load(ROOM)
        assert [data for _, data in stored.updates] == source.updates
        assert [name for name, _ in stored.updates] == [f"doc-{i}" for i in range(10)]
    finally:
        await update_log.close()
        await engine.dispose()
