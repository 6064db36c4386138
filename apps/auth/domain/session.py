from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

# The longest user agent kept anywhere (session records, audit rows): longer ones are cut.
MAX_USER_AGENT_LENGTH = 512


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientInfo:
    ip: str | None = None
    user_agent: str | None = None
    device_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    """One login on one device: one refresh-token family, bounded by an absolute maximum."""

    id: str
    user_id: UUID
    provider: str
    client: ClientInfo
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
