"""Users, their social accounts and the login audit trail.

Revision ID: 0001_initial
Revises:
Create Date: 2025-01-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "auth"


def upgrade() -> None:
    op.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("nickname", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("profile_image_url", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="users_pkey"),
        schema=SCHEMA,
    )
    op.create_table(
        "social_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("provider_user_id", sa.String(255), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="social_accounts_pkey"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            [f"{SCHEMA}.users.id"],
            name="fk_social_accounts_user_id_users",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "provider", "provider_user_id", name="uq_social_accounts_provider_user"
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_social_accounts_user_id", "social_accounts", ["user_id"], schema=SCHEMA)
    op.create_table(
        "login_audits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("provider", sa.String(16), nullable=True),
        sa.Column("reason", sa.String(255), nullable=True),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.Column("user_agent", sa.String(512), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="login_audits_pkey"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_login_audits_user_id_occurred_at",
        "login_audits",
        ["user_id", "occurred_at"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_index("ix_login_audits_user_id_occurred_at", "login_audits", schema=SCHEMA)
    op.drop_table("login_audits", schema=SCHEMA)
    op.drop_index("ix_social_accounts_user_id", "social_accounts", schema=SCHEMA)
    op.drop_table("social_accounts", schema=SCHEMA)
    op.drop_table("users", schema=SCHEMA)
    # The schema goes only when nothing else lives in it (it also holds alembic_version).
    op.execute(
        """
        DO $$
        BEGIN
            IF NOT EXISTS (
                SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'auth'
            ) AND NOT EXISTS (
                SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                WHERE n.nspname = 'auth'
            ) THEN
                DROP SCHEMA auth RESTRICT;
            END IF;
        END $$
        """
    )
