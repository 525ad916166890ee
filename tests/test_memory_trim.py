"""Freed memory goes back to the OS after rooms are unloaded (server/memory.py, the room registry)."""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
import os
import platform
import threading
import weakref
from pathlib import Path

import pytest
from pycrdt import Map

from server import memory
from server.memory import Trim, Trimmer
from server.store.migrate import migrate
from tests.test_bad_input import participant_auth
from tests.utils import BoardClient, eventually, run_server, settings_for

GLIBC = platform.libc_ver()[0] == "glibc"
BLOCK = 4096  # above pymalloc's limit and far below glibc's mmap threshold: a block in the heap


def resident_bytes() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_trim_gives_freed_heap_pages_back_on_glibc() -> None:
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(BLOCK) for _ in range(20_000)]  # ~80 MiB
    assert all(blocks)
    for block in blocks:
        ctypes.memset(block, 1, BLOCK)  # touched, so resident
    # Keep every 64th block: the heap cannot shrink from its top, as with rooms unloaded between
    # rooms still in use. What free() gives glibc then stays resident until a trim.
    kept = blocks[::64]
    for i, block in enumerate(blocks):
        if i % 64:
            libc.free(block)
    freed = BLOCK * (len(blocks) - len(kept))
    try:
        before = resident_bytes()
        outcome = memory.trim()
        after = resident_bytes()
    finally:
        for block in kept:
            libc.free(block)
    assert outcome is Trim.RELEASED
    assert after <= before - freed // 2, (before, after, freed)


def test_trim_is_a_logged_no_op_without_malloc_trim(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    class NoTrimLibc:  # what musl's or macOS's libc looks like to ctypes: no such symbol
        def __init__(self, _name: str | None) -> None:
            pass

        def __getattr__(self, name: str) -> object:
            raise AttributeError(name)

    memory._malloc_trim.cache_clear()
    monkeypatch.setattr(memory.ctypes, "CDLL", NoTrimLibc)
    try:
        with caplog.at_level(logging.DEBUG, logger="kring.memory"):
            assert memory.trim() is Trim.UNAVAILABLE
    finally:
        memory._malloc_trim.cache_clear()
    assert "malloc_trim is not available" in caplog.text
    monkeypatch.undo()
    assert (memory.trim() is not Trim.UNAVAILABLE) is GLIBC  # looked up again: not cached as missing


class Counting:
    """A stand-in for trim(): counts calls, and can hold one until released."""

    def __init__(self, hold: bool = False) -> None:
        self.calls = 0
        self.entered = threading.Event()
        self.go = threading.Event()
        if not hold:
            self.go.set()

    def __call__(self) -> Trim:
        self.calls += 1
        self.entered.set()
        self.go.wait(10)
        return Trim.NOTHING


async def test_a_burst_of_requests_makes_one_trim_now_and_one_after_the_interval() -> None:
    run = Counting()
    trimmer = Trimmer(interval=3600, run=run)
    trimmer.request()

    def trimmed_once() -> None:
        assert trimmer.runs == 1

    await eventually(trimmed_once)
    for _ in range(5):
        trimmer.request()  # the rest of the burst: within the interval, so it waits its turn
    await asyncio.sleep(0.05)
    assert run.calls == 1 and trimmer.scheduled and trimmer.last is Trim.NOTHING
    await trimmer.close()
    assert not trimmer.scheduled and run.calls == 1


async def test_a_request_while_a_trim_runs_is_not_lost() -> None:
    run = Counting(hold=True)
    trimmer = Trimmer(interval=0, run=run)
    trimmer.request()
    await asyncio.to_thread(run.entered.wait, 10)
    trimmer.request()  # freed after the running trim looked: needs one more
    run.go.set()

    def trimmed_twice() -> None:
        assert trimmer.runs == 2 and not trimmer.scheduled

    await eventually(trimmed_twice)
    assert run.calls == 2
    await trimmer.close()


async def test_the_registry_trims_once_rooms_are_unloaded(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, room_idle_seconds=0.05)
    await asyncio.to_thread(migrate, settings.database_url)
    async with run_server(settings) as server:
        registry = server.kring.registry
        assert registry.trimmer.runs == 0
        registry.trimmer = trimmer = Trimmer(interval=3600)  # the real trim; no second one in this test

        kept = await registry.open("blijft")  # never released, so never unloaded
        rooms = [await registry.open(f"kamer-{i}") for i in range(3)]
        for room in rooms:
            registry.idle_check(room)

        def unloaded() -> None:
            assert registry.unloaded == 3 and trimmer.runs == 1

        await eventually(unloaded)
        assert trimmer.last in ((Trim.RELEASED, Trim.NOTHING) if GLIBC else (Trim.UNAVAILABLE,))
        assert registry.get("blijft") is kept


class CountingRequests(Trimmer):
    def __init__(self) -> None:
        super().__init__(run=Counting())
        self.requests = 0

    def request(self) -> None:
        self.requests += 1
        super().request()


async def test_an_unload_cut_short_by_a_join_does_not_trim(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, room_idle_seconds=0.05)
    await asyncio.to_thread(migrate, settings.database_url)
    async with run_server(settings) as server:
        registry = server.kring.registry
        registry.trimmer = trimmer = CountingRequests()
        room = await registry.open("terug")
        registry.idle_check(room)
        assert await registry.open("terug") is room  # a join cancels the unload before it ran
        # Its unload would have come first: once this later one is done, it would have been counted.
        registry.idle_check(await registry.open("ander"))

        def other_unloaded() -> None:
            assert registry.unloaded == 1 and trimmer.runs == 1

        await eventually(other_unloaded)
        assert trimmer.requests == 1
        assert registry.get("terug") is room


async def test_a_meeting_that_ends_is_freed_by_reference_counting_alone(tmp_path: Path) -> None:
    """Its room, the room's documents and their write-guard copies: gone once the phones leave and
    the room unloads, with the collector off (a connection: tests/test_compat.py).

    `kring serve` makes full collections rare (server/cli.py), and one stops every meeting on the
    process for 130-200 ms with 1,000 phones connected; so nothing here may wait for one."""
    settings = settings_for(tmp_path, room_idle_seconds=0.05)
    await asyncio.to_thread(migrate, settings.database_url)
    async with run_server(settings) as server:
        registry = server.kring.registry
        registry.trimmer = trimmer = Trimmer(interval=3600, run=Counting())
        auth, person = await participant_auth(server, "weg")
        gc.collect()
        gc.disable()
        try:
            phone = BoardClient(server.url, "weg")
            await phone.connect(auth=auth)
            await asyncio.wait_for(phone.synced.wait(), 10)
            # A proposal of their own: checked on the guard's copy, against the live board (both cache
            # their roots' handles) and fanned out past the queue (the socket's direct wire).
            phone.doc.get("proposals", type=Map)[f"{person}:1"] = Map({"by": person, "text": "Oma haalt op"})
            await phone.all_acked()
            assert phone.acks and all(ack == {"ok": True, "saved": True} for ack in phone.acks)
            room = registry.get("weg")
            assert room is not None
            shadow = room._guard._shadow("board")
            held = {
                "room": weakref.ref(room),
                "board": weakref.ref(room.docs["board"]),
                "guard's copy": weakref.ref(shadow.doc),
                "wall feed": weakref.ref(room.wall),
            }
            del room, shadow
            await phone.disconnect()
            await eventually(lambda: _runs(trimmer, 1))
            assert registry.unloaded == 1 and registry.get("weg") is None
            _all_gone(held)
        finally:
            gc.enable()


def _all_gone(held: dict[str, weakref.ref[object]]) -> None:
    assert [name for name, ref in held.items() if ref() is not None] == []


def _runs(trimmer: Trimmer, n: int) -> None:
    assert trimmer.runs == n


def test_the_write_guards_copies_are_freed_when_rebuilt_and_when_the_room_goes() -> None:
    from pycrdt import Doc, Map

    from server.protocol import Refused
    from server.rooms.permissions import WriteGuard
    from server.rooms.schema import BOARD, Identity, roots_of

    live: Doc[object] = Doc()
    for root in roots_of(BOARD):
        live.get(root, type=Map)
    writer: Doc[object] = Doc()
    writer.apply_update(live.get_update())
    updates: list[bytes] = []
    writer.observe(lambda event: updates.append(event.update))
    writer.get("proposals", type=Map)["someone-else:1"] = "not mine"
    guard = WriteGuard()
    phone = Identity("participant", "p1", "Ash", "vader")

    with pytest.raises(Refused):
        guard.check(phone, BOARD, live, updates[-1], live)  # the trial builds a copy; the refusal spoils it
    first = weakref.ref(guard._shadow(BOARD).doc)
    with pytest.raises(Refused):
        guard.check(phone, BOARD, live, updates[-1], live)  # so this one rebuilds it
    second = weakref.ref(guard._shadow(BOARD).doc)
    gc.collect()
    assert first() is None
    assert second() is not None

    guard.dispose()
    gc.collect()
    assert second() is None


@pytest.mark.skipif(not GLIBC, reason="mallinfo2 is glibc's")
def test_heap_in_use_follows_what_is_held_and_free_what_was_given_back() -> None:
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    before = memory.heap()
    blocks = [libc.malloc(BLOCK) for _ in range(5_000)]  # ~20 MiB, in the heap (not mmapped)
    try:
        held = memory.heap()
        # Every 16th block stays: the rest is freed between them, so it cannot go back to the OS.
        for i, block in enumerate(blocks):
            if i % 16:
                libc.free(block)
        freed = memory.heap()
    finally:
        for block in blocks[::16]:
            libc.free(block)
    size = BLOCK * len(blocks)
    assert before.in_use is not None and held.in_use is not None and freed.in_use is not None
    assert held.in_use - before.in_use >= size * 0.95
    assert held.in_use - freed.in_use >= size * 0.9  # a leak would stay here
    assert freed.free is not None and freed.free >= size * 0.9 * (15 / 16)  # fragmentation shows here
    assert held.resident is not None and held.resident > 0


def test_heap_counts_pythons_small_objects() -> None:
    before = memory.heap().python_blocks
    kept = [object() for _ in range(10_000)]
    assert memory.heap().python_blocks - before >= 10_000
    del kept
