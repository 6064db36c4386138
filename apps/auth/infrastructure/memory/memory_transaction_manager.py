from __future__ import annotations

from apps.auth.infrastructure.memory.memory_unit_of_work import MemoryUnitOfWork


class MemoryTransactionManager:
    def __init__(self, unit: MemoryUnitOfWork) -> None:
        self._unit = unit

    async def commit(self) -> None:
        self._unit.commit()

    async def rollback(self) -> None:
        self._unit.rollback()
