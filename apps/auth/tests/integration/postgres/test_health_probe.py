from __future__ import annotations

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.auth.application.common.health import ReadinessQuery
from apps.auth.domain.errors import StorageUnavailable
from apps.auth.infrastructure.persistence_postgres.database import create_engine
from apps.auth.infrastructure.persistence_postgres.postgres_health_probe import PostgresHealthProbe
from apps.auth.infrastructure.persistence_redis.redis_health_probe import RedisHealthProbe

CLOSED_PORT_URL = "postgresql+asyncpg://postgres@127.0.0.1:1/test"


async def test_check_passes_when_database_answers(pg_engine: AsyncEngine) -> None:
    probe = PostgresHealthProbe(engine=pg_engine)

    await probe.check()

    assert probe.name == "postgres"


async def test_storage_unavailable_raised_when_port_closed() -> None:
    engine = create_engine(CLOSED_PORT_URL)
    try:
        with pytest.raises(StorageUnavailable) as raised:
            await PostgresHealthProbe(engine=engine).check()
    finally:
        await engine.dispose()

    assert raised.value.code == "STORAGE_UNAVAILABLE"


async def test_readiness_names_postgres_when_port_closed(redis: Redis) -> None:
    down = create_engine(CLOSED_PORT_URL)
    try:
        result = await ReadinessQuery(
            probes=[
                RedisHealthProbe(redis=redis),
                PostgresHealthProbe(engine=down),
            ]
        ).execute()
    finally:
        await down.dispose()

    assert result.ready is False
    assert result.checks == {"redis": "ok", "postgres": "unavailable"}
