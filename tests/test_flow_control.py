"""Flow control: a connection over its frame rate is slowed then closed, a phone that stops reading
is dropped without growing the server's memory, and one address cannot open sockets in a loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import socketio
from pycrdt import Doc, Map, YMessageType, YSyncMessageType, create_sync_message, handle_sync_message

from server import flow
from server.protocol import MESSAGES, Refusal
from server.store.migrate import migrate
from tests.test_bad_input import CONNECT, CONNECT_ERROR, ROOM, RawSocket, joined, participant_auth
from tests.utils import RunningServer, eventually, facilitator_auth, run_server, settings_for


@pytest.fixture
async def limited(tmp_path: Path) -> AsyncIterator[RunningServer]:
    settings = settings_for(
        tmp_path, frames_per_second=20, frames_burst=100, max_send_queue=20, connects_per_second=0.01, connects_burst=8
    )
    await asyncio.to_thread(migrate, settings.database_url)
    async with run_server(settings) as server:
        yield server


def _check(condition: bool) -> None:
    assert condition


async def test_a_client_over_its_frame_rate_is_refused_then_closed_and_the_room_keeps_what_it_accepted(
    limited: RunningServer,
) -> None:
    flooder = await joined(limited)
    room = limited.kring.registry.get(ROOM)
    assert room is not None
    agreements = flooder.doc.get("agreements", type=Map)
    for i in range(8):  # well within the burst: all accepted
        agreements[f"rustig-{i}"] = "ok"
    await flooder.all_acked()
    assert all(ack == {"ok": True, "saved": True} for ack in flooder.acks)

    # Now far over the rate: the excess is refused as rate_limited (not applied), and a client
    # that keeps on is closed with the reason.
    for i in range(200):
        agreements[f"vloed-{i}"] = "x"
    await eventually(lambda: _check(not flooder.sio.connected), timeout=10)
    codes = [r["code"] for r in flooder.refusals]
    assert Refusal.RATE_LIMITED.value in codes
    assert Refusal.TOO_MANY_REFUSALS.value in codes  # the reason it was closed
    live = room.doc("board").get("agreements", type=Map)
    assert {f"rustig-{i}" for i in range(8)} <= set(live.keys())
    applied = {k for k in live if k.startswith("vloed-")}
    assert len(applied) < 200  # the flood did not all get in ...
    assert limited.kring.transport.counters.rate_limited > 0
    # ... and nothing it lost is lost for good: the client still has it and a resync brings it.
    await flooder.reconnect_to(limited.url)
    await eventually(lambda: _check({f"vloed-{i}" for i in range(200)} <= set(live.keys())), timeout=10)
    await flooder.disconnect()


async def test_a_reader_that_stops_reading_is_dropped_and_resyncs_when_it_returns(limited: RunningServer) -> None:
    writer = await joined(limited)
    watcher = await joined(limited)
    auth, _ = await participant_auth(limited, name="Traag")
    slow = await RawSocket.open(limited)
    assert (await slow.connect(auth))["type"] != 4  # CONNECT, not CONNECT_ERROR
    await slow.event("sync", "board", _step1(), id=1)
    # From here on the slow phone reads nothing: its TCP window fills, then its server-side queue.
    slow.ws.transport.pause_reading()
    big = "x" * 400_000
    notes = writer.doc.get("agreements", type=Map)
    seen = watcher.doc.get("agreements", type=Map)
    for batch in range(15):
        keys = [f"groot-{batch * 4 + i}" for i in range(4)]
        for key in keys:
            notes[key] = big
        await writer.all_acked()
        # A phone that reads keeps up; only the one that stopped falls behind.
        await eventually(lambda keys=keys: _check(all(k in seen for k in keys)), timeout=20)
    counters = limited.kring.transport.counters
    await eventually(lambda: _check(counters.slow_readers_dropped == 1), timeout=20)
    # Every queue on the server stays within the limit, and the others got everything.
    for socket in limited.kring.transport.sio.eio.sockets.values():
        assert socket.queue.qsize() <= limited.settings.max_send_queue
    expected = {f"groot-{i}" for i in range(60)}
    assert watcher.sio.connected and expected <= set(seen.keys())
    await slow.ws.close()
    # The dropped phone, back: a fresh sync gives it the whole board (raw, as the board is now
    # larger than the scripted client's WebSocket message limit).
    back = await RawSocket.open(limited)
    assert (await back.connect(auth))["type"] != 4
    await back.event("sync", "board", _step1(), id=2)
    board: Doc[Any] = Doc()
    while True:
        packet = await back.receive()
        data = packet.get("data") or []
        if data[:2] == ["sync", "board"] and data[2][:2] == bytes([YMessageType.SYNC, YSyncMessageType.SYNC_STEP2]):
            handle_sync_message(data[2][1:], board)
            break
    assert expected <= set(board.get("agreements", type=Map).keys())
    await back.close()
    for client in (writer, watcher):
        await client.disconnect()


def _step1() -> bytes:
    return create_sync_message(Doc())


async def test_one_address_opening_sockets_in_a_loop_is_refused_with_a_reason(limited: RunningServer) -> None:
    auth = await facilitator_auth(limited.url, ROOM)
    opened: list[socketio.AsyncClient] = []
    errors: list[Any] = []
    for _ in range(12):
        client = socketio.AsyncClient(serializer="msgpack", reconnection=False)
        client.on("connect_error", errors.append)
        try:
            await client.connect(
                limited.url, transports=["websocket"], auth=auth, headers={"Origin": limited.url}, wait_timeout=5
            )
            opened.append(client)
        except socketio.exceptions.ConnectionError:
            pass
    assert len(opened) == 8  # the burst
    reason = {"code": Refusal.TOO_MANY_CONNECTIONS.value, "message": MESSAGES[Refusal.TOO_MANY_CONNECTIONS]}
    assert errors == [{"message": MESSAGES[Refusal.TOO_MANY_CONNECTIONS], "data": reason}] * 4
    assert limited.kring.transport.counters.refused[Refusal.TOO_MANY_CONNECTIONS.value] == 4
    for client in opened:
        await client.disconnect()


async def test_the_connect_limit_counts_each_address_apart(limited: RunningServer) -> None:
    """A script at one address using up its sockets leaves every other address its own: a whole
    region's phones do not share one bucket (the proxy in front tells their addresses)."""
    auth = await facilitator_auth(limited.url, ROOM)

    async def connect_from(address: str) -> dict[str, Any]:
        sock = await RawSocket.open(limited, headers={"X-Forwarded-For": address})
        opened.append(sock)
        return await sock.connect(auth)

    opened: list[RawSocket] = []
    answers = [(await connect_from("203.0.113.5"))["type"] for _ in range(9)]
    assert answers == [CONNECT] * 8 + [CONNECT_ERROR]  # that address's burst, then its refusal
    assert (await connect_from("198.51.100.7"))["type"] == CONNECT  # another address: not refused
    assert (await connect_from("2001:db8:1:2::1"))["type"] == CONNECT
    assert (await connect_from("2001:db8:1:2::2"))["type"] == CONNECT  # one /64: one household
    assert limited.kring.transport.counters.refused[Refusal.TOO_MANY_CONNECTIONS.value] == 1
    for sock in opened:
        await sock.close()


def test_the_connect_limit_forgets_an_address_once_its_bucket_is_full_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # A region's server sees phones from thousands of addresses a day; each must not stay in memory
    # (until the cap of 50,000) after it could no longer make any difference.
    clock = [1000.0]
    monkeypatch.setattr(flow, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    throttle = flow.ConnectThrottle(rate=5, burst=3)  # full again 0.6 s after its last take
    assert [throttle.allow("198.51.100.7") for _ in range(4)] == [True, True, True, False]
    for n in range(100):
        assert throttle.allow(f"203.0.113.{n}")
    assert len(throttle) == 101
    clock[0] += 0.3  # half refilled: the drained address is still held to what it has left
    assert throttle.allow("192.0.2.1")
    assert len(throttle) == 102
    assert [throttle.allow("198.51.100.7") for _ in range(2)] == [True, False]
    clock[0] += 1.0  # everyone's bucket is full again
    assert throttle.allow("192.0.2.2")
    assert len(throttle) == 1
    assert [throttle.allow("198.51.100.7") for _ in range(4)] == [True, True, True, False]
