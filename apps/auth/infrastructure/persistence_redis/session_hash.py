"""The session hash (`schema.SESSION`, fields `schema.SessionField`) written from and read into
the domain's `Session`. ROTATE and ADOPT write the same fields in Lua, named by the prelude."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from redis.typing import EncodableT

from apps.auth.application.common.token_ports import SessionTokens
from apps.auth.domain.revocation_event import iso_utc
from apps.auth.domain.session import ClientInfo, Session
from apps.auth.infrastructure.persistence_redis.schema import USER_AGENT_CAP
from apps.auth.infrastructure.persistence_redis.schema import SessionField as F

# What `read` needs, in its order.
READ = (F.UID, F.PROVIDER, F.IP, F.UA, F.DEVICE, F.CREATED, F.LAST_USED, F.EXPIRES)


def fields(session: Session, tokens: SessionTokens) -> dict[EncodableT, EncodableT]:
    """A new session's hash: its first pair, never rotated."""
    return {
        F.UID: str(session.user_id),
        F.PROVIDER: session.provider,
        F.IP: session.client.ip or "",
        F.UA: (session.client.user_agent or "")[:USER_AGENT_CAP],
        F.DEVICE: session.client.device_id or "",
        F.CREATED: session.created_at.timestamp(),
        F.LAST_USED: session.last_used_at.timestamp(),
        F.EXPIRES: session.expires_at.timestamp(),
        F.RJTI: tokens.refresh_jti,
        F.AJTI: tokens.access_jti,
        F.AEXP: int(tokens.access_expires_at.timestamp()),
        F.AEXP_ISO: iso_utc(tokens.access_expires_at),
        F.REXP: int(tokens.refresh_expires_at.timestamp()),
        F.PREV: "",
        F.ROTATED: 0,
        F.ROTBY: "",
        F.RDIGEST: tokens.refresh_digest,
    }


def read(session_id: str, values: list[bytes | str | None]) -> Session | None:
    """The session from the `READ` fields of its hash; None when the hash is gone."""
    if values[0] is None:
        return None
    uid, provider, ip, ua, device, created, last_used, expires = (
        text(v) if v is not None else "" for v in values
    )
    return Session(
        id=session_id,
        user_id=UUID(uid),
        provider=provider,
        client=ClientInfo(ip=ip or None, user_agent=ua or None, device_id=device or None),
        created_at=datetime.fromtimestamp(float(created), UTC),
        last_used_at=datetime.fromtimestamp(float(last_used), UTC),
        expires_at=datetime.fromtimestamp(float(expires), UTC),
    )


def text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
