"""v1's schema `auth`, created only where it is absent.

A database Eco² v1 already runs on keeps every table, row and constraint as it is; an empty
database gets the same tables v1 would have created, so both reach the same head through
0002. Column types, defaults and constraint names restate v1's
migrations/auth/versions/20260103_0001_initial_auth_schema.py and
migrations/schemas/auth_schema.sql (written anew here, not copied).

Revision ID: 0001_v1_baseline
Revises:
Create Date: 2026-11-29 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0001_v1_baseline"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATEMENTS = [
    "CREATE SCHEMA IF NOT EXISTS auth",
    """
    CREATE TABLE IF NOT EXISTS auth.users (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        username text,
        nickname text,
        profile_image_url text,
        phone_number varchar(20),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        last_login_at timestamptz,
        CONSTRAINT users_pkey PRIMARY KEY (id),
        CONSTRAINT uq_auth_users_name_phone UNIQUE (username, phone_number)
    )
    """,
    """
    CREATE INDEX IF NOT EXISTS idx_auth_users_phone
        ON auth.users (phone_number) WHERE phone_number IS NOT NULL
    """,
    """
    CREATE TABLE IF NOT EXISTS auth.user_social_accounts (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        provider text NOT NULL,
        provider_user_id text NOT NULL,
        email varchar(320),
        last_login_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT user_social_accounts_pkey PRIMARY KEY (id),
        CONSTRAINT fk_auth_social_user
            FOREIGN KEY (user_id) REFERENCES auth.users (id) ON DELETE CASCADE,
        CONSTRAINT uq_user_social_accounts_identity UNIQUE (provider, provider_user_id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS idx_auth_social_user_id ON auth.user_social_accounts (user_id)",
    "CREATE INDEX IF NOT EXISTS idx_auth_social_provider ON auth.user_social_accounts (provider)",
    """
    CREATE INDEX IF NOT EXISTS idx_auth_social_provider_user
        ON auth.user_social_accounts (provider_user_id)
    """,
    """
    CREATE TABLE IF NOT EXISTS auth.login_audits (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        provider text NOT NULL,
        jti text NOT NULL,
        login_ip text,
        user_agent text,
        issued_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT login_audits_pkey PRIMARY KEY (id),
        CONSTRAINT fk_audit_user
            FOREIGN KEY (user_id) REFERENCES auth.users (id) ON DELETE CASCADE
    )
    """,
    "CREATE INDEX IF NOT EXISTS idx_login_audits_user_id ON auth.login_audits (user_id)",
    "CREATE INDEX IF NOT EXISTS idx_login_audits_jti ON auth.login_audits (jti)",
    "CREATE INDEX IF NOT EXISTS idx_login_audits_issued_at ON auth.login_audits (issued_at)",
]


# A local database made by an earlier v2 build has its own social_accounts table instead of
# v1's; it is recreated, not converted (no shared database ever held that shape).
EARLIER_V2_SCHEMA = (
    "SELECT to_regclass('auth.social_accounts') IS NOT NULL "
    "AND to_regclass('auth.user_social_accounts') IS NULL"
)


def upgrade() -> None:
    if not context.is_offline_mode() and op.get_bind().execute(sa.text(EARLIER_V2_SCHEMA)).scalar():
        raise RuntimeError(
            "schema auth holds an earlier v2 layout (auth.social_accounts): drop that local "
            "database and migrate again"
        )
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError(
        "schema auth is expand-only and holds v1's users: roll back by deploying the previous "
        "image; the schema stays"
    )
