"""`python -m bench cost`: the server's own CPU per connect and per delivered update.

Latency on this shared two-core machine mostly measures the neighbours; the server process's CPU
time (utime + stime from /proc) does not. For each load a fresh server is started, the phones
connect (server CPU from the generators' start until every phone is synced, ÷ phones: CPU per
connect, which covers admission, audit, room entry and the initial sync), then send on the usual
schedule (server CPU over the measured window ÷ deliveries in it: CPU per delivery). With
`--against DIR` every load is run on both trees in turn (`git archive <commit> server web/static |
tar -x -C DIR`), so an A/B compares runs of the same minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.procs import REPO, Server, cpu_seconds, machine_busy_seconds, start_server
from bench.provision import provision
from bench.runner import Generator, LineWorker, Scenario, node_available, node_base_dir, percentiles, plan_clients

LOADS = {"20x20x10": (20, 20, 10.0), "50x20x10": (50, 20, 10.0), "1x200x20": (1, 200, 20.0)}


@dataclass
class Cost:
    tree: str
    load: str
    phones: int
    connect_seconds: float
    connect_cpu_ms: float  # server CPU per connected phone
    deliveries: int
    expected: int
    delivery_cpu_us: float  # server CPU per delivered update, over the measured window
    delivery_system_us: float  # of which in the kernel
    server_cpu_pct: float
    other_cpu_pct: float
    p99_ms: float

    def line(self) -> str:
        # Deliveries still missing at the drain mean the machine (or the server) fell behind: the
        # CPU then covers work whose deliveries are not counted, so the figure is not comparable.
        behind = " (behind: not comparable)" if self.deliveries < 0.99 * self.expected else ""
        return (
            f"| {self.tree} | {self.load} | {self.connect_cpu_ms:.2f} | {self.connect_seconds:.2f} | "
            f"{self.delivery_cpu_us:.1f} ({self.delivery_system_us:.1f}){behind} | "
            f"{self.deliveries}/{self.expected} | {self.server_cpu_pct:.0f}% | "
            f"{self.p99_ms:.1f} | {self.other_cpu_pct:.0f}% |"
        )


HEADER = (
    "| tree | load | CPU ms / connect | all synced s | CPU µs / delivery (kernel) | delivered | server CPU "
    "| p99 ms | other CPU |\n"
    "|---|---|---:|---:|---:|---:|---:|---:|---:|"
)


async def _stop(worker: LineWorker) -> None:
    process = worker.process
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 5)
        except TimeoutError:
            process.kill()
            await process.wait()


def _server_cpu(server: Server) -> float:
    assert server.pid is not None
    reading = cpu_seconds(server.pid)
    if reading is None:
        raise RuntimeError(f"server {server.pid} is gone:\n{server.log_tail()}")
    return reading


def _system_seconds(pid: int) -> float:
    """The kernel's part of a process's CPU (stime): its writes, fsyncs and polls."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[12]) / os.sysconf("SC_CLK_TCK")


async def measure(tree: str, server: Server, scenario: Scenario, generator: Generator, load: str) -> Cost:
    rooms = await provision(server, os.urandom(3).hex(), scenario.rooms, scenario.clients_per_room)
    clients = plan_clients(scenario, [server], rooms)
    procs = max(1, min(generator.procs, len(clients)))
    workers: list[LineWorker] = []
    try:
        cpu_before, started = _server_cpu(server), time.monotonic()
        for share in (clients[i::procs] for i in range(procs)):
            process = await asyncio.create_subprocess_exec(
                *generator.command(),
                cwd=REPO,
                env={**os.environ, "KRING_BENCH_NODE_DIR": str(node_base_dir())},
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                limit=256 * 1024 * 1024,
            )
            worker = LineWorker(process)
            workers.append(worker)
            config = {"doc": "board", "clients": share, "connect_concurrency": generator.connect_concurrency}
            await worker.send({**config, "connect_timeout": 20})
        readies = await asyncio.gather(*(w.receive("ready", 60 + 0.1 * len(clients)) for w in workers))
        connect_seconds = time.monotonic() - started
        await asyncio.sleep(0.5)  # the audit rows and greetings still under way
        connect_cpu = _server_cpu(server) - cpu_before
        connected = sum(int(r["connected"]) for r in readies)
        if connected != len(clients):
            raise RuntimeError(f"{len(clients) - connected} phones failed to connect: {readies[0].get('errors')}")
        sizes: dict[str, int] = {}
        for ready in readies:
            for room, n in ready.get("rooms", {}).items():
                sizes[room] = sizes.get(room, 0) + int(n)

        now = time.monotonic_ns() // 1000
        start = now + 500_000
        window_from = start + int(scenario.warmup * 1e6)
        window_to = window_from + int(scenario.duration * 1e6)
        drain = window_to + int(scenario.drain * 1e6)
        go = {"event": "go", "start_us": start, "from_us": window_from, "to_us": window_to, "drain_us": drain}
        for worker in workers:
            await worker.send(go)
        await asyncio.sleep(max(0.0, (window_from - time.monotonic_ns() // 1000) / 1e6))
        assert server.pid is not None
        system_from = _system_seconds(server.pid)
        cpu_from, machine_from, at_from = _server_cpu(server), machine_busy_seconds(), time.monotonic()
        own_from = [cpu_seconds(w.process.pid) or 0.0 for w in workers]
        await asyncio.sleep(max(0.0, (window_to - time.monotonic_ns() // 1000) / 1e6))
        cpu_to, machine_to, at_to = _server_cpu(server), machine_busy_seconds(), time.monotonic()
        system_busy = _system_seconds(server.pid) - system_from
        own_to = [cpu_seconds(w.process.pid) or 0.0 for w in workers]
        results = await asyncio.gather(*(w.receive("result", scenario.drain + 120) for w in workers))
    finally:
        await asyncio.gather(*(_stop(w) for w in workers))
    received = sum(int(part["received"]) for part in results)
    expected = sum(n * max(0, sizes.get(room, 0) - 1) for part in results for room, n in dict(part["sent"]).items())
    latencies = [us for part in results for us in part["latency_us"]]
    seconds = at_to - at_from
    server_busy = cpu_to - cpu_from
    generators_busy = sum(b - a for a, b in zip(own_from, own_to, strict=True))
    other = max(0.0, (machine_to - machine_from) - server_busy - generators_busy)
    return Cost(
        tree=tree,
        load=load,
        phones=len(clients),
        connect_seconds=connect_seconds,
        connect_cpu_ms=1000 * connect_cpu / len(clients),
        deliveries=received,
        expected=expected,
        delivery_cpu_us=1e6 * server_busy / received if received else float("nan"),
        delivery_system_us=1e6 * system_busy / received if received else float("nan"),
        server_cpu_pct=100 * server_busy / seconds,
        other_cpu_pct=100 * other / seconds,
        p99_ms=percentiles(latencies).get("p99", float("nan")),
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench cost", description=__doc__)
    parser.add_argument(
        "--loads",
        default="20x20x10,50x20x10,1x200x20",
        help="comma-separated ROOMSxPHONESxRATE (updates/s a room); default: the issue's three",
    )
    parser.add_argument("--against", type=Path, help="a second tree (server + web/static) to compare with, in turn")
    parser.add_argument(
        "--tree",
        type=Path,
        action="append",
        default=[],
        help="measure this tree instead of the checkout (repeatable: each load runs on each tree in turn)",
    )
    parser.add_argument("--runs", type=int, default=1, help="runs of each load on each tree (1)")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--drain", type=float, default=2.0)
    parser.add_argument("--procs", type=int, default=2, help="load-generator processes (2)")
    parser.add_argument("--appliers", type=int, help="phones per room that apply every update (default: all)")
    parser.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE")
    return parser.parse_args(argv)


def _load(spec: str) -> tuple[int, int, float]:
    if spec in LOADS:
        return LOADS[spec]
    rooms, phones, rate = spec.split("x")
    return int(rooms), int(phones), float(rate)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    why_not = node_available("raw")
    if why_not:
        raise SystemExit(f"the raw Node generator is needed: {why_not}")
    generator = Generator(kind="raw", procs=args.procs)
    env = dict(pair.split("=", 1) for pair in args.server_env)
    trees: list[tuple[str, Path | None]] = [(t.name, t) for t in args.tree] or [("this", None)]
    if args.against is not None:
        trees.append((args.against.name, args.against))
    print(f"# server CPU per connect and per delivery ({os.cpu_count()} cores; CPU = utime + stime of the server)")
    print(HEADER)
    sys.stdout.flush()
    costs: list[Cost] = []
    for spec in args.loads.split(","):
        rooms, phones, rate = _load(spec)
        scenario = Scenario(spec, rooms, phones, rate, args.warmup, args.duration, args.drain, args.appliers)
        for _ in range(args.runs):
            for tree, root in trees:
                server = start_server(env, root=root)
                try:
                    cost = asyncio.run(measure(tree, server, scenario, generator, spec))
                finally:
                    server.stop()
                costs.append(cost)
                print(cost.line())
                sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
