from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from apps.auth.domain.audit import LoginAudit
from apps.auth.domain.user import ProviderIdentity, ProviderProfile, User


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


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedIn:
    user_id: UUID
    is_new: bool


class UserDirectory(Protocol):
    """The owner of users: who a provider identity is, who a user id is, and deleting one.

    `sign_in` writes through the caller's unit of work where the owner is this service's own
    tables, so the user commits with the login's audit or not at all; a remote owner commits
    on its own (its get-or-create is keyed by the identity, so a repeat finds the same user).
    Errors: IdentityUnavailable when the owner does not answer in time, IdentityInvalid when
    its answer cannot be used; nothing is written on our side in either case.
    """

    async def sign_in(self, profile: ProviderProfile, uow: UnitOfWork) -> SignedIn: ...

    async def find(self, user_id: UUID) -> User | None: ...

    async def delete(self, user_id: UUID) -> bool: ...


class UserExistence(Protocol):
    """Whether the owner of users still knows a user id: the one question a refresh asks.
    IdentityUnavailable (or a storage error) when it cannot answer."""

    async def exists(self, user_id: UUID) -> bool: ...
