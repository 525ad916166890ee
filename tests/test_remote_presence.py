"""Presence relayed from another process expires when nobody renews it: a process that is SIGKILLed
sends no "gone" for its people, and they must not stay visible on the survivors for good.

The clock is injected, so 30 s of silence takes no 30 s of test.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from pycrdt import Awareness, Doc, create_awareness_message, read_message

from server.protocol import parse_awareness_frame
from server.relay.presence import RemotePresence
from server.rooms.awareness import RoomAwareness
from server.rooms.schema import Identity
from server.store.migrate import migrate
from tests.processes import ServerProcess
from tests.test_awareness import AwarenessPeer
from tests.utils import eventually, free_port, run_server, settings_for

FACILITATOR = Identity(kind="facilitator", subject="f1", name="Fatima", role="facilitator")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _frame(awareness: Awareness) -> bytes:
    return create_awareness_message(awareness.encode_awareness_update([awareness.client_id]))


def _person(state: dict[str, object]) -> Awareness:
    person = Awareness(Doc())
    person.set_local_state(state)
    return person


def test_relayed_presence_not_renewed_within_the_timeout_is_removed_and_local_presence_stays() -> None:
    clock = FakeClock()
    presence = RemotePresence(timeout=30.0, clock=clock)
    here = RoomAwareness()
    local = _person({"typing": False})
    here.apply("peer-1", FACILITATOR, local.encode_awareness_update([local.client_id]))
    remote = _person({"name": "Ash"})
    # A client of this process, watching: it reads the server's frames as y-protocols does.
    watcher = Awareness(Doc())

    def relayed(frame: bytes) -> None:  # what the relay and the room do with an "a" message
        presence.heard("kamer", frame)
        here.apply_remote(parse_awareness_frame(frame))
        watcher.apply_awareness_update(read_message(frame[1:]), "server")

    relayed(_frame(remote))
    clock.now += 20
    remote.set_local_state(remote.get_local_state())  # the client's 15-second renewal: clock + 1
    relayed(_frame(remote))
    clock.now += 29
    assert presence.expire() == {}  # 29 s after the renewal: still here
    assert remote.client_id in here.states

    clock.now += 1
    removals = presence.expire()
    assert set(removals) == {"kamer"}
    here.apply_remote(parse_awareness_frame(removals["kamer"]))
    watcher.apply_awareness_update(read_message(removals["kamer"][1:]), "server")
    assert remote.client_id not in here.states
    assert remote.client_id not in watcher.states
    assert local.client_id in here.states  # this process's own connection is not touched
    assert presence.expire() == {}  # removed once


def test_presence_that_moved_to_this_process_or_said_goodbye_is_not_expired() -> None:
    clock = FakeClock()
    presence = RemotePresence(timeout=30.0, clock=clock)
    here = RoomAwareness()
    moved, left = _person({"name": "Max"}), _person({"name": "Ash"})
    presence.heard("kamer", _frame(moved))
    presence.heard("kamer", _frame(left))
    # Max's phone reconnected to this process: its frames are relayed from here now.
    here.apply("peer-2", FACILITATOR, moved.encode_awareness_update([moved.client_id]))
    presence.spoke_here("kamer", _frame(moved))
    left.set_local_state(None)
    presence.heard("kamer", _frame(left))
    assert presence.tracked("kamer") == set()
    clock.now += 60
    assert presence.expire() == {}
    # Even a late "gone" another process relays for it leaves the connection that is here alone.
    gone = Awareness(Doc())
    gone.apply_awareness_update(moved.encode_awareness_update([moved.client_id]), "remote")
    gone.remove_awareness_states([moved.client_id], "remote")
    here.apply_remote(gone.encode_awareness_update([moved.client_id]))
    assert moved.client_id in here.states


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.slow
async def test_people_of_a_sigkilled_process_disappear_from_the_survivor(
    tmp_path: Path, postgres_url: str, redis_url: str, redis_prefix: str
) -> None:
    ports = (free_port(), free_port())
    origins = ",".join(f"http://127.0.0.1:{p}" for p in ports)
    env = {"DATABASE_URL": postgres_url, "REDIS_URL": redis_url, "ALLOWED_ORIGINS": origins}
    await asyncio.to_thread(migrate, settings_for(tmp_path, env=env).database_url)
    doomed = ServerProcess(
        ports[0], {**env, "KRING_REDIS_PREFIX": redis_prefix, "KRING_VAR_DIR": str(tmp_path / "a")}, tmp_path / "a.log"
    )
    await doomed.start()
    try:
        survivor_settings = settings_for(tmp_path / "b", port=ports[1], env=env, redis_prefix=redis_prefix)
        async with run_server(survivor_settings) as survivor:
            relay = survivor.kring.relay
            clock = FakeClock()
            clock.now = time.monotonic()
            relay.presence.clock = clock  # type: ignore[attr-defined]
            await eventually(lambda: _check(relay.healthy), timeout=10)

            watcher = AwarenessPeer(survivor.url, "aanwezig", "Wendy")
            await watcher.connect()
            await watcher.announce()
            talker = AwarenessPeer(doomed.url, "aanwezig", "Tom")
            await talker.connect()
            await talker.announce()
            await eventually(lambda: _check(talker.client_id in watcher.others()), timeout=10)

            doomed.kill()
            clock.now += 31  # no renewal came: the talker's process is gone
            await eventually(lambda: _check(talker.client_id not in watcher.others()), timeout=10)
            room = survivor.kring.registry.rooms["aanwezig"]
            assert talker.client_id not in room.awareness.states
            assert watcher.client_id in room.awareness.states  # the survivor's own person stays
            await watcher.disconnect()
            await talker.sio.disconnect()
    finally:
        doomed.stop()


def _check(condition: bool) -> None:
    assert condition
