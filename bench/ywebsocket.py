"""The reference server `make bench` measures beside Kring: y-websocket's own server.

`@y/websocket-server` (pinned in bench/reference/package.json and its lock; `make bench` installs it
with `npm ci`) run as its package ships it: Node.js, one process, documents in memory, nothing stored,
no authentication. Its phones are bench/loadgen_yws.cjs: the same yjs phones as Kring's, on
y-websocket's protocol.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from bench.procs import REPO, Server, _wait_healthy, free_port

REFERENCE_DIR = REPO / "bench" / "reference"
SERVER_SCRIPT = REFERENCE_DIR / "node_modules" / "@y" / "websocket-server" / "src" / "server.js"
KIND = "y-websocket"


def available() -> str | None:
    """None if the reference server can run here, else why not."""
    if not SERVER_SCRIPT.exists():
        return f"{SERVER_SCRIPT.relative_to(REPO)} is missing (run `make bench`, or `npm ci` in bench/reference)"
    return None


def version() -> str:
    import json

    manifest = SERVER_SCRIPT.parent.parent / "package.json"
    try:
        return str(json.loads(manifest.read_text()).get("version", "?"))
    except (OSError, ValueError):
        return "?"


def start(timeout: float = 20.0) -> Server:
    """`node server.js` on a free loopback port; every path answers `okay`, /healthz included."""
    workdir = Path(tempfile.mkdtemp(prefix="kring-bench-yws-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("YPERSISTENCE", "CALLBACK_URL", "GC")}
    env.update({"HOST": "127.0.0.1", "PORT": str(port)})
    log_path = workdir / "server.log"
    server = Server(url=f"http://127.0.0.1:{port}", pid=None, workdir=workdir, log_path=log_path, kind=KIND)
    with log_path.open("ab") as log:
        command = ["node", str(SERVER_SCRIPT)]
        server.process = subprocess.Popen(command, env=env, cwd=REFERENCE_DIR, stdout=log, stderr=log)
    server.pid = server.process.pid
    try:
        _wait_healthy(server, timeout)
    except BaseException:
        server.stop()
        raise
    return server
