"""`python -m bench [compare|all|fanout|ack|admission|cost] [options]`: start a server, drive it, print the figures.

compare (the default, `make bench`): Kring beside the reference y-websocket server (bench/ywebsocket.py)
in the same run, with the same phones, alternating servers, then Kring's durable ack at 500/s.
Every run is bounded: fixed warm-up, measurement and drain times, time-outs on connecting and on
collecting results, and only loopback traffic. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

from bench import admission, ywebsocket
from bench.procs import Server, attach_server, machine_busy_seconds, start_server
from bench.runner import Generator, GeneratorKind, Result, Scenario, node_available, node_base_dir, run

QUIET_PCT = 15.0
FANOUT_ROOMS = Scenario("fan-out 50x20", rooms=50, clients_per_room=20, room_rate=10)
FANOUT_CROWD = Scenario("fan-out 1x200", rooms=1, clients_per_room=200, room_rate=10)
# The same 50x20 load, but only 2 phones per room spend Yjs work on what they receive: the generators
# then take far less of this shared machine, so the figures are closer to the server's own.
FANOUT_ROOMS_LIGHT = Scenario("fan-out 50x20, 2 apply", rooms=50, clients_per_room=20, room_rate=10, appliers=2)
# 500 updates/s offered over 10 phones in 5 rooms; each update still reaches the room's other phone.
DURABLE_ACK = Scenario("durable ack 500/s", rooms=5, clients_per_room=2, room_rate=100)
# `compare`: rooms x phones x updates/s per room; every phone applies every update, as a browser does.
COMPARE = [
    Scenario("20x20x10", rooms=20, clients_per_room=20, room_rate=10),
    Scenario("50x20x10", rooms=50, clients_per_room=20, room_rate=10),
    Scenario("1x200x20", rooms=1, clients_per_room=200, room_rate=20),
]
COMPARE_TIMING = {"warmup": 3.0, "duration": 12.0, "drain": 2.0}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "scenario",
        nargs="?",
        default="compare",
        choices=["compare", "all", "fanout", "ack", "admission"],
        help="compare (default): 20x20x10, 50x20x10 and 1x200x20 against Kring and y-websocket, "
        "alternating, then Kring's durable ack at 500/s; all: Kring alone, both fan-out runs, the "
        "durable-ack run and admission (bench/admission.py); fanout; ack; admission",
    )
    parser.add_argument(
        "--runs", type=int, default=1, help="compare: runs of each scenario on each server, alternating (1)"
    )
    parser.add_argument("--rooms", type=int, help="custom run: rooms (with --clients and --rate)")
    parser.add_argument("--clients", type=int, help="custom run: clients per room")
    parser.add_argument("--rate", type=float, help="custom run: updates/s per room, spread over its clients")
    parser.add_argument("--warmup", type=float, help="seconds of load before measuring (5; compare: 3)")
    parser.add_argument("--duration", type=float, help="seconds measured (25; compare: 12)")
    parser.add_argument("--drain", type=float, help="seconds to wait for late deliveries (3; compare: 2)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 s warm-up, 4 s measured")
    parser.add_argument(
        "--generator",
        choices=["auto", "raw", "node", "python"],
        default="auto",
        help="load generator: raw (Engine.IO/Socket.IO msgpack written directly on `ws`, + yjs, from "
        "web/node_modules: the same wire protocol for a fraction of the CPU), node (socket.io-client + "
        "yjs: the web client's own stack), python (python-socketio + pycrdt); auto picks raw, else node, "
        "else python, by what is installed",
    )
    parser.add_argument("--procs", type=int, help="load-generator processes (default: 2)")
    parser.add_argument(
        "--generator-nice",
        type=int,
        default=10,
        metavar="N",
        help="run the load generators at this niceness, below the server they measure (10; 0: same priority)",
    )
    parser.add_argument(
        "--generator-young-mib",
        type=int,
        default=64,
        metavar="MIB",
        help="node generators: V8's young generation (--max-semi-space-size), for every server alike (64; 0: "
        "node's default, under which the generators' own collections were most of the 50x20x10 p99)",
    )
    parser.add_argument(
        "--appliers",
        type=int,
        help="custom run: phones per room that apply every update to their Y.Doc before timing it (default: all); "
        "the others time each frame as they read it (node generators)",
    )
    parser.add_argument(
        "--servers",
        help="comma-separated URLs of running servers to attach to instead of starting one; "
        "the clients of each room are spread round-robin over them (Origin = the URL)",
    )
    parser.add_argument(
        "--server-root",
        type=Path,
        help="import the started server's `server` package from this directory (e.g. `git archive` of "
        "another commit, or a patched copy) instead of this checkout",
    )
    parser.add_argument(
        "--facilitator",
        metavar="EMAIL",
        help="with --servers: a facilitator account there (password in $KRING_BENCH_PASSWORD); the bench "
        "creates its cases, meetings and phones through the API as this account",
    )
    parser.add_argument(
        "--behind",
        help="with --servers BALANCER_URL: comma-separated URLs of the processes behind it; the bench reads "
        "their /metrics for the updates relayed through Redis over the measured window",
    )
    parser.add_argument(
        "--server-pids",
        help="comma-separated PIDs of --servers (default: found by port); PID+PID for a balancer's processes",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the started server, e.g. KRING_BROADCAST_WINDOW_MS=0 (repeatable)",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each scenario, wait up to this long for other work on the machine to stay under "
        "15%% of a core for 3 s (a shared machine skews every figure); default 0: just report it",
    )
    parser.add_argument("--json", type=Path, help="also write every result as JSON to this file")
    return parser.parse_args(argv)


def timing_of(args: argparse.Namespace) -> dict[str, float]:
    if args.quick:
        return {"warmup": 1.0, "duration": 4.0, "drain": 2.0}
    default = COMPARE_TIMING if args.scenario == "compare" else {"warmup": 5.0, "duration": 25.0, "drain": 3.0}
    given = {"warmup": args.warmup, "duration": args.duration, "drain": args.drain}
    return {key: given[key] if given[key] is not None else default[key] for key in default}


def scenarios(args: argparse.Namespace) -> list[Scenario]:
    timing = timing_of(args)
    custom = (args.rooms, args.clients, args.rate)
    if any(v is not None for v in custom):
        if args.scenario in ("all", "compare") or any(v is None for v in custom):
            raise SystemExit("a custom run needs `fanout` or `ack` and all of --rooms, --clients, --rate")
        name = f"{'fan-out' if args.scenario == 'fanout' else 'durable ack'} {args.rooms}x{args.clients}"
        return [Scenario(name, args.rooms, args.clients, args.rate, **timing, appliers=args.appliers)]
    chosen = {
        "compare": [*COMPARE, DURABLE_ACK],
        "all": [FANOUT_ROOMS, FANOUT_ROOMS_LIGHT, FANOUT_CROWD, DURABLE_ACK],
        "fanout": [FANOUT_ROOMS, FANOUT_ROOMS_LIGHT, FANOUT_CROWD],
        "ack": [DURABLE_ACK],
        "admission": [],
    }[args.scenario]
    return [Scenario(s.name, s.rooms, s.clients_per_room, s.room_rate, **timing, appliers=s.appliers) for s in chosen]


def choose_generator(args: argparse.Namespace) -> Generator:
    kind: GeneratorKind
    if args.generator in ("raw", "node"):
        why_not = node_available(args.generator)
        if why_not:
            raise SystemExit(f"--generator {args.generator}: {why_not}")
        kind = args.generator
    elif args.generator == "python":
        kind = "python"
    else:
        raw_why_not, node_why_not = node_available("raw"), node_available("node")
        kind = "raw" if not raw_why_not else "node" if not node_why_not else "python"
        if kind != "raw":
            fallback = "the socket.io-client one" if kind == "node" else "the Python generator"
            print(f"# note: raw Node generator unavailable ({raw_why_not}); using {fallback}", file=sys.stderr)
    young = args.generator_young_mib
    return Generator(kind=kind, procs=args.procs or 2, nice=args.generator_nice, semi_space_mib=young)


def _env_pairs(pairs: list[str]) -> dict[str, str]:
    env = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--server-env wants KEY=VALUE, not {pair!r}")
        env[key] = value
    return env


@contextlib.contextmanager
def servers_for(args: argparse.Namespace, kind: str = "kring") -> Iterator[list[Server]]:
    if kind == ywebsocket.KIND:
        reference = ywebsocket.start()
        try:
            yield [reference]
        finally:
            reference.stop()
        return
    if args.servers:
        urls = [u.strip() for u in args.servers.split(",") if u.strip()]
        # "A+B": a balancer's URL and the processes behind it (their CPU is summed).
        given = args.server_pids.split(",") if args.server_pids else []
        groups = [[int(p) for p in group.split("+")] for group in given]
        pids: list[int | None] = [g[0] for g in groups]
        extra: list[list[int]] = [g[1:] for g in groups]
        pids += [None] * (len(urls) - len(pids))
        extra += [[]] * (len(urls) - len(extra))
        account = None
        if args.facilitator:
            password = os.environ.get("KRING_BENCH_PASSWORD")
            if not password:
                raise SystemExit("--facilitator needs the password in $KRING_BENCH_PASSWORD")
            account = (args.facilitator, password)
        attached = [attach_server(url, pid, account, more) for url, pid, more in zip(urls, pids, extra, strict=True)]
        if args.behind:
            if len(attached) != 1:
                raise SystemExit("--behind goes with one --servers URL: the balancer's")
            attached[0].behind = [u.strip().rstrip("/") for u in args.behind.split(",") if u.strip()]
        yield attached
        return
    server = start_server(_env_pairs(args.server_env), root=args.server_root)
    try:
        yield [server]
    finally:
        server.stop()


# -- the machine and the report -----------------------------------------------------------------


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def _node_package_version(name: str) -> str:
    try:
        data = json.loads((node_base_dir() / "node_modules" / name / "package.json").read_text())
        return str(data.get("version", "?"))
    except (OSError, ValueError):
        return "?"


def machine(server_root: Path | None = None) -> dict[str, str]:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().splitlines()[0].split()[1])
        mem = f"{kib / 1024 / 1024:.1f} GiB"
    node = "?"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        node = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=5).stdout.strip()
    commit = "?"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "status", "--porcelain", "server"], capture_output=True, text=True, timeout=5)
        commit = head.stdout.strip() + (" (server/ modified)" if dirty.stdout.strip() else "")
    if server_root is not None:
        commit = f"server from {server_root}"
    return {
        "date": datetime.date.today().isoformat(),
        "commit": commit,
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "ram": mem,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "pycrdt": _version("pycrdt"),
        "python-socketio": _version("python-socketio"),
        "python-engineio": _version("python-engineio"),
        "uvicorn": _version("uvicorn"),
        "node": node,
        "yjs": _node_package_version("yjs"),
        "socket.io-client": _node_package_version("socket.io-client"),
        "ws": _node_package_version("ws"),
    }


def _ms(values: dict[str, float], key: str) -> str:
    return f"{values[key]:.1f}" if key in values else "-"


def _pct(values: list[float | None]) -> str:
    return " + ".join("?" if v is None else f"{v:.0f}%" for v in values) or "?"


def _mib(values: list[float | None]) -> str:
    return " + ".join("?" if v is None else f"{v:.0f}" for v in values) or "?"


def fanout_table(results: list[Result]) -> str:
    lines = [
        "| scenario | clients | offered upd/s | sent upd/s | delivered | deliveries/s | p50 ms | p99 ms | max ms "
        "| server CPU | server RSS MiB | generator CPU | other CPU | ack p50/p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        d = r.as_dict()
        lines.append(
            f"| {r.scenario.name} | {r.connected}/{r.scenario.clients} | {r.scenario.offered_rate:.0f} "
            f"| {d['sent_per_s']:.0f} | {100 * r.delivered:.2f}% | {d['deliveries_per_s']:.0f} "
            f"| {_ms(r.latency_ms, 'p50')} | {_ms(r.latency_ms, 'p99')} | {_ms(r.latency_ms, 'max')} "
            f"| {_pct(list(r.server_cpu_pct))} | {_mib(r.server_rss_mib)} "
            f"| {_pct(list(r.generator_cpu_pct))} ({r.generator.kind}) | {_pct([r.other_cpu_pct])} "
            f"| {_ms(r.ack_ms, 'p50')} / {_ms(r.ack_ms, 'p99')} |"
        )
    return "\n".join(lines)


def ack_table(results: list[Result]) -> str:
    lines = [
        "| scenario | clients | offered upd/s | sent upd/s | saved acks | failed/missing | ack p50 ms | ack p99 ms "
        "| ack max ms | commits/s | rows/commit | server CPU | generator CPU | other CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        d = r.as_dict()
        commits, per_commit = "n/a", "n/a"
        if r.counters and r.counters.get("store.commits"):
            commits = f"{r.counters['store.commits'] / r.measured_seconds:.0f}"
            per_commit = f"{r.counters.get('store.rows', 0) / r.counters['store.commits']:.1f}"
        lines.append(
            f"| {r.scenario.name} | {r.connected}/{r.scenario.clients} | {r.scenario.offered_rate:.0f} "
            f"| {d['sent_per_s']:.0f} | {r.acks_saved}/{r.sent} | {r.acks_failed}/{r.acks_missing} "
            f"| {_ms(r.ack_ms, 'p50')} | {_ms(r.ack_ms, 'p99')} | {_ms(r.ack_ms, 'max')} "
            f"| {commits} | {per_commit} | {_pct(list(r.server_cpu_pct))} "
            f"| {_pct(list(r.generator_cpu_pct))} ({r.generator.kind}) | {_pct([r.other_cpu_pct])} |"
        )
    return "\n".join(lines)


def describe(result: Result) -> str:
    d = result.as_dict()
    lines = [f"## {result.scenario.name}" + (f" on {result.server_kind}" if result.server_kind != "kring" else "")]
    if d["server_counters"]:
        d["server_counters"] = {k: v for k, v in d["server_counters"].items() if v}
    for key in (
        "generator",
        "servers",
        "connected",
        "connect_failed",
        "disconnects",
        "refusals",
        "measured_seconds",
        "sent",
        "sent_per_s",
        "expected_deliveries",
        "received",
        "duplicates",
        "delivered_fraction",
        "deliveries_per_s",
        "latency_ms",
        "p99_by_5s_ms",
        "acks_saved",
        "acks_failed",
        "acks_missing",
        "ack_ms",
        "server_cpu_pct",
        "server_rss_max_mib",
        "generator_cpu_pct",
        "generator_gc_ms_total_max",
        "generator_loop_delay_ms_p99_max",
        "other_cpu_pct",
        "server_counters",
        "relayed_updates_in_window",
        "rooms_with_relayed_updates_in_window",
        "rooms_hosted_by_the_processes",
        "join_seconds",
        "server_cpu_us_per_delivery",
        "server_cpu_ms_per_connect",
    ):
        lines.append(f"- {key}: {d[key]}")
    if result.errors:
        lines.append(f"- first errors: {result.errors}")
    return "\n".join(lines)


def wait_for_quiet(limit: float) -> float:
    """Machine CPU (% of one core) over the last 3 s once it is quiet, or when `limit` is spent."""
    deadline = time.monotonic() + limit
    while True:
        before = machine_busy_seconds()
        time.sleep(3.0)
        busy = 100 * (machine_busy_seconds() - before) / 3.0
        if busy < QUIET_PCT or time.monotonic() >= deadline:
            return busy


async def _run_one(scenario: Scenario, args: argparse.Namespace, generator: Generator, kind: str = "kring") -> Result:
    budget = scenario.warmup + scenario.duration + scenario.drain + 60 + 0.2 * scenario.clients + 120
    with servers_for(args, kind) as servers:
        return await asyncio.wait_for(run(scenario, servers, generator), budget)


def _f(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _ratio(kring: float | None, reference: float | None) -> str:
    return f"{kring / reference:.2f}x" if kring is not None and reference else "-"


def compare_table(pairs: list[tuple[int, Result, Result]]) -> str:
    """One row per scenario and run: Kring's figure, y-websocket's, and Kring / y-websocket."""
    lines = [
        "| scenario | run | delivered K / Y | p50 ms K / Y (ratio) | p99 ms K / Y (ratio) "
        "| CPU µs per delivery K / Y (ratio) | join s K / Y (ratio) | CPU ms per connect K / Y (ratio) "
        "| K edit→saved p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run_no, k, y in pairs:
        kp50, yp50 = k.latency_ms.get("p50"), y.latency_ms.get("p50")
        kp99, yp99 = k.latency_ms.get("p99"), y.latency_ms.get("p99")
        kcpu, ycpu = k.cpu_us_per_delivery, y.cpu_us_per_delivery
        kcon, ycon = k.cpu_ms_per_connect, y.cpu_ms_per_connect
        lines.append(
            f"| {k.scenario.name} | {run_no} | {100 * k.delivered:.1f}% / {100 * y.delivered:.1f}% "
            f"| {_f(kp50)} / {_f(yp50)} ({_ratio(kp50, yp50)}) | {_f(kp99)} / {_f(yp99)} ({_ratio(kp99, yp99)}) "
            f"| {_f(kcpu, 0)} / {_f(ycpu, 0)} ({_ratio(kcpu, ycpu)}) "
            f"| {k.join_seconds:.2f} / {y.join_seconds:.2f} ({_ratio(k.join_seconds, y.join_seconds)}) "
            f"| {_f(kcon, 2)} / {_f(ycon, 2)} ({_ratio(kcon, ycon)}) | {_f(k.ack_ms.get('p99'))} |"
        )
    return "\n".join(lines)


def _announce(scenario: Scenario, kind: str, args: argparse.Namespace) -> None:
    print(
        f"\n... {scenario.name} on {kind}: {scenario.clients} clients, {scenario.offered_rate:.0f} updates/s, "
        f"{scenario.warmup:.0f} s warm-up + {scenario.duration:.0f} s measured",
        file=sys.stderr,
    )
    if args.wait_quiet > 0:
        print(f"... machine busy {wait_for_quiet(args.wait_quiet):.0f}% of a core before starting", file=sys.stderr)


def _checked(result: Result) -> Result:
    if result.other_cpu_pct is not None and result.other_cpu_pct > QUIET_PCT:
        print(
            f"# warning: other processes used {result.other_cpu_pct:.0f}% of a core during "
            f"{result.scenario.name} on {result.server_kind}; its figures are skewed",
        )
    print()
    print(describe(result))
    sys.stdout.flush()
    return result


def compare(args: argparse.Namespace, generator: Generator, info: dict[str, str]) -> int:
    """Each scenario on Kring and on y-websocket, alternating which goes first, then Kring's durable ack."""
    why_not = ywebsocket.available() or node_available("raw")
    if why_not:
        raise SystemExit(f"compare: {why_not}")
    chosen = scenarios(args)
    fanouts, acks = chosen[:-1], chosen[-1:]
    pairs: list[tuple[int, Result, Result]] = []
    results: list[Result] = []
    for scenario in fanouts:
        for run_no in range(1, args.runs + 1):
            order = ["kring", ywebsocket.KIND] if run_no % 2 == 0 else [ywebsocket.KIND, "kring"]
            by_kind: dict[str, Result] = {}
            for kind in order:
                _announce(scenario, kind, args)
                by_kind[kind] = _checked(asyncio.run(_run_one(scenario, args, generator, kind)))
            pairs.append((run_no, by_kind["kring"], by_kind[ywebsocket.KIND]))
            results += [by_kind[k] for k in order]
    for scenario in acks:
        for _ in range(args.runs):
            _announce(scenario, "kring", args)
            results.append(_checked(asyncio.run(_run_one(scenario, args, generator))))
    print(f"\n## Kring (K) beside y-websocket (Y) ({info['date']}, {info['cpu']}, {info['cores']} cores)\n")
    print(
        "Every phone applies every update to its Y.Doc; ratio = Kring / y-websocket (below 1: Kring is "
        "lower). CPU per delivery: the server's CPU over the measured window / updates delivered. Join: "
        "every phone connected and synced; CPU per connect: the server's CPU over the join / phones.\n"
    )
    print(compare_table(pairs))
    print()
    print(ack_table([r for r in results if r.scenario.name.startswith("durable")]))
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "results": [r.as_dict() for r in results]}, indent=2))
    invalid = [f"{r.scenario.name} ({r.server_kind})" for r in results if r.connect_failed or not r.sent]
    if invalid:
        print(f"\n# not a valid measurement (phones failed to connect, or nothing was sent): {', '.join(invalid)}")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["cost"]:  # its own options (bench/cost.py)
        from bench import cost

        return cost.main(argv[1:])
    args = parse_args(argv)
    chosen = scenarios(args)
    generator = choose_generator(args)
    info = machine(args.server_root)
    if args.scenario == "compare":
        info["y-websocket-server"] = ywebsocket.version()
    print("# Kring benchmark")
    print("- " + ", ".join(f"{k} {v}" for k, v in info.items()))
    print(f"- load generator: {generator.describe()} (processes, niceness; see docs/performance.md)")
    print(f"- CPU figures are % of one core over the measured window; this machine has {info['cores']} cores")
    sys.stdout.flush()
    if args.scenario == "compare":
        return compare(args, generator, info)
    results: list[Result] = []
    for scenario in chosen:
        print(
            f"\n... {scenario.name}: {scenario.clients} clients, {scenario.offered_rate:.0f} updates/s, "
            f"{scenario.warmup:.0f} s warm-up + {scenario.duration:.0f} s measured",
            file=sys.stderr,
        )
        if args.wait_quiet > 0:
            busy = wait_for_quiet(args.wait_quiet)
            print(f"... machine busy {busy:.0f}% of a core before starting", file=sys.stderr)
        result = asyncio.run(_run_one(scenario, args, generator))
        if result.other_cpu_pct is not None and result.other_cpu_pct > QUIET_PCT:
            print(
                f"# warning: other processes used {result.other_cpu_pct:.0f}% of a core during "
                f"{scenario.name}; its figures are skewed",
            )
        results.append(result)
        print()
        print(describe(result))
        sys.stdout.flush()
    fanouts = [r for r in results if not r.scenario.name.startswith("durable")]
    acks = [r for r in results if r.scenario.name.startswith("durable")]
    if results:
        print(f"\n## Summary ({info['date']}, {info['cpu']}, {info['cores']} cores)\n")
    if fanouts:
        print(fanout_table(fanouts))
        print()
    if acks:
        print(ack_table(acks))
    pushed: dict[str, list[float]] = {}
    if args.scenario in ("all", "admission"):
        print("\n... admission: join -> console, let in -> phone", file=sys.stderr)
        if args.wait_quiet > 0:
            print(f"... machine busy {wait_for_quiet(args.wait_quiet):.0f}% of a core before starting", file=sys.stderr)
        pushed = asyncio.run(admission.measure(*((30, 3) if args.quick else (200, 10))))
        print(f"\n## Admission ({info['date']}, {info['cpu']}, {info['cores']} cores)\n")
        print(admission.report(pushed))
    if args.json:
        dump = {"machine": info, "results": [r.as_dict() for r in results], "admission_ms": pushed}
        args.json.write_text(json.dumps(dump, indent=2))
    invalid = [r.scenario.name for r in results if r.connect_failed or not r.sent]
    if invalid:
        print(f"\n# not a valid measurement (phones failed to connect, or nothing was sent): {', '.join(invalid)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
