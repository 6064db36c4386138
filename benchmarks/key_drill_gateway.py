"""Who checks a bearer token in front of Eco²'s APIs during the drill, and v1's tokens.

The platform's Go ext-authz is restated from eco2-team/backend (apps/ext_authz/internal/jwt/
verify.go, internal/store/redis.go): HS256 only, the shared secret, exact issuer and audience,
non-empty sub and jti, exp and nbf with 5 s leeway, refused while `blacklist:{jti}` exists; it
never reads `kid` or `type`. After the switch, the gateway asks our `/verify`.
"""

from __future__ import annotations

import base64
import http.cookiejar
import json
import time
import uuid
from typing import Protocol

import httpx
from jose import jwt
from jose.exceptions import JOSEError
from redis.asyncio import Redis

GATEWAY_LEEWAY = 5
API = "/api/v1/auth"


class Gateway(Protocol):
    async def status(self, access: str) -> int: ...


class GoGateway:
    def __init__(self, redis: Redis, *, secret: str, issuer: str, audience: str) -> None:
        self._redis, self._secret = redis, secret
        self._issuer, self._audience = issuer, audience

    async def status(self, access: str) -> int:
        try:
            claims = jwt.decode(
                access,
                self._secret,
                algorithms=["HS256"],
                issuer=self._issuer,
                audience=self._audience,
                options={"leeway": GATEWAY_LEEWAY},
            )
        except (JOSEError, ValueError):
            return 401
        if not claims.get("sub") or not claims.get("jti"):
            return 401
        return 403 if await self._redis.exists(f"blacklist:{claims['jti']}") else 200


class VerifyGateway:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def status(self, access: str) -> int:
        answer = await self._client.get(
            f"{API}/verify", headers={"Authorization": f"Bearer {access}"}
        )
        return answer.status_code


async def v1_session(
    redis: Redis, user_id: str, *, secret: str, issuer: str, audience: str, ttl: int
) -> tuple[str, str]:
    """An access and a refresh token as v1 issues them (apps/auth/infrastructure/security/
    jwt_token_service.py: HS256, no `kid`, no session claim, a dashed uuid4 as jti), the refresh
    token registered in v1's records as v1's token store does."""
    now = int(time.time())

    def mint(kind: str, lifetime: int) -> tuple[str, str]:
        jti = str(uuid.uuid4())
        claims = {
            "sub": user_id, "jti": jti, "type": kind, "exp": now + lifetime, "iat": now,
            "nbf": now, "iss": issuer, "aud": audience, "provider": "dev",
        }  # fmt: skip
        return jwt.encode(claims, secret, algorithm="HS256"), jti

    access, _ = mint("access", 60)
    refresh, jti = mint("refresh", ttl)
    await redis.sadd(f"user:tokens:{user_id}", jti)
    await redis.expire(f"user:tokens:{user_id}", ttl)
    meta = {"device_id": None, "user_agent": "drill", "issued_at": now}
    await redis.set(f"token:meta:{jti}", json.dumps(meta), ex=ttl)
    return access, refresh


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    def set_ok(self, cookie: http.cookiejar.Cookie, request: object) -> bool:
        return False


def api_client(base_url: str) -> httpx.AsyncClient:
    """One client for every session: it keeps no cookies, so each request carries exactly the
    tokens its session holds (a cookie would take precedence over the header)."""
    jar = http.cookiejar.CookieJar(policy=_NoCookies())
    return httpx.AsyncClient(base_url=base_url, timeout=10, cookies=jar)


def token_part(token: str, index: int) -> dict[str, object]:
    segment = token.split(".")[index]
    return dict(json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))))


def signed_as(token: str, alg: str, kid: str | None, issuer: str) -> bool:
    header, claims = token_part(token, 0), token_part(token, 1)
    return (
        (header.get("alg"), header.get("kid")) == (alg, kid)
        and claims.get("iss") == issuer
        and bool(claims.get("sid"))
    )
