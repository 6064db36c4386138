from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from apps.auth.domain.audit import AuditEvent, LoginAudit
from apps.auth.domain.errors import StorageUnavailable
from apps.auth.infrastructure.persistence_postgres.buffered_sql_audit_log import (
    BufferedSqlAuditLog,
)
from apps.auth.infrastructure.persistence_postgres.database import create_engine


def _audit(user_id: uuid.UUID) -> LoginAudit:
    return LoginAudit(
        id=uuid.uuid4(),
        event=AuditEvent.REFRESH,
        user_id=user_id,
        provider="dev",
        reason=None,
        ip="127.0.0.1",
        user_agent="test",
        occurred_at=datetime.now(UTC),
    )


async def _count(session_factory, user_id) -> int:
    async with session_factory() as session:
        return int(
            await session.scalar(
                text("SELECT count(*) FROM auth.login_audits WHERE user_id = :u"), {"u": user_id}
            )
        )


async def test_records_written_in_one_batch_when_flushed(pg_engine, pg_session_factory):
    log = BufferedSqlAuditLog(engine=pg_engine, delay_seconds=10)
    user = uuid.uuid4()
    for _ in range(250):
        await log.record(_audit(user))
    assert await _count(pg_session_factory, user) == 0
    await log.flush()
    assert await _count(pg_session_factory, user) == 250
    await log.close()


async def test_records_kept_and_written_later_when_database_was_down(pg_engine, pg_session_factory):
    dead = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none", connect_timeout=1)
    log = BufferedSqlAuditLog(engine=dead, delay_seconds=10)
    user = uuid.uuid4()
    await log.record(_audit(user))
    with pytest.raises(StorageUnavailable):
        await log.flush()
    log._engine = pg_engine
    await log.flush()
    assert await _count(pg_session_factory, user) == 1
    await dead.dispose()
    await log.close()


async def test_background_flush_writes_without_explicit_call(pg_engine, pg_session_factory):
    import asyncio

    log = BufferedSqlAuditLog(engine=pg_engine, delay_seconds=0.01)
    user = uuid.uuid4()
    await log.record(_audit(user))
    for _ in range(200):
        if await _count(pg_session_factory, user) == 1:
            break
        await asyncio.sleep(0.02)
    assert await _count(pg_session_factory, user) == 1
    await log.close()
