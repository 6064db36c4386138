from __future__ import annotations

from apps.auth.application.user.ports import UserRepository
from apps.auth.domain.errors import UserNotFound
from apps.auth.domain.token import TokenClaims
from apps.auth.domain.user import User


class GetCurrentUserQuery:
    """The user behind a valid access token, with the providers linked to it."""

    def __init__(self, users: UserRepository) -> None:
        self._users = users

    async def execute(self, caller: TokenClaims) -> User:
        user = await self._users.get(caller.sub)
        if user is None:
            raise UserNotFound()
        return user
