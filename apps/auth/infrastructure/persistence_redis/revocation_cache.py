from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from redis.asyncio import Redis

from apps.auth.domain.token import TokenClaims
from apps.auth.infrastructure.persistence_redis.redis_revocation_checker import (
    RedisRevocationChecker,
)

CHANNEL = "auth:revocations"
logger = logging.getLogger("auth.revocation_cache")


class CachedRevocationChecker:
    """Reuses a "not revoked" answer for at most `ttl` seconds (≤ 1 s).

    Every revocation script publishes on `auth:revocations`; each replica's listener clears its
    cache on that message, and this replica clears it synchronously when it revokes. While the
    listener is not subscribed the cache is off, so a lost subscription never stretches the
    promise: a revoked token is refused everywhere within `ttl`, usually within milliseconds.
    """

    def __init__(self, redis: Redis, checker: RedisRevocationChecker, ttl: float) -> None:
        self._redis = redis
        self._checker = checker
        self._ttl = min(ttl, 1.0)
        self._valid_until: dict[str, float] = {}
        self._subscribed = False
        self._task: asyncio.Task[None] | None = None

    async def is_revoked(self, claims: TokenClaims) -> bool:
        now = time.monotonic()
        if self._subscribed and self._valid_until.get(claims.jti, 0.0) > now:
            return False
        revoked = await self._checker.is_revoked(claims)
        if not revoked and self._subscribed:
            if len(self._valid_until) > 100_000:
                self._valid_until.clear()
            self._valid_until[claims.jti] = now + self._ttl
        return revoked

    def invalidate(self) -> None:
        self._valid_until.clear()

    def forget(self, jti: str | None) -> None:
        """Drops one answer, or every answer when the revoked token ids are not known here."""
        if jti is None:
            self._valid_until.clear()
        else:
            self._valid_until.pop(jti, None)

    def start(self) -> None:
        if self._ttl > 0 and self._task is None:
            self._task = asyncio.create_task(self._listen(), name="revocation-cache-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _on_message(self, data: object) -> None:
        text = data.decode() if isinstance(data, bytes) else str(data)
        if text.startswith("auth:"):
            self.invalidate()
        else:
            self.forget(text)

    async def _listen(self) -> None:
        delay = 0.1
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(CHANNEL)
                self.invalidate()
                self._subscribed = True
                delay = 0.1
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._on_message(message.get("data"))
            except asyncio.CancelledError:
                raise
            except Exception:
                if self._subscribed:
                    logger.warning("revocation cache off: subscription lost")
            finally:
                self._subscribed = False
                self.invalidate()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
