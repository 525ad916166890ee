"""Upgrading a store that holds meetings keeps every row. SQLite cannot alter a table in place for
everything, and alembic's batch mode copies and drops the table instead: with foreign keys on, dropping
`cases` or `meeting_rooms` cascades into every meeting, room and participant. This runs each migration
after 0009 over a filled store, down and up again, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from server.store.migrate import alembic_config, migrate

# The first revision whose schema this test writes into with plain SQL; later ones must keep it.
BASE = "0009"
ROWS = [
    "INSERT INTO facilitators (id, email, name, password_hash) VALUES (7, 'f@example.nl', 'F', 'x')",
    "INSERT INTO facilitator_sessions (id, facilitator_id, created_at, expires_at) "
    "VALUES ('s1', 7, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO cases (id, label) VALUES ('c1', 'Gezin A')",
    "INSERT INTO case_facilitators (case_id, facilitator_id) VALUES ('c1', 7)",
    "INSERT INTO meetings (id, case_id, title, status, admit_all) VALUES ('m1', 'c1', 'Netwerk', 'open', false)",
    "INSERT INTO meeting_rooms (id, meeting_id, name, position, locked) VALUES ('r1', 'm1', 'Kamer', 0, false)",
    "INSERT INTO participants (id, room_id, name, relation, status, token_hash, token_expires_at) "
    "VALUES ('p1', 'r1', 'Oma', 'family', 'admitted', 'h1', CURRENT_TIMESTAMP)",
    "INSERT INTO audit_log (actor_kind, action, case_id) VALUES ('facilitator', 'login', 'c1')",
    "INSERT INTO plan_links (id, room_id, participant_id, token_hash, created_at) "
    "VALUES ('l1', 'r1', 'p1', 'h2', CURRENT_TIMESTAMP)",
    "INSERT INTO journal_entries (id, room_id, participant_id, rule_id, verdict, note, day, created_at) "
    "VALUES ('j1', 'r1', 'p1', 'rule', 'held', '', CURRENT_DATE, CURRENT_TIMESTAMP)",
]
TABLES = ["facilitators", "facilitator_sessions", "cases", "case_facilitators", "meetings", "meeting_rooms",
          "participants", "audit_log", "plan_links", "journal_entries"]  # fmt: skip


async def _counts(url: str) -> dict[str, int]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return {t: (await connection.execute(text(f"SELECT COUNT(*) FROM {t}"))).scalar_one() for t in TABLES}
    finally:
        await engine.dispose()


async def _fill(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            if url.startswith("sqlite"):
                await connection.execute(text("PRAGMA foreign_keys=ON"))
            for row in ROWS:
                await connection.execute(text(row))
    finally:
        await engine.dispose()


def _downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


async def test_every_later_migration_keeps_the_meetings(tmp_path_factory: object, database_url: str) -> None:
    # `database_url` is migrated to head; take it back to the base, fill it, and go up and down again.
    await asyncio.to_thread(_downgrade, database_url, BASE)
    await _fill(database_url)
    filled = await _counts(database_url)
    assert set(filled.values()) == {1}
    await asyncio.to_thread(migrate, database_url)
    assert await _counts(database_url) == filled
    await asyncio.to_thread(_downgrade, database_url, BASE)
    assert await _counts(database_url) == filled
    await asyncio.to_thread(migrate, database_url)
    assert await _counts(database_url) == filled
