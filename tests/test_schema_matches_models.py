"""The migrations and the models describe one schema: what `kring migrate` builds is what the code
maps. A column added to a model without a migration (or the other way round) fails here, on both
databases, before it fails on a production upgrade."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from server.store.models import Base


def _compare(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_the_migrated_schema_is_the_models_schema(database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            found = await connection.run_sync(_compare)
    finally:
        await engine.dispose()
    # alembic's own bookkeeping table is not a model
    found = [d for d in found if not (d[0] == "remove_table" and d[1].name == "alembic_version")]
    if database_url.startswith("sqlite"):
        found = _without_inline_reference_pairs(found)
    assert found == []


def _fk_key(fk: Any) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    return fk.table.name, tuple(c.name for c in fk.columns), tuple(e.target_fullname for e in fk.elements)


def _without_inline_reference_pairs(found: list[Any]) -> list[Any]:
    """SQLite's reflection does not read ON DELETE of a reference added inline by ALTER TABLE ADD
    COLUMN (0004, 0010 do that to avoid a table copy), so alembic reports it removed and added again.
    Such a pair is one reference; PostgreSQL's run checks its ON DELETE."""
    removed = {_fk_key(d[1]) for d in found if d[0] == "remove_fk"}
    added = {_fk_key(d[1]) for d in found if d[0] == "add_fk"}
    both = removed & added
    return [d for d in found if not (d[0] in ("remove_fk", "add_fk") and _fk_key(d[1]) in both)]
