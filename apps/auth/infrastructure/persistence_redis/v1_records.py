"""The session records of the Eco² auth v2 replaces (v1), kept in step while both run.

v1 (eco2-team/backend, apps/auth/infrastructure/persistence_redis/constants.py and
adapters/users_token_store_redis.py) accepts a refresh token at its /refresh only while the
token's jti is in the set `user:tokens:{user_id}`; `token:meta:{jti}` holds JSON with
`device_id`, `user_agent` and `issued_at`, both expiring with the token.
"""

from __future__ import annotations

import json
from datetime import datetime

from redis.asyncio.client import Pipeline

from apps.auth.domain.session import Session

TOKENS = "user:tokens:"
META = "token:meta:"


def meta(session: Session, issued_at: datetime) -> str:
    return json.dumps(
        {
            "device_id": session.client.device_id,
            "user_agent": session.client.user_agent,
            "issued_at": int(issued_at.timestamp()),
        }
    )


def register(
    pipe: Pipeline, session: Session, refresh_jti: str, refresh_expires_at: datetime
) -> None:
    ttl = max(1, int((refresh_expires_at - session.last_used_at).total_seconds()))
    user_key = TOKENS + str(session.user_id)
    pipe.sadd(user_key, refresh_jti)
    pipe.expire(user_key, ttl)
    pipe.set(META + refresh_jti, meta(session, session.last_used_at), ex=ttl)
