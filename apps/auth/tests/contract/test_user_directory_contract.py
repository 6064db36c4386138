"""One contract for every owner of users: this service's tables (embedded and Postgres) and
Eco²'s users service over gRPC (the double, on real Postgres)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.auth.application.common.ports import (
    SignedIn,
    UnitOfWorkFactory,
    UserDirectory,
    UserExistence,
)
from apps.auth.domain.user import ProviderIdentity, ProviderProfile
from apps.auth.infrastructure.directory_user_existence import DirectoryUserExistence
from apps.auth.infrastructure.memory.memory_store import MemoryStore
from apps.auth.infrastructure.memory.memory_unit_of_work import MemoryUnitOfWork
from apps.auth.infrastructure.persistence_postgres.database import create_session_factory
from apps.auth.infrastructure.persistence_postgres.postgres_user_existence import (
    PRESENT_QUERY,
    PostgresUserExistence,
)
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_unit_of_work import (
    SqlAlchemyUnitOfWork,
)
from apps.auth.infrastructure.persistence_postgres.tables import users
from apps.auth.infrastructure.system import RandomIdGenerator, SystemClock
from apps.auth.infrastructure.tables_user_directory import TablesUserDirectory
from apps.auth.infrastructure.users_grpc.grpc_user_directory import GrpcUserDirectory
from apps.auth.infrastructure.users_grpc.rpc_metrics import UsersRpcMetrics
from apps.auth.infrastructure.users_grpc.users_http_deletion import HttpAccountDeletion
from apps.auth.tests.fakes.users_service import UsersServiceDouble

Directory = tuple[UserDirectory, UnitOfWorkFactory]


@pytest_asyncio.fixture(params=["memory", "postgres", "users_service"])
async def directory(
    request: pytest.FixtureRequest, pg_engine: AsyncEngine, pg_database_url: str
) -> AsyncIterator[Directory]:
    clock, ids = SystemClock(), RandomIdGenerator()
    if request.param == "memory":
        store = MemoryStore()
        uow: UnitOfWorkFactory = lambda: MemoryUnitOfWork(store=store)  # noqa: E731
        yield TablesUserDirectory(uow=uow, clock=clock, ids=ids), uow
        return
    factory = create_session_factory(pg_engine)
    uow = lambda: SqlAlchemyUnitOfWork(session_factory=factory)  # noqa: E731
    if request.param == "postgres":
        yield TablesUserDirectory(uow=uow, clock=clock, ids=ids), uow
        return
    async with AsyncExitStack() as stack:
        double = await UsersServiceDouble(pg_database_url).start()
        stack.push_async_callback(double.close)
        metrics = UsersRpcMetrics.create()
        deletion = HttpAccountDeletion(base_url=double.http_url, timeout_seconds=2, metrics=metrics)
        stack.push_async_callback(deletion.aclose)
        grpc_directory = GrpcUserDirectory(
            target=double.target, timeout_seconds=2, attempts=2, deletion=deletion, metrics=metrics
        )
        stack.push_async_callback(grpc_directory.aclose)
        yield grpc_directory, uow


def _profile(subject: str, provider: str = "kakao") -> ProviderProfile:
    return ProviderProfile(
        identity=ProviderIdentity(provider=provider, subject=subject),
        email="eco@example.com",
        nickname="에코",
    )


async def _sign_in(directory: Directory, profile: ProviderProfile) -> SignedIn:
    users, uow = directory
    async with uow() as unit:
        signed_in = await users.sign_in(profile, unit)
        await unit.commit()
    return signed_in


async def test_new_then_same_user_when_one_identity_signs_in_twice(directory: Directory) -> None:
    first = await _sign_in(directory, _profile("c-1"))
    second = await _sign_in(directory, _profile("c-1"))

    assert first.is_new and not second.is_new
    assert first.user_id == second.user_id


async def test_different_users_when_identities_differ(directory: Directory) -> None:
    one = await _sign_in(directory, _profile("c-2"))
    other_subject = await _sign_in(directory, _profile("c-3"))
    other_provider = await _sign_in(directory, _profile("c-2", "naver"))

    assert len({one.user_id, other_subject.user_id, other_provider.user_id}) == 3


async def test_found_with_profile_when_signed_in(directory: Directory) -> None:
    signed_in = await _sign_in(directory, _profile("c-4"))

    user = await directory[0].find(signed_in.user_id)

    assert user is not None
    assert (user.id, user.nickname) == (signed_in.user_id, "에코")
    assert user.last_login_at is not None


async def test_nothing_found_when_user_id_unknown(directory: Directory) -> None:
    assert await directory[0].find(uuid.uuid4()) is None


async def test_gone_and_new_id_when_deleted_user_signs_in_again(directory: Directory) -> None:
    signed_in = await _sign_in(directory, _profile("c-5"))

    assert await directory[0].delete(signed_in.user_id) is True
    assert await directory[0].find(signed_in.user_id) is None
    assert await directory[0].delete(signed_in.user_id) is False
    again = await _sign_in(directory, _profile("c-5"))
    assert again.is_new and again.user_id != signed_in.user_id


async def test_one_user_when_twenty_first_sign_ins_race(directory: Directory) -> None:
    attempts: list[Callable[[], Awaitable[SignedIn]]] = [
        lambda: _sign_in(directory, _profile("c-race")) for _ in range(20)
    ]

    results = await asyncio.gather(*(attempt() for attempt in attempts))

    assert len({r.user_id for r in results}) == 1
    assert sum(r.is_new for r in results) <= 1


@pytest.fixture
def existence(
    request: pytest.FixtureRequest, directory: Directory, pg_engine: AsyncEngine
) -> UserExistence:
    """How a refresh asks each owner whether a user still exists: Postgres tables through
    their own query, the others through `find`."""
    if request.node.callspec.params["directory"] == "postgres":
        return PostgresUserExistence(engine=pg_engine)
    return DirectoryUserExistence(directory=directory[0])


async def test_exists_while_signed_up_and_not_once_deleted_or_never_known(
    directory: Directory, existence: UserExistence
) -> None:
    signed_in = await _sign_in(directory, _profile("c-exists"))

    assert await existence.exists(signed_in.user_id) is True
    assert await existence.exists(uuid.uuid4()) is False
    assert await directory[0].delete(signed_in.user_id) is True
    assert await existence.exists(signed_in.user_id) is False


def test_the_existence_query_reads_the_users_table() -> None:
    assert f"FROM {users.schema}.{users.name} WHERE id = ANY($1" in PRESENT_QUERY
    assert [column.name for column in users.primary_key.columns] == ["id"]
