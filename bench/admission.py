"""`python -m bench.admission`: how long admission takes to reach the console and the phone.

A server runs in this process's event loop (SQLite in a temporary directory), with a facilitator's
console connected to one room over Socket.IO, as the meeting console is. Each round a phone asks to
join (`POST /api/join`), and the time is taken until the console's `people` notice arrives and until
its next `GET /api/meetings/{id}` lists the phone as waiting; then the phone opens its waiting
connection, the facilitator lets it in (`POST .../admit`), and the time is taken until the phone's
`admission` event says so. Nobody polls. The clients share the server's loop and its one core, so
the figures include their own work. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import socketio
import uvicorn

from bench.procs import machine_busy_seconds
from server.app import create_app
from server.cli import uvicorn_config
from server.settings import Settings
from server.store.migrate import migrate

PASSWORD = "bench password, long enough"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings_in(directory: Path) -> Settings:
    port = free_port()
    env = {
        "KRING_VAR_DIR": str(directory),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        # Every phone comes from 127.0.0.1: the per-address connect limit would make them wait.
        "KRING_CONNECTS_PER_SECOND": "1000",
        "KRING_CONNECTS_BURST": "1000",
        # The bench's facilitator signs in by password alone.
        "KRING_REQUIRE_SECOND_FACTOR": "0",
    }
    return Settings.from_env(env)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(name: str, values: list[float]) -> str:
    return (
        f"| {name} | {len(values)} | {statistics.median(values):.1f} | {percentile(values, 0.99):.1f} "
        f"| {max(values):.1f} |"
    )


class Console:
    """The meeting console of one room: its socket, and the list it asks for on each notice."""

    def __init__(self, url: str, http: httpx.AsyncClient, meeting_id: str) -> None:
        self.url = url
        self.http = http
        self.meeting_id = meeting_id
        self.notice = asyncio.Event()
        self.sio = socketio.AsyncClient(serializer="msgpack", reconnection=False)
        self.sio.on("people", self._on_people)

    async def _on_people(self, _data: Any) -> None:
        self.notice.set()

    async def waiting(self) -> set[str]:
        meeting = (await self.http.get(f"/api/meetings/{self.meeting_id}")).json()
        return {p["id"] for p in meeting["rooms"][0]["participants"] if p["status"] == "waiting"}


async def one_round(url: str, console: Console, fatima: httpx.AsyncClient, code: str, n: int) -> tuple[float, ...]:
    async with httpx.AsyncClient(base_url=url, headers={"Origin": url}) as phone_http:
        console.notice.clear()
        start = time.perf_counter()
        joined = await phone_http.post("/api/join", json={"code": code, "name": f"Phone {n}", "relation": "family"})
        answered = time.perf_counter()
        pid, token = joined.json()["participant_id"], joined.json()["token"]
        await asyncio.wait_for(console.notice.wait(), 10)
        noticed = time.perf_counter()
        while pid not in await console.waiting():
            await asyncio.wait_for(console.notice.wait(), 10)  # a notice from an earlier round
        listed = time.perf_counter()

        heard: asyncio.Queue[str] = asyncio.Queue()
        phone = socketio.AsyncClient(serializer="msgpack", reconnection=False)

        async def on_admission(data: dict[str, str]) -> None:
            heard.put_nowait(data["status"])

        phone.on("admission", on_admission, namespace="/waiting")
        await phone.connect(
            url, namespaces=["/waiting"], transports=["websocket"], auth={"token": token}, headers={"Origin": url}
        )
        assert await asyncio.wait_for(heard.get(), 10) == "waiting"
        let_in = time.perf_counter()
        admitting = asyncio.ensure_future(fatima.post(f"/api/participants/{pid}/admit", json={}))
        assert await asyncio.wait_for(heard.get(), 10) == "admitted"
        told = time.perf_counter()
        await admitting
        admitted = time.perf_counter()
        await phone.disconnect()
    return tuple(
        1000 * (end - begin)
        for begin, end in ((start, answered), (start, noticed), (start, listed), (let_in, admitted), (let_in, told))
    )


async def measure(rounds: int, warmup: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory(prefix="kring-bench-admission-") as directory:
        settings = settings_in(Path(directory))
        await asyncio.to_thread(migrate, settings.database_url)
        app = create_app(settings)
        server = uvicorn.Server(uvicorn_config(settings, app))
        serving = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
            await asyncio.sleep(0.01)
        url = f"http://127.0.0.1:{settings.port}"
        figures: dict[str, list[float]] = {
            "join → its HTTP answer": [],
            "join → console notice": [],
            "join → console lists the phone": [],
            "let in → its HTTP answer": [],
            "let in → phone notice": [],
        }
        try:
            await app.kring.meetings.add_facilitator("bench@kring.test", "Bench", PASSWORD)
            async with httpx.AsyncClient(base_url=url, headers={"Origin": url}) as fatima:
                await fatima.post("/api/session", json={"email": "bench@kring.test", "password": PASSWORD})
                case = (await fatima.post("/api/cases", json={"label": "Bench"})).json()
                meeting = (await fatima.post(f"/api/cases/{case['id']}/meetings", json={"title": "Bench"})).json()
                room = meeting["rooms"][0]
                console = Console(url, fatima, meeting["id"])
                auth = {"room": room["id"], "session": fatima.cookies.get("kring_session")}
                await console.sio.connect(url, transports=["websocket"], auth=auth, headers={"Origin": url})
                mark = (machine_busy_seconds(), time.process_time(), time.monotonic())
                for n in range(warmup + rounds):
                    if n == warmup:
                        mark = (machine_busy_seconds(), time.process_time(), time.monotonic())
                    result = await one_round(url, console, fatima, room["join_code"], n)
                    if n >= warmup:
                        for key, value in zip(figures, result, strict=True):
                            figures[key].append(value)
                # This process (server and clients) and everything else on the machine, in % of one core.
                wall = time.monotonic() - mark[2]
                ours = 100 * (time.process_time() - mark[1]) / wall
                others = 100 * (machine_busy_seconds() - mark[0]) / wall - ours
                figures["cpu %: this process / others"] = [ours, others]
                await console.sio.disconnect()
        finally:
            server.should_exit = True
            await serving
    return figures


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.admission", description=__doc__)
    parser.add_argument("--rounds", type=int, default=200, help="phones that join and are let in (200)")
    parser.add_argument("--warmup", type=int, default=10, help="rounds not counted (10)")
    return parser.parse_args(argv)


def report(figures: dict[str, list[float]]) -> str:
    lines = ["| admission, in-loop server | rounds | p50 ms | p99 ms | max ms |", "|---|---|---|---|---|"]
    lines += [summary(name, values) for name, values in figures.items() if not name.startswith("cpu")]
    for name, values in figures.items():
        if name.startswith("cpu"):
            lines.append(f"\n{name} (over the measured rounds): " + " / ".join(f"{v:.0f}" for v in values))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    figures = asyncio.run(measure(args.rounds, args.warmup))
    print(report(figures))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
