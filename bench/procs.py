"""Processes the benchmark starts or watches: the Kring server, and CPU/RSS readings from /proc."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
BENCH_EMAIL = "bench@kring.local"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# The server's environment is ours minus anything that would point it at a real deployment.
_DROPPED_ENV = ("DATABASE_URL", "REDIS_URL", "KRING_VAR_DIR", "PUBLIC_URL", "ALLOWED_ORIGINS", "HOST", "PORT")


BENCH_LIMITS = {"KRING_CONNECTS_PER_SECOND": "100000", "KRING_CONNECTS_BURST": "100000"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time the process has used so far, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    # Fields 14 and 15 of proc(5) are utime and stime; fields[0] here is field 3 (state).
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU seconds all cores of the machine have spent not idle since boot (from /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    # user nice system idle iowait irq softirq steal [guest guest_nice, already counted in user/nice]
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLOCK_TICKS


def rss_kib(pid: int) -> tuple[int, int] | None:
    """(current RSS, peak RSS) in KiB from /proc/<pid>/status."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    values = {}
    for line in lines:
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


def pid_listening_on(port: int) -> int | None:
    """The process that holds a listening TCP socket on `port` (best effort, needs /proc access)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                if len(parts) > 9 and parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(parts[9])
    if not inodes:
        return None
    targets = {f"socket:[{inode}]" for inode in inodes}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in targets:
                        return int(entry.name)
    return None


def _kring_command() -> list[str]:
    beside = Path(sys.executable).parent / "kring"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("kring")
    if found:
        return [found]
    return [sys.executable, "-m", "server.cli"]


@dataclass
class Server:
    """A Kring server the benchmark talks to: one it started, or one it attached to."""

    url: str
    pid: int | None
    process: subprocess.Popen[bytes] | None = None
    workdir: Path | None = None
    log_path: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    facilitator: tuple[str, str] | None = None  # (email, password) of an account that may create cases
    command: list[str] = field(default_factory=list)  # how start_server ran `kring`, for serve_again
    cwd: Path | None = None
    kind: str = "kring"  # or "y-websocket" (bench/ywebsocket.py): which protocol its phones speak
    # Behind a balancer (bench/cluster.sh): the processes it spreads over; their CPU is counted as this
    # server's, and `pid` is the first of them.
    extra_pids: list[int] = field(default_factory=list)
    behind: list[str] = field(default_factory=list)  # ... and their URLs, for their own counters

    def cpu_seconds(self) -> float | None:
        """CPU seconds of the server's process(es) so far; None if one is unknown or gone."""
        total = 0.0
        for pid in [self.pid, *self.extra_pids]:
            used = cpu_seconds(pid) if pid else None
            if used is None:
                return None
            total += used
        return total

    @property
    def origin(self) -> str:
        return self.url.rstrip("/")

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown flushes every room
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


def start_server(extra_env: dict[str, str] | None = None, root: Path | None = None, timeout: float = 30.0) -> Server:
    """`kring migrate` then `kring serve` on a free loopback port, with a throw-away SQLite store.

    With `root`, the `server` package is imported from that directory instead (an export of another
    commit, or a patched copy), still with this venv's interpreter and libraries.
    """
    workdir = Path(tempfile.mkdtemp(prefix="kring-bench-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update(
        {
            "KRING_VAR_DIR": str(workdir / "var"),
            "DATABASE_URL": f"sqlite:///{workdir / 'kring.db'}",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "PUBLIC_URL": url,
            "LOG_LEVEL": "warning",
            # A thousand simulated phones connect from one loopback address: lift the per-address
            # connect limit that protects a real server from one script (docs/operations.md).
            **BENCH_LIMITS,
            # The bench's facilitators sign in by password alone (no authenticator app in a script).
            "KRING_REQUIRE_SECOND_FACTOR": "0",
        }
    )
    env.update(extra_env or {})
    command = _kring_command()
    cwd = REPO
    if root is not None:
        command, cwd = [sys.executable, "-m", "server.cli"], root.resolve()
        env["PYTHONPATH"] = str(cwd)
    log_path = workdir / "server.log"
    server = Server(url=url, pid=None, workdir=workdir, log_path=log_path, env=env, command=command, cwd=cwd)
    try:
        with log_path.open("ab") as log:
            subprocess.run([*command, "migrate"], env=env, cwd=cwd, stdout=log, stderr=log, check=True, timeout=60)
            password = secrets.token_urlsafe(18)
            subprocess.run(
                [*command, "user", "add", BENCH_EMAIL, "--name", "Bench"],
                input=f"{password}\n".encode(),
                env=env,
                cwd=cwd,
                stdout=log,
                stderr=log,
                check=True,
                timeout=60,
            )
            server.facilitator = (BENCH_EMAIL, password)
            server.process = subprocess.Popen([*command, "serve"], env=env, cwd=cwd, stdout=log, stderr=log)
        server.pid = server.process.pid
        _wait_healthy(server, timeout)
    except BaseException:
        tail = server.log_tail()
        server.stop()
        if tail:
            print(f"server log:\n{tail}", file=sys.stderr)
        raise
    return server


def _wait_healthy(server: Server, timeout: float, poll: float = 0.1) -> float:
    """Wait for /healthz to answer 200; returns time.monotonic() when it first did."""
    deadline = time.monotonic() + timeout
    while True:
        if server.process is not None and server.process.poll() is not None:
            raise RuntimeError(f"kring serve exited with {server.process.returncode}")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return time.monotonic()
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{server.url} did not become healthy within {timeout:.0f} s")
        time.sleep(poll)


def kill_server(server: Server) -> None:
    """SIGKILL `kring serve`, as a crash or the OOM killer would: no shutdown, no flush."""
    if server.process is not None and server.process.poll() is None:
        server.process.kill()
        server.process.wait(timeout=10)


def serve_again(
    server: Server, env: dict[str, str | None] | None = None, timeout: float = 30.0, poll: float = 0.1
) -> float:
    """Start `kring serve` again for a server that start_server made, once its process is gone:
    the same port, var dir, SQLite file and secret key (kept in the var dir). `env` changes the
    server's environment from now on (a value of None removes the variable). Returns
    time.monotonic() when /healthz first answered."""
    if server.workdir is None or server.log_path is None or not server.command:
        raise RuntimeError("serve_again needs a server that start_server started")
    if server.process is not None and server.process.poll() is None:
        raise RuntimeError(f"kring serve {server.process.pid} is still running")
    for key, value in (env or {}).items():
        if value is None:
            server.env.pop(key, None)
        else:
            server.env[key] = value
    with server.log_path.open("ab") as log:
        server.process = subprocess.Popen(
            [*server.command, "serve"], env=server.env, cwd=server.cwd, stdout=log, stderr=log
        )
    server.pid = server.process.pid
    return _wait_healthy(server, timeout, poll)


def attach_server(
    url: str, pid: int | None = None, facilitator: tuple[str, str] | None = None, extra_pids: list[int] | None = None
) -> Server:
    """A server someone else runs; its PID (for CPU and RSS) is found from its listening port."""
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing {url}: the benchmark only talks to loopback addresses")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    server = Server(
        url=url.rstrip("/"),
        pid=pid if pid is not None else pid_listening_on(port),
        facilitator=facilitator,
        extra_pids=extra_pids or [],
    )
    _wait_healthy(server, 5.0)
    return server


def relayed(urls: list[str]) -> dict[str, dict[str, int]] | None:
    """Per process URL: updates relayed to each room it hosts (kring_redis_relayed_updates_by_room
    in /metrics), or None if a process does not answer."""
    import re

    found: dict[str, dict[str, int]] = {}
    for url in urls:
        try:
            with urllib.request.urlopen(f"{url.rstrip('/')}/metrics", timeout=5) as response:
                text = response.read().decode()
        except (urllib.error.URLError, OSError, ValueError):
            return None
        pattern = r'^kring_redis_relayed_updates_by_room\{room="([^"]+)"\} (\S+)$'
        found[url] = {room: int(float(n)) for room, n in re.findall(pattern, text, re.M)}
    return found


def counters(server: Server) -> dict[str, object] | None:
    """The server's counters, if it exposes them at /internal/counters (see docs/performance.md)."""
    import json

    if server.behind:
        return None  # a balancer: each request may reach another process; their sum is not read here
    try:
        with urllib.request.urlopen(f"{server.url}/internal/counters", timeout=2) as response:
            data = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
