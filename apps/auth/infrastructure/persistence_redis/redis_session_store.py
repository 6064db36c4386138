from __future__ import annotations

from uuid import UUID

from redis.asyncio import Redis

from apps.auth.application.common.token_ports import (
    RotationRequest,
    RotationResult,
    SessionTokens,
)
from apps.auth.domain.revocation_event import iso_utc
from apps.auth.domain.session import Session
from apps.auth.domain.token_family import ENDS_SESSION, RotationOutcome, budget_window
from apps.auth.infrastructure.persistence_redis import lua, session_hash, v1_records
from apps.auth.infrastructure.persistence_redis.batching import BatchedScript
from apps.auth.infrastructure.persistence_redis.errors import redis_call
from apps.auth.infrastructure.persistence_redis.lua_args import RotateArgs, pair_args
from apps.auth.infrastructure.persistence_redis.replica_ack import RedisReplicaAck
from apps.auth.infrastructure.persistence_redis.schema import (
    RATE,
    SESSION,
    USER_SESSIONS,
)
from apps.auth.infrastructure.persistence_redis.session_hash import text
from apps.auth.infrastructure.security.successor_seal import open_successor, seal_successor


class RedisSessionStore:
    """Sessions as hashes that expire at the session maximum; rotation is one Lua script."""

    def __init__(
        self,
        *,
        redis: Redis,
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
        self._rotate = BatchedScript(
            redis=redis, source=lua.script("rotate", leeway_seconds=leeway_seconds)
        )

    @redis_call
    async def open(self, session: Session, tokens: SessionTokens) -> None:
        key = SESSION.of(session.id)
        user_key = USER_SESSIONS.of(session.user_id)
        lifetime = max(1, int((session.expires_at - session.created_at).total_seconds()))
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=session_hash.fields(session, tokens))
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
            digest=request.presented.digest,
            client=request.presented.client,
            **pair_args(tokens),
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
        outcome = RotationOutcome(text(reply[0]))
        replicated = True
        if outcome in ENDS_SESSION and self._replica_ack is not None:
            acknowledged = await self._replica_ack.wait()
            replicated = acknowledged or not self._replica_ack.required
        user_id = UUID(text(reply[1])) if len(reply) > 1 else None
        successor = None
        if outcome is RotationOutcome.GRACE:
            successor = open_successor(reply[2], request.presented_token)
        return RotationResult(
            outcome=outcome,
            user_id=user_id,
            successor=successor,
            retry_after=retry_after if outcome is RotationOutcome.LIMITED else None,
            replicated=replicated,
        )

    @redis_call
    async def get(self, session_id: str) -> Session | None:
        values = await self._redis.hmget(SESSION.of(session_id), session_hash.READ)
        return session_hash.read(session_id, values)

    @redis_call
    async def list_for_user(self, user_id: UUID) -> list[Session]:
        user_key = USER_SESSIONS.of(user_id)
        session_ids = sorted(text(s) for s in await self._redis.smembers(user_key))
        async with self._redis.pipeline(transaction=False) as pipe:
            for sid in session_ids:
                pipe.hmget(SESSION.of(sid), session_hash.READ)
            rows = await pipe.execute()
        sessions, stale = [], []
        for sid, values in zip(session_ids, rows, strict=True):
            session = session_hash.read(sid, values)
            if session is None:
                stale.append(sid)
            else:
                sessions.append(session)
        if stale:
            await self._redis.srem(user_key, *stale)
        return sessions
