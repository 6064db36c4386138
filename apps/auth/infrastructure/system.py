from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

from apps.auth.infrastructure.random_pool import SYSTEM_POOL, RandomPool


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class RandomIdGenerator:
    """uuid4 for entities; 128 random bits in hex (a uuid4's length) for token ids, both from
    the process's pool of the kernel's random bytes (`random_pool.py`); 256-bit URL-safe
    secrets for state, bindings, PKCE, read directly."""

    def __init__(self, *, pool: RandomPool = SYSTEM_POOL) -> None:
        self._pool = pool

    def new_uuid(self) -> uuid.UUID:
        return uuid.UUID(bytes=self._pool.take(16), version=4)

    def new_token_id(self) -> str:
        return self._pool.take(16).hex()

    def new_secret(self) -> str:
        return secrets.token_urlsafe(32)
