"""Runs one scenario: load-generator processes against one or more servers, then the figures.

The runner never touches a socket itself. It splits the simulated phones over a few generator
processes (Node.js, raw or with socket.io-client, or Python; one line protocol), waits until every
phone is connected and synced, then hands all of them one shared schedule in CLOCK_MONOTONIC
microseconds: sending starts at `start`, only updates sent in [`from`, `to`) are measured (the rest is
warm-up), and results are collected at `drain`. Every process on this machine reads the same clock, so
a receiver subtracts the send time embedded in the update from its own clock to get the
sender-to-receiver latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import shlex
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bench.procs import REPO, Server, counters, cpu_seconds, machine_busy_seconds, relayed, rss_kib
from bench.provision import Phone, ProvisionedRoom, provision

# node: socket.io-client, the web client's own stack; raw: the same wire protocol written directly on
# a WebSocket, for a fraction of the CPU (docs/performance.md); python: python-socketio + pycrdt.
GeneratorKind = Literal["raw", "node", "python"]
NODE_SCRIPTS = {
    "node": Path(__file__).resolve().parent / "loadgen.cjs",
    "raw": Path(__file__).resolve().parent / "loadgen_raw.cjs",
}
# The same phones on y-websocket's protocol, for the reference server (bench/ywebsocket.py).
YWS_SCRIPT = Path(__file__).resolve().parent / "loadgen_yws.cjs"
NODE_PACKAGES = {
    "node": ("yjs", "socket.io-client", "socket.io-msgpack-parser"),
    "raw": ("yjs", "ws", "notepack.io"),
}
SLICE_SECONDS = 5


def node_base_dir() -> Path:
    """Where the Node generators resolve their packages: web/ (its node_modules), or an override."""
    return Path(os.environ.get("KRING_BENCH_NODE_DIR") or REPO / "web")


def node_available(kind: Literal["node", "raw"] = "node") -> str | None:
    """None if the Node generator of this kind can run here, else why not."""
    if shutil.which("node") is None:
        return "node is not on PATH"
    modules = node_base_dir() / "node_modules"
    missing = [p for p in NODE_PACKAGES[kind] if not (modules / p / "package.json").exists()]
    if missing:
        return f"{modules} lacks {', '.join(missing)} (run `make web`)"
    return None


@dataclass(frozen=True)
class Scenario:
    name: str
    rooms: int
    clients_per_room: int
    room_rate: float  # updates per second offered to each room, spread evenly over its clients
    warmup: float = 5.0
    duration: float = 25.0
    drain: float = 3.0
    # Phones per room that apply every update to their Y.Doc before timing it (None: all). The others
    # receive the same frames and time them on reading; the server's work is the same either way.
    appliers: int | None = None

    @property
    def clients(self) -> int:
        return self.rooms * self.clients_per_room

    @property
    def offered_rate(self) -> float:
        return self.rooms * self.room_rate


@dataclass(frozen=True)
class Generator:
    kind: GeneratorKind
    procs: int
    connect_concurrency: int = 50
    # The phones share the machine with the server they measure; in a meeting each has its own CPU.
    # At the same priority their bursts took the server's cores from it (its thread waited 10-45% of
    # each second to run, docs/performance.md); niced, the server runs when it has work, whichever it is.
    nice: int = 10
    # V8's young generation per node generator, in MiB (0: node's default). One process holds 500
    # phones' documents, which no phone does: at node's default the short-lived objects of every
    # delivery were promoted and collected with the whole heap, and those pauses (1.2-1.5 s of a
    # 12 s window, up to 400 ms of loop delay) were the 50x20x10 p99 of both servers.
    semi_space_mib: int = 64

    def describe(self) -> str:
        young = f", young generation {self.semi_space_mib} MiB" if self.semi_space_mib and self.kind != "python" else ""
        return f"{self.kind} x{self.procs} nice {self.nice}{young}"

    def command(self, server_kind: str = "kring") -> list[str]:
        return [*(["nice", "-n", str(self.nice)] if self.nice else []), *self._program(server_kind)]

    def _program(self, server_kind: str) -> list[str]:
        # KRING_BENCH_NODE_ARGS: extra node options, e.g. `--cpu-prof --cpu-prof-dir=/tmp/genprof`
        # (NODE_OPTIONS does not take --cpu-prof).
        extra = shlex.split(os.environ.get("KRING_BENCH_NODE_ARGS", ""))
        if self.semi_space_mib:
            extra.insert(0, f"--max-semi-space-size={self.semi_space_mib}")
        if server_kind != "kring":
            return ["node", *extra, str(YWS_SCRIPT)]
        if self.kind in NODE_SCRIPTS:
            return ["node", *extra, str(NODE_SCRIPTS[self.kind])]
        return [sys.executable, "-m", "bench.loadgen"]


@dataclass
class Result:
    scenario: Scenario
    generator: Generator
    servers: list[str]
    server_kind: str = "kring"
    connected: int = 0
    connect_failed: int = 0
    disconnects: int = 0
    refusals: int = 0
    sent: int = 0
    expected: int = 0
    received: int = 0
    duplicates: int = 0  # an update received twice by a phone that does not apply (see Scenario.appliers)
    latency_ms: dict[str, float] = field(default_factory=dict)
    # p99 of the updates sent in each successive slice of the window: a rising series means overload
    p99_by_slice_ms: list[float] = field(default_factory=list)
    acks_saved: int = 0
    acks_failed: int = 0
    acks_missing: int = 0
    ack_ms: dict[str, float] = field(default_factory=dict)
    measured_seconds: float = 0.0
    server_cpu_pct: list[float | None] = field(default_factory=list)
    server_rss_mib: list[float | None] = field(default_factory=list)
    generator_cpu_pct: list[float] = field(default_factory=list)
    # Per node generator over the window: its V8 collector's pauses (total, longest) and its event
    # loop's delay (p99, max), in ms. A phone's latency includes its generator's stalls.
    generator_gc_ms: list[tuple[float, float]] = field(default_factory=list)
    generator_loop_delay_ms: list[tuple[float, float]] = field(default_factory=list)
    # CPU used on this machine by anything but the servers, the generators and this runner: other
    # people's work skews every figure, so it is measured and reported with them.
    other_cpu_pct: float | None = None
    counters: dict[str, float] | None = None  # growth of the server's own counters, if it exposes them
    # Joining: from the first generator's start until every phone is connected and synced, and the
    # servers' CPU seconds over that time (connect, admission, room entry, initial sync).
    join_seconds: float = 0.0
    join_server_cpu_seconds: float | None = None
    # Behind a balancer: over the measured window, how many updates crossed Redis, and into how many
    # of the rooms the processes host (0 and 0 when every room lives on one process).
    relayed_updates: int | None = None
    relayed_rooms: int | None = None
    hosted_rooms: int | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def server_cpu_seconds(self) -> float | None:
        """The servers' CPU seconds over the measured window (the steady state, joins apart)."""
        if not self.server_cpu_pct or any(c is None for c in self.server_cpu_pct):
            return None
        return sum(c for c in self.server_cpu_pct if c is not None) / 100 * self.measured_seconds

    @property
    def cpu_us_per_delivery(self) -> float | None:
        cpu = self.server_cpu_seconds
        return 1e6 * cpu / self.received if cpu is not None and self.received else None

    @property
    def cpu_ms_per_connect(self) -> float | None:
        cpu = self.join_server_cpu_seconds
        return 1e3 * cpu / self.connected if cpu is not None and self.connected else None

    @property
    def delivered(self) -> float:
        return self.received / self.expected if self.expected else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "rooms": self.scenario.rooms,
            "clients_per_room": self.scenario.clients_per_room,
            "room_rate": self.scenario.room_rate,
            "generator": self.generator.describe(),
            "server_kind": self.server_kind,
            "servers": self.servers,
            "connected": self.connected,
            "connect_failed": self.connect_failed,
            "disconnects": self.disconnects,
            "refusals": self.refusals,
            "measured_seconds": round(self.measured_seconds, 2),
            "sent": self.sent,
            "sent_per_s": round(self.sent / self.measured_seconds, 1) if self.measured_seconds else None,
            "expected_deliveries": self.expected,
            "received": self.received,
            "duplicates": self.duplicates,
            "delivered_fraction": round(self.delivered, 5) if self.expected else None,
            "deliveries_per_s": round(self.received / self.measured_seconds, 1) if self.measured_seconds else None,
            "latency_ms": self.latency_ms,
            "p99_by_5s_ms": self.p99_by_slice_ms,
            "acks_saved": self.acks_saved,
            "acks_failed": self.acks_failed,
            "acks_missing": self.acks_missing,
            "ack_ms": self.ack_ms,
            "server_cpu_pct": self.server_cpu_pct,
            "server_rss_max_mib": self.server_rss_mib,
            "generator_cpu_pct": [round(c, 1) for c in self.generator_cpu_pct],
            "generator_gc_ms_total_max": self.generator_gc_ms,
            "generator_loop_delay_ms_p99_max": self.generator_loop_delay_ms,
            "other_cpu_pct": self.other_cpu_pct,
            "server_counters": self.counters,
            "relayed_updates_in_window": self.relayed_updates,
            "rooms_with_relayed_updates_in_window": self.relayed_rooms,
            "rooms_hosted_by_the_processes": self.hosted_rooms,
            "join_seconds": round(self.join_seconds, 3),
            "join_server_cpu_seconds": self.join_server_cpu_seconds,
            "server_cpu_us_per_delivery": _round(self.cpu_us_per_delivery, 1),
            "server_cpu_ms_per_connect": _round(self.cpu_ms_per_connect, 2),
            "errors": self.errors,
        }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def percentiles(samples_us: list[int]) -> dict[str, float]:
    if not samples_us:
        return {}
    ordered = sorted(samples_us)

    def at(p: float) -> float:
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        return round(ordered[rank - 1] / 1000, 2)

    return {"p50": at(50), "p90": at(90), "p99": at(99), "p99.9": at(99.9), "max": round(ordered[-1] / 1000, 2)}


class LineWorker:
    """A Node or Python process of phones, spoken to one JSON line at a time (both directions)."""

    label = "load generator"

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(message) + "\n").encode())
        await self.process.stdin.drain()

    async def receive(self, event: str, within: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        deadline = time.monotonic() + within
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.label} {self.process.pid} sent no {event!r} in {within:.0f} s")
            line = await asyncio.wait_for(self.process.stdout.readline(), remaining)
            if not line:
                raise RuntimeError(f"{self.label} {self.process.pid} exited ({await self.process.wait()})")
            with contextlib.suppress(ValueError):
                message = json.loads(line)
                if isinstance(message, dict) and message.get("event") == event:
                    return message


class _Worker(LineWorker):
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        super().__init__(process)
        self.cpu_from: float | None = None
        self.cpu_to: float | None = None

    async def stop(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                await self.process.wait()


def plan_clients(scenario: Scenario, servers: list[Server], rooms: list[ProvisionedRoom]) -> list[dict[str, Any]]:
    """Every phone of the scenario; the phones of one room go round-robin over the servers."""
    clients = []
    for r, room in enumerate(rooms):
        for j, phone in enumerate(room.phones):
            server = servers[j % len(servers)]
            # y-websocket names the room in the path; Kring knows it from the token, and a balancer
            # in front (deploy/haproxy.cfg) hashes on the `room` query parameter, as the web client sends.
            url = f"{server.url}/{room.room_id}" if server.kind != "kring" else server.url
            clients.append(
                {
                    "id": r * scenario.clients_per_room + j,
                    "participant": phone.participant_id,
                    "token": phone.token,
                    "room_key": room.room_id,
                    "url": url,
                    "origin": server.origin,
                    "room": room.room_id,
                    "rate": scenario.room_rate / scenario.clients_per_room,
                    "applies": scenario.appliers is None or j < scenario.appliers,
                }
            )
    return clients


async def run(scenario: Scenario, servers: list[Server], generator: Generator) -> Result:
    kind = servers[0].kind
    result = Result(scenario=scenario, generator=generator, servers=[s.url for s in servers], server_kind=kind)
    tag = os.urandom(3).hex()
    if kind == "kring":
        # The rooms and phones are made through the first server's API (all servers share one store).
        rooms = await provision(servers[0], tag, scenario.rooms, scenario.clients_per_room)
    else:
        # y-websocket lets anyone into any room: a room is a name, a phone needs no token.
        rooms = [
            ProvisionedRoom(f"bench-{tag}-{r}", [Phone(f"p{r}x{j}", "") for j in range(scenario.clients_per_room)])
            for r in range(scenario.rooms)
        ]
    clients = plan_clients(scenario, servers, rooms)
    procs = max(1, min(generator.procs, len(clients)))
    shares = [clients[i::procs] for i in range(procs)]  # a room's phones land in different processes
    workers: list[_Worker] = []
    join_started = time.monotonic()
    join_cpu_from = [s.cpu_seconds() for s in servers]
    try:
        for share in shares:
            process = await asyncio.create_subprocess_exec(
                *generator.command(kind),
                cwd=REPO,
                env={**os.environ, "KRING_BENCH_NODE_DIR": str(node_base_dir())},
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                limit=256 * 1024 * 1024,
            )
            worker = _Worker(process)
            workers.append(worker)
            await worker.send(
                {
                    "doc": "board",
                    "clients": share,
                    "connect_concurrency": generator.connect_concurrency,
                    "connect_timeout": 20,
                }
            )
        connect_timeout = 30 + 0.1 * len(clients)
        readies = await asyncio.gather(*(w.receive("ready", connect_timeout) for w in workers))
        result.join_seconds = time.monotonic() - join_started
        join_cpu_to = [s.cpu_seconds() for s in servers]
        if all(c is not None for c in join_cpu_from + join_cpu_to):
            result.join_server_cpu_seconds = round(
                sum(b - a for a, b in zip(join_cpu_from, join_cpu_to, strict=True) if a is not None and b is not None),
                3,
            )
        room_sizes: dict[str, int] = {}
        for ready in readies:
            result.connected += int(ready["connected"])
            result.connect_failed += int(ready["connect_failed"])
            for room, n in ready.get("rooms", {}).items():
                room_sizes[room] = room_sizes.get(room, 0) + int(n)
            result.errors.extend(ready.get("errors", []))

        now = time.monotonic_ns() // 1000
        start = now + 500_000
        window_from = start + int(scenario.warmup * 1e6)
        window_to = window_from + int(scenario.duration * 1e6)
        drain = window_to + int(scenario.drain * 1e6)
        go = {"event": "go", "start_us": start, "from_us": window_from, "to_us": window_to, "drain_us": drain}
        for worker in workers:
            await worker.send(go)

        sampler = asyncio.create_task(_sample(servers, workers, window_from, window_to))
        results = await asyncio.gather(
            *(w.receive("result", (drain - time.monotonic_ns() // 1000) / 1e6 + 120) for w in workers)
        )
        sample = await sampler
    finally:
        await asyncio.gather(*(w.stop() for w in workers))

    latencies: list[int] = []
    slices: dict[int, list[int]] = {}
    acks: list[int] = []
    for part in results:
        sent_by_room: dict[str, int] = part["sent"]
        result.sent += sum(sent_by_room.values())
        result.expected += sum(n * max(0, room_sizes.get(room, 0) - 1) for room, n in sent_by_room.items())
        result.received += int(part["received"])
        result.duplicates += int(part.get("duplicates", 0))
        result.disconnects += int(part["disconnects"])
        result.refusals += int(part["refusals"])
        result.acks_saved += int(part["acks_saved"])
        result.acks_failed += int(part["acks_failed"])
        result.acks_missing += int(part["acks_missing"])
        latencies.extend(part["latency_us"])
        for latency, second in zip(part["latency_us"], part["latency_second"], strict=True):
            slices.setdefault(second // SLICE_SECONDS, []).append(latency)
        acks.extend(part["ack_us"])
        if "gc_ms_total" in part:  # node generators
            result.generator_gc_ms.append((round(part["gc_ms_total"], 1), round(part["gc_ms_max"], 1)))
        if part.get("loop_delay_ms_p99") is not None:
            delay = (round(part["loop_delay_ms_p99"], 1), round(part["loop_delay_ms_max"], 1))
            result.generator_loop_delay_ms.append(delay)
        result.errors.extend(e for e in part.get("errors", []) if e not in result.errors)
    result.errors = result.errors[:10]
    result.latency_ms = percentiles(latencies)
    result.p99_by_slice_ms = [percentiles(slices[k])["p99"] for k in sorted(slices)]
    result.ack_ms = percentiles(acks)
    result.measured_seconds = (window_to - window_from) / 1e6
    result.server_cpu_pct = sample.server_cpu_pct()
    result.server_rss_mib = [round(r, 1) if r is not None else None for r in sample.server_rss_mib]
    result.generator_cpu_pct = [
        100 * (w.cpu_to - w.cpu_from) / sample.seconds
        for w in workers
        if w.cpu_from is not None and w.cpu_to is not None
    ]
    ours = sum(c for c in result.server_cpu_pct if c is not None) + sum(result.generator_cpu_pct)
    result.other_cpu_pct = round(max(0.0, sample.machine_cpu_pct() - ours - sample.runner_cpu_pct()), 1)
    result.counters = sample.counters_delta()
    before, after = sample.relayed
    if before is not None and after is not None:
        grown = [
            n - before.get(url, {}).get(room, 0)
            for url, rooms in after.items()
            for room, n in rooms.items()
            if n > before.get(url, {}).get(room, 0)
        ]
        result.relayed_updates, result.relayed_rooms = sum(grown), len(grown)
        result.hosted_rooms = sum(len(rooms) for rooms in after.values())
    return result


async def _sleep_until(us: int) -> None:
    await asyncio.sleep(max(0.0, (us - time.monotonic_ns() // 1000) / 1e6))


@dataclass
class _Sample:
    """CPU of servers, generators and the machine over the measured window; the servers' largest RSS."""

    seconds: float = 0.0
    server_cpu: list[tuple[float | None, float | None]] = field(default_factory=list)
    server_rss_mib: list[float | None] = field(default_factory=list)
    machine: tuple[float, float] = (0.0, 0.0)
    runner: tuple[float, float] = (0.0, 0.0)
    counters: tuple[list[dict[str, Any] | None], list[dict[str, Any] | None]] = ([], [])
    relayed: tuple[dict[str, dict[str, int]] | None, dict[str, dict[str, int]] | None] = (None, None)

    def server_cpu_pct(self) -> list[float | None]:
        return [
            round(100 * (b - a) / self.seconds, 1) if a is not None and b is not None and self.seconds else None
            for a, b in self.server_cpu
        ]

    def machine_cpu_pct(self) -> float:
        return 100 * (self.machine[1] - self.machine[0]) / self.seconds if self.seconds else 0.0

    def runner_cpu_pct(self) -> float:
        return 100 * (self.runner[1] - self.runner[0]) / self.seconds if self.seconds else 0.0

    def counters_delta(self) -> dict[str, float] | None:
        return _counters_delta(*self.counters)


async def _sample(servers: list[Server], workers: list[_Worker], window_from: int, window_to: int) -> _Sample:
    sample = _Sample(server_rss_mib=[None for _ in servers])
    await _sleep_until(window_from)
    started = time.monotonic()
    machine_from, runner_from = machine_busy_seconds(), time.process_time()
    server_from = [s.cpu_seconds() for s in servers]
    for w in workers:
        w.cpu_from = cpu_seconds(w.process.pid)
    counters_from = [await asyncio.to_thread(counters, s) for s in servers]
    behind = [url for s in servers for url in s.behind]
    relayed_from = await asyncio.to_thread(relayed, behind) if behind else None
    while time.monotonic_ns() // 1000 < window_to:
        for i, s in enumerate(servers):
            reading = rss_kib(s.pid) if s.pid else None
            if reading is not None:
                sample.server_rss_mib[i] = max(sample.server_rss_mib[i] or 0.0, reading[0] / 1024)
        await asyncio.sleep(min(0.5, max(0.0, (window_to - time.monotonic_ns() // 1000) / 1e6)))
    counters_to = [await asyncio.to_thread(counters, s) for s in servers]
    relayed_to = await asyncio.to_thread(relayed, behind) if behind else None
    server_to = [s.cpu_seconds() for s in servers]
    for w in workers:
        w.cpu_to = cpu_seconds(w.process.pid)
    sample.machine = (machine_from, machine_busy_seconds())
    sample.runner = (runner_from, time.process_time())
    sample.seconds = time.monotonic() - started
    sample.server_cpu = list(zip(server_from, server_to, strict=True))
    sample.counters = (counters_from, counters_to)
    sample.relayed = (relayed_from, relayed_to)
    return sample


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, float]:
    flat: dict[str, float] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            flat[f"{prefix}{key}"] = float(value)
    return flat


def _counters_delta(before: list[dict[str, Any] | None], after: list[dict[str, Any] | None]) -> dict[str, float] | None:
    """How much each numeric server counter grew over the window, summed over servers, e.g.
    `store.commits` and `store.rows`; None unless every server exposes /internal/counters."""
    total: dict[str, float] = {}
    for a, b in zip(before, after, strict=True):
        if a is None or b is None:
            return None
        flat_a, flat_b = _flatten(a), _flatten(b)
        for key, value in flat_b.items():
            if key.startswith("memory."):  # levels, not counts: a difference of them means nothing here
                continue
            total[key] = round(total.get(key, 0.0) + value - flat_a.get(key, 0.0), 6)
    return total or None
