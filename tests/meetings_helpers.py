"""Clients for the meetings API tests: a logged-in facilitator, a phone, a caller from another address."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from server.store.meetings import MeetingStore
from tests.openapi_check import contract_hooks
from tests.utils import RunningServer

PASSWORD = "correct horse battery staple"


def store_of(server: RunningServer) -> MeetingStore:
    return server.kring.meetings  # type: ignore[attr-defined, no-any-return]


def live_of(server: RunningServer) -> Any:
    return server.kring.live  # type: ignore[attr-defined]


def api_client(server: RunningServer, **kwargs: Any) -> httpx.AsyncClient:
    """A client of the API whose every answer is checked against the served OpenAPI document."""
    return httpx.AsyncClient(base_url=server.url, event_hooks=contract_hooks(server), **kwargs)


def browser(server: RunningServer, **kwargs: Any) -> httpx.AsyncClient:
    """A client that behaves like a same-origin page of the board: it sends the server's Origin."""
    return api_client(server, headers={"Origin": server.url}, **kwargs)


def from_address(server: RunningServer, host: str) -> httpx.AsyncClient:
    """The real app called in-process, as if from `host` (the server task runs in the same loop)."""
    transport = httpx.ASGITransport(app=server.app, client=(host, 40000))
    return api_client(server, transport=transport, headers={"Origin": server.url})


@contextlib.asynccontextmanager
async def facilitator(server: RunningServer, email: str, name: str = "Fatima") -> AsyncIterator[httpx.AsyncClient]:
    await store_of(server).add_facilitator(email, name, PASSWORD)
    async with browser(server) as client:
        response = await client.post("/api/session", json={"email": email, "password": PASSWORD})
        assert response.status_code == 204, response.text
        yield client


async def split_meeting(client: httpx.AsyncClient, rooms: list[str] | None = None) -> dict[str, Any]:
    case = await client.post("/api/cases", json={"label": "Gezin M-2026"})
    assert case.status_code == 201, case.text
    created = await client.post(
        f"/api/cases/{case.json()['id']}/meetings",
        json={"title": "Netwerkberaad 1", "rooms": ["Moeder", "Vader"] if rooms is None else rooms},
    )
    assert created.status_code == 201, created.text
    meeting: dict[str, Any] = created.json()
    return meeting


async def join(
    client: httpx.AsyncClient, code: str, name: str = "Oma Truus", relation: str = "family"
) -> httpx.Response:
    return await client.post("/api/join", json={"code": code, "name": name, "relation": relation})


def cookie_attributes(response: httpx.Response, name: str) -> set[str]:
    """The attributes of the Set-Cookie header for `name`, lower-cased: {"httponly", "path=/", ...}."""
    for header in response.headers.get_list("set-cookie"):
        cookie, *attributes = (part.strip().lower() for part in header.split(";"))
        if cookie.startswith(f"{name}="):
            return set(attributes)
    raise AssertionError(f"no Set-Cookie for {name}")
