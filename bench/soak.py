"""`python -m bench.soak`: many phones for a long time, to see that nothing grows and nothing is lost.

Run by hand, not in CI (`make soak`: 30 minutes at 1,000 phones). Every `--every` seconds it prints
the server's RSS, open file descriptors, connections and stored rows; at the end the deliveries,
the acknowledgements, the latency per 5-s slice and the growth of memory and descriptors between
the first and the last quarter of the run. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from dataclasses import dataclass

from bench.__main__ import describe, machine
from bench.procs import Server, counters, rss_kib, start_server
from bench.runner import Generator, Result, Scenario, node_available, run


@dataclass
class Sample:
    minute: float
    rss_mib: float | None
    fds: int | None
    connections: int | None
    rows: int | None


def open_fds(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def take_sample(server: Server, started: float) -> Sample:
    assert server.pid is not None
    rss = rss_kib(server.pid)
    data = counters(server) or {}
    store = data.get("store") if isinstance(data.get("store"), dict) else {}
    transport = data.get("transport") if isinstance(data.get("transport"), dict) else {}
    rows = store.get("rows") if isinstance(store, dict) else None
    conns = transport.get("connections") if isinstance(transport, dict) else None
    return Sample(
        minute=(time.monotonic() - started) / 60,
        rss_mib=rss[0] / 1024 if rss is not None else None,
        fds=open_fds(server.pid),
        connections=int(conns) if isinstance(conns, int) else None,
        rows=int(rows) if isinstance(rows, int) else None,
    )


async def sample_forever(server: Server, every: float, started: float, samples: list[Sample]) -> None:
    while True:
        sample = take_sample(server, started)
        samples.append(sample)
        print(
            f"| {sample.minute:6.1f} | {sample.rss_mib or 0:7.1f} | {sample.fds} | {sample.connections} "
            f"| {sample.rows} |",
            flush=True,
        )
        await asyncio.sleep(every)


def _quarter_mean(values: list[float], first: bool) -> float:
    n = max(1, len(values) // 4)
    return statistics.fmean(values[:n] if first else values[-n:])


def summary(samples: list[Sample], result: Result) -> str:
    rss = [s.rss_mib for s in samples if s.rss_mib is not None]
    fds = [float(s.fds) for s in samples if s.fds is not None]
    slices = result.p99_by_slice_ms
    lines = ["## Soak summary"]
    if rss:
        lines.append(
            f"- server RSS MiB: first quarter {_quarter_mean(rss, True):.1f}, last quarter "
            f"{_quarter_mean(rss, False):.1f}, max {max(rss):.1f}"
        )
    if fds:
        lines.append(
            f"- open file descriptors: first quarter {_quarter_mean(fds, True):.0f}, last quarter "
            f"{_quarter_mean(fds, False):.0f}, max {max(fds):.0f}"
        )
    if slices:
        lines.append(
            f"- p99 per 5-s slice, ms: median {statistics.median(slices):.1f}, first quarter "
            f"{_quarter_mean(slices, True):.1f}, last quarter {_quarter_mean(slices, False):.1f}, "
            f"worst {max(slices):.1f}"
        )
    lost = result.expected - result.received
    lines.append(
        f"- deliveries {result.received}/{result.expected} ({100 * result.delivered:.3f}%), "
        f"not delivered {lost}; acks saved {result.acks_saved}, failed {result.acks_failed}, "
        f"missing {result.acks_missing}; disconnects {result.disconnects}, refusals {result.refusals}"
    )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=30.0, help="measured minutes (30)")
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--clients", type=int, default=20, help="phones per room (20)")
    parser.add_argument("--rate", type=float, default=2.0, help="updates/s per room (2)")
    parser.add_argument("--every", type=float, default=60.0, help="seconds between samples (60)")
    parser.add_argument("--procs", type=int, default=2, help="load-generator processes (2)")
    return parser.parse_args(argv)


async def soak(args: argparse.Namespace) -> int:
    scenario = Scenario(
        f"soak {args.rooms}x{args.clients}", args.rooms, args.clients, args.rate, 10.0, args.minutes * 60, 5.0
    )
    generator = Generator("python" if node_available() else "node", args.procs)
    server = start_server()
    samples: list[Sample] = []
    try:
        print("| minute | RSS MiB | fds | connections | rows stored |\n|---:|---:|---:|---:|---:|", flush=True)
        started = time.monotonic()
        sampler = asyncio.create_task(sample_forever(server, args.every, started, samples))
        try:
            result = await run(scenario, [server], generator)
        finally:
            sampler.cancel()
        samples.append(take_sample(server, started))  # after the drain: what the phones left behind
    finally:
        server.stop()
    print()
    print(describe(result))
    print()
    print(summary(samples, result))
    return 0 if result.connect_failed == 0 and result.acks_failed == 0 and result.acks_missing == 0 else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    info = machine()
    print("# Kring soak")
    print("- " + ", ".join(f"{k} {v}" for k, v in info.items()))
    print(f"- {args.rooms} rooms x {args.clients} phones, {args.rate:g} updates/s per room, {args.minutes:g} min")
    return asyncio.run(soak(args))


if __name__ == "__main__":
    sys.exit(main())
