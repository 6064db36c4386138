from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from redis.asyncio import Redis
from redis.typing import EncodableT

from apps.auth.application.common.token_ports import (
    RotationRequest,
    RotationResult,
    SessionTokens,
)
from apps.auth.domain.revocation_event import iso_utc
from apps.auth.domain.session import ClientInfo, Session
from apps.auth.domain.token_family import ENDS_SESSION, RotationOutcome, budget_window
from apps.auth.infrastructure.persistence_redis import lua, v1_records
from apps.auth.infrastructure.persistence_redis.batching import BatchedScript
from apps.auth.infrastructure.persistence_redis.errors import redis_call
from apps.auth.infrastructure.persistence_redis.lua_args import RotateArgs
from apps.auth.infrastructure.persistence_redis.replica_ack import RedisReplicaAck
from apps.auth.infrastructure.persistence_redis.schema import (
    RATE,
    SESSION,
    USER_AGENT_CAP,
    USER_SESSIONS,
)
from apps.auth.infrastructure.persistence_redis.schema import SessionField as F
from apps.auth.infrastructure.security.successor_seal import open_successor, seal_successor

_FIELDS = (F.UID, F.PROVIDER, F.IP, F.UA, F.DEVICE, F.CREATED, F.LAST_USED, F.EXPIRES)


class RedisSessionStore:
    """Sessions as hashes that expire at the session maximum; rotation is one Lua script."""

    def __init__(
        self,
        redis: Redis,
        *,
        stream: str,
        maxlen: int,
        legacy: bool = False,
        replica_ack: RedisReplicaAck | None = None,
        leeway_seconds: int = 0,
    ) -> None:
        self._legacy = legacy
        self._redis = redis
        self._replica_ack = replica_ack
        self._stream = stream
        self._maxlen = maxlen
        self._rotate = BatchedScript(redis, lua.script("rotate", leeway_seconds=leeway_seconds))

    @redis_call
    async def open(self, session: Session, tokens: SessionTokens) -> None:
        key = SESSION.of(session.id)
        fields: dict[EncodableT, EncodableT] = {
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
        }
        user_key = USER_SESSIONS.of(session.user_id)
        lifetime = max(1, int((session.expires_at - session.created_at).total_seconds()))
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=fields)
            pipe.expireat(key, int(session.expires_at.timestamp()) + 1)
            pipe.sadd(user_key, session.id)
            pipe.expire(user_key, lifetime, gt=True)
            pipe.expire(user_key, lifetime, nx=True)
            if self._legacy:
                v1_records.register(pipe, session, tokens.refresh_jti, tokens.refresh_expires_at)
            await pipe.execute()

    @redis_call
    async def rotate(self, request: RotationRequest) -> RotationResult:
        tokens, now = request.tokens, request.now
        sealed = b""
        if request.successor is not None:
            sealed = seal_successor(request.successor, request.presented_token)
        budget_key, budget_limit, retry_after = "", 0, 0
        if request.budget is not None:
            window, retry_after = budget_window(now.timestamp(), request.budget.window_seconds)
            budget_key = RATE.of(f"{request.budget.key}:{window}")
            budget_limit = request.budget.limit
        args = RotateArgs(
            sid=request.session_id,
            presented=request.presented.refresh_jti,
            client=request.presented.client,
            rjti=tokens.refresh_jti,
            ajti=tokens.access_jti,
            aexp=int(tokens.access_expires_at.timestamp()),
            aexp_iso=iso_utc(tokens.access_expires_at),
            rexp=int(tokens.refresh_expires_at.timestamp()),
            now=now.timestamp(),
            now_iso=iso_utc(now),
            grace=request.grace_seconds,
            sealed=sealed,
            maxlen=self._maxlen,
            legacy=self._legacy,
            budget_key=budget_key,
            budget_limit=budget_limit,
            budget_ttl=retry_after,
        )
        reply = await self._rotate([self._stream], args.to_argv())
        outcome = RotationOutcome(_text(reply[0]))
        if outcome in ENDS_SESSION and self._replica_ack is not None:
            await self._replica_ack.wait()
        user_id = UUID(_text(reply[1])) if len(reply) > 1 else None
        successor = None
        if outcome is RotationOutcome.GRACE:
            successor = open_successor(reply[2], request.presented_token)
        return RotationResult(
            outcome=outcome,
            user_id=user_id,
            successor=successor,
            retry_after=retry_after if outcome is RotationOutcome.LIMITED else None,
        )

    @redis_call
    async def get(self, session_id: str) -> Session | None:
        values = await self._redis.hmget(SESSION.of(session_id), _FIELDS)
        return _session(session_id, values)

    @redis_call
    async def list_for_user(self, user_id: UUID) -> list[Session]:
        user_key = USER_SESSIONS.of(user_id)
        session_ids = sorted(_text(s) for s in await self._redis.smembers(user_key))
        async with self._redis.pipeline(transaction=False) as pipe:
            for sid in session_ids:
                pipe.hmget(SESSION.of(sid), _FIELDS)
            rows = await pipe.execute()
        sessions, stale = [], []
        for sid, values in zip(session_ids, rows, strict=True):
            session = _session(sid, values)
            if session is None:
                stale.append(sid)
            else:
                sessions.append(session)
        if stale:
            await self._redis.srem(user_key, *stale)
        return sessions


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _session(session_id: str, values: list[bytes | str | None]) -> Session | None:
    if values[0] is None:
        return None
    uid, provider, ip, ua, device, created, last_used, expires = (
        _text(v) if v is not None else "" for v in values
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
