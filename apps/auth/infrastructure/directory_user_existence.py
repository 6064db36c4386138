from __future__ import annotations

from uuid import UUID

from apps.auth.application.common.ports import UserDirectory


class DirectoryUserExistence:
    """Existence as the owner of users answers `find`: for an owner with no cheaper question
    (the users service's `GetUser`, the embedded tables)."""

    def __init__(self, *, directory: UserDirectory) -> None:
        self._directory = directory

    async def exists(self, user_id: UUID) -> bool:
        return await self._directory.find(user_id) is not None
