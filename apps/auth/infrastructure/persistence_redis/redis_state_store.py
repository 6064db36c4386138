from __future__ import annotations

import json
from datetime import datetime

from redis.asyncio import Redis

from apps.auth.application.oauth.ports import LoginState
from apps.auth.infrastructure.persistence_redis.errors import redis_call
from apps.auth.infrastructure.persistence_redis.schema import STATE


class RedisStateStore:
    """Login states under a TTL; GETDEL makes consumption atomic, so a state works once."""

    def __init__(self, *, redis: Redis) -> None:
        self._redis = redis

    @redis_call
    async def save(self, state: LoginState, ttl_seconds: int) -> None:
        payload = {
            "provider": state.provider,
            "binding": state.browser_binding_hash,
            "verifier": state.code_verifier,
            "origin": state.frontend_origin,
            "device": state.device_id,
            "expires_at": state.expires_at.isoformat(),
            "redirect_uri": state.redirect_uri,
        }
        await self._redis.set(STATE.of(state.state), json.dumps(payload), ex=ttl_seconds, nx=True)

    @redis_call
    async def consume(self, state: str) -> LoginState | None:
        if not state or len(state) > 256:
            return None
        raw = await self._redis.getdel(STATE.of(state))
        if raw is None:
            return None
        data = json.loads(raw)
        return LoginState(
            state=state,
            provider=data["provider"],
            browser_binding_hash=data["binding"],
            code_verifier=data["verifier"],
            frontend_origin=data["origin"],
            device_id=data["device"],
            expires_at=datetime.fromisoformat(data["expires_at"]),
            redirect_uri=data.get("redirect_uri"),
        )
