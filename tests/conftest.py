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


def pytest_configure(config: pytest.Config) -> None:
    asyncio.set_event_loop_policy(None)


from tests.services import postgres_url, redis_prefix, redis_url  # noqa: E402, F401
