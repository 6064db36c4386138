"""A deleted user never comes back: not under its id, not through a login that loaded it first."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from apps.auth.application.common.ports import UnitOfWork, UserRepository
from apps.auth.domain.errors import UserAlreadyExists, UserNotFound
from apps.auth.domain.user import User
from apps.auth.tests.contract.backends import Storage
from apps.auth.tests.contract.builders import T0, new_user, profile, saved


async def _delete_elsewhere(storage: Storage, user_id: UUID) -> None:
    async with storage.unit() as other:
        assert await other.users.delete(user_id)
        await other.commit()


async def test_user_not_found_raised_when_loaded_user_saved_after_deletion(
    user_repository: UserRepository, transaction_manager: UnitOfWork, storage: Storage
) -> None:
    user = await saved(user_repository, transaction_manager)
    identity = user.social_accounts[0].identity
    returning = await user_repository.get_by_identity(identity)
    assert returning is not None
    await transaction_manager.commit()

    await _delete_elsewhere(storage, user.id)
    returning.record_login(profile(identity.provider, identity.subject), T0 + timedelta(hours=1))

    with pytest.raises(UserNotFound) as raised:
        await user_repository.save(returning)
    await transaction_manager.commit()

    assert raised.value.code == "USER_NOT_FOUND"
    async with storage.unit() as later:
        assert await later.users.get(user.id) is None
        assert await later.users.get_by_identity(identity) is None


async def test_user_already_exists_raised_when_new_user_reuses_a_stored_id(
    user_repository: UserRepository, transaction_manager: UnitOfWork, storage: Storage
) -> None:
    owner = await saved(user_repository, transaction_manager)
    impostor = replace(new_user("google"), id=owner.id)

    with pytest.raises(UserAlreadyExists):
        await user_repository.save(impostor)
    await transaction_manager.commit()

    async with storage.unit() as later:
        assert await later.users.get(owner.id) == owner


async def test_fresh_id_kept_when_identity_signs_up_again_after_deletion(
    user_repository: UserRepository, transaction_manager: UnitOfWork, storage: Storage
) -> None:
    user = await saved(user_repository, transaction_manager)
    identity = user.social_accounts[0].identity
    await _delete_elsewhere(storage, user.id)

    assert await user_repository.get_by_identity(identity) is None
    again = new_user(identity.provider, identity.subject)
    await user_repository.save(again)
    await transaction_manager.commit()

    async with storage.unit() as later:
        found = await later.users.get_by_identity(identity)
        assert found is not None and found.id == again.id != user.id
        assert await later.users.get(user.id) is None


async def test_loaded_user_marked_stored_and_new_user_not_when_read_back(
    user_repository: UserRepository, transaction_manager: UnitOfWork
) -> None:
    user = new_user()
    assert user.stored is False

    await user_repository.save(user)
    await transaction_manager.commit()

    loaded = await user_repository.get(user.id)
    assert user.stored is True
    assert loaded is not None and loaded.stored is True


async def test_account_email_dropped_when_longer_than_any_address(
    user_repository: UserRepository, transaction_manager: UnitOfWork, storage: Storage
) -> None:
    too_long = "a" * 310 + "@example.com"
    user = User.register(
        user_id=uuid4(),
        account_id=uuid4(),
        profile=profile("google", email=too_long),
        now=T0,
    )

    await user_repository.save(user)
    await transaction_manager.commit()

    async with storage.unit() as later:
        stored = await later.users.get(user.id)
    assert stored is not None
    assert (stored.email, stored.social_accounts[0].email) == (too_long, None)
