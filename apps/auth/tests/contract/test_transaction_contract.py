"""What a unit of work guarantees: staged writes, rollback, and conflicts between units."""

from __future__ import annotations

import asyncio

import pytest

from apps.auth.application.common.ports import UnitOfWork, UserRepository
from apps.auth.domain.errors import AlreadyLinked
from apps.auth.domain.user import ProviderIdentity, User
from apps.auth.tests.contract.backends import Storage
from apps.auth.tests.contract.builders import new_user, saved


async def test_transaction_still_usable_when_save_raised_already_linked(
    user_repository: UserRepository, transaction_manager: UnitOfWork, storage: Storage
) -> None:
    owner = await saved(user_repository, transaction_manager)
    intruder = new_user("kakao", owner.social_accounts[0].identity.subject)
    bystander = new_user("google")
    await user_repository.save(bystander)

    with pytest.raises(AlreadyLinked):
        await user_repository.save(intruder)
    await transaction_manager.commit()

    async with storage.unit() as other:
        assert await other.users.get(intruder.id) is None
        assert await other.users.get(bystander.id) == bystander
        assert await other.users.get(owner.id) == owner


async def test_exactly_one_user_wins_when_two_units_link_same_identity(
    storage: Storage,
) -> None:
    rivals = [new_user("kakao", "shared-subject"), new_user("kakao", "shared-subject")]

    async def register(user: User) -> None:
        async with storage.unit() as unit:
            await unit.users.save(user)
            await asyncio.sleep(0.05)
            await unit.commit()

    outcomes = await asyncio.gather(*(register(u) for u in rivals), return_exceptions=True)

    assert sorted(type(o).__name__ for o in outcomes) == ["AlreadyLinked", "NoneType"]
    winner = rivals[outcomes.index(None)]
    async with storage.unit() as unit:
        found = await unit.users.get_by_identity(
            ProviderIdentity(provider="kakao", subject="shared-subject")
        )
    assert found == winner


async def test_user_absent_when_transaction_rolled_back(
    user_repository: UserRepository, transaction_manager: UnitOfWork, storage: Storage
) -> None:
    user = new_user()
    await user_repository.save(user)
    assert await user_repository.get(user.id) == user

    await transaction_manager.rollback()

    assert await user_repository.get(user.id) is None
    async with storage.unit() as other:
        assert await other.users.get(user.id) is None


async def test_uncommitted_user_invisible_when_read_from_another_unit(
    user_repository: UserRepository, storage: Storage
) -> None:
    user = new_user()
    await user_repository.save(user)

    async with storage.unit() as other:
        assert await other.users.get(user.id) is None


async def test_user_kept_when_delete_rolled_back(
    user_repository: UserRepository, transaction_manager: UnitOfWork
) -> None:
    user = await saved(user_repository, transaction_manager)

    assert await user_repository.delete(user.id) is True
    assert await user_repository.get(user.id) is None
    await transaction_manager.rollback()

    assert await user_repository.get(user.id) == user
