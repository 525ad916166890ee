"""A connect asks the store less (docs/architecture.md, "Revalidation"), and still: every connect is
audited, a closed room lets nobody new in once its kick or the next round has come, and a token
that ended keeps its phone out (tests/test_revalidation.py)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import socketio

from server.protocol import Refusal
from server.store.meetings import MeetingStore
from server.store.validity import ValidityStore
from tests.meetings_helpers import browser, facilitator, join, split_meeting, store_of
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


class _Asked:
    """Counts how often the real store is asked who a token is (it still answers every time)."""

    def __init__(self, server: RunningServer) -> None:
        self.store = server.kring.meetings
        self.count = 0
        self._real = self.store.participant_by_token

    def __enter__(self) -> _Asked:
        async def counted(token: str) -> Any:
            self.count += 1
            return await self._real(token)

        setattr(self.store, "participant_by_token", counted)  # noqa: B010 (an instance attribute, for this test)
        return self

    def __exit__(self, *_: object) -> None:
        del self.store.participant_by_token  # the class's method again


async def _joined_at_once(server: RunningServer, name: str) -> tuple[httpx.AsyncClient, dict[str, str], str]:
    """A phone that joins a meeting with "admit everyone" through the API; its client, auth and id."""
    async with facilitator(server, f"{name.lower()}@example.org") as desk:
        meeting = await split_meeting(desk, ["Moeder"])
        changed = await desk.patch(f"/api/meetings/{meeting['id']}", json={"admit_all": True})
        assert changed.status_code == 200, changed.text
    phone = browser(server)
    joined = await join(phone, meeting["rooms"][0]["join_code"], name=name)
    assert joined.status_code == 201 and joined.json()["status"] == "admitted", joined.text
    return phone, {"token": joined.json()["token"]}, joined.json()["participant_id"]


async def _connect_counting(server: RunningServer, auth: dict[str, str], participant: str) -> tuple[int, str]:
    """Connect and leave again: how often the store was asked who the token is, and the name the
    room knew the socket by."""
    with _Asked(server) as asked:
        socket = await Phone(server).connect(auth)
    person = await store_of(server).participant(participant)
    assert person is not None
    name = server.kring.registry.rooms[person.room_id].peers[socket.sio.get_sid()].name
    await socket.sio.disconnect()
    return asked.count, name


async def test_a_phone_let_in_at_its_join_connects_without_asking_the_store_who_it_is(server: RunningServer) -> None:
    phone, auth, participant = await _joined_at_once(server, "Truus")
    assert await _connect_counting(server, auth, participant) == (0, "Truus")
    await phone.aclose()


async def test_a_phone_that_left_is_not_let_back_in_by_what_was_remembered(server: RunningServer) -> None:
    phone, auth, _ = await _joined_at_once(server, "Kees")
    socket = await Phone(server).connect(auth)  # remembered from its join, and used
    await socket.sio.disconnect()
    left = await phone.request("DELETE", "/api/join", json={})
    assert left.status_code == 204, left.text
    assert await _refused_with(server, auth) == Refusal.BAD_AUTH.value
    await phone.aclose()


async def test_a_rename_reaches_the_next_connect(server: RunningServer) -> None:
    phone, auth, participant = await _joined_at_once(server, "Ria")
    await store_of(server).set_participant(participant, name="Ria B.")
    # Forgotten at the write, so the store is asked again, and the new name is the socket's.
    assert await _connect_counting(server, auth, participant) == (1, "Ria B.")
    await phone.aclose()


async def test_a_phone_removed_through_another_process_is_out_after_the_next_round(server: RunningServer) -> None:
    phone, auth, participant = await _joined_at_once(server, "Piet")
    # Another process's store: same database, but this process is not told of its writes.
    elsewhere = MeetingStore(server.kring.engine)
    await elsewhere.set_participant(participant, status="removed")
    assert participant in server.kring.transport._admissions.people()  # still remembered here
    await server.kring.transport.revalidate(ValidityStore(server.kring.engine))
    assert participant not in server.kring.transport._admissions.people()
    assert await _refused_with(server, auth) == Refusal.REMOVED.value
    await phone.aclose()


async def test_a_phone_whose_time_is_up_is_forgotten_without_being_looked_up(server: RunningServer) -> None:
    # Each round asks the store about everyone remembered: whoever left for good must drop out of
    # that by time alone, or a busy day's every phone is asked about, round after round.
    phone, auth, participant = await _joined_at_once(server, "Jan")
    admissions = server.kring.transport._admissions
    assert participant in admissions.people()
    admissions.people_ttl = 0.05

    def forgotten() -> None:
        assert participant not in admissions.people()

    await eventually(forgotten)
    assert not admissions._people  # the participant record itself is let go, not only its id
    # Forgotten is not refused: the next connect asks the store again.
    assert await _connect_counting(server, auth, participant) == (1, "Jan")
    await phone.aclose()
