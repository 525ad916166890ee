"""Creating the async engine: SQLite in WAL mode with full fsync, or PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def create_engine(database_url: str) -> AsyncEngine:
    if database_url.startswith("sqlite"):
        # One connection: SQLite serialises writers anyway, and the update log has a single writer.
        engine = create_async_engine(database_url, pool_size=1, max_overflow=4, pool_pre_ping=False)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # WAL lets readers load rooms while the writer commits; FULL fsyncs every commit,
            # which is what makes an acknowledgement mean "on disk".
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_async_engine(database_url, pool_size=5, max_overflow=10, pool_pre_ping=True)
