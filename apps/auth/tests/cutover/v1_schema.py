"""A database as Eco² v1 leaves it, and v1's own statements against it.

Written by us from v1's documented shapes (eco2-team/backend); each block names its source.
The DDL is deliberately independent of our migration 0001, so a mistake there shows here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from apps.auth.tests.cutover.v1_statements import (
    USERS_SERVICE_ACCOUNTS,
    V1_INSERT_ACCOUNT,
    V1_INSERT_AUDIT,
    V1_INSERT_USER,
)
from apps.auth.tests.pg import run_isolated

# v1: migrations/schemas/auth_schema.sql (tables, defaults, constraint and index names) and
# apps/auth/infrastructure/persistence_postgres/mappings/*.py (the same columns from the ORM).
V1_DDL = [
    "CREATE SCHEMA auth",
    "CREATE TABLE auth.users (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), username TEXT, "
    "nickname TEXT, profile_image_url TEXT, phone_number VARCHAR(20), "
    "created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(), updated_at TIMESTAMPTZ NOT NULL DEFAULT "
    "NOW(), last_login_at TIMESTAMPTZ, "
    "CONSTRAINT uq_auth_users_name_phone UNIQUE (username, phone_number))",
    "CREATE INDEX idx_auth_users_phone ON auth.users(phone_number) WHERE phone_number IS NOT NULL",
    "CREATE TABLE auth.user_social_accounts (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), "
    "user_id UUID NOT NULL, provider TEXT NOT NULL, provider_user_id TEXT NOT NULL, "
    "email VARCHAR(320), last_login_at TIMESTAMPTZ, "
    "created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(), updated_at TIMESTAMPTZ NOT NULL DEFAULT "
    "NOW(), CONSTRAINT fk_auth_social_user FOREIGN KEY (user_id) REFERENCES auth.users(id) "
    "ON DELETE CASCADE, "
    "CONSTRAINT uq_user_social_accounts_identity UNIQUE (provider, provider_user_id))",
    "CREATE INDEX idx_auth_social_user_id ON auth.user_social_accounts(user_id)",
    "CREATE INDEX idx_auth_social_provider ON auth.user_social_accounts(provider)",
    "CREATE INDEX idx_auth_social_provider_user ON auth.user_social_accounts(provider_user_id)",
    "CREATE TABLE auth.login_audits (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), "
    "user_id UUID NOT NULL, provider TEXT NOT NULL, jti TEXT NOT NULL, login_ip TEXT, "
    "user_agent TEXT, issued_at TIMESTAMPTZ NOT NULL DEFAULT NOW(), "
    "CONSTRAINT fk_audit_user FOREIGN KEY (user_id) REFERENCES auth.users(id) "
    "ON DELETE CASCADE)",
    "CREATE INDEX idx_login_audits_user_id ON auth.login_audits(user_id)",
    "CREATE INDEX idx_login_audits_jti ON auth.login_audits(jti)",
    "CREATE INDEX idx_login_audits_issued_at ON auth.login_audits(issued_at)",
    # v1: migrations/auth/alembic.ini + versions/20260103_0001_initial_auth_schema.py; its
    # README has existing databases stamped at "0001" in auth.alembic_version.
    "CREATE TABLE auth.alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)",
    "INSERT INTO auth.alembic_version VALUES ('0001')",
]

T1 = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
T2 = datetime(2026, 2, 9, 12, 30, tzinfo=UTC)

KAKAO_USER = UUID("5b1e6c8e-0d7a-4f0e-9a57-0d3c1f6b2a11")
GOOGLE_USER = UUID("8f0a3b52-6f5e-4d6b-8a3c-7e2d1c9b4f22")
TWO_PROVIDER_USER = UUID("c3d9e7a1-2b4f-4c8d-9e6a-1f5b3d7c9a33")
KAKAO_SUBJECT = "4012345678"

# v1's rows: lower-case provider names (v1: apps/users/domain/enums.py, OAuthProvider values;
# v1's auth passes the provider from its route, /{provider}/callback, unchanged).
V1_USERS = [
    (KAKAO_USER, None, "분리수거왕", "https://k.kakaocdn.net/p.jpg", None, T1, T1, T2),
    (GOOGLE_USER, "eco", "에코", None, "+821012345678", T1, T2, T2),
    (TWO_PROVIDER_USER, None, "두계정", None, None, T1, T1, None),
]
V1_ACCOUNTS = [
    (UUID(int=101), KAKAO_USER, "kakao", KAKAO_SUBJECT, "king@kakao.test", T2, T1, T2),
    (UUID(int=102), GOOGLE_USER, "google", "109876543210987654321", "eco@gmail.test", T2, T1, T2),
    # v1's users service links an account without a login time (last_login_at NULL).
    (UUID(int=103), TWO_PROVIDER_USER, "naver", "nv-abc", None, None, T1, T1),
    (UUID(int=104), TWO_PROVIDER_USER, "kakao", "4099999999", None, T1, T1, T1),
]
V1_AUDITS = [
    (UUID(int=201), KAKAO_USER, "kakao", "jti-v1-1", "203.0.113.9", "EcoApp/1.0", T2),
    (UUID(int=202), GOOGLE_USER, "google", "jti-v1-2", None, None, T2),
]

_USER_KEYS = ("id", "username", "nickname", "image", "phone", "created", "updated", "last_login")
_ACCOUNT_KEYS = (
    "id",
    "user_id",
    "provider",
    "subject",
    "email",
    "last_login",
    "created",
    "updated",
)
_AUDIT_KEYS = ("id", "user_id", "provider", "jti", "ip", "agent", "issued")


async def _run(url: str, statements: list[tuple[str, Any]]) -> list[list[tuple[Any, ...]]]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            answers = []
            for sql, params in statements:
                result = await connection.execute(text(sql), params)
                answers.append([tuple(r) for r in result] if result.returns_rows else [])
            return answers
    finally:
        await engine.dispose()


def query(url: str, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    """One statement in its own committed transaction, from a thread with its own loop."""
    return run_isolated(lambda: _run(url, [(sql, params or {})]))[0]


def create_v1_database(url: str) -> None:
    rows: list[tuple[str, Any]] = [(sql, {}) for sql in V1_DDL]
    rows += [(V1_INSERT_USER, dict(zip(_USER_KEYS, u, strict=True))) for u in V1_USERS]
    rows += [(V1_INSERT_ACCOUNT, dict(zip(_ACCOUNT_KEYS, a, strict=True))) for a in V1_ACCOUNTS]
    rows += [(V1_INSERT_AUDIT, dict(zip(_AUDIT_KEYS, a, strict=True))) for a in V1_AUDITS]
    run_isolated(lambda: _run(url, rows))


def users_service_view(url: str) -> dict[UUID, list[tuple[Any, ...]]]:
    """What Eco²'s users service answers for each v1 user, accounts in a stable order."""
    return {
        user_id: sorted(query(url, USERS_SERVICE_ACCOUNTS, {"user_id": user_id}))
        for user_id, *_ in V1_USERS
    }


def auth_tables(url: str) -> list[str]:
    rows = query(
        url,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'auth' "
        "AND table_name NOT LIKE 'alembic_version%' ORDER BY table_name",
    )
    return [name for (name,) in rows]


def constraints(url: str) -> set[tuple[str, str]]:
    rows = query(
        url,
        "SELECT conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'auth'",
    )
    return {(name, definition) for name, definition in rows}
