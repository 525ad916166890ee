"""The link from a room to the earlier room it continues: migration 0004 on real SQLite and real
PostgreSQL, and the store's refusal to follow a link that leaves its case."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text, update

from server.store.engine import create_engine
from server.store.meetings import MeetingStore
from server.store.migrate import alembic_config, migrate
from server.store.models import MeetingRoom


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("postgres_url"))


async def _count(store: MeetingStore, table: str) -> int:
    async with store.sessions() as db:
        return int((await db.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def test_migration_keeps_every_room_and_person_and_links_nothing(database_url: str) -> None:
    await asyncio.to_thread(migrate, database_url, "0003")
    engine = create_engine(database_url)
    try:
        async with engine.begin() as db:
            await db.execute(text("INSERT INTO cases (id, label) VALUES ('c1', 'Gezin M')"))
            await db.execute(
                text(
                    "INSERT INTO meetings (id, case_id, title, status, admit_all) "
                    "VALUES ('m1', 'c1', 'N', 'open', false)"
                )
            )
            for position, room in enumerate(["moeder", "vader"]):
                await db.execute(
                    text(
                        "INSERT INTO meeting_rooms (id, meeting_id, name, position, locked) "
                        f"VALUES ('{room}', 'm1', '{room}', {position}, false)"
                    )
                )
                await db.execute(
                    text(
                        "INSERT INTO participants (id, room_id, name, relation, status, token_hash, token_expires_at) "
                        f"VALUES ('p-{room}', '{room}', 'Oma', 'family', 'admitted', 'h-{room}', CURRENT_TIMESTAMP)"
                    )
                )
        await asyncio.to_thread(migrate, database_url, "0004")
        store = MeetingStore(engine)
        rooms = await store.rooms_of("m1")
        # Rooms made before the link existed continue nothing: no link is ever inferred.
        assert [(r.id, r.continues_room_id) for r in rooms] == [("moeder", None), ("vader", None)]
        assert await _count(store, "participants") == 2

        later = await store.create_meeting("c1", "Vervolg", ["Moeder", "Vader"], ["moeder", None])
        linked, unlinked = await store.rooms_of(later.id)
        assert (linked.continues_room_id, unlinked.continues_room_id) == ("moeder", None)
        continued = await store.continued_room(linked)
        assert continued is not None and continued.id == "moeder"
        assert await store.continued_room(unlinked) is None

        await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0003")
        assert await _count(store, "participants") == 2 and await _count(store, "meeting_rooms") == 4
        await asyncio.to_thread(migrate, database_url, "head")
        assert all(r.continues_room_id is None for r in await store.rooms_of(later.id))
    finally:
        await engine.dispose()


async def test_deleting_the_continued_room_leaves_a_room_that_continues_nothing(database_url: str) -> None:
    await asyncio.to_thread(migrate, database_url)
    engine = create_engine(database_url)
    try:
        store = MeetingStore(engine)
        person = await store.add_facilitator("f@jeugdzorg.test", "Fatima", "x" * 16)
        case = await store.create_case(person.id, "Gezin M")
        first = await store.create_meeting(case.id, "Een", ["Moeder"])
        [mother] = await store.rooms_of(first.id)
        second = await store.create_meeting(case.id, "Twee", ["Moeder"], [mother.id])
        async with store.sessions.begin() as db:
            await db.execute(text("DELETE FROM meeting_rooms WHERE id = :id"), {"id": mother.id})
        [room] = await store.rooms_of(second.id)
        assert room.continues_room_id is None
    finally:
        await engine.dispose()


async def test_a_link_out_of_its_case_or_forward_in_time_is_not_followed(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    await asyncio.to_thread(migrate, url)
    engine = create_engine(url)
    try:
        store = MeetingStore(engine)
        person = await store.add_facilitator("f@jeugdzorg.test", "Fatima", "x" * 16)
        ours = await store.create_case(person.id, "Gezin M")
        theirs = await store.create_case(person.id, "Gezin L")
        [other] = await store.rooms_of((await store.create_meeting(theirs.id, "L", ["Kamer"])).id)
        [first] = await store.rooms_of((await store.create_meeting(ours.id, "Een", ["Kamer"])).id)
        [second] = await store.rooms_of((await store.create_meeting(ours.id, "Twee", ["Kamer"])).id)
        assert await store.earlier_room(ours.id, other.id) is None
        assert (await store.earlier_room(ours.id, first.id)) is not None
        # Rows written around the API's checks (a bad import, a hand edit) are not trusted either.
        for room, target in [(second, other.id), (first, second.id), (second, second.id)]:
            async with store.sessions.begin() as db:
                await db.execute(update(MeetingRoom).where(MeetingRoom.id == room.id).values(continues_room_id=target))
            reread = await store.room(room.id)
            assert reread is not None and await store.continued_room(reread) is None
    finally:
        await engine.dispose()
