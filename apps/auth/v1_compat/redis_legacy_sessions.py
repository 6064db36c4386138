from __future__ import annotations

from redis.asyncio import Redis

from apps.auth.application.token.ports import AdoptionOutcome, AdoptionRequest, AdoptionResult
from apps.auth.domain.revocation_event import iso_utc
from apps.auth.infrastructure.persistence_redis import lua, v1_records
from apps.auth.infrastructure.persistence_redis.errors import redis_call
from apps.auth.infrastructure.persistence_redis.lua_args import AdoptArgs, pair_args
from apps.auth.infrastructure.persistence_redis.schema import USER_AGENT_CAP
from apps.auth.infrastructure.security.successor_seal import seal_successor


class RedisLegacySessions:
    """Adopts a v1 refresh token into a v2 session in one Lua script.

    The v1 token must still be in v1's records and not blacklisted; it leaves them, is
    blacklisted for its remaining life, and maps to the new session, so presenting it again
    follows that session's rules (grace for the same client, otherwise reuse).
    """

    def __init__(self, *, redis: Redis, stream: str, maxlen: int, leeway_seconds: int = 0) -> None:
        self._redis = redis
        self._stream = stream
        self._maxlen = maxlen
        self._script = redis.register_script(lua.script("adopt", leeway_seconds=leeway_seconds))

    @redis_call
    async def adopt(self, request: AdoptionRequest) -> AdoptionResult:
        v1, session, tokens, now = request.presented, request.session, request.tokens, request.now
        sealed = b""
        if request.successor is not None:
            sealed = seal_successor(request.successor, request.presented_token)
        args = AdoptArgs(
            v1_jti=v1.jti,
            uid=str(v1.sub),
            v1_exp=v1.expires_at.timestamp(),
            v1_exp_iso=iso_utc(v1.expires_at),
            now=now.timestamp(),
            now_iso=iso_utc(now),
            sid=session.id,
            provider=session.provider,
            ip=session.client.ip or "",
            ua=(session.client.user_agent or "")[:USER_AGENT_CAP],
            device=session.client.device_id or "",
            expires=session.expires_at.timestamp(),
            **pair_args(tokens),
            meta=v1_records.meta(session, now),
            client=request.client,
            grace=request.grace_seconds,
            sealed=sealed,
            maxlen=self._maxlen,
        )
        reply = await self._script(keys=[self._stream], args=args.to_argv())
        outcome = AdoptionOutcome(_text(reply[0]))
        mapped = _text(reply[1]) if outcome is AdoptionOutcome.ALREADY_ADOPTED else None
        if outcome is AdoptionOutcome.ADOPTED:
            mapped = _text(reply[2])
        return AdoptionResult(outcome=outcome, session_id=mapped)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
