"""Latency histograms and the event loop's lag: measured by the store and the app, shown by /metrics.

A leaf: the update log records into a histogram without knowing the metrics page that reads it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

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
