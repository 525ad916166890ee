"""The operator's view: Prometheus text exposition of the process's counters, and event-loop lag.

Only numbers: no room names, no note text, no person. See docs/operations.md for what to watch.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from server import memory

if TYPE_CHECKING:
    from server.app import Kring

# Seconds; the same buckets serve commit latency and loop lag (both want ms resolution).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass
class Histogram:
    bounds: tuple[float, ...] = LATENCY_BUCKETS
    counts: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS) + 1))
    total: float = 0.0
    count: int = 0

    def observe(self, value: float) -> None:
        self.total += value
        self.count += 1
        for i, bound in enumerate(self.bounds):
            if value <= bound:
                self.counts[i] += 1
                return
        self.counts[-1] += 1

    def lines(self, name: str) -> Iterable[str]:
        cumulative = 0
        for bound, n in zip(self.bounds, self.counts, strict=False):
            cumulative += n
            yield f'{name}_bucket{{le="{bound}"}} {cumulative}'
        yield f'{name}_bucket{{le="+Inf"}} {self.count}'
        yield f"{name}_sum {self.total:.6f}"
        yield f"{name}_count {self.count}"


class LoopLag:
    """How late the event loop runs a timer: every ms of it is a ms added to every edit's delivery."""

    # Often enough that a stall of tens of ms is seen, not sampled around; 20 timers a second cost nothing.
    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.histogram = Histogram()
        self.last = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._sample(), name="kring-loop-lag")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _sample(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.last = max(0.0, time.perf_counter() - started - self.interval)
            self.histogram.observe(self.last)


def _metric(kind: str, name: str, help_: str, samples: Iterable[str]) -> list[str]:
    return [f"# HELP {name} {help_}", f"# TYPE {name} {kind}", *samples]


def render(kring: Kring) -> str:
    stats = kring.log.stats
    rooms = kring.registry.totals()
    transport = kring.transport.counters
    scalars: list[tuple[str, str, str, float]] = [
        ("gauge", "connections", "Open Socket.IO connections.", len(kring.transport.connections)),
        ("counter", "connects_total", "Accepted connections.", transport.connects),
        (
            "counter",
            "slow_readers_dropped_total",
            "Sockets dropped: send queue full.",
            transport.slow_readers_dropped,
        ),
        ("counter", "rate_limited_total", "Frames held back by a connection's rate limit.", transport.rate_limited),
        ("gauge", "rooms_loaded", "Rooms in memory.", len(kring.registry.rooms)),
        ("counter", "rooms_unloaded_total", "Rooms unloaded once idle and stored.", kring.registry.unloaded),
        ("counter", "updates_in_total", "Document updates received from clients.", rooms.updates_in),
        ("counter", "updates_stored_total", "Document updates appended to the log.", rooms.updates_stored),
        ("counter", "updates_out_total", "Document updates broadcast to a room.", rooms.broadcasts),
        ("counter", "resyncs_requested_total", "State-vector exchanges asked for.", rooms.resyncs_requested),
        ("counter", "bytes_in_total", "Bytes of sync and awareness frames received.", transport.bytes_in),
        ("counter", "bytes_out_total", "Bytes of broadcast frames queued to sockets.", transport.bytes_out),
        ("counter", "store_commits_total", "Group commits of the update log.", stats.commits),
        ("counter", "store_rows_total", "Rows committed to the update log.", stats.rows),
        ("counter", "store_failures_total", "Failed commit attempts (each is retried).", stats.failures),
        ("gauge", "store_failing", "1 while commits fail: nothing new is acknowledged.", int(kring.log.failing)),
        ("gauge", "store_queued", "Updates waiting for the next commit.", kring.log.queued),
    ]
    # Memory as the allocators see it: a leak raises in-use bytes, fragmentation only free bytes and RSS.
    heap = memory.heap()
    for name, help_, amount in (
        ("process_resident_bytes", "Resident memory of this process.", heap.resident),
        ("malloc_in_use_bytes", "Bytes malloc has handed out (documents, buffers).", heap.in_use),
        ("malloc_free_bytes", "Bytes malloc holds free in its arenas.", heap.free),
        ("python_allocated_blocks", "Python's small-object blocks in use.", heap.python_blocks),
    ):
        if amount is not None:  # not on every platform
            scalars.append(("gauge", name, help_, amount))
    relay = getattr(kring.relay, "counters", None)
    if relay is not None:
        scalars += [
            ("gauge", "redis_connected", "1 while the Redis relay is subscribed.", int(kring.relay.healthy)),
            ("counter", "redis_published_total", "Messages published to room channels.", relay.published),
            ("counter", "redis_publish_failures_total", "Messages Redis did not take.", relay.publish_failures),
            ("counter", "redis_received_total", "Messages received for hosted rooms.", relay.received),
            ("counter", "redis_reconnects_total", "Relay (re)connections to Redis.", relay.reconnects),
        ]
    out: list[str] = []
    for kind, metric, text, value in scalars:
        out += _metric(kind, f"kring_{metric}", text, [f"kring_{metric} {value}"])
    refused = [f'kring_refused_total{{reason="{code}"}} {n}' for code, n in sorted(transport.refused.items())]
    out += _metric("counter", "kring_refused_total", "Refused frames and connections, by reason.", refused)
    commit = "kring_store_commit_seconds"
    out += _metric("histogram", commit, "Time of one group commit.", stats.latency.lines(commit))
    lag = "kring_event_loop_lag_seconds"
    out += _metric("histogram", lag, "How late the event loop ran a timer.", kring.loop_lag.histogram.lines(lag))
    return "\n".join(out) + "\n"
