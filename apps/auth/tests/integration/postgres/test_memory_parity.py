"""The memory adapters back the embedded mode and the unit tests, so they must answer exactly
as Postgres does; random sequences of writes, commits and rollbacks are run against both."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from apps.auth.application.common.ports import UnitOfWork
from apps.auth.domain.errors import AlreadyLinked
from apps.auth.domain.user import ProviderIdentity, User
from apps.auth.tests.contract.backends import MemoryStorage, PostgresStorage, Storage
from apps.auth.tests.contract.builders import T0, link
from apps.auth.tests.pg import truncate_tables

IDENTITIES = [
    ProviderIdentity(provider=p, subject=s) for p in ("kakao", "google") for s in ("a", "b")
]
USER_IDS = [UUID(int=n) for n in range(1, 4)]

operations = st.lists(
    st.one_of(
        st.tuples(st.just("save"), st.sampled_from(USER_IDS), st.sampled_from(IDENTITIES)),
        st.tuples(st.just("delete"), st.sampled_from(USER_IDS)),
        st.tuples(st.just("commit")),
        st.tuples(st.just("rollback")),
    ),
    max_size=12,
)


async def apply(unit: UnitOfWork, operation: tuple[object, ...], step: int) -> object:
    match operation:
        case ("save", UUID() as user_id, ProviderIdentity() as identity):
            now = T0 + timedelta(seconds=step)
            user = await unit.users.get(user_id) or User(
                id=user_id,
                nickname=f"user {step}",
                email=None,
                profile_image_url=None,
                created_at=now,
                updated_at=now,
            )
            if user.account_for(identity) is None:
                link(user, identity, now).id = UUID(int=1000 + step)
            try:
                await unit.users.save(user)
            except AlreadyLinked:
                return "already linked"
            return "saved"
        case ("delete", UUID() as user_id):
            return await unit.users.delete(user_id)
        case ("commit",):
            await unit.commit()
        case ("rollback",):
            await unit.rollback()
    return None


async def run(storage: Storage, script: list[tuple[object, ...]]) -> list[object]:
    async with storage.unit() as unit:
        outcomes = [await apply(unit, op, step) for step, op in enumerate(script)]
        await unit.commit()
    async with storage.unit() as unit:
        outcomes += [await unit.users.get(user_id) for user_id in USER_IDS]
        outcomes += [await unit.users.get_by_identity(i) for i in IDENTITIES]
    return outcomes


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(script=operations)
async def test_same_outcomes_when_memory_and_postgres_run_same_operations(
    pg_engine: AsyncEngine,
    pg_session_factory: async_sessionmaker[AsyncSession],
    script: list[tuple[object, ...]],
) -> None:
    await truncate_tables(pg_engine)

    expected = await run(PostgresStorage(pg_engine), script)

    assert await run(MemoryStorage(), script) == expected
