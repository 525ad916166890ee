"""Compaction folds in a worker process: the same document, nothing lost when the worker dies or
the fold fails, and the event loop carries on while Yrs folds.

The folding functions the tests pass are top-level here, as the worker imports them by name; this
module keeps its imports light for that reason.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Array, Doc, Map, Text
from sqlalchemy import select

from server.crdt import _state_vector
from server.store import updatelog
from server.store.engine import create_engine
from server.store.folding import DocFold, FoldFunction, Row, fold_room, run_fold
from server.store.migrate import migrate
from server.store.models import RoomSnapshot, RoomUpdate
from server.store.updatelog import StoredRoom, UpdateLog

ROOM = "kamer-1"


@asynccontextmanager
async def open_log(url: str, fold: FoldFunction = fold_room) -> AsyncIterator[UpdateLog]:
    engine = create_engine(url)
    update_log = UpdateLog(engine, fold=fold)
    await update_log.start()
    try:
        yield update_log
    finally:
        await update_log.close()
        await engine.dispose()


class Writers:
    """Two people editing one board, each change sent to the other; `updates` holds every change."""

    def __init__(self) -> None:
        self.a: Doc[Any] = Doc(client_id=1)
        self.b: Doc[Any] = Doc(client_id=2)
        self.updates: list[bytes] = []

    def edit(self, rounds: int) -> list[bytes]:
        """Inserts, overwrites and deletions in a list, a map and a text; returns their updates."""
        start = len(self.updates)
        for i in range(rounds):
            before = self.a.get_state()
            self.a.get("items", type=Array).append(f"a{i}")
            self._send(self.a, before)
            before = self.b.get_state()
            self.b.get("meta", type=Map)[f"k{i % 3}"] = i
            self._send(self.b, before)
            before = self.a.get_state()
            self.a.get("notes", type=Text).insert(0, f"{i};")
            self._send(self.a, before)
            if i % 2:
                before = self.b.get_state()
                del self.b.get("items", type=Array)[0]
                self._send(self.b, before)
        return self.updates[start:]

    def _send(self, source: Doc[Any], before: bytes) -> None:
        update = source.get_update(before)
        self.updates.append(update)
        (self.b if source is self.a else self.a).apply_update(update)


def contents(doc: Doc[Any]) -> dict[str, Any]:
    return {
        "items": doc.get("items", type=Array).to_py(),
        "meta": doc.get("meta", type=Map).to_py(),
        "notes": doc.get("notes", type=Text).to_py(),
        "state": _state_vector(doc.get_state()),
    }


def board(stored: StoredRoom) -> dict[str, Any]:
    return contents(stored.document("board"))


async def append(update_log: UpdateLog, updates: list[bytes]) -> None:
    await asyncio.gather(*(update_log.append(ROOM, "board", data) for data in updates))


async def stored_rows(update_log: UpdateLog) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The room's snapshot rows and log rows, byte for byte, with their ids."""
    async with update_log.engine.connect() as conn:
        snapshots = await conn.execute(
            select(RoomSnapshot.doc, RoomSnapshot.data, RoomSnapshot.upto_id).where(RoomSnapshot.room == ROOM)
        )
        updates = await conn.execute(
            select(RoomUpdate.id, RoomUpdate.doc, RoomUpdate.data)
            .where(RoomUpdate.room == ROOM)
            .order_by(RoomUpdate.id)
        )
        return sorted(tuple(row) for row in snapshots), [tuple(row) for row in updates]


def children() -> set[int]:
    return {process.pid for process in multiprocessing.active_children() if process.pid is not None}


async def file_appears(path: Path) -> None:
    """Wait (polling, on the loop) for a file a worker writes; a bound so a failing test ends."""
    for _ in range(3000):
        if path.exists():  # noqa: ASYNC240 (one stat of a local file between sleeps)
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{path.name} never appeared")


def write_atomically(path: Path, text: str) -> None:
    partial = path.with_suffix(".partial")
    partial.write_text(text)
    partial.rename(path)  # the test never reads half a file


# -- folding functions the worker runs ---------------------------------------------------------------


def fold_when_let_go(directory: str, snapshots: dict[str, bytes], rows: list[Row]) -> list[DocFold]:
    """While `stall` exists in `directory`: say so in `folding` (with this process's id) and wait."""
    stall = Path(directory) / "stall"
    if stall.exists():
        write_atomically(Path(directory) / "folding", str(os.getpid()))
        for _ in range(6000):  # at most a minute, so a failing test cannot leave the worker behind
            if not stall.exists():
                break
            time.sleep(0.01)
    return fold_room(snapshots, rows)


def fold_and_time(directory: str, snapshots: dict[str, bytes], rows: list[Row]) -> list[DocFold]:
    """The real fold, noting when it began and ended on the monotonic clock, which on Linux is the
    same clock in every process."""
    started = time.monotonic()
    folds = fold_room(snapshots, rows)
    write_atomically(Path(directory) / "times", f"{started} {time.monotonic()}")
    return folds


def fold_failing(snapshots: dict[str, bytes], rows: list[Row]) -> list[DocFold]:
    raise ValueError("a fold that fails")


class StandInPanic(BaseException):
    """What pyo3 raises for a Rust panic: a BaseException outside the ones that must propagate."""


def fold_panicking(snapshots: dict[str, bytes], rows: list[Row]) -> list[DocFold]:
    raise StandInPanic("attempt to divide by zero")


def fold_failing_once_told(directory: str, failure: str, snapshots: dict[str, bytes], rows: list[Row]) -> list[DocFold]:
    """The real fold, until `fail` exists in `directory`: then `failure` names how it fails."""
    if (Path(directory) / "fail").exists():
        (fold_panicking if failure == "panic" else fold_failing)(snapshots, rows)
    return fold_room(snapshots, rows)


def fold_interrupted(snapshots: dict[str, bytes], rows: list[Row]) -> list[DocFold]:
    raise KeyboardInterrupt


# -- tests --------------------------------------------------------------------------------------------


async def test_a_log_that_never_compacts_starts_no_process(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    await asyncio.to_thread(migrate, url)
    before = children()
    async with open_log(url) as update_log:
        await append(update_log, Writers().edit(3))
        assert (await update_log.load(ROOM)).updates
        assert children() == before
    assert children() == before
    assert update_log.compactions.last_pid is None


async def test_compaction_folds_in_a_worker_process_and_keeps_the_document(database_url: str) -> None:
    writers = Writers()
    workers = []
    async with open_log(database_url) as update_log:
        for _ in range(2):  # the second round folds new updates into the snapshot of the first
            new = writers.edit(12)
            await append(update_log, new)
            before = board(await update_log.load(ROOM))

            assert await update_log.compact(ROOM) == len(new)

            assert await update_log.count(ROOM) == 0
            stored = await update_log.load(ROOM)
            assert set(stored.snapshots) == {"board"} and stored.updates == []
            assert board(stored) == before == contents(writers.a)
            worker = update_log.compactions.last_pid
            assert worker is not None and worker != os.getpid()
            assert worker in children()  # a process of ours, still there between compactions
            workers.append(worker)
        assert workers[0] == workers[1]  # one worker, kept, not one per compaction
        assert update_log.compactions.written == 2 and update_log.compactions.skipped == 0
    assert workers[0] not in children()  # close() stopped it


async def test_a_worker_killed_mid_fold_changes_nothing_and_a_new_worker_folds_next_time(
    database_url: str, tmp_path: Path
) -> None:
    writers = Writers()
    stall, folding = tmp_path / "stall", tmp_path / "folding"
    async with open_log(database_url, fold=functools.partial(fold_when_let_go, str(tmp_path))) as update_log:
        await append(update_log, writers.edit(6))
        await update_log.compact(ROOM)  # a snapshot, which the killed compaction must leave alone
        first_worker = update_log.compactions.last_pid
        new = writers.edit(6)
        await append(update_log, new)
        rows_before = await stored_rows(update_log)
        assert rows_before[0] and len(rows_before[1]) == len(new)
        document_before = board(await update_log.load(ROOM))

        stall.touch()
        compaction = asyncio.create_task(update_log.compact(ROOM))
        await file_appears(folding)
        killed = int(folding.read_text())
        assert killed == first_worker and killed != os.getpid()
        os.kill(killed, signal.SIGKILL)

        assert await asyncio.wait_for(compaction, 60) == 0
        assert update_log.compactions.skipped == 1
        assert await stored_rows(update_log) == rows_before
        assert board(await update_log.load(ROOM)) == document_before == contents(writers.a)

        stall.unlink()
        assert await update_log.compact(ROOM) == len(new)
        assert update_log.compactions.last_pid not in (None, killed, os.getpid())
        assert await update_log.count(ROOM) == 0
        assert board(await update_log.load(ROOM)) == document_before


@pytest.mark.parametrize("failure", ["exception", "panic"])
async def test_a_fold_that_raises_changes_nothing(tmp_path: Path, failure: str) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    await asyncio.to_thread(migrate, url)
    writers = Writers()
    async with open_log(url, fold=functools.partial(fold_failing_once_told, str(tmp_path), failure)) as update_log:
        await append(update_log, writers.edit(4))
        await update_log.compact(ROOM)
        worker = update_log.compactions.last_pid
        await append(update_log, writers.edit(4))
        rows_before = await stored_rows(update_log)

        (tmp_path / "fail").touch()
        assert await update_log.compact(ROOM) == 0

        assert update_log.compactions.skipped == 1
        assert update_log.compactions.last_pid == worker  # reported by the worker, which lives on
        assert await stored_rows(update_log) == rows_before
        assert board(await update_log.load(ROOM)) == contents(writers.a)

        (tmp_path / "fail").unlink()
        assert await update_log.compact(ROOM) == len(rows_before[1])
        assert update_log.compactions.last_pid == worker
        assert board(await update_log.load(ROOM)) == contents(writers.a)


async def test_a_rust_panic_in_the_worker_changes_nothing(tmp_path: Path) -> None:
    # Imported here: the worker imports this module for the other tests' folds, and needs none of it.
    from tests.test_bad_input import PANIC_BASE, PANIC_UPDATE

    try:
        fold_room({}, [(1, "board", PANIC_BASE), (2, "board", PANIC_UPDATE)])
        pytest.skip("this pycrdt no longer panics on the input")
    except Exception:
        pytest.skip("this pycrdt refuses the input without a panic")
    except BaseException as exc:
        assert not isinstance(exc, (KeyboardInterrupt, SystemExit))  # a panic, as pyo3 raises it
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    await asyncio.to_thread(migrate, url)
    async with open_log(url) as update_log:
        await append(update_log, [PANIC_BASE, PANIC_UPDATE])
        rows_before = await stored_rows(update_log)

        assert await update_log.compact(ROOM) == 0

        assert update_log.compactions.skipped == 1
        assert update_log.compactions.last_pid not in (None, os.getpid())
        assert await stored_rows(update_log) == rows_before


def test_the_worker_reports_a_failed_fold_and_lets_an_interrupt_through() -> None:
    failed = run_fold(fold_panicking, {}, [])
    assert (failed.folds, failed.error) == ([], "StandInPanic")
    assert run_fold(fold_failing, {}, []).error == "ValueError"
    with pytest.raises(KeyboardInterrupt):
        run_fold(fold_interrupted, {}, [])


async def test_the_event_loop_keeps_running_while_a_large_fold_is_in_progress(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    await asyncio.to_thread(migrate, url)
    # A board with a hundred thousand keys: Yrs integrates it in single calls that hold the GIL.
    large: Doc[Any] = Doc(client_id=7)
    keys = large.get("meta", type=Map)
    with large.transaction():
        for i in range(100_000):
            keys[f"k{i}"] = i
    loop = asyncio.get_running_loop()
    ticks: list[float] = []

    def tick() -> None:
        ticks.append(time.monotonic())
        handles.append(loop.call_later(0.001, tick))

    handles = [loop.call_later(0.001, tick)]
    switch_interval = sys.getswitchinterval()
    try:
        async with open_log(url, fold=functools.partial(fold_and_time, str(tmp_path))) as update_log:
            await append(update_log, [large.get_update()])
            # Yrs releases the GIL nowhere in a fold, and with a long switch interval a fold on a
            # thread would keep it from start to end: no tick could land inside. (With the default
            # interval a few do, where the thread hands the GIL over between two calls into Yrs.)
            sys.setswitchinterval(30)
            try:
                assert await update_log.compact(ROOM) == 1
            finally:
                sys.setswitchinterval(switch_interval)
    finally:
        handles[-1].cancel()
    started, finished = (float(value) for value in (tmp_path / "times").read_text().split())
    assert any(started < moment < finished for moment in ticks)


async def test_without_worker_processes_folds_run_on_a_thread_after_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_processes(*args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("no sem_open on this platform")  # what multiprocessing raises there

    monkeypatch.setattr(updatelog, "ProcessPoolExecutor", no_processes)
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    await asyncio.to_thread(migrate, url)
    writers = Writers()
    before = children()
    async with open_log(url) as update_log:
        for _ in range(2):
            new = writers.edit(4)
            await append(update_log, new)
            assert await update_log.compact(ROOM) == len(new)
            assert update_log.compactions.last_pid == os.getpid()
            assert board(await update_log.load(ROOM)) == contents(writers.a)
        assert children() == before
    warnings = [r for r in caplog.records if r.name == "kring.store" and r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == ["no compaction worker process; folding on a thread"]


def alive(pid: int) -> bool:
    """Running, not merely unreaped: here an orphan's parent may be an init that never reaps."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
async def test_the_worker_goes_when_the_server_is_killed(tmp_path: Path) -> None:
    """The worker holds both ends of its task queue, so nothing else would ever end it."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    await asyncio.to_thread(migrate, url)
    worker_file = tmp_path / "worker"
    server = f"""
import asyncio
from pathlib import Path
from server.store import updatelog
from server.store.engine import create_engine
from server.store.updatelog import UpdateLog

async def main() -> None:
    update_log = UpdateLog(create_engine({url!r}))
    await update_log.start()
    await update_log.append({ROOM!r}, "board", bytes.fromhex({Writers().edit(1)[0].hex()!r}))
    assert await update_log.compact({ROOM!r}) == 1
    partial = Path({str(worker_file)!r} + ".partial")
    partial.write_text(str(update_log.compactions.last_pid))
    partial.rename({str(worker_file)!r})
    await asyncio.sleep(3600)

asyncio.run(main())
"""
    # No pipes: the worker inherits the server's standard streams, and a pipe it held open would
    # keep this test waiting for their end rather than failing.
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", server, cwd=Path(__file__).parents[1], stdout=subprocess.DEVNULL
    )
    worker = None
    try:
        await file_appears(worker_file)
        worker = int(worker_file.read_text())
        assert worker != process.pid and alive(worker)

        process.kill()
        await process.wait()
        for _ in range(3000):  # the worker notices at once; the bound only ends a failing test
            if not alive(worker):
                break
            await asyncio.sleep(0.01)
        assert not alive(worker)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        if worker is not None and alive(worker):
            os.kill(worker, signal.SIGKILL)
