from __future__ import annotations

from apps.auth.application.common.ports import UserDirectory
from apps.auth.domain.errors import UserNotFound
from apps.auth.domain.token import TokenClaims
from apps.auth.domain.user import User


class GetCurrentUserQuery:
    """The user behind a valid access token, as the owner of users knows them."""

    def __init__(self, *, users: UserDirectory) -> None:
        self._users = users

    async def execute(self, caller: TokenClaims) -> User:
        user = await self._users.find(caller.sub)
        if user is None:
            raise UserNotFound()
        return user
