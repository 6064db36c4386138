from __future__ import annotations

from types import TracebackType
from typing import Self

from apps.auth.infrastructure.memory.memory_audit_log import MemoryAuditLog
from apps.auth.infrastructure.memory.memory_store import MemoryStore, StagedChanges
from apps.auth.infrastructure.memory.memory_user_repository import MemoryUserRepository


class MemoryUnitOfWork:
    """A transaction over the embedded store: staged writes become visible only on commit."""

    def __init__(self, *, store: MemoryStore) -> None:
        self._changes = StagedChanges(store=store)
        self.users = MemoryUserRepository(unit=self._changes)
        self.audit = MemoryAuditLog(unit=self._changes)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._changes.rollback()

    async def commit(self) -> None:
        self._changes.commit()

    async def rollback(self) -> None:
        self._changes.rollback()
