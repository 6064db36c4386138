"""Schema `auth` as v1 created it, plus the columns v2 added (migrations 0001 and 0002).

v1 still reads and writes these tables while both run, so names, types and constraints are
v1's. Where v2's vocabulary differs, the Python key carries v2's name and the database column
keeps v1's (`login_audits.c.occurred_at` is the column `issued_at`).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)

from apps.auth.domain.session import MAX_USER_AGENT_LENGTH

SCHEMA = "auth"
# v1 keeps its own Alembic history in auth.alembic_version (revision "0001"); ours is separate.
VERSION_TABLE = "alembic_version_v2"
IDENTITY_CONSTRAINT = "uq_user_social_accounts_identity"
USERS_PRIMARY_KEY = "users_pkey"

PROVIDER_LENGTH = 16
REASON_LENGTH = 255
IP_LENGTH = 64
USER_AGENT_LENGTH = MAX_USER_AGENT_LENGTH
EMAIL_LENGTH = 320
EVENT_LENGTH = 32

metadata = MetaData(schema=SCHEMA)

_NOW = text("now()")
_RANDOM_UUID = text("gen_random_uuid()")

# v1: apps/auth/infrastructure/persistence_postgres/mappings/users.py and
# migrations/auth/versions/20260103_0001_initial_auth_schema.py
users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True, server_default=_RANDOM_UUID),
    Column("username", Text, nullable=True),
    Column("nickname", Text, nullable=True),
    Column("profile_image_url", Text, nullable=True),
    Column("phone_number", String(20), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=_NOW),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=_NOW),
    Column("last_login_at", DateTime(timezone=True), nullable=True),
    Column("email", Text, nullable=True),  # added by v2 (0002)
    UniqueConstraint("username", "phone_number", name="uq_auth_users_name_phone"),
    Index(
        "idx_auth_users_phone",
        "phone_number",
        postgresql_where=text("phone_number IS NOT NULL"),
    ),
)

# v1: apps/auth/infrastructure/persistence_postgres/mappings/users_social_account.py; Eco²'s
# users service reads this table (v1: apps/users/.../social_account_gateway_sqla.py).
social_accounts = Table(
    "user_social_accounts",
    metadata,
    Column("id", Uuid, primary_key=True, server_default=_RANDOM_UUID),
    Column(
        "user_id",
        Uuid,
        ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE", name="fk_auth_social_user"),
        nullable=False,
    ),
    Column("provider", Text, nullable=False),
    Column("provider_user_id", Text, nullable=False),
    Column("email", String(EMAIL_LENGTH), nullable=True),
    Column("last_login_at", DateTime(timezone=True), nullable=True),
    Column(
        "created_at",
        DateTime(timezone=True),
        nullable=False,
        server_default=_NOW,
        key="connected_at",
    ),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=_NOW),
    UniqueConstraint("provider", "provider_user_id", name=IDENTITY_CONSTRAINT),
    Index("idx_auth_social_user_id", "user_id"),
    Index("idx_auth_social_provider", "provider"),
    Index("idx_auth_social_provider_user", "provider_user_id"),
)

# v1: apps/auth/infrastructure/persistence_postgres/mappings/login_audit.py. v1's foreign key
# to users is gone (0002): audit records outlive the accounts they describe.
login_audits = Table(
    "login_audits",
    metadata,
    Column("id", Uuid, primary_key=True, server_default=_RANDOM_UUID),
    Column("user_id", Uuid, nullable=True),
    Column("provider", Text, nullable=True),
    Column("jti", Text, nullable=True),
    Column("login_ip", Text, nullable=True, key="ip"),
    Column("user_agent", Text, nullable=True),
    Column(
        "issued_at",
        DateTime(timezone=True),
        nullable=False,
        server_default=_NOW,
        key="occurred_at",
    ),
    # added by v2 (0002); v1's inserts get the default, which is what they record.
    Column(
        "event",
        String(EVENT_LENGTH),
        nullable=False,
        server_default=text("'login_success'"),
    ),
    Column("reason", Text, nullable=True),
    Index("idx_login_audits_user_id", "user_id"),
    Index("idx_login_audits_jti", "jti"),
    Index("idx_login_audits_issued_at", "occurred_at"),
)
