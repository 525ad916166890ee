"""`python -m bench.reconnect`: how a thousand phones come back after the server is killed and restarted.

It starts a real server (temporary var dir and SQLite file), lets 50 rooms x 20 phones join by code,
and runs every phone as the real web client: `web/src/provider.js` in Node (bench/reconnect.mjs),
two processes. Once all are synced, each phone writes a proposal and waits for its `{ok, saved}`.
Then, for each restart: SIGKILL the server, start it again on the same port with the same database
and secret, and record per phone when it reconnected, when its board was synced again (the
state-vector exchange), when an edit it made while offline was stored, and when its board held every
proposal of its room. Restart "raised" lifts the per-address connect limit, as an operator would for
one NAT address; restart "default" runs with the server's default limit, where all the phones share
127.0.0.1 like a thousand phones behind one office NAT. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.__main__ import machine, wait_for_quiet
from bench.procs import (
    BENCH_LIMITS,
    REPO,
    Server,
    counters,
    cpu_seconds,
    kill_server,
    machine_busy_seconds,
    serve_again,
    start_server,
)
from bench.provision import provision
from bench.runner import LineWorker, node_available, percentiles

NODE_SCRIPT = Path(__file__).resolve().parent / "reconnect.mjs"
# What the server runs with when KRING_CONNECTS_PER_SECOND / _BURST are unset (server/settings.py).
DEFAULT_CONNECTS = (5.0, 200.0)
# Each restart's change to the server's environment (None: unset, so the server's default applies).
PHASES: dict[str, dict[str, str | None]] = {
    "raised": dict(BENCH_LIMITS),
    "default": dict.fromkeys(BENCH_LIMITS),
}


def now_us() -> int:
    return time.monotonic_ns() // 1000


class Worker(LineWorker):
    """One Node process of phones running the web client's provider."""

    label = "phones process"

    async def stop(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError, BrokenPipeError, ConnectionResetError):
                await self.send({"cmd": "close"})
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                await self.process.wait()


@dataclass
class Tick:
    """One reading: CPU seconds of the server, of each phones process, of this runner and of the machine."""

    at: float
    server: float | None
    phones: list[float | None]
    runner: float
    machine: float


def tick(server: Server, workers: list[Worker]) -> Tick:
    return Tick(
        at=time.monotonic(),
        server=cpu_seconds(server.pid) if server.pid else None,
        phones=[cpu_seconds(w.process.pid) for w in workers],
        runner=time.process_time(),
        machine=machine_busy_seconds(),
    )


def cpu_between(a: Tick, b: Tick) -> dict[str, Any]:
    """% of one core used between two readings, by the server, the phones and everything else."""
    seconds = b.at - a.at
    if seconds <= 0:
        return {}
    server = 100 * (b.server - a.server) / seconds if a.server is not None and b.server is not None else None
    phones = [
        100 * (y - x) / seconds if x is not None and y is not None else None
        for x, y in zip(a.phones, b.phones, strict=True)
    ]
    machine = 100 * (b.machine - a.machine) / seconds
    ours = (server or 0.0) + sum(p or 0.0 for p in phones) + 100 * (b.runner - a.runner) / seconds
    return {
        "seconds": round(seconds, 2),
        "server": round(server, 1) if server is not None else None,
        "phones": [round(p, 1) if p is not None else None for p in phones],
        "other": round(max(0.0, machine - ours), 1),
    }


async def sample_every_second(server: Server, workers: list[Worker], start: float, ticks: list[Tick]) -> None:
    n = 1
    while True:
        await asyncio.sleep(max(0.0, start + n - time.monotonic()))
        ticks.append(tick(server, workers))
        n += 1


@dataclass
class Phase:
    name: str
    env: dict[str, str | None]
    killed_us: int = 0
    healthy_us: int = 0
    reported_us: int = 0
    phones: list[dict[str, Any]] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    cpu: dict[str, Any] = field(default_factory=dict)
    server_counters: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)

    def limits(self) -> str:
        if all(v is None for v in self.env.values()):
            return f"server default ({DEFAULT_CONNECTS[0]:g}/s per address, burst {DEFAULT_CONNECTS[1]:g})"
        return ", ".join(f"{k}={v}" for k, v in self.env.items())


def _since(phones: list[dict[str, Any]], key: str, zero: int) -> list[int]:
    return [int(p[key]) - zero for p in phones if p.get(key) is not None]


def _ms(values: dict[str, float]) -> str:
    return " / ".join(f"{values[k]:.1f}" if k in values else "-" for k in ("p50", "p90", "p99", "max"))


def _s(values: dict[str, float]) -> str:
    """p50 / p90 / p99 / max in seconds, from percentiles() in ms."""
    return " / ".join(f"{values[k] / 1000:.2f}" if k in values else "-" for k in ("p50", "p90", "p99", "max"))


def summarize(phase: Phase, total: int) -> dict[str, Any]:
    zero = phase.healthy_us
    phones = phase.phones
    connected = _since(phones, "connect_us", zero)
    synced = _since(phones, "synced_us", zero)
    attempts = [t - zero for p in phones for t in p.get("attempts_us") or []]
    refusals = [t - zero for p in phones for t in p.get("refused_us") or []]
    # Per second since healthy: [reconnected, resynced, connect attempts, attempts refused by the server]
    per_second: dict[int, list[int]] = {}
    for column, values in enumerate((connected, synced, attempts, refusals)):
        for t in values:
            per_second.setdefault(math.floor(t / 1e6), [0, 0, 0, 0])[column] += 1
    tenths: dict[int, int] = {}
    for t in connected:
        tenths[math.floor(t / 1e5)] = tenths.get(math.floor(t / 1e5), 0) + 1
    busiest_second = max(sorted(per_second.items()), key=lambda kv: kv[1][0], default=(0, [0]))
    busiest_tenth = max(sorted(tenths.items()), key=lambda kv: kv[1], default=(0, 0))
    refused: dict[str, int] = {}
    for p in phones:
        for code, n in (p.get("refused") or {}).items():
            refused[code] = refused.get(code, 0) + int(n)
    first_attempt = [int(p["attempts_us"][0]) - int(p["disconnect_us"]) for p in phones if p.get("attempts_us")]
    # From the attempt that got in to the connect: how long the server took to let a phone in.
    admitted = [
        int(p["connect_us"]) - int(p["attempts_us"][-1])
        for p in phones
        if p.get("connect_us") is not None and p.get("attempts_us")
    ]
    noticed = [int(p["disconnect_us"]) - phase.killed_us for p in phones if p.get("disconnect_us") is not None]
    failed_per_phone = [len(p.get("attempts_us") or []) - (1 if p.get("connect_us") is not None else 0) for p in phones]
    cpu_by_second = []
    previous: Tick | None = phase.ticks[0] if phase.ticks else None
    for t in phase.ticks[1:]:
        if previous is not None:
            cpu_by_second.append(cpu_between(previous, t))
        previous = t
    return {
        "phase": phase.name,
        "limits": phase.limits(),
        "phones": total,
        "down_s": round((phase.healthy_us - phase.killed_us) / 1e6, 3),
        "reconnected": len(connected),
        "resynced": len(synced),
        "offline_edit_saved": sum(1 for p in phones if p.get("saved_us") is not None),
        "complete": sum(1 for p in phones if p.get("missing") == 0),
        "missing_proposals": sum(int(p.get("missing") or 0) for p in phones),
        "unsaved_left": sum(int(p.get("unsaved") or 0) for p in phones),
        "write_in_first_state_vector": sum(1 for p in phones if p.get("sv_covers_write") is True),
        "write_not_in_first_state_vector": sum(1 for p in phones if p.get("sv_covers_write") is False),
        "ended": sum(1 for p in phones if p.get("ended")),
        "disconnects_after": sum(int(p.get("disconnects_after") or 0) for p in phones),
        "before_healthy": sum(1 for t in connected if t < 0),
        "per_second": {str(k): v for k, v in sorted(per_second.items())},
        "busiest_second": {"second": busiest_second[0], "reconnects": busiest_second[1][0]},
        "busiest_100ms": {"from_s": round(busiest_tenth[0] / 10, 1), "reconnects": busiest_tenth[1]},
        "reconnected_ms": percentiles(connected),
        "resynced_ms": percentiles(synced),
        "connect_to_synced_ms": percentiles(
            [int(p["synced_us"]) - int(p["connect_us"]) for p in phones if p.get("synced_us") and p.get("connect_us")]
        ),
        "offline_edit_saved_ms": percentiles(_since(phones, "saved_us", zero)),
        "complete_ms": percentiles(_since(phones, "complete_us", zero)),
        "first_attempt_after_disconnect_ms": percentiles(first_attempt),
        "attempt_to_connected_ms": percentiles(admitted),
        "disconnect_after_kill_ms": percentiles(noticed),
        "failed_attempts_per_phone": {str(n): failed_per_phone.count(n) for n in sorted(set(failed_per_phone))},
        "attempts": len(attempts),
        "attempts_while_down": sum(1 for t in attempts if t < 0),
        "transport_errors": sum(int(p.get("transport_errors") or 0) for p in phones),
        "refused": refused,
        "cpu_reconnect": phase.cpu,
        "cpu_by_second": cpu_by_second,
        "server_counters": phase.server_counters,
        "errors": phase.errors[:10],
    }


def describe(s: dict[str, Any]) -> str:
    lines = [f"## Restart '{s['phase']}': connect limit {s['limits']}"]
    lines.append(f"- server SIGKILLed, new process healthy {s['down_s']:.2f} s later; times below are from healthy")
    lines.append(
        f"- came back: reconnected {s['reconnected']}/{s['phones']}, resynced {s['resynced']}/{s['phones']}, "
        f"offline edit saved {s['offline_edit_saved']}/{s['phones']}, board holds every proposal of its room "
        f"{s['complete']}/{s['phones']} (missing {s['missing_proposals']}, unsaved left {s['unsaved_left']}), "
        f"gave up {s['ended']}, dropped again after the reconnect {s['disconnects_after']}"
    )
    lines.append(
        f"- acknowledged pre-restart edit already in the new server's first state vector: "
        f"{s['write_in_first_state_vector']}/{s['phones']} (not: {s['write_not_in_first_state_vector']})"
    )
    lines.append(f"- seconds after healthy (p50 / p90 / p99 / max): reconnected {_s(s['reconnected_ms'])}")
    lines.append(f"  resynced {_s(s['resynced_ms'])}; offline edit saved {_s(s['offline_edit_saved_ms'])}")
    lines.append(f"  board complete {_s(s['complete_ms'])}")
    lines.append(
        f"- ms (p50 / p90 / p99 / max): phone saw the kill {_ms(s['disconnect_after_kill_ms'])}; "
        f"attempt that got in to connected {_ms(s['attempt_to_connected_ms'])}; "
        f"connected to synced (the state-vector exchange) {_ms(s['connect_to_synced_ms'])}"
    )
    lines.append(
        f"- busiest second: {s['busiest_second']['reconnects']} reconnects (second {s['busiest_second']['second']}); "
        f"busiest 100 ms: {s['busiest_100ms']['reconnects']} (from {s['busiest_100ms']['from_s']:.1f} s); "
        f"reconnected before /healthz answered: {s['before_healthy']}"
    )
    refused = ", ".join(f"{k} {v}" for k, v in sorted(s["refused"].items())) or "none"
    lines.append(
        f"- connect attempts: {s['attempts']} ({s['attempts_while_down']} while the server was down), "
        f"failed at the transport {s['transport_errors']}, refused by the server: {refused}; "
        f"seconds from the disconnect to the first attempt: {_s(s['first_attempt_after_disconnect_ms'])}"
    )
    lines.append(f"- phones by failed attempts before getting in: {s['failed_attempts_per_phone']}")
    cpu = s["cpu_reconnect"]
    if cpu:
        lines.append(
            f"- CPU from healthy until every phone was back ({cpu['seconds']:.1f} s): server {cpu['server']}%, "
            f"phones {' + '.join(str(p) for p in cpu['phones'])}%, other {cpu['other']}% (% of one core)"
        )
    if s["server_counters"]:
        transport = s["server_counters"].get("transport", {})
        lines.append(
            f"- new server's counters: connects {transport.get('connects')}, refused {transport.get('refused')}"
        )
    lines.append("")
    lines.append("| second | reconnected | resynced | attempts | refused | server CPU | phones CPU | other CPU |")
    lines.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
    seconds = sorted(int(k) for k in s["per_second"])
    last = max([*seconds, len(s["cpu_by_second"]) - 1, 0])
    for second in range(min([*seconds, 0]), last + 1):
        counts = s["per_second"].get(str(second), [0, 0, 0, 0])
        cpu_s = s["cpu_by_second"][second] if 0 <= second < len(s["cpu_by_second"]) else {}
        phones_cpu = " + ".join(str(p) for p in cpu_s.get("phones", [])) if cpu_s else "-"
        lines.append(
            f"| {second} | {counts[0]} | {counts[1]} | {counts[2]} | {counts[3]} | {cpu_s.get('server', '-')}% "
            f"| {phones_cpu}% "
            f"| {cpu_s.get('other', '-')}% |"
        )
    if s["errors"]:
        lines.append(f"- first errors: {s['errors']}")
    return "\n".join(lines)


async def restart(server: Server, workers: list[Worker], phase: Phase, wait: float, down: float) -> None:
    for w in workers:
        await w.send({"cmd": "arm", "phase": phase.name})
    await asyncio.gather(*(w.receive("armed", 30) for w in workers))
    phase.killed_us = now_us()
    await asyncio.to_thread(kill_server, server)
    if down > 0:
        await asyncio.sleep(down)
    healthy = await asyncio.to_thread(serve_again, server, phase.env, 60.0, 0.02)
    start = tick(server, workers)
    phase.healthy_us = int(healthy * 1e6)
    phase.ticks = [start]
    sampler = asyncio.create_task(sample_every_second(server, workers, start.at, phase.ticks))
    try:
        deadline = phase.healthy_us + int(wait * 1e6)
        for w in workers:
            await w.send({"cmd": "report", "deadline_us": deadline})
        reports = await asyncio.gather(*(w.receive("report", wait + 60) for w in workers))
        end = tick(server, workers)
    finally:
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler
    phase.reported_us = max(int(r["at_us"]) for r in reports)
    phase.cpu = cpu_between(start, end)
    phase.server_counters = await asyncio.to_thread(counters, server)
    for r in reports:
        phase.phones.extend(r["phones"])
        phase.errors.extend(e for e in r.get("errors", []) if e not in phase.errors)


def budget(args: argparse.Namespace) -> float:
    """Seconds the whole run may take: setting up, then each restart with its time-out."""
    total: int = args.rooms * args.clients
    phases: list[str] = args.phases
    return 300 + 0.3 * total + sum(phase_timeout(p, total, args.timeout) + 120 for p in phases)


def phase_timeout(name: str, phones: int, given: float | None) -> float:
    if given is not None:
        return given
    if name == "default":
        rate, burst = DEFAULT_CONNECTS
        return 120.0 + 1.5 * max(0.0, phones - burst) / rate
    return 120.0


async def bench(args: argparse.Namespace) -> int:
    total = args.rooms * args.clients
    summaries: list[dict[str, Any]] = []
    raw: dict[str, Any] = {}  # every phone's record of each restart, for --json
    server = start_server(root=args.server_root)
    workers: list[Worker] = []
    try:
        print(f"- server {server.url} (pid {server.pid}), var dir {server.workdir}", flush=True)
        rooms = await provision(server, os.urandom(3).hex(), args.rooms, args.clients)
        members = {room.room_id: [p.participant_id for p in room.phones] for room in rooms}
        clients = [
            {
                "id": r * args.clients + j,
                "participant": phone.participant_id,
                "token": phone.token,
                "url": server.url,
                "origin": server.origin,
                "room": room.room_id,
            }
            for r, room in enumerate(rooms)
            for j, phone in enumerate(room.phones)
        ]
        procs = max(1, min(args.procs, len(clients)))
        for i in range(procs):
            process = await asyncio.create_subprocess_exec(
                "node",
                str(NODE_SCRIPT),
                cwd=REPO,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                limit=64 * 1024 * 1024,
            )
            workers.append(Worker(process))
            await workers[-1].send(
                {
                    "clients": clients[i::procs],  # a room's phones in both processes
                    "rooms": members,
                    "connect_concurrency": 25,
                    "connect_timeout": 30,
                    "max_seconds": budget(args),
                }
            )
        readies = await asyncio.gather(*(w.receive("ready", 60 + 0.2 * total) for w in workers))
        synced = sum(int(r["synced"]) for r in readies)
        print(f"- phones synced: {synced}/{total}", flush=True)
        if synced < total:
            print(f"- errors: {[e for r in readies for e in r.get('errors', [])][:10]}")
            return 1
        for w in workers:
            await w.send({"cmd": "write", "timeout": 60})
        written = await asyncio.gather(*(w.receive("written", 90) for w in workers))
        saved = sum(int(r["saved"]) for r in written)
        acks = percentiles([int(v) for r in written for v in r["ack_us"]])
        print(
            f"- pre-restart edit: {saved}/{total} saved (ack ms p50 {acks.get('p50')}, p99 {acks.get('p99')}, "
            f"max {acks.get('max')}); phones already holding all {args.clients} of their room: "
            f"{sum(int(r['complete']) for r in written)}/{total}",
            flush=True,
        )
        if saved < total:
            return 1
        for name in args.phases:
            phase = Phase(name, PHASES[name])
            await asyncio.sleep(args.settle)
            await restart(server, workers, phase, phase_timeout(name, total, args.timeout), args.down)
            summary = summarize(phase, total)
            summaries.append(summary)
            raw[name] = {"killed_us": phase.killed_us, "healthy_us": phase.healthy_us, "phones": phase.phones}
            print()
            print(describe(summary), flush=True)
    finally:
        await asyncio.gather(*(w.stop() for w in workers), return_exceptions=True)
        await asyncio.to_thread(server.stop)
    if args.json:
        data = json.dumps({"machine": machine(args.server_root), "restarts": summaries, "phones": raw})
        await asyncio.to_thread(Path(args.json).write_text, data)
    ok = all(
        s["reconnected"] == total
        and s["resynced"] == total
        and s["complete"] == total
        and s["write_in_first_state_vector"] == total
        for s in summaries
    )
    return 0 if ok and len(summaries) == len(args.phases) else 1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.reconnect", description=__doc__)
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--clients", type=int, default=20, help="phones per room (20)")
    parser.add_argument("--procs", type=int, default=2, help="Node processes for the phones (2)")
    parser.add_argument(
        "--phases",
        default="raised,default",
        help="restarts to run, in order: raised (connect limit lifted for the run), default (the "
        "server's own limit; all phones share 127.0.0.1). Default: raised,default",
    )
    parser.add_argument("--down", type=float, default=0.0, help="extra seconds the server stays down (0)")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds of calm before each kill (3)")
    parser.add_argument(
        "--timeout", type=float, help="seconds after healthy to wait for every phone (default 120, more for default)"
    )
    parser.add_argument(
        "--wait-quiet", type=float, default=0.0, help="first wait up to S s for the machine to be quiet (0: do not)"
    )
    parser.add_argument(
        "--server-root",
        type=Path,
        help="import the server's `server` package from this directory (e.g. a `git archive` export) "
        "instead of this checkout",
    )
    parser.add_argument("--json", metavar="FILE", help="write every figure as JSON")
    args = parser.parse_args(argv)
    args.phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = [p for p in args.phases if p not in PHASES]
    if unknown:
        parser.error(f"unknown phase {unknown}; choose from {', '.join(PHASES)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    missing = node_available()
    if missing:
        print(f"python -m bench.reconnect needs Node.js with web/node_modules: {missing}", file=sys.stderr)
        return 2
    info = machine(args.server_root)
    print("# Kring reconnect after a restart")
    print("- " + ", ".join(f"{k} {v}" for k, v in info.items()))
    print(f"- {args.rooms} rooms x {args.clients} phones, {args.procs} Node processes, restarts: {args.phases}")
    if args.wait_quiet > 0:
        print(f"- machine before the run: {wait_for_quiet(args.wait_quiet):.0f}% of a core busy (3 s)", flush=True)
    busy = machine_busy_seconds()
    started = time.monotonic()
    try:
        code = asyncio.run(asyncio.wait_for(bench(args), budget(args)))
    except TimeoutError:
        print(f"- gave up after {budget(args):.0f} s", file=sys.stderr)
        code = 1
    seconds = time.monotonic() - started
    busy_pct = 100 * (machine_busy_seconds() - busy) / seconds
    print(f"\n- whole run {seconds:.0f} s; the machine was busy {busy_pct:.0f}% of a core on average")
    return code


if __name__ == "__main__":
    sys.exit(main())
