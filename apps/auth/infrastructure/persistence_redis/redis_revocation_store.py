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
from apps.auth.infrastructure.persistence_redis import keys, lua
from apps.auth.infrastructure.persistence_redis.errors import redis_call
from apps.auth.infrastructure.persistence_redis.replica_ack import RedisReplicaAck
from apps.auth.infrastructure.persistence_redis.replica_retry import ReplicationRetry

_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


class RedisRevocationStore:
    """Blacklist entries, ended sessions, the user's not-before time and one outbox event per
    revoked token, all written by one Lua script: either everything lands or nothing does."""

    def __init__(
        self,
        redis: Redis,
        *,
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
        self._script = redis.register_script(lua.with_leeway(lua.REVOKE, leeway_seconds))
        self._replica_ack = replica_ack

    async def revoke(
        self, request: RevocationRequest | Sequence[Revocation], now: datetime
    ) -> None:
        if not isinstance(request, RevocationRequest):
            request = RevocationRequest(revocations=list(request))
        await self._run(request, now)

    @redis_call
    async def _run(self, request: RevocationRequest, now: datetime) -> None:
        args: list[str | int | float] = [
            "1" if self._legacy else "0",
            now.timestamp(),
            iso_utc(now),
            self._maxlen,
            request.reason,
        ]
        explicit = [r for r in request.revocations if _SAFE_ID.match(r.jti)]
        args.append(len(explicit))
        for revocation in explicit:
            # The script adds the leeway: verification accepts a token that long past `exp`.
            ttl = math.ceil((revocation.expires_at - now).total_seconds())
            args += [revocation.jti, ttl, encode_event(revocation, now).decode()]
        sessions = [sid for sid in request.session_ids if _SAFE_ID.match(sid)]
        args += [len(sessions), *sessions]
        if request.not_before_user is not None:
            args += [
                keys.USER_NOT_BEFORE + str(request.not_before_user),
                int(now.timestamp()),
                self._nbf_ttl,
            ]
        else:
            args += ["", "", ""]
        spent = [r for r in request.spent_refresh if _SAFE_ID.match(r.jti)]
        args.append(len(spent))
        for revocation in spent:
            args += [str(revocation.user_id), revocation.jti, revocation.expires_at.timestamp()]
        if not await self._write(args):
            assert self._retry is not None
            self._retry.keep(functools.partial(self._write, args))
            raise RevocationNotReplicated()

    @redis_call
    async def _write(self, args: list[str | int | float]) -> bool:
        """Writes the revocation; False when a replica is required and none acknowledged it."""
        await self._script(keys=[self._stream], args=args)
        if self._replica_ack is None:
            return True
        acknowledged = await self._replica_ack.wait()
        return acknowledged or not (self._replica_ack.required and self._retry is not None)
