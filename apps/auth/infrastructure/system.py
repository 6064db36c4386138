from __future__ import annotations

import os
import secrets
import uuid
from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class RandomIdGenerator:
    """uuid4 for entities; 128 random bits in hex (a uuid4's length) for token ids; 256-bit
    URL-safe secrets for state, bindings, PKCE."""

    def new_uuid(self) -> uuid.UUID:
        return uuid.uuid4()

    def new_token_id(self) -> str:
        return os.urandom(16).hex()

    def new_secret(self) -> str:
        return secrets.token_urlsafe(32)
