from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID


class Clock(Protocol):
    def now(self) -> datetime: ...


class IdGenerator(Protocol):
    def new_uuid(self) -> UUID: ...

    def new_token_id(self) -> str: ...

    def new_secret(self) -> str: ...


class TransactionManager(Protocol):
    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
