"""A connect asks the store less (docs/architecture.md, "Revalidation"), and still: every connect is
audited, a closed room lets nobody new in once its kick or the next round has come, and a token
that ended keeps its phone out (tests/test_revalidation.py)."""

from __future__ import annotations

from typing import Any

import pytest
import socketio

from server.protocol import Refusal
from server.store.validity import ValidityStore
from tests.test_bad_input import ROOM, participant_auth
from tests.test_revalidation import Phone
from tests.utils import RunningServer, eventually, facilitator_auth


async def _refused_with(server: RunningServer, auth: dict[str, str]) -> str:
    errors: list[Any] = []
    client = socketio.AsyncClient(serializer="msgpack", reconnection=False)
    client.on("connect_error", errors.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(
            server.url, transports=["websocket"], auth=auth, headers={"Origin": server.url}, wait_timeout=5
        )
    if client.eio.http is not None:
        await client.eio.http.close()
    assert len(errors) == 1, errors
    return str(errors[0]["data"]["code"])


async def test_every_connect_of_a_crowd_leaves_its_audit_row(server: RunningServer) -> None:
    people = [await participant_auth(server, name=f"Anna{n}") for n in range(4)]
    phones = [await Phone(server).connect(auth) for auth, _ in people]
    access = await server.kring.meetings.room_access(ROOM)
    assert access is not None

    async def audited() -> None:
        rows = await server.kring.meetings.audit_entries(meeting_id=access.meeting_id)
        connects = [(r.actor_kind, r.actor_id, r.room_id) for r in rows if r.action == "connect"]
        assert sorted(connects) == sorted(("participant", pid, ROOM) for _, pid in people)

    await eventually(audited)
    for phone in phones:
        await phone.sio.disconnect()


async def test_a_closed_room_takes_nobody_new_after_its_kick(server: RunningServer) -> None:
    first, _ = await participant_auth(server)
    phone = await Phone(server).connect(first)  # the room's access is now remembered
    later = await facilitator_auth(server.url, ROOM)  # a phone's token ends with its meeting; a session does not
    access = await server.kring.meetings.room_access(ROOM)
    assert access is not None
    await server.kring.meetings.close_meeting(access.meeting_id)
    server.kring.live.close_room(ROOM)
    await eventually(lambda: phone.closed_with(Refusal.ROOM_CLOSED))
    assert await _refused_with(server, later) == Refusal.ROOM_CLOSED.value


async def test_a_closed_room_whose_kick_was_lost_takes_nobody_new_after_the_next_round(server: RunningServer) -> None:
    first, _ = await participant_auth(server)
    phone = await Phone(server).connect(first)
    later = await facilitator_auth(server.url, ROOM)  # a phone's token ends with its meeting; a session does not
    access = await server.kring.meetings.room_access(ROOM)
    assert access is not None
    await server.kring.meetings.close_meeting(access.meeting_id)  # no kick
    assert await server.kring.transport.revalidate(ValidityStore(server.kring.engine)) == 1
    await eventually(lambda: phone.closed_with(Refusal.ROOM_CLOSED))
    assert await _refused_with(server, later) == Refusal.ROOM_CLOSED.value
