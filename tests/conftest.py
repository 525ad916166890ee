from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.settings import Settings
from server.store.migrate import migrate
from tests.utils import RunningServer, run_server, settings_for


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    s = settings_for(tmp_path)
    migrate(s.database_url)
    return s


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[RunningServer]:
    async with run_server(settings) as running:
        yield running


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated store, on SQLite and on the real PostgreSQL (a test file may define its own)."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    else:
        url = str(request.getfixturevalue("postgres_url"))
    migrate(url)
    return url


def pytest_configure(config: pytest.Config) -> None:
    asyncio.set_event_loop_policy(None)


from tests.services import postgres_url, redis_prefix, redis_url  # noqa: E402, F401
