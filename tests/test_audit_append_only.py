"""The audit log cannot be changed or emptied, on SQLite and on PostgreSQL: the database refuses."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError

from server.store.engine import create_engine
from server.store.meetings import MeetingStore
from server.store.models import AuditEntry


async def test_entries_cannot_be_changed_or_deleted(database_url: str) -> None:
    engine = create_engine(database_url)
    store = MeetingStore(engine)
    try:
        await store.audit("login", actor_kind="facilitator", actor_id="1")
        for statement in (
            update(AuditEntry).values(action="niets gebeurd"),
            delete(AuditEntry),
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as conn:
                    await conn.execute(statement)
        if engine.dialect.name == "postgresql":
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as conn:
                    await conn.exec_driver_sql("TRUNCATE audit_log")
        # Appending still works, and what was there is unchanged.
        await store.audit("logout", actor_kind="facilitator", actor_id="1")
        assert [e.action for e in await store.audit_entries()] == ["login", "logout"]
    finally:
        await engine.dispose()
