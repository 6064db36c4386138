"""`DELETE /me` racing a login of the same user, on real Postgres: the deleted id never returns.

Each round forces one order of the two transactions' steps (the delete before the login's
read, between its read and its save, while its save holds the row, after its commit, or no
order at all) and checks what must hold whatever the order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apps.auth.domain.errors import UserNotFound
from apps.auth.domain.user import ProviderIdentity, ProviderProfile, User
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_user_repository import (
    SqlAlchemyUserRepository,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)
ORDERS = ["before_read", "after_read", "while_saved", "after_commit", "unordered"]
Step = Callable[[str], Awaitable[None]]


async def _seed(factory: async_sessionmaker[AsyncSession], identity: ProviderIdentity) -> UUID:
    user = User.register(
        user_id=uuid4(), account_id=uuid4(), profile=ProviderProfile(identity=identity), now=T0
    )
    async with factory() as session:
        await SqlAlchemyUserRepository(session=session).save(user)
        await session.commit()
    return user.id


async def _login(
    factory: async_sessionmaker[AsyncSession], identity: ProviderIdentity, step: Step
) -> UUID | str:
    """What the callback does with the repository: find by identity, register or update, save."""
    async with factory() as session:
        users = SqlAlchemyUserRepository(session=session)
        now = T0 + timedelta(minutes=1)
        await step("read")
        user = await users.get_by_identity(identity)
        await step("read done")
        profile = ProviderProfile(identity=identity, nickname="again")
        if user is None:
            user = User.register(user_id=uuid4(), account_id=uuid4(), profile=profile, now=now)
        else:
            user.record_login(profile, now)
        try:
            await users.save(user)
        except UserNotFound:
            return "user not found"
        await step("saved")
        await session.commit()
        await step("committed")
        return user.id


async def _delete(factory: async_sessionmaker[AsyncSession], user_id: UUID) -> bool:
    async with factory() as session:
        deleted = await SqlAlchemyUserRepository(session=session).delete(user_id)
        await session.commit()
        return deleted


async def _delete_blocked(factory: async_sessionmaker[AsyncSession]) -> None:
    """Returns once a delete waits for the login's row lock (nothing else takes locks here)."""
    async with factory() as session:
        for _ in range(500):
            waiting = await session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            )
            await session.rollback()
            if waiting:
                return
            await asyncio.sleep(0.01)
    raise AssertionError("the delete never waited for the login's lock")


async def _race(
    factory: async_sessionmaker[AsyncSession], order: str
) -> tuple[UUID, UUID | str, bool]:
    identity = ProviderIdentity(provider="kakao", subject=uuid4().hex)
    old_id = await _seed(factory, identity)
    deletion: asyncio.Task[bool] | None = None

    async def step(point: str) -> None:
        nonlocal deletion
        if (order, point) in {("before_read", "read"), ("after_read", "read done")}:
            assert await _delete(factory, old_id)
        elif (order, point) in {("while_saved", "saved")}:
            deletion = asyncio.create_task(_delete(factory, old_id))
            await _delete_blocked(factory)
        elif (order, point) == ("after_commit", "committed"):
            assert await _delete(factory, old_id)

    if order == "unordered":
        outcome, deleted = await asyncio.gather(
            _login(factory, identity, step), _delete(factory, old_id)
        )
        return old_id, outcome, deleted
    outcome = await _login(factory, identity, step)
    deleted = True if deletion is None else await deletion
    return old_id, outcome, deleted


@pytest.mark.parametrize("round_number", range(20))
async def test_deleted_id_never_returns_when_delete_races_login(
    pg_session_factory: async_sessionmaker[AsyncSession], round_number: int
) -> None:
    order = ORDERS[round_number % len(ORDERS)]

    old_id, outcome, deleted = await _race(pg_session_factory, order)

    assert deleted is True
    async with pg_session_factory() as session:
        remaining = await session.scalar(
            text("SELECT count(*) FROM auth.users WHERE id = :id"), {"id": old_id}
        )
        orphans = await session.scalar(
            text("SELECT count(*) FROM auth.user_social_accounts WHERE user_id = :id"),
            {"id": old_id},
        )
    assert (remaining, orphans) == (0, 0)
    if isinstance(outcome, UUID) and outcome != old_id:
        async with pg_session_factory() as session:
            found = await SqlAlchemyUserRepository(session=session).get(outcome)
        assert found is not None and found.nickname == "again"
    expected = {
        "after_read": "user not found",
        "while_saved": old_id,
        "after_commit": old_id,
    }
    if order == "before_read":
        assert isinstance(outcome, UUID) and outcome != old_id
    elif order in expected:
        assert outcome == expected[order]
    else:
        assert outcome == "user not found" or isinstance(outcome, UUID)
