from __future__ import annotations

import asyncio

from tests.utils import BoardClient, RunningServer, eventually


async def _clients(server: RunningServer, n: int, room: str = "kamer-1") -> list[BoardClient]:
    clients = [BoardClient(server.url, room) for _ in range(n)]
    await asyncio.gather(*(c.connect() for c in clients))
    await asyncio.gather(*(asyncio.wait_for(c.synced.wait(), 10) for c in clients))
    return clients


async def _converged(clients: list[BoardClient], expected: int) -> None:
    def check() -> None:
        first = clients[0].values()
        assert len(first) == expected
        for c in clients[1:]:
            assert sorted(c.values()) == sorted(first)

    await eventually(check, timeout=10)


async def test_two_clients_converge(server: RunningServer) -> None:
    a, b = await _clients(server, 2)
    a.items.append("a1")
    b.items.append("b1")
    await _converged([a, b], 2)
    await a.all_acked()
    assert a.acks and all(ack == {"ok": True, "saved": True} for ack in a.acks)
    for c in (a, b):
        await c.disconnect()


async def test_twenty_clients_converge_and_late_joiner_gets_everything(server: RunningServer) -> None:
    clients = await _clients(server, 20)
    for i, c in enumerate(clients):
        for j in range(5):
            c.items.append(f"{i}-{j}")
    await _converged(clients, 100)
    late = (await _clients(server, 1))[0]
    await _converged([*clients, late], 100)
    for c in [*clients, late]:
        await c.disconnect()
