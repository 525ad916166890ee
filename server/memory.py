"""Freeing unloaded rooms and giving the heap's free pages back to the operating system.

glibc's malloc keeps the memory a process frees in its arenas for later allocations, and only
shrinks the heap from its top. An unloaded room's documents are freed in the middle of the heap, so
without help the server's RSS stays at its high-water mark even when nothing leaks: an operator
cannot tell a leak from a heap that was merely large once. `malloc_trim(0)` hands every free page
back (madvise), which makes RSS follow what the rooms really hold. On other C libraries (musl,
macOS) there is no such call; trimming is then a no-op. The rooms themselves are freed by reference
counting as they are unloaded (see Trimmer).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import enum
import functools
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("kring.memory")

# At most one trim per this many seconds: each one walks every arena, and the end of a round of
# meetings unloads many rooms within a few seconds.
TRIM_INTERVAL_SECONDS = 10.0


class Trim(enum.Enum):
    RELEASED = "released"  # glibc gave at least one page back
    NOTHING = "nothing"  # glibc ran but had nothing to give back
    UNAVAILABLE = "unavailable"  # not glibc, or no malloc_trim: nothing was called


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        function = libc.malloc_trim
    except (OSError, AttributeError, TypeError):
        log.debug("malloc_trim is not available (libc %s): freed memory stays with the allocator", name)
        return None
    function.argtypes = [ctypes.c_size_t]
    function.restype = ctypes.c_int
    return function


class _Mallinfo2(ctypes.Structure):
    # glibc >= 2.33; every field a size_t (mallinfo(3)).
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


@dataclass(frozen=True)
class Heap:
    """What the process's allocators hold: RSS alone cannot tell a leak from a fragmented heap.

    `in_use` grows with a leak; `free` (held by glibc, resident or not) grows with fragmentation.
    Python's small objects live in pymalloc's own arenas, outside both: `python_blocks` counts them.
    """

    in_use: int | None  # bytes malloc has handed out and not had back (all arenas, and mmapped blocks)
    free: int | None  # bytes malloc holds free in its arenas
    python_blocks: int  # pymalloc blocks allocated (objects and small buffers)
    resident: int | None  # the process's RSS, bytes (Linux's /proc; None elsewhere)


@functools.cache
def _mallinfo2() -> Callable[[], _Mallinfo2] | None:
    try:
        function = ctypes.CDLL(ctypes.util.find_library("c")).mallinfo2
    except (OSError, AttributeError, TypeError):
        return None
    function.argtypes = []
    function.restype = _Mallinfo2
    return function


def heap() -> Heap:
    """The allocators' figures now. Cheap (glibc locks and sums its arenas' counters), for /metrics."""
    function = _mallinfo2()
    info = function() if function is not None else None
    return Heap(
        in_use=info.uordblks + info.hblkhd if info is not None else None,
        free=info.fordblks if info is not None else None,
        python_blocks=sys.getallocatedblocks(),
        resident=_resident(),
    )


def _resident() -> int | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def trim() -> Trim:
    """Return the allocator's free pages to the OS; what happened, honestly (blocking: see Trimmer)."""
    function = _malloc_trim()
    if function is None:
        return Trim.UNAVAILABLE
    started = time.perf_counter()
    released = function(0)
    log.debug("malloc_trim(0) took %.1f ms, released: %s", 1000 * (time.perf_counter() - started), bool(released))
    return Trim.RELEASED if released else Trim.NOTHING


class Trimmer:
    """After rooms are unloaded: gives the heap's free pages back, at most once per `interval`.

    An unloaded room and its documents, and a closed socket, are freed by reference counting the
    moment they are let go: their reference cycles are broken when they close (Room.dispose, the
    feeds' close, compat.take_over_writes). So nothing here waits for Python's collector, whose full
    collection of a server with 1,000 phones connected stops the event loop for 130-200 ms, and so
    every meeting on the process (docs/performance.md). tests/test_memory_trim.py holds both to it.

    The trim: one `malloc_trim` call takes ~5-13 ms once a 200 MiB heap has freed 60-175 MiB, and
    more on a larger heap: too long for the event loop, so it runs in a worker thread (malloc_trim is
    thread-safe and ctypes releases the GIL for it).

    A burst of requests (many rooms unloaded at the end of a round of meetings) makes one run at once
    and at most one more when the interval is over, so what the later unloads freed is given back too.
    """

    def __init__(self, interval: float = TRIM_INTERVAL_SECONDS, run: Callable[[], Trim] = trim) -> None:
        self.interval = interval
        self._run = run
        self._last: float | None = None  # loop time the last trim started
        self._task: asyncio.Task[None] | None = None
        self._running = False
        self._again = False  # asked for while a trim ran: what was freed since is not yet given back
        self.runs = 0
        self.last: Trim | None = None

    @property
    def scheduled(self) -> bool:
        """A trim is waiting for its turn or running."""
        return self._task is not None and not self._task.done()

    def request(self) -> None:
        """Ask for a trim; a request while one waits joins it, one while a trim runs adds one after."""
        if self.scheduled:
            self._again = self._again or self._running
            return
        loop = asyncio.get_running_loop()
        delay = 0.0 if self._last is None else max(0.0, self._last + self.interval - loop.time())
        self._task = loop.create_task(self._trim_after(delay), name="kring-malloc-trim")

    async def _trim_after(self, delay: float) -> None:
        while True:
            if delay:
                await asyncio.sleep(delay)
            self._last = asyncio.get_running_loop().time()
            self._running, self._again = True, False
            try:
                self.last = await asyncio.to_thread(self._run)
                self.runs += 1
            except Exception:
                log.exception("trimming after unloads failed")
            finally:
                self._running = False
            if not self._again:
                return
            delay = self.interval

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
