from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from apps.auth.domain.audit import LoginAudit
from apps.auth.domain.user import ProviderIdentity, User


class Clock(Protocol):
    def now(self) -> datetime: ...


class IdGenerator(Protocol):
    def new_uuid(self) -> UUID: ...

    def new_token_id(self) -> str: ...

    def new_secret(self) -> str: ...


class UserRepository(Protocol):
    async def get(self, user_id: UUID) -> User | None: ...

    async def get_by_identity(self, identity: ProviderIdentity) -> User | None: ...

    async def save(self, user: User) -> None: ...

    async def delete(self, user_id: UUID) -> bool: ...


class AuditLog(Protocol):
    async def record(self, audit: LoginAudit) -> None: ...


class UnitOfWork(Protocol):
    """One transaction over the users and their audit trail.

    Nothing is written until `commit`; leaving the block without committing rolls back.
    """

    @property
    def users(self) -> UserRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
