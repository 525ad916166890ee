"""Real PostgreSQL and Redis for the tests that are about them.

Without the service the test skips with the reason, unless REQUIRE_SERVICES=1 (set by .ci/run):
then a missing service fails the run.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest

POSTGRES_ADMIN_URL = os.environ.get("KRING_TEST_POSTGRES", "postgresql://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("KRING_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _missing(service: str, error: BaseException) -> None:
    reason = f"{service} is not reachable ({type(error).__name__}: {error})"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


async def _admin_connect():  # type: ignore[no-untyped-def]
    import asyncpg

    return await asyncpg.connect(POSTGRES_ADMIN_URL.replace("postgresql+asyncpg://", "postgresql://"), timeout=5)


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    try:
        admin = await _admin_connect()
    except Exception as exc:
        _missing("PostgreSQL", exc)
    name = f"kring_test_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"postgresql+asyncpg://{base.split('://', 1)[1]}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """The real Redis; each test gets its own key prefix via `redis_prefix`."""
    import redis.asyncio as redis

    client = redis.from_url(REDIS_URL)
    try:
        await asyncio.wait_for(client.ping(), 5)
    except Exception as exc:
        await client.aclose()
        _missing("Redis", exc)
    try:
        yield REDIS_URL
    finally:
        await client.aclose()


@pytest.fixture
def redis_prefix() -> str:
    return f"kring-test-{uuid.uuid4().hex[:8]}"
