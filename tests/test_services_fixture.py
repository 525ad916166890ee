from __future__ import annotations

import asyncpg
import redis.asyncio as redis


async def test_postgres_fixture_gives_an_empty_database(postgres_url: str) -> None:
    conn = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        assert tables == []
    finally:
        await conn.close()


async def test_redis_fixture_answers(redis_url: str, redis_prefix: str) -> None:
    client = redis.from_url(redis_url)
    try:
        await client.set(f"{redis_prefix}:probe", b"1", ex=5)
        assert await client.get(f"{redis_prefix}:probe") == b"1"
    finally:
        await client.aclose()
