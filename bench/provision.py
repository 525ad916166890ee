"""Meetings and phones for a run, made through the server's own HTTP API as a facilitator would.

A phone gets into a room the way a real one does: the facilitator logs in, creates a case and a
meeting (at most eight rooms each) with "admit everyone" on, and each phone joins with the room's
code and connects with the token it was given.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.procs import Server

ROOMS_PER_MEETING = 8  # the API's limit (server/meetings/api.py)


@dataclass
class Phone:
    participant_id: str
    token: str


@dataclass
class ProvisionedRoom:
    room_id: str
    phones: list[Phone] = field(default_factory=list)


class ProvisionError(RuntimeError):
    pass


async def _call(http: aiohttp.ClientSession, method: str, url: str, body: dict[str, Any]) -> Any:
    async with http.request(method, url, json=body) as response:
        if response.status >= 300:
            raise ProvisionError(f"{method} {url}: {response.status} {(await response.text())[:200]}")
        return await response.json() if response.status != 204 else None


async def provision(server: Server, tag: str, rooms: int, phones_per_room: int) -> list[ProvisionedRoom]:
    if server.facilitator is None:
        raise ProvisionError(
            f"no facilitator account for {server.url}: pass --facilitator EMAIL and set KRING_BENCH_PASSWORD"
        )
    email, password = server.facilitator
    headers = {"Origin": server.origin}
    made: list[ProvisionedRoom] = []
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for an IP-address host
    async with aiohttp.ClientSession(headers=headers, cookie_jar=jar) as facilitator:
        await _call(facilitator, "POST", f"{server.url}/api/session", {"email": email, "password": password})
        codes: list[str] = []
        for first in range(0, rooms, ROOMS_PER_MEETING):
            count = min(ROOMS_PER_MEETING, rooms - first)
            case = await _call(facilitator, "POST", f"{server.url}/api/cases", {"label": f"bench {tag} {first}"})
            meeting = await _call(
                facilitator,
                "POST",
                f"{server.url}/api/cases/{case['id']}/meetings",
                {"title": f"bench {tag}", "rooms": [f"Kamer {first + i + 1}" for i in range(count)]},
            )
            await _call(facilitator, "PATCH", f"{server.url}/api/meetings/{meeting['id']}", {"admit_all": True})
            for room in meeting["rooms"]:
                made.append(ProvisionedRoom(room["id"]))
                codes.append(room["join_code"])

    gate = asyncio.Semaphore(16)
    async with aiohttp.ClientSession(headers=headers, cookie_jar=aiohttp.DummyCookieJar()) as phones:

        async def join(room: ProvisionedRoom, code: str, n: int) -> None:
            async with gate:
                joined = await _call(
                    phones,
                    "POST",
                    f"{server.url}/api/join",
                    {"code": code, "name": f"Telefoon {n + 1}", "relation": "family"},
                )
            if joined.get("status") != "admitted":
                raise ProvisionError(f"phone {n} of {room.room_id} was not admitted: {joined.get('status')}")
            room.phones.append(Phone(joined["participant_id"], joined["token"]))

        await asyncio.gather(
            *(join(room, code, n) for room, code in zip(made, codes, strict=True) for n in range(phones_per_room))
        )
    return made
