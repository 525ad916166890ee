"""Giving freed heap memory back to the operating system after rooms are unloaded.

glibc's malloc keeps the memory a process frees in its arenas for later allocations, and only
shrinks the heap from its top. An unloaded room's documents are freed in the middle of the heap, so
without help the server's RSS stays at its high-water mark even when nothing leaks: an operator
cannot tell a leak from a heap that was merely large once. `malloc_trim(0)` hands every free page
back (madvise), which makes RSS follow what the rooms really hold. On other C libraries (musl,
macOS) there is no such call; trimming is then a no-op.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import enum
import functools
import logging
import time
from collections.abc import Callable

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
    """Trims at most once per `interval`, off the event loop.

    A burst of requests (many rooms unloaded at the end of a round of meetings) makes one trim at
    once and at most one more when the interval is over, so what the later unloads freed is given
    back too. One call takes ~5-13 ms once a 200 MiB heap has freed 60-175 MiB (docs/performance.md,
    "Soak"), and more on a larger heap: too long for the event loop, so it runs in a worker thread
    (malloc_trim is thread-safe and ctypes releases the GIL for it).
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
                log.exception("malloc_trim failed")
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
