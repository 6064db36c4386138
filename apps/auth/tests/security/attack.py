"""Tools of the adversarial tests: hand-built JWTs, clients with chosen addresses, a cuttable
TCP proxy in front of Redis, and look-ups of the state the service left behind."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy import text

from apps.auth.tests.support import API, BASE_URL, TestApp, path_of, token_payload

ISSUER = "https://auth.eco2.test"
AUDIENCE = "eco2"
KID = "sec-1"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def segment(value: dict[str, Any] | bytes | str) -> str:
    if isinstance(value, dict):
        value = json.dumps(value, separators=(",", ":"))
    if isinstance(value, str):
        value = value.encode()
    return b64url(value)


def new_ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def private_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def public_jwk(key: ec.EllipticCurvePrivateKey, kid: str | None = None) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
    }
    return {**jwk, "kid": kid} if kid else jwk


def es256(
    key: ec.EllipticCurvePrivateKey,
    payload: dict[str, Any] | bytes | str,
    header: dict[str, Any] | bytes | str | None = None,
) -> str:
    """An ES256 JWS signed with `key`, built by hand so no JOSE library shapes the input."""
    signing_input = f"{segment(header or {'alg': 'ES256', 'kid': KID, 'typ': 'JWT'})}."
    signing_input += segment(payload)
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def hmac_token(
    secret: bytes,
    payload: dict[str, Any] | bytes | str,
    header: dict[str, Any] | None = None,
    digest: Callable[[], Any] = hashlib.sha256,
) -> str:
    signing_input = f"{segment(header or {'alg': 'HS256', 'typ': 'JWT'})}.{segment(payload)}"
    mac = hmac.new(secret, signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64url(mac)}"


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    values: dict[str, Any] = {
        "sub": str(uuid.uuid4()),
        "jti": uuid.uuid4().hex,
        "type": "access",
        "provider": "dev",
        "sid": uuid.uuid4().hex,
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def unique_ip() -> str:
    return f"198.18.{random.randint(0, 255)}.{random.randint(1, 254)}"


@asynccontextmanager
async def client_for(
    app: FastAPI, ip: str | None = None, base_url: str = BASE_URL
) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of its own: own cookie jar, own peer address."""
    transport = httpx.ASGITransport(app=app, client=(ip or unique_ip(), 40000))
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
        yield client


def provider_settings(fake: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"enabled_providers": "kakao,google,naver"}
    for name in ("kakao", "google", "naver"):
        values |= {
            f"{name}_client_id": fake.client_id,
            f"{name}_client_secret": fake.client_secret,
            f"{name}_base_url": fake.base_url,
        }
    return values


async def at_provider(url: str) -> str:
    """Follows an authorization URL at the live fake provider; returns where it sends back."""
    async with httpx.AsyncClient(timeout=5) as outside:
        answer = await outside.get(url)
    assert answer.status_code == 302, answer.text
    return path_of(answer.headers["location"])


async def provider_login(client: httpx.AsyncClient, provider: str, **params: str) -> httpx.Response:
    started = await client.get(f"{API}/{provider}/authorize", params={"redirect": "true", **params})
    assert started.status_code == 302, started.text
    return await client.get(await at_provider(started.headers["location"]))


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """Every Set-Cookie of a response by cookie name, raw."""
    found: dict[str, str] = {}
    for header in response.headers.get_list("set-cookie"):
        found[header.split("=", 1)[0].strip()] = header
    return found


def sets_tokens(response: httpx.Response) -> bool:
    cookies = set_cookies(response)
    return any(
        name in cookies and "Max-Age=0" not in cookies[name] and f'{name}="";' not in cookies[name]
        for name in ("s_access", "s_refresh")
    )


async def live_sessions(redis: Redis, user_id: str) -> list[str]:
    members = await redis.smembers(f"auth:user-sessions:{user_id}")
    alive = []
    for raw in members:
        sid = raw.decode() if isinstance(raw, bytes) else raw
        if await redis.exists(f"auth:session:{sid}"):
            alive.append(sid)
    return sorted(alive)


async def audit_rows(api: TestApp, **where: str) -> list[dict[str, Any]]:
    await api.runtime.storage.flush_audit()
    # v1's column names: login_ip, issued_at (see persistence_postgres/tables.py).
    columns = {"ip": "login_ip"}
    clause = " and ".join(f"{columns.get(c, c)} = :{c}" for c in where) or "true"
    query = text(
        "select event, user_id::text as user_id, provider, reason, login_ip as ip, user_agent "
        f"from auth.login_audits where {clause} order by issued_at"
    )
    async with api.database() as session:
        result = await session.execute(query, where)
        return [dict(row._mapping) for row in result]


async def user_ids_of_subject(api: TestApp, provider: str, subject: str) -> list[str]:
    query = text(
        "select user_id::text from auth.user_social_accounts "
        "where provider = :provider and provider_user_id = :subject"
    )
    async with api.database() as session:
        result = await session.execute(query, {"provider": provider, "subject": subject})
        return [row[0] for row in result]


def subject_of(token: str) -> str:
    return str(token_payload(token)["sub"])


class CuttableProxy:
    """A TCP proxy to Redis that the test can cut (every connection dropped, new ones refused)
    and restore, so the service sees Redis vanish without the shared server being touched."""

    def __init__(self, target_port: int = 6379) -> None:
        self._target_port = target_port
        self._open = True
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> CuttableProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._open:
            writer.transport.abort()
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target_port)
        self._writers += [writer, up_writer]
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.transport.abort()

    def cut(self) -> None:
        self._open = False
        for writer in self._writers:
            writer.transport.abort()
        self._writers.clear()

    def restore(self) -> None:
        self._open = True

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
