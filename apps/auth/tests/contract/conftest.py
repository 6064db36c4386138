from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from apps.auth.application.common.ports import TransactionManager
from apps.auth.application.user.ports import AuditLog, UserRepository
from apps.auth.tests.contract.backends import MemoryStorage, PostgresStorage, Storage, Unit
from apps.auth.tests.pg import pg_database_url, pg_engine, pg_session_factory  # noqa: F401


@pytest.fixture(params=["postgres", "memory"])
def storage(request: pytest.FixtureRequest) -> Storage:
    if request.param == "postgres":
        return PostgresStorage(request.getfixturevalue("pg_session_factory"))
    return MemoryStorage()


@pytest_asyncio.fixture
async def unit(storage: Storage) -> AsyncIterator[Unit]:
    async with storage.unit() as current:
        yield current


@pytest.fixture
def user_repository(unit: Unit) -> UserRepository:
    return unit.users


@pytest.fixture
def audit_log(unit: Unit) -> AuditLog:
    return unit.audit_log


@pytest.fixture
def transaction_manager(unit: Unit) -> TransactionManager:
    return unit.transaction
