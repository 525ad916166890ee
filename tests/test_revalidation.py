"""Open sockets whose credential stopped holding are closed, even when the kick that should have
closed them never came (it crosses processes through Redis, which may have been away)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import socketio
from sqlalchemy import delete, select

from server.protocol import Refusal
from server.store.meetings import PARTICIPANT_TOKEN_LIFETIME, now
from server.store.migrate import migrate
from server.store.models import CaseFacilitator, Facilitator, FacilitatorRole, Participant
from server.store.validity import ValidityStore
from tests.test_bad_input import QUIET_ROOM, ROOM, participant_auth
from tests.utils import TEST_FACILITATOR, RunningServer, eventually, facilitator_auth, run_server, settings_for


class Phone:
    """A socket that remembers what it was told before the server closed it."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.refusals: list[dict[str, Any]] = []
        self.sio = socketio.AsyncClient(serializer="msgpack", reconnection=False)
        self.sio.on("refused", self.refusals.append)

    async def connect(self, auth: dict[str, str]) -> Phone:
        await self.sio.connect(
            self.server.url, transports=["websocket"], auth=auth, headers={"Origin": self.server.url}, wait_timeout=10
        )
        return self

    def closed_with(self, code: Refusal) -> None:
        assert not self.sio.connected
        assert [r["code"] for r in self.refusals] == [code.value]


def store(server: RunningServer) -> ValidityStore:
    return ValidityStore(server.kring.engine)


async def test_nothing_is_closed_while_everything_holds(server: RunningServer) -> None:
    auth, _ = await participant_auth(server)
    phone = await Phone(server).connect(auth)
    desk = await Phone(server).connect(await facilitator_auth(server.url, ROOM))
    projector = await Phone(server).connect({"projector": await server.kring.meetings.new_projector_token(ROOM)})
    assert await server.kring.transport.revalidate(store(server)) == 0
    assert phone.sio.connected and desk.sio.connected and projector.sio.connected
    for p in (phone, desk, projector):
        await p.sio.disconnect()


async def test_a_removal_whose_kick_was_lost_still_closes_the_phone(server: RunningServer) -> None:
    auth, person = await participant_auth(server)
    phone = await Phone(server).connect(auth)
    other_auth, _ = await participant_auth(server, name="Bram")
    other = await Phone(server).connect(other_auth)
    # The facilitator removed Anna on another process; its kick never crossed Redis.
    await server.kring.meetings.set_participant(person, status="removed")
    assert await server.kring.transport.revalidate(store(server)) == 1
    await eventually(lambda: phone.closed_with(Refusal.REMOVED))
    assert other.sio.connected and other.refusals == []
    await other.sio.disconnect()


async def test_logout_and_leaving_close_the_sockets_behind_them(server: RunningServer) -> None:
    auth = await facilitator_auth(server.url, ROOM)
    desk = await Phone(server).connect(auth)
    phone_auth, person = await participant_auth(server)
    phone = await Phone(server).connect(phone_auth)
    session = auth["session"].rsplit(".", 1)[0]  # the signed cookie is "<token>.<signature>"
    await server.kring.meetings.close_session(session)
    await server.kring.meetings.set_participant(person, token_expires_at=now())  # what leaving does
    assert await server.kring.transport.revalidate(store(server)) == 2
    await eventually(lambda: desk.closed_with(Refusal.BAD_AUTH))
    await eventually(lambda: phone.closed_with(Refusal.BAD_AUTH))


async def test_a_closed_meeting_and_a_replaced_projector_link_end_their_sockets(server: RunningServer) -> None:
    await facilitator_auth(server.url, ROOM)  # the meeting and its room
    projector = await Phone(server).connect({"projector": await server.kring.meetings.new_projector_token(ROOM)})
    await server.kring.meetings.new_projector_token(ROOM)  # a new link, its kick lost
    assert await server.kring.transport.revalidate(store(server)) == 1
    await eventually(lambda: projector.closed_with(Refusal.REPLACED))

    phone_auth, _ = await participant_auth(server)
    phone = await Phone(server).connect(phone_auth)
    access = await server.kring.meetings.room_access(ROOM)
    assert access is not None
    await server.kring.meetings.close_meeting(access.meeting_id)
    assert await server.kring.transport.revalidate(store(server)) == 1
    await eventually(lambda: phone.closed_with(Refusal.ROOM_CLOSED))


@pytest.mark.parametrize("taken", [FacilitatorRole, CaseFacilitator])
async def test_a_facilitator_who_lost_the_role_or_the_case_is_closed_though_the_kick_was_lost(
    server: RunningServer, taken: type[FacilitatorRole] | type[CaseFacilitator]
) -> None:
    """The admin's change kicks the console at once (through Redis in other processes); if that kick
    was lost, the round closes a facilitator who may no longer run the case, as it does a logged-out one."""
    desk = await Phone(server).connect(await facilitator_auth(server.url, ROOM))
    other = await Phone(server).connect(await facilitator_auth(server.url, QUIET_ROOM))
    assert await server.kring.transport.revalidate(store(server)) == 0
    async with server.kring.meetings.sessions.begin() as db:
        person = await db.scalar(select(Facilitator.id).where(Facilitator.email == TEST_FACILITATOR))
        if taken is FacilitatorRole:
            await db.execute(delete(FacilitatorRole).where(FacilitatorRole.facilitator_id == person))
        else:  # only this room's case is no longer shared with them
            await db.execute(delete(CaseFacilitator).where(CaseFacilitator.case_id == f"c-{ROOM}"))
    closed = await server.kring.transport.revalidate(store(server))
    await eventually(lambda: desk.closed_with(Refusal.BAD_AUTH))
    if taken is FacilitatorRole:
        assert closed == 2
        await eventually(lambda: other.closed_with(Refusal.BAD_AUTH))
    else:
        assert closed == 1
        assert other.sio.connected and other.refusals == []
        await other.sio.disconnect()


async def test_a_phone_on_an_open_socket_keeps_its_token_through_a_long_meeting(server: RunningServer) -> None:
    auth, person = await participant_auth(server)
    phone = await Phone(server).connect(auth)
    soon = now() + timedelta(minutes=1)
    await server.kring.meetings.set_participant(person, token_expires_at=soon)
    await server.kring.transport.revalidate(store(server))
    async with server.kring.meetings.sessions() as db:
        row = await db.get(Participant, person)
        assert row is not None
        expires = (
            row.token_expires_at if row.token_expires_at.tzinfo else row.token_expires_at.replace(tzinfo=soon.tzinfo)
        )
    assert expires > soon + timedelta(hours=1)
    assert phone.sio.connected
    await phone.sio.disconnect()


async def test_a_round_renews_a_token_at_most_once_a_minute(server: RunningServer) -> None:
    """A thousand phones renewed every round was a thousand-row write every 5 s, which the update
    log's commits waited behind; a token renewed under a minute ago is left as it is."""
    auth, person = await participant_auth(server)
    phone = await Phone(server).connect(auth)
    fresh = now() + PARTICIPANT_TOKEN_LIFETIME - timedelta(seconds=20)
    await server.kring.meetings.set_participant(person, token_expires_at=fresh)
    await server.kring.transport.revalidate(store(server))
    assert await _expiry(server, person) == fresh
    older = now() + PARTICIPANT_TOKEN_LIFETIME - timedelta(minutes=2)
    await server.kring.meetings.set_participant(person, token_expires_at=older)
    await server.kring.transport.revalidate(store(server))
    assert await _expiry(server, person) > older + timedelta(minutes=1)
    await phone.sio.disconnect()


async def _expiry(server: RunningServer, person: str) -> datetime:
    async with server.kring.meetings.sessions() as db:
        row = await db.get(Participant, person)
        assert row is not None
        expires = row.token_expires_at
    return expires if expires.tzinfo else expires.replace(tzinfo=UTC)


@pytest.fixture
async def sweeping(tmp_path: Path) -> AsyncIterator[RunningServer]:
    settings = settings_for(tmp_path, revalidate_seconds=0.2)
    await asyncio.to_thread(migrate, settings.database_url)
    async with run_server(settings) as running:
        yield running


async def test_the_server_checks_by_itself(sweeping: RunningServer) -> None:
    auth, person = await participant_auth(sweeping)
    phone = await Phone(sweeping).connect(auth)
    await sweeping.kring.meetings.set_participant(person, status="removed")
    await eventually(lambda: phone.closed_with(Refusal.REMOVED), timeout=5)


async def test_a_token_that_ended_or_was_tampered_with_does_not_get_back_in(server: RunningServer) -> None:
    auth, person = await participant_auth(server)
    phone = await Phone(server).connect(auth)
    await phone.sio.disconnect()
    token = auth["token"]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    await server.kring.meetings.set_participant(person, token_expires_at=now())  # the phone left
    for attempt in ({"token": token}, {"token": tampered}):
        errors: list[Any] = []
        client = socketio.AsyncClient(serializer="msgpack", reconnection=False)
        client.on("connect_error", errors.append)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(
                server.url, transports=["websocket"], auth=attempt, headers={"Origin": server.url}, wait_timeout=5
            )
        assert [e["data"]["code"] for e in errors] == [Refusal.BAD_AUTH.value]
        if client.eio.http is not None:
            await client.eio.http.close()
