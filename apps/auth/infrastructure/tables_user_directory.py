from __future__ import annotations

from uuid import UUID

from apps.auth.application.common.ports import (
    Clock,
    IdGenerator,
    SignedIn,
    UnitOfWork,
    UnitOfWorkFactory,
)
from apps.auth.domain.errors import AlreadyLinked, UserAlreadyExists
from apps.auth.domain.user import ProviderProfile, User


class TablesUserDirectory:
    """Users in this service's own tables (`auth.users`, or the embedded store).

    The default wherever no users service is configured. A sign-in writes in the caller's
    transaction: an existing user's row stays locked until the login commits, so a concurrent
    deletion waits for it. Two first logins of one identity race on the identity's unique key;
    the loser reads the winner's user instead of failing.
    """

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    async def sign_in(self, profile: ProviderProfile, uow: UnitOfWork) -> SignedIn:
        try:
            return await self._sign_in_once(profile, uow)
        except (AlreadyLinked, UserAlreadyExists):
            # The repository writes under a savepoint, so the transaction is still usable.
            return await self._sign_in_once(profile, uow)

    async def _sign_in_once(self, profile: ProviderProfile, uow: UnitOfWork) -> SignedIn:
        now = self._clock.now()
        user = await uow.users.get_by_identity(profile.identity)
        is_new = user is None
        if user is None:
            user = User.register(
                user_id=self._ids.new_uuid(),
                account_id=self._ids.new_uuid(),
                profile=profile,
                now=now,
            )
        else:
            user.record_login(profile, now)
        await uow.users.save(user)
        return SignedIn(user_id=user.id, is_new=is_new)

    async def find(self, user_id: UUID) -> User | None:
        async with self._uow() as uow:
            return await uow.users.get(user_id)

    async def delete(self, user_id: UUID) -> bool:
        async with self._uow() as uow:
            deleted = await uow.users.delete(user_id)
            await uow.commit()
        return deleted
