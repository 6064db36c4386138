from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from apps.auth.domain.audit import LoginAudit
from apps.auth.infrastructure.persistence_postgres.database import driver_connection
from apps.auth.infrastructure.persistence_postgres.errors import translate_errors
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_audit_log import audit_values
from apps.auth.infrastructure.persistence_postgres.tables import login_audits

# v2's field names are the table's keys; COPY wants the database's (v1's) column names.
_KEYS = [column.key for column in login_audits.columns if column.key != "jti"]
_COLUMNS = [login_audits.c[key].name for key in _KEYS]

logger = logging.getLogger("auth.audit")


class BufferedSqlAuditLog:
    """Audit records of the hot paths (refresh, logout), written in batches a few ms later.

    A refresh must not wait for a disk flush: records queue here and one background write
    inserts them together. If Postgres is down they stay queued and are retried; a full queue
    makes callers wait for a write instead of dropping records.
    """

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        delay_seconds: float = 0.2,
        max_batch: int = 1000,
        max_pending: int = 50_000,
    ) -> None:
        self._engine = engine
        self._delay = delay_seconds
        self._max_batch = max_batch
        self._max_pending = max_pending
        self._pending: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def record(self, audit: LoginAudit) -> None:
        self._pending.append(audit_values(audit))
        if len(self._pending) >= self._max_pending:
            await self.flush()
        elif self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush_later(), name="audit-flush")

    async def flush(self) -> None:
        async with self._lock:
            while self._pending:
                batch = self._pending[: self._max_batch]
                await self._write(batch)
                del self._pending[: len(batch)]

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.flush()

    async def _flush_later(self) -> None:
        delay = self._delay
        while self._pending:
            await asyncio.sleep(delay)
            try:
                await self.flush()
            except Exception:
                logger.warning(
                    "audit write failed; records kept for retry",
                    extra={"queued": len(self._pending)},
                )
                delay = min(delay * 2, 5.0)

    @translate_errors
    async def _write(self, batch: list[dict[str, Any]]) -> None:
        """One COPY per batch; losing the last WAL flush on a database crash is acceptable here."""
        async with driver_connection(self._engine) as driver, driver.transaction():
            await driver.execute("SET LOCAL synchronous_commit = off")
            await driver.copy_records_to_table(
                login_audits.name,
                schema_name=login_audits.schema,
                columns=_COLUMNS,
                records=[tuple(row[k] for k in _KEYS) for row in batch],
            )
