from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from apps.auth.domain.errors import AlreadyLinked, StorageUnavailable
from apps.auth.domain.user import ProviderIdentity
from apps.auth.infrastructure.persistence_postgres.database import (
    create_engine,
    create_session_factory,
)
from apps.auth.infrastructure.persistence_postgres.errors import UnexpectedStorageError
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_audit_log import SqlAlchemyAuditLog
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_unit_of_work import (
    SqlAlchemyUnitOfWork,
)
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_user_repository import (
    SqlAlchemyUserRepository,
)
from apps.auth.tests.contract.builders import audit, link, new_user

CLOSED_PORT_URL = "postgresql+asyncpg://postgres@127.0.0.1:1/test"


@pytest_asyncio.fixture
async def closed_port_sessions() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(CLOSED_PORT_URL)
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()


async def test_storage_unavailable_raised_when_every_call_hits_closed_port(
    closed_port_sessions: async_sessionmaker[AsyncSession],
) -> None:
    user = new_user()
    async with closed_port_sessions() as session:
        users = SqlAlchemyUserRepository(session=session)
        calls = [
            users.get(user.id),
            users.get_by_identity(ProviderIdentity(provider="kakao", subject="k")),
            users.save(user),
            users.delete(user.id),
            SqlAlchemyAuditLog(session=session).record(audit()),
        ]
        for call in calls:
            with pytest.raises(StorageUnavailable):
                await call


async def test_storage_unavailable_raised_when_connection_killed_mid_transaction(
    pg_session_factory: async_sessionmaker[AsyncSession], pg_engine: AsyncEngine
) -> None:
    async with SqlAlchemyUnitOfWork(session_factory=pg_session_factory) as uow:
        await uow.users.save(new_user())
        async with pg_engine.connect() as admin:
            pid = await admin.scalar(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state = 'idle in transaction'"
                )
            )
            await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

        with pytest.raises(StorageUnavailable):
            await uow.users.save(new_user())
        with pytest.raises(StorageUnavailable):
            await uow.commit()
        await uow.rollback()

    async with SqlAlchemyUnitOfWork(session_factory=pg_session_factory) as fresh:
        assert await fresh.users.get(new_user().id) is None


async def test_storage_unavailable_raised_when_query_outlasts_command_timeout(
    pg_database_url: str, pg_engine: AsyncEngine
) -> None:
    impatient = create_engine(pg_database_url, command_timeout=0.3)
    try:
        async with pg_engine.connect() as blocker:
            await blocker.execute(text("LOCK TABLE auth.users IN ACCESS EXCLUSIVE MODE"))
            async with create_session_factory(impatient)() as session:
                with pytest.raises(StorageUnavailable):
                    await SqlAlchemyUserRepository(session=session).get(new_user().id)
            await blocker.rollback()
    finally:
        await impatient.dispose()


async def test_already_linked_raised_when_unique_identity_violated_across_sessions(
    pg_session_factory: async_sessionmaker[AsyncSession],
) -> None:
    owner = new_user("google")
    async with pg_session_factory() as session:
        await SqlAlchemyUserRepository(session=session).save(owner)
        await session.commit()

    intruder = new_user("naver")
    link(intruder, owner.social_accounts[0].identity, owner.created_at)
    async with pg_session_factory() as session:
        with pytest.raises(AlreadyLinked):
            await SqlAlchemyUserRepository(session=session).save(intruder)


async def test_unexpected_storage_error_raised_when_other_constraint_violated(
    pg_session_factory: async_sessionmaker[AsyncSession],
) -> None:
    record = audit()
    async with pg_session_factory() as session:
        log = SqlAlchemyAuditLog(session=session)
        await log.record(record)

        with pytest.raises(UnexpectedStorageError) as raised:
            await log.record(record)

    assert not isinstance(raised.value, AlreadyLinked)


async def test_cancellation_propagates_when_call_cancelled(
    pg_session_factory: async_sessionmaker[AsyncSession], pg_engine: AsyncEngine
) -> None:
    async with pg_engine.connect() as blocker:
        await blocker.execute(text("LOCK TABLE auth.users IN ACCESS EXCLUSIVE MODE"))
        async with pg_session_factory() as session:
            call = asyncio.create_task(SqlAlchemyUserRepository(session=session).get(new_user().id))
            await asyncio.sleep(0.1)
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call
        await blocker.rollback()
