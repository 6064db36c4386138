from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from datetime import datetime

from redis.asyncio import Redis

from apps.auth.application.common.token_ports import RevocationRequest
from apps.auth.domain.errors import RevocationNotReplicated
from apps.auth.domain.revocation_event import encode_event, iso_utc
from apps.auth.domain.token import Revocation
from apps.auth.infrastructure.persistence_redis import lua
from apps.auth.infrastructure.persistence_redis.errors import redis_call
from apps.auth.infrastructure.persistence_redis.lua_args import RevokeArgs
from apps.auth.infrastructure.persistence_redis.replica_ack import RedisReplicaAck
from apps.auth.infrastructure.persistence_redis.replica_retry import ReplicationRetry

_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


class RedisRevocationStore:
    """Blacklist entries, ended sessions, the user's not-before time and one outbox event per
    revoked token, all written by one Lua script: either everything lands or nothing does."""

    def __init__(
        self,
        *,
        redis: Redis,
        stream: str,
        maxlen: int,
        not_before_ttl_seconds: int = 3600,
        legacy: bool = False,
        replica_ack: RedisReplicaAck | None = None,
        leeway_seconds: int = 0,
        retry: ReplicationRetry | None = None,
    ) -> None:
        self._retry = retry
        self._legacy = legacy
        self._leeway = leeway_seconds
        self._redis = redis
        self._stream = stream
        self._maxlen = maxlen
        self._nbf_ttl = not_before_ttl_seconds
        self._script = redis.register_script(lua.script("revoke", leeway_seconds=leeway_seconds))
        self._replica_ack = replica_ack

    async def revoke(
        self, request: RevocationRequest | Sequence[Revocation], now: datetime
    ) -> None:
        if not isinstance(request, RevocationRequest):
            request = RevocationRequest(revocations=list(request))
        await self._run(request, now)

    @redis_call
    async def _run(self, request: RevocationRequest, now: datetime) -> None:
        # The script adds the leeway: verification accepts a token that long past `exp`.
        explicit = [
            (r.jti, math.ceil((r.expires_at - now).total_seconds()), encode_event(r, now).decode())
            for r in request.revocations
            if _SAFE_ID.match(r.jti)
        ]
        nbf_user = request.not_before_user
        args = RevokeArgs(
            legacy=self._legacy,
            now=now.timestamp(),
            now_iso=iso_utc(now),
            maxlen=self._maxlen,
            reason=request.reason,
            explicit=explicit,
            sessions=[sid for sid in request.session_ids if _SAFE_ID.match(sid)],
            nbf_uid=str(nbf_user) if nbf_user is not None else "",
            nbf_value=int(now.timestamp()),
            nbf_ttl=self._nbf_ttl,
            spent=[
                (str(r.user_id), r.jti, r.expires_at.timestamp())
                for r in request.spent_refresh
                if _SAFE_ID.match(r.jti)
            ],
        )
        if not await self._write(args):
            assert self._retry is not None
            self._retry.keep(functools.partial(self._write, args))
            raise RevocationNotReplicated()

    @redis_call
    async def _write(self, args: RevokeArgs) -> bool:
        """Writes the revocation; False when a replica is required and none acknowledged it."""
        await self._script(keys=[self._stream], args=args.to_argv())
        if self._replica_ack is None:
            return True
        acknowledged = await self._replica_ack.wait()
        return acknowledged or not (self._replica_ack.required and self._retry is not None)
