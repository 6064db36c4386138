"""Our restatement of what the running Eco² auth (v1) and its gateway check do with tokens.

Facts from eco2-team/backend: v1's tokens (apps/auth/infrastructure/security/jwt_token_service.py)
are HS256 without `kid`, claims sub, jti (a dashed uuid4), type, exp, iat, nbf, iss, aud,
provider and no session claim; its /refresh (apps/auth/application/token/commands/refresh.py)
accepts a refresh token that verifies, is not at `blacklist:{jti}` and is in
`user:tokens:{user_id}` (persistence_redis/adapters/users_token_store_redis.py); the gateway
(apps/ext_authz/internal/jwt/verify.go, internal/store/redis.go) accepts HS256 only, with the
shared secret, exact issuer and audience, non-empty sub and jti, exp/nbf with 5 s leeway, and
refuses when `blacklist:{jti}` exists. Its settings (workloads/domains/auth/base/configmap.yaml):
issuer `api.dev.growbin.app/api/v1/auth`, audience `api`, access tokens 4320 minutes, refresh
tokens 8640 minutes.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

from jose import jwt
from jose.exceptions import JOSEError
from redis.asyncio import Redis

ISSUER = "api.dev.growbin.app/api/v1/auth"
AUDIENCE = "api"
SECRET = secrets.token_urlsafe(48)
V1_ACCESS_SECONDS = 4320 * 60
V1_REFRESH_SECONDS = 8640 * 60
GATEWAY_LEEWAY = 5


@dataclass(frozen=True)
class V1Token:
    value: str
    jti: str
    exp: int


def mint(
    sub: uuid.UUID | str,
    kind: str = "access",
    *,
    ttl: int = 3600,
    secret: str = SECRET,
    issuer: str = ISSUER,
    audience: str = AUDIENCE,
    provider: str = "kakao",
    now: int | None = None,
    **extra: Any,
) -> V1Token:
    now = int(time.time()) if now is None else now
    jti = str(uuid.uuid4())
    claims = {
        "sub": str(sub),
        "jti": jti,
        "type": kind,
        "exp": now + ttl,
        "iat": now,
        "nbf": now,
        "iss": issuer,
        "aud": audience,
        "provider": provider,
        **extra,
    }
    return V1Token(jwt.encode(claims, secret, algorithm="HS256"), jti, now + ttl)


async def register_refresh(redis: Redis, user_id: uuid.UUID | str, token: V1Token) -> None:
    ttl = max(token.exp - int(time.time()), 1)
    await redis.sadd(f"user:tokens:{user_id}", token.jti)
    await redis.expire(f"user:tokens:{user_id}", ttl)
    meta = {"device_id": None, "user_agent": "v1-browser", "issued_at": int(time.time())}
    await redis.set(f"token:meta:{token.jti}", json.dumps(meta), ex=ttl)


def _claims(token: str, leeway: int = 0) -> dict[str, Any] | None:
    try:
        return dict(
            jwt.decode(
                token,
                SECRET,
                algorithms=["HS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"leeway": leeway},
            )
        )
    except JOSEError:
        return None


async def v1_refresh_accepts(redis: Redis, token: str) -> bool:
    """Whether v1's own /refresh would take this refresh token (after a rollback)."""
    claims = _claims(token)
    if claims is None or claims.get("type") != "refresh":
        return False
    if await redis.exists(f"blacklist:{claims['jti']}"):
        return False
    return bool(await redis.sismember(f"user:tokens:{claims['sub']}", claims["jti"]))


async def v1_rotates(redis: Redis, token: str) -> None:
    """What v1's /refresh does to the presented token: out of its records, blacklisted."""
    claims = _claims(token)
    assert claims is not None
    await redis.srem(f"user:tokens:{claims['sub']}", claims["jti"])
    await redis.delete(f"token:meta:{claims['jti']}")
    ttl = max(int(claims["exp"]) - int(time.time()), 1)
    await redis.set(f"blacklist:{claims['jti']}", "{}", ex=ttl)


async def gateway_accepts(redis: Redis, bearer: str) -> bool:
    """The platform's gateway check in front of every /api/v1/* call; it never checks `type`."""
    token = bearer.removeprefix("Bearer ")
    try:
        header = jwt.get_unverified_header(token)
    except JOSEError:
        return False
    if header.get("alg") != "HS256":
        return False
    claims = _claims(token, GATEWAY_LEEWAY)
    if claims is None:
        return False
    for name in ("sub", "jti"):
        if not isinstance(claims.get(name), str) or not claims[name].strip():
            return False
    return not await redis.exists(f"blacklist:{claims['jti']}")
