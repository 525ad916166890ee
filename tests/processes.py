"""Real `kring serve` processes for tests that kill one (SIGKILL) or need several."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from server.settings import normalise_database_url
from tests.utils import SERVERS

KRING = str(Path(sys.executable).parent / "kring")


class ServerProcess:
    def __init__(self, port: int, env: dict[str, str], log_path: Path) -> None:
        self.port = port
        self.env = {**os.environ, "SECRET_KEY": "test-secret-key-shared-by-test-processes", **env}
        self.env.update({"HOST": "127.0.0.1", "PORT": str(port)})
        database_url = normalise_database_url(
            self.env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{Path(self.env['KRING_VAR_DIR']) / 'kring.db'}"
        )
        SERVERS[self.url] = (database_url, self.env["SECRET_KEY"])
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def migrate(self) -> None:
        subprocess.run([KRING, "migrate"], env=self.env, check=True, capture_output=True)

    def spawn(self) -> subprocess.Popen[bytes]:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen([KRING, "serve"], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self.process

    async def start(self, timeout: float = 20.0) -> None:  # noqa: ASYNC109
        """Spawn the process and return once it answers /healthz."""
        self.spawn()
        assert self.process is not None
        deadline = asyncio.get_running_loop().time() + timeout
        async with httpx.AsyncClient() as http:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"kring serve exited: see {self.log_path}")
                try:
                    if (await http.get(f"{self.url}/healthz", timeout=1)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise TimeoutError(f"kring serve did not come up: see {self.log_path}")
                await asyncio.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, nothing is flushed."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
