from __future__ import annotations

from datetime import timedelta, timezone
from uuid import uuid4

import pytest

from apps.auth.application.common.ports import UnitOfWork, UserRepository
from apps.auth.domain.errors import AlreadyLinked
from apps.auth.domain.user import ProviderIdentity
from apps.auth.tests.contract.backends import Storage
from apps.auth.tests.contract.builders import T0, link, new_user, profile, saved


async def test_user_round_trips_when_saved_and_committed(
    user_repository: UserRepository, transaction_manager: UnitOfWork, storage: Storage
) -> None:
    user = await saved(user_repository, transaction_manager)

    async with storage.unit() as other:
        assert await other.users.get(user.id) == user


async def test_user_found_when_looked_up_by_linked_identity(
    user_repository: UserRepository, transaction_manager: UnitOfWork
) -> None:
    user = await saved(user_repository, transaction_manager)

    found = await user_repository.get_by_identity(user.social_accounts[0].identity)

    assert found is not None
    assert found.id == user.id
    assert found.providers == ["kakao"]


async def test_none_returned_when_user_or_identity_unknown(
    user_repository: UserRepository, transaction_manager: UnitOfWork
) -> None:
    user = await saved(user_repository, transaction_manager)
    same_subject_other_provider = ProviderIdentity(
        provider="google", subject=user.social_accounts[0].identity.subject
    )

    assert await user_repository.get(uuid4()) is None
    assert (
        await user_repository.get_by_identity(ProviderIdentity(provider="kakao", subject="nobody"))
        is None
    )
    assert await user_repository.get_by_identity(same_subject_other_provider) is None


async def test_latest_profile_kept_when_returning_user_saved_again(
    user_repository: UserRepository, transaction_manager: UnitOfWork, storage: Storage
) -> None:
    user = await saved(user_repository, transaction_manager)
    identity = user.social_accounts[0].identity
    later = T0 + timedelta(days=3)

    loaded = await user_repository.get_by_identity(identity)
    assert loaded is not None
    loaded.record_login(profile(identity.provider, identity.subject, nickname="새이름"), later)
    await user_repository.save(loaded)
    await transaction_manager.commit()

    async with storage.unit() as other:
        stored = await other.users.get(user.id)
    assert stored is not None
    assert (stored.nickname, stored.last_login_at, stored.created_at) == ("새이름", later, T0)
    assert stored.social_accounts[0].last_login_at == later
    assert stored.social_accounts[0].connected_at == T0


async def test_accounts_listed_in_connection_order_when_second_provider_linked(
    user_repository: UserRepository, transaction_manager: UnitOfWork
) -> None:
    user = new_user("naver")
    google = ProviderIdentity(provider="google", subject="g-1")
    link(user, google, T0 + timedelta(minutes=5))
    await user_repository.save(user)
    await transaction_manager.commit()

    found = await user_repository.get_by_identity(google)

    assert found == user
    assert found.providers == ["google", "naver"]


async def test_account_unlinked_when_removed_from_user_and_saved(
    user_repository: UserRepository, transaction_manager: UnitOfWork
) -> None:
    user = new_user("kakao")
    google = ProviderIdentity(provider="google", subject="g-2")
    link(user, google, T0 + timedelta(minutes=5))
    await user_repository.save(user)
    await transaction_manager.commit()

    user.social_accounts = [a for a in user.social_accounts if a.identity != google]
    await user_repository.save(user)
    await transaction_manager.commit()

    assert await user_repository.get_by_identity(google) is None
    assert (await user_repository.get(user.id)) == user


async def test_already_linked_raised_when_identity_belongs_to_another_user(
    user_repository: UserRepository, transaction_manager: UnitOfWork
) -> None:
    owner = await saved(user_repository, transaction_manager)
    intruder = new_user()
    link(intruder, owner.social_accounts[0].identity, T0 + timedelta(minutes=1))

    with pytest.raises(AlreadyLinked) as raised:
        await user_repository.save(intruder)

    assert raised.value.code == "SOCIAL_ACCOUNT_CONFLICT"


async def test_stored_user_unchanged_when_caller_mutates_without_saving(
    user_repository: UserRepository, transaction_manager: UnitOfWork
) -> None:
    user = new_user()
    await user_repository.save(user)
    user.nickname = "changed after save"
    user.social_accounts[0].email = "changed@example.com"
    await transaction_manager.commit()

    loaded = await user_repository.get(user.id)
    assert loaded is not None
    loaded.nickname = "changed after load"
    loaded.social_accounts.clear()

    again = await user_repository.get(user.id)
    assert again is not None
    assert again.nickname == "에코"
    assert again.social_accounts[0].email == "eco@example.com"


async def test_user_and_accounts_gone_when_deleted(
    user_repository: UserRepository, transaction_manager: UnitOfWork, storage: Storage
) -> None:
    user = await saved(user_repository, transaction_manager)
    identity = user.social_accounts[0].identity

    assert await user_repository.delete(user.id) is True
    await transaction_manager.commit()

    async with storage.unit() as other:
        assert await other.users.get(user.id) is None
        assert await other.users.get_by_identity(identity) is None
        newcomer = new_user(identity.provider, identity.subject)
        await other.users.save(newcomer)
        await other.commit()
        assert await other.users.get_by_identity(identity) == newcomer


async def test_false_returned_when_deleting_unknown_user(
    user_repository: UserRepository,
) -> None:
    assert await user_repository.delete(uuid4()) is False


async def test_same_instant_returned_when_time_stored_with_another_offset(
    user_repository: UserRepository, transaction_manager: UnitOfWork
) -> None:
    seoul = T0.astimezone(timezone(timedelta(hours=9)))
    user = new_user(now=seoul)
    await user_repository.save(user)
    await transaction_manager.commit()

    loaded = await user_repository.get(user.id)

    assert loaded is not None
    assert loaded.created_at == T0
    assert loaded.social_accounts[0].connected_at == T0
