from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from apps.auth.application.common.ports import AuditLog, UnitOfWork, UserRepository
from apps.auth.tests.contract.backends import MemoryStorage, PostgresStorage, Storage
from apps.auth.tests.pg import pg_database_url, pg_engine, pg_session_factory  # noqa: F401


@pytest.fixture(params=["postgres", "memory"])
def storage(request: pytest.FixtureRequest) -> Storage:
    if request.param == "postgres":
        return PostgresStorage(request.getfixturevalue("pg_engine"))
    return MemoryStorage()


@pytest_asyncio.fixture
async def unit(storage: Storage) -> AsyncIterator[UnitOfWork]:
    async with storage.unit() as current:
        yield current
    await storage.close()


@pytest.fixture
def user_repository(unit: UnitOfWork) -> UserRepository:
    return unit.users


@pytest.fixture
def audit_log(unit: UnitOfWork) -> AuditLog:
    return unit.audit


@pytest.fixture
def transaction_manager(unit: UnitOfWork) -> UnitOfWork:
    return unit
