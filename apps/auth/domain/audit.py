from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class AuditEvent(StrEnum):
    LOGIN_SUCCESS = "login_success"
    LOGIN_FAILURE = "login_failure"
    REFRESH = "refresh"
    REFRESH_REUSE = "refresh_reuse"
    REFRESH_GRACE = "refresh_grace"
    LOGOUT = "logout"
    LOGOUT_ALL = "logout_all"
    SESSION_REVOKED = "session_revoked"
    ACCOUNT_DELETED = "account_deleted"


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginAudit:
    id: UUID
    event: AuditEvent
    user_id: UUID | None
    provider: str | None
    reason: str | None
    ip: str | None
    user_agent: str | None
    occurred_at: datetime
