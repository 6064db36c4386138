from __future__ import annotations

from dataclasses import replace

from apps.auth.domain.audit import LoginAudit
from apps.auth.domain.session import MAX_USER_AGENT_LENGTH
from apps.auth.infrastructure.memory.memory_store import MemoryStore, StagedChanges

# The column sizes of the Postgres audit table, so both adapters keep the same text.
_LIMITS = {"provider": 16, "reason": 255, "ip": 64, "user_agent": MAX_USER_AGENT_LENGTH}


class MemoryAuditLog:
    """Audit records staged in the caller's unit of work: kept on commit, dropped on rollback."""

    def __init__(self, *, unit: StagedChanges) -> None:
        self._unit = unit

    async def record(self, audit: LoginAudit) -> None:
        self._unit.stage_audit(clipped(audit))


class StandaloneMemoryAuditLog:
    """Keeps each record at once, like the Postgres log that commits its own transaction."""

    def __init__(self, *, store: MemoryStore) -> None:
        self._store = store

    async def record(self, audit: LoginAudit) -> None:
        self._store.audits.append(clipped(audit))


def clipped(audit: LoginAudit) -> LoginAudit:
    changes = {}
    for name, limit in _LIMITS.items():
        value = getattr(audit, name)
        if value is not None and len(value) > limit:
            changes[name] = value[:limit]
    return replace(audit, **changes)
