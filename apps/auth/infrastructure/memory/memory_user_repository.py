from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from apps.auth.domain.errors import UserAlreadyExists, UserNotFound
from apps.auth.domain.user import ProviderIdentity, User
from apps.auth.infrastructure.memory.memory_store import StagedChanges


class MemoryUserRepository:
    """Users held in a unit of work; behaves like the Postgres repository, including conflicts."""

    def __init__(self, *, unit: StagedChanges) -> None:
        self._unit = unit

    async def get(self, user_id: UUID) -> User | None:
        user = self._unit.find_user(user_id)
        return None if user is None else user.snapshot()

    async def get_by_identity(self, identity: ProviderIdentity) -> User | None:
        for user in self._unit.visible_users().values():
            if user.account_for(identity) is not None:
                return user.snapshot()
        return None

    async def save(self, user: User) -> None:
        """Same rules as Postgres: a stored user whose row is gone is not brought back."""
        exists = self._unit.find_user(user.id) is not None
        if user.stored and not exists:
            raise UserNotFound("the account was deleted while this change was made")
        if not user.stored and exists:
            raise UserAlreadyExists()
        self._unit.stage_user(_stored_copy(user), created=not user.stored)
        user.stored = True

    async def delete(self, user_id: UUID) -> bool:
        if self._unit.find_user(user_id) is None:
            return False
        self._unit.stage_delete(user_id)
        return True


def _stored_copy(user: User) -> User:
    # Same shape as a row read back from Postgres: accounts owned by the user, in connection order.
    accounts = [replace(a, user_id=user.id) for a in user.social_accounts]
    accounts.sort(key=lambda a: (a.connected_at, a.id))
    return replace(user, social_accounts=accounts, stored=True)
