"""`python -m bench.soak`: many phones for a long time, to see that nothing grows and nothing is lost.

Run by hand, not in CI (`make soak`: 40 minutes at 1,000 phones, in eight rounds of 5-minute meetings). The run
is a sequence of rounds: each round makes new meetings and rooms and the phones join those, so the
previous round's rooms empty out and the server must unload them, as a region's server does all day.
Within a meeting a room grows with its documents' history; a leak shows as memory or descriptors
that rise from one round's end to the next. `--meeting-minutes 0` keeps one meeting for the whole run.

Every `--every` seconds it prints the server's RSS, open file descriptors, connections, rooms in
memory, rooms unloaded and stored rows; at each round's end one more sample; after the last round it
waits until every room is unloaded and samples once more. At the end: each round's deliveries and
acknowledgements, and the memory and descriptors compared between the rounds' ends. Exit status 0
only if nothing was lost. See docs/performance.md, "Soak".
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import statistics
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from bench.__main__ import describe, machine
from bench.procs import Server, counters, rss_kib, start_server
from bench.runner import Generator, Result, Scenario, node_available, run

WARMUP_SECONDS = 10.0
DRAIN_SECONDS = 5.0
# The server trims freed heap at most every 10 s (server/memory.py): the settled sample waits that
# long after the last unload, so it sees memory the allocator has given back.
TRIM_WAIT_SECONDS = 12.0
_UNLOADED = re.compile(r"^kring_rooms_unloaded_total ([0-9.e+]+)$", re.MULTILINE)


@dataclass
class Sample:
    minute: float
    label: str  # the round it was taken in; "start", "end 2", "settled" for the marked ones
    rss_mib: float | None
    fds: int | None
    connections: int | None
    rooms_loaded: int | None
    rooms_unloaded: int | None
    rows: int | None
    # The allocators' view (server/memory.py): a leak raises in-use, fragmentation only RSS and free.
    in_use_mib: float | None = None
    free_mib: float | None = None
    python_blocks: int | None = None


@dataclass
class Round:
    number: int
    result: Result
    end: Sample  # right after its phones left, before its rooms are unloaded


def open_fds(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def rooms_unloaded(server: Server) -> int | None:
    """`kring_rooms_unloaded_total` from /metrics (served to loopback); None if it is not there."""
    try:
        with urllib.request.urlopen(f"{server.url}/metrics", timeout=2) as response:
            text = response.read().decode()
    except (urllib.error.URLError, OSError, ValueError):
        return None
    found = _UNLOADED.search(text)
    return int(float(found.group(1))) if found else None


def _int_at(data: dict[str, object], section: str, key: str) -> int | None:
    part = data.get(section)
    value = part.get(key) if isinstance(part, dict) else None
    return value if isinstance(value, int) else None


def take_sample(server: Server, started: float, label: str) -> Sample:
    assert server.pid is not None
    rss = rss_kib(server.pid)
    data = counters(server) or {}
    return Sample(
        minute=(time.monotonic() - started) / 60,
        label=label,
        rss_mib=rss[0] / 1024 if rss is not None else None,
        fds=open_fds(server.pid),
        connections=_int_at(data, "transport", "connections"),
        rooms_loaded=_int_at(data, "rooms", "live"),
        rooms_unloaded=rooms_unloaded(server),
        rows=_int_at(data, "store", "rows"),
        in_use_mib=_mib_at(data, "memory", "malloc_in_use"),
        free_mib=_mib_at(data, "memory", "malloc_free"),
        python_blocks=_int_at(data, "memory", "python_blocks"),
    )


def _mib_at(data: dict[str, object], section: str, key: str) -> float | None:
    value = _int_at(data, section, key)
    return value / 2**20 if value is not None else None


TABLE_HEAD = (
    "| minute | round | RSS MiB | malloc in use MiB | malloc free MiB | Python blocks | fds | connections "
    "| rooms loaded | rooms unloaded | rows stored |\n"
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _one(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else ""


def print_sample(sample: Sample) -> None:
    cells = [sample.connections, sample.rooms_loaded, sample.rooms_unloaded, sample.rows]
    print(
        f"| {sample.minute:6.1f} | {sample.label} | {_one(sample.rss_mib)} | {_one(sample.in_use_mib)} "
        f"| {_one(sample.free_mib)} | {_cell(sample.python_blocks)} | {_cell(sample.fds)} | "
        + " | ".join(_cell(c) for c in cells)
        + " |",
        flush=True,
    )


async def sample_now(server: Server, started: float, label: str, samples: list[Sample]) -> Sample:
    # In a thread: the HTTP reads must not hold up this loop, which talks to the generators.
    sample = await asyncio.to_thread(take_sample, server, started, label)
    samples.append(sample)
    print_sample(sample)
    return sample


async def sample_forever(
    server: Server, every: float, started: float, samples: list[Sample], current: list[str]
) -> None:
    """One sample every `every` seconds across all rounds; `current[0]` names the round running."""
    while True:
        await asyncio.sleep(every)
        await sample_now(server, started, current[0], samples)


async def settle(server: Server, started: float, samples: list[Sample], idle: float) -> Sample:
    """Wait until the server has unloaded every room (or gave up after idle + 90 s), then let it trim."""
    deadline = time.monotonic() + idle + 90
    while time.monotonic() < deadline:
        data = await asyncio.to_thread(counters, server) or {}
        if _int_at(data, "rooms", "live") == 0:
            break
        await asyncio.sleep(2)
    await asyncio.sleep(TRIM_WAIT_SECONDS)
    return await sample_now(server, started, "settled", samples)


def round_lengths(minutes: float, meeting_minutes: float) -> list[float]:
    """Measured minutes of each round: whole meetings, then what is left; one round without turnover."""
    if meeting_minutes <= 0 or meeting_minutes >= minutes:
        return [minutes]
    whole = math.floor(minutes / meeting_minutes + 1e-9)
    rest = minutes - whole * meeting_minutes
    return [meeting_minutes] * whole + ([rest] if rest > 1e-6 else [])


def lost(result: Result) -> int:
    """What this round lost: deliveries not received, connections not made, acks not saved."""
    return max(0, result.expected - result.received) + result.connect_failed + result.acks_failed + result.acks_missing


def _quarter_mean(values: list[float], first: bool) -> float:
    n = max(1, len(values) // 4)
    return statistics.fmean(values[:n] if first else values[-n:])


def _per_round(values: list[float]) -> float:
    """Least-squares slope over successive values: the change per round."""
    if len(values) < 2:
        return 0.0
    xs = list(range(len(values)))
    return statistics.linear_regression(xs, values).slope


def rounds_table(rounds: list[Round]) -> str:
    lines = [
        "| round | phones | delivered | not delivered | acks saved | failed | missing | disconnects | refusals "
        "| connect failed | p99 ms | RSS MiB at end | fds at end | rooms loaded at end |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rounds:
        res = r.result
        rss = f"{r.end.rss_mib:.1f}" if r.end.rss_mib is not None else ""
        lines.append(
            f"| {r.number} | {res.connected} | {res.received}/{res.expected} | {max(0, res.expected - res.received)} "
            f"| {res.acks_saved} | {res.acks_failed} | {res.acks_missing} | {res.disconnects} | {res.refusals} "
            f"| {res.connect_failed} | {res.latency_ms.get('p99', '')} | {rss} | {_cell(r.end.fds)} "
            f"| {_cell(r.end.rooms_loaded)} |"
        )
    return "\n".join(lines)


def summary(samples: list[Sample], rounds: list[Round], start: Sample, settled: Sample | None) -> str:
    rss = [s.rss_mib for s in samples if s.rss_mib is not None]
    fds = [float(s.fds) for s in samples if s.fds is not None]
    slices = [p for r in rounds for p in r.result.p99_by_slice_ms]
    lines = ["## Soak summary"]
    total_lost = sum(lost(r.result) for r in rounds)
    received = sum(r.result.received for r in rounds)
    expected = sum(r.result.expected for r in rounds)
    verdict = "nothing lost" if total_lost == 0 else f"LOST {total_lost}"
    lines.append(
        f"- {verdict} over {len(rounds)} round(s): deliveries {received}/{expected}, acks saved "
        f"{sum(r.result.acks_saved for r in rounds)}, failed {sum(r.result.acks_failed for r in rounds)}, "
        f"missing {sum(r.result.acks_missing for r in rounds)}, connect failures "
        f"{sum(r.result.connect_failed for r in rounds)}; disconnects {sum(r.result.disconnects for r in rounds)}, "
        f"refusals {sum(r.result.refusals for r in rounds)}"
    )
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
    lines.extend(_across_rounds(rounds))
    if settled is not None:
        lines.append(
            f"- after every meeting ended ({_cell(settled.rooms_loaded)} rooms loaded, "
            f"{_cell(settled.rooms_unloaded)} unloaded in all): RSS {_cell(_mib(settled))} MiB, fds "
            f"{_cell(settled.fds)}; before the first meeting RSS {_cell(_mib(start))} MiB, fds {_cell(start.fds)}"
        )
    if slices:
        lines.append(
            f"- p99 per 5-s slice, ms: median {statistics.median(slices):.1f}, first quarter "
            f"{_quarter_mean(slices, True):.1f}, last quarter {_quarter_mean(slices, False):.1f}, "
            f"worst {max(slices):.1f}"
        )
    return "\n".join(lines)


def _mib(sample: Sample) -> str | None:
    return f"{sample.rss_mib:.1f}" if sample.rss_mib is not None else None


def _across_rounds(rounds: list[Round]) -> list[str]:
    """Memory and descriptors at the rounds' ends. Round 1 grows from an empty process (imports,
    caches, the allocator's arenas), so rounds 2..n are compared: each end holds one round of rooms,
    so with nothing leaking they are level; a leak is a steady rise round over round."""
    if len(rounds) < 2:
        return []
    ends = [r.end for r in rounds]
    rss = [s.rss_mib for s in ends]
    fds = [s.fds for s in ends]
    in_use = [s.in_use_mib for s in ends]
    blocks = [s.python_blocks for s in ends]
    lines = [
        "- at the rounds' ends: RSS MiB " + ", ".join(f"{v:.1f}" if v is not None else "?" for v in rss),
        "- at the rounds' ends: malloc in use MiB " + ", ".join(f"{v:.1f}" if v is not None else "?" for v in in_use),
        "- at the rounds' ends: Python blocks " + ", ".join(_cell(v) if v is not None else "?" for v in blocks),
        "- at the rounds' ends: fds " + ", ".join(_cell(v) if v is not None else "?" for v in fds),
    ]
    later_in_use = [v for v in in_use[1:] if v is not None]
    if len(later_in_use) >= 2:
        lines.append(
            f"- rounds 2..{len(rounds)}: malloc in use {_per_round(later_in_use):+.1f} MiB per round "
            f"({later_in_use[-1] - later_in_use[0]:+.1f} in all)"
        )
    later_rss = [v for v in rss[1:] if v is not None]
    later_fds = [float(v) for v in fds[1:] if v is not None]
    if len(later_rss) >= 2 and len(later_fds) >= 2:
        lines.append(
            f"- rounds 2..{len(rounds)}: RSS {_per_round(later_rss):+.1f} MiB per round "
            f"({later_rss[-1] - later_rss[0]:+.1f} in all), fds {_per_round(later_fds):+.1f} per round "
            f"({later_fds[-1] - later_fds[0]:+.0f} in all)"
        )
    else:
        lines.append("- fewer than 3 rounds: rounds 2..n cannot show a trend (use more rounds)")
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=40.0, help="measured minutes in all (40)")
    parser.add_argument(
        "--meeting-minutes",
        type=float,
        default=5.0,
        help="measured minutes per round of meetings; 0: one meeting for the whole run (5)",
    )
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--clients", type=int, default=20, help="phones per room (20)")
    parser.add_argument("--rate", type=float, default=2.0, help="updates/s per room (2)")
    parser.add_argument("--every", type=float, default=60.0, help="seconds between samples (60)")
    parser.add_argument("--procs", type=int, default=2, help="load-generator processes (2)")
    args = parser.parse_args(argv)
    if args.minutes <= 0 or args.meeting_minutes < 0 or args.every <= 0:
        parser.error("--minutes and --every must be positive, --meeting-minutes 0 or more")
    return args


async def soak(args: argparse.Namespace) -> int:
    lengths = round_lengths(args.minutes, args.meeting_minutes)
    generator = Generator("python" if node_available() else "node", args.procs)
    server = start_server()
    idle = float(server.env.get("KRING_ROOM_IDLE_SECONDS", "30"))
    samples: list[Sample] = []
    rounds: list[Round] = []
    settled: Sample | None = None
    try:
        print(TABLE_HEAD, flush=True)
        started = time.monotonic()
        start = await sample_now(server, started, "start", samples)
        current = ["1"]
        sampler = asyncio.create_task(sample_forever(server, args.every, started, samples, current))
        try:
            for number, minutes in enumerate(lengths, 1):
                current[0] = str(number)
                scenario = Scenario(
                    f"soak round {number}/{len(lengths)}: {args.rooms}x{args.clients}, {minutes:g} min",
                    args.rooms,
                    args.clients,
                    args.rate,
                    WARMUP_SECONDS,
                    minutes * 60,
                    DRAIN_SECONDS,
                )
                # New meetings every round: the phones leave the last round's rooms for these.
                result = await run(scenario, [server], generator)
                end = await sample_now(server, started, f"end {number}", samples)
                rounds.append(Round(number, result, end))
        finally:
            sampler.cancel()
        settled = await settle(server, started, samples, idle)
    finally:
        server.stop()
    for r in rounds:
        print()
        print(describe(r.result))
    print()
    print(rounds_table(rounds))
    print()
    print(summary(samples, rounds, start, settled))
    return 0 if sum(lost(r.result) for r in rounds) == 0 else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    info = machine()
    lengths = round_lengths(args.minutes, args.meeting_minutes)
    print("# Kring soak")
    print("- " + ", ".join(f"{k} {v}" for k, v in info.items()))
    print(
        f"- {args.rooms} rooms x {args.clients} phones, {args.rate:g} updates/s per room, {args.minutes:g} min in "
        + (
            f"{len(lengths)} rounds of new meetings ({', '.join(f'{m:g}' for m in lengths)} min)"
            if len(lengths) > 1
            else "one meeting"
        )
    )
    return asyncio.run(soak(args))


if __name__ == "__main__":
    sys.exit(main())
