"""HTTP hardening: the headers every board page and API answer carries, HSTS and Secure cookies
over HTTPS, an opaque session cookie, and Socket.IO only for the configured origins."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import socketio

from server.store.migrate import migrate
from tests.meetings_helpers import PASSWORD, browser, facilitator, store_of
from tests.utils import RunningServer, facilitator_auth, run_server, settings_for

PAGES = ["/", "/login", "/join", "/board", "/projector", "/console", "/api/me", "/api/openapi.json"]


def _csp(response: httpx.Response) -> dict[str, list[str]]:
    policy: dict[str, list[str]] = {}
    for directive in response.headers["content-security-policy"].split(";"):
        name, *values = directive.split()
        policy[name] = values
    return policy


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_and_api_answer_carries_the_hardening_headers(server: RunningServer, path: str) -> None:
    async with browser(server) as http:
        response = await http.get(path)
    csp = _csp(response)
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no foreign host
    assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert all("'unsafe-inline'" not in values and "'unsafe-eval'" not in values for values in csp.values())
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in response.headers  # plain HTTP: HSTS would be ignored


@pytest.fixture
async def https_server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    # Behind a TLS-terminating proxy: the public URL is https, the process itself speaks HTTP.
    base = settings_for(tmp_path)
    settings = base.with_(public_url="https://kring.jeugdzorg.example", allowed_origins=[base.public_url])
    await asyncio.to_thread(migrate, settings.database_url)
    async with run_server(settings) as running:
        yield running


async def test_over_https_pages_ask_for_hsts_and_cookies_are_secure(https_server: RunningServer) -> None:
    async with browser(https_server) as http:
        page = await http.get("/login")
        assert page.headers["strict-transport-security"].startswith("max-age=31536000")
        await store_of(https_server).add_facilitator("fatima@kring.test", "Fatima", PASSWORD)
        login = await http.post("/api/session", json={"email": "fatima@kring.test", "password": PASSWORD})
    assert login.status_code == 204
    cookie = login.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie


async def test_the_session_cookie_is_an_opaque_id_and_nothing_else(server: RunningServer) -> None:
    async with facilitator(server, "fatima@kring.test", name="Fatima Yilmaz") as http:
        value = http.cookies["kring_session"]
    person = await store_of(server).check_login("fatima@kring.test", PASSWORD)
    assert person is not None
    token, _, signature = value.rpartition(".")
    assert len(token) >= 32 and signature
    for known in ("fatima", "Fatima", "Yilmaz", "kring.test", str(person.id) + "."):
        assert known not in value
    # And the token is not the facilitator's id or name encoded either: the store knows it only hashed.
    assert await store_of(server).session_facilitator(token) is not None


async def test_socketio_refuses_an_origin_it_was_not_configured_for(server: RunningServer) -> None:
    auth = await facilitator_auth(server.url, "kamer-1")
    for origin in ("https://evil.example", "null", server.url.replace("127.0.0.1", "localhost") + "0"):
        client = socketio.AsyncClient(serializer="msgpack", reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(
                server.url, transports=["websocket"], auth=auth, headers={"Origin": origin}, wait_timeout=5
            )
        assert not client.connected
        if client.eio.http is not None:
            await client.eio.http.close()  # the refused handshake leaves its HTTP session open
    assert "*" not in server.settings.allowed_origins
    # The configured origin still gets in.
    ok = socketio.AsyncClient(serializer="msgpack", reconnection=False)
    await ok.connect(server.url, transports=["websocket"], auth=auth, headers={"Origin": server.url}, wait_timeout=5)
    assert ok.connected
    await ok.disconnect()
