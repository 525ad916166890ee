"""A real OpenID Connect provider for the single sign-on tests: tests/oidc/provider.mjs (the certified
`oidc-provider` package, installed by `make setup`) on a free loopback port, with Kring's test server
on the port its client allows. Without node or the package the test skips with the reason, unless
REQUIRE_SERVICES=1: then it fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.settings import Settings
from server.store.migrate import migrate
from tests.utils import RunningServer, free_port, run_server, settings_for

HERE = Path(__file__).resolve().parent / "oidc"
SECRET = "kring-test-secret"


def _missing(reason: str) -> None:
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@dataclass
class Provider:
    issuer: str
    kring_port: int

    @property
    def kring_url(self) -> str:
        return f"http://127.0.0.1:{self.kring_port}"

    async def set_groups(self, account: str, groups: list[str]) -> None:
        async with httpx.AsyncClient() as http:
            reply = await http.post(
                f"{self.issuer}/test/groups", params={"account": account, "groups": ",".join(groups)}
            )
            assert reply.status_code == 204

    async def set_clock(self, skew_seconds: int) -> None:
        async with httpx.AsyncClient() as http:
            reply = await http.post(f"{self.issuer}/test/clock", params={"skew": str(skew_seconds)})
            assert reply.status_code == 204

    def env(self, **more: str) -> dict[str, str]:
        """The settings a Kring server needs to sign in against this provider."""
        return {
            "KRING_OIDC_ISSUER": self.issuer,
            "KRING_OIDC_CLIENT_ID": "kring",
            "KRING_OIDC_CLIENT_SECRET": SECRET,
            "KRING_OIDC_SCOPES": "openid email profile groups",
            "KRING_OIDC_ROLE_MAP": "kring-admins=admin,kring-facilitators=facilitator",
            "KRING_OIDC_TEAM_MAP": "team-noord=Noord,team-zuid=Zuid",
            **more,
        }


@contextlib.contextmanager
def _process(kring_port: int) -> Iterator[Provider]:
    node = shutil.which("node")
    if node is None:
        _missing("node is not installed (the test OpenID Connect provider runs on it)")
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        _missing("tests/oidc/node_modules is missing (run `make setup`)")
    port = free_port()
    env = {**os.environ, "OIDC_PORT": str(port), "KRING_URL": f"http://127.0.0.1:{kring_port}"}
    process = subprocess.Popen(
        [str(node), "provider.mjs"], cwd=HERE, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "ready <issuer>", or nothing if it died
        if not line.startswith("ready "):
            raise RuntimeError(f"the test OpenID Connect provider did not start (exit {process.poll()})")
        yield Provider(issuer=line.split()[1], kring_port=kring_port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def provider() -> Iterator[Provider]:
    with _process(free_port()) as running:
        yield running


async def sso_settings(tmp_path: Path, provider: Provider, database_url: str | None = None, **env: str) -> Settings:
    """Settings for a Kring server signing in against `provider`: on its own SQLite database, or on
    `database_url` (conftest's fixture, already migrated)."""
    settings = settings_for(tmp_path, port=provider.kring_port, env=provider.env(**env))
    if database_url is not None:
        return settings.with_(database_url=database_url)
    await asyncio.to_thread(migrate, settings.database_url)  # it runs its own event loop
    return settings


@contextlib.asynccontextmanager
async def sso_server(
    tmp_path: Path, provider: Provider, database_url: str | None = None, **env: str
) -> AsyncIterator[RunningServer]:
    async with run_server(await sso_settings(tmp_path, provider, database_url, **env)) as server:
        yield server


def _form(page: str) -> tuple[str, dict[str, str]]:
    """The first form of a provider page: where it posts and its hidden fields."""
    action = re.search(r'<form[^>]*action="([^"]+)"', page)
    assert action is not None, "no form on the provider's page"
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    return unescape(action.group(1)), {k: unescape(v) for k, v in hidden.items()}


async def to_callback(http: httpx.AsyncClient, kring_url: str, account: str, next_path: str = "/console") -> str:
    """Through the real flow up to the provider's answer: the callback URL it sends the browser to
    (not yet opened, so that a test can open it as it is or altered)."""
    start = await http.get(f"{kring_url}/auth/oidc/login", params={"next": next_path})
    assert start.status_code == 303, start.text
    page = await http.get(start.headers["location"], follow_redirects=True)
    if page.url.path.startswith("/auth/oidc/callback"):  # the provider still knew the person
        return str(page.url)
    action, fields = _form(page.text)
    answer = await http.post(action, data={**fields, "login": account, "password": "any"})
    while answer.status_code in (302, 303) and not answer.headers["location"].startswith(kring_url):
        answer = await http.get(answer.headers["location"])
    assert answer.status_code in (302, 303), answer.text
    return str(answer.headers["location"])


async def sign_in(http: httpx.AsyncClient, kring_url: str, account: str) -> httpx.Response:
    """The whole flow as a browser follows it; the answer of Kring's callback."""
    return await http.get(await to_callback(http, kring_url, account))


async def end_at_provider(http: httpx.AsyncClient, redirect: str) -> httpx.Response:
    """The provider's own sign-out page, confirmed: its answer (a redirect back to Kring)."""
    page = await http.get(redirect, follow_redirects=True)
    action, fields = _form(page.text)
    return await http.post(action, data={**fields, "logout": "yes"})


def no_redirects(**kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(follow_redirects=False, timeout=15, **kwargs)
