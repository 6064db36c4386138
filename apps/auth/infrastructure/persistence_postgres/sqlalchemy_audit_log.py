from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from apps.auth.domain.audit import LoginAudit
from apps.auth.infrastructure.persistence_postgres.errors import translate_errors
from apps.auth.infrastructure.persistence_postgres.tables import (
    IP_LENGTH,
    PROVIDER_LENGTH,
    REASON_LENGTH,
    USER_AGENT_LENGTH,
    login_audits,
)


class SqlAlchemyAuditLog:
    """Audit records written in the caller's session: they commit or roll back with its work."""

    def __init__(self, *, session: AsyncSession) -> None:
        self._session = session

    @translate_errors
    async def record(self, audit: LoginAudit) -> None:
        await self._session.execute(insert(login_audits).values(audit_values(audit)))


def _clip(value: str | None, length: int) -> str | None:
    return None if value is None else value[:length]


def audit_values(audit: LoginAudit) -> dict[str, Any]:
    """Column values, with client-supplied text cut to the column sizes rather than rejected."""
    return {
        "id": audit.id,
        "event": audit.event.value,
        "user_id": audit.user_id,
        "provider": _clip(audit.provider, PROVIDER_LENGTH),
        "reason": _clip(audit.reason, REASON_LENGTH),
        "ip": _clip(audit.ip, IP_LENGTH),
        "user_agent": _clip(audit.user_agent, USER_AGENT_LENGTH),
        "occurred_at": audit.occurred_at,
    }
