from __future__ import annotations

from apps.auth.application.common.ports import UnitOfWorkFactory
from apps.auth.domain.errors import UserNotFound
from apps.auth.domain.token import TokenClaims
from apps.auth.domain.user import User


class GetCurrentUserQuery:
    """The user behind a valid access token, with the providers linked to it."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, caller: TokenClaims) -> User:
        async with self._uow() as uow:
            user = await uow.users.get(caller.sub)
        if user is None:
            raise UserNotFound()
        return user
