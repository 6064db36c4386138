from __future__ import annotations

from typing import Protocol
from uuid import UUID

from apps.auth.domain.audit import LoginAudit
from apps.auth.domain.user import ProviderIdentity, User


class UserRepository(Protocol):
    async def get(self, user_id: UUID) -> User | None: ...

    async def get_by_identity(self, identity: ProviderIdentity) -> User | None: ...

    async def save(self, user: User) -> None: ...

    async def delete(self, user_id: UUID) -> bool: ...


class AuditLog(Protocol):
    async def record(self, audit: LoginAudit) -> None: ...
