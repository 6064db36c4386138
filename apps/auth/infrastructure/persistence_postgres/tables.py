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
)

SCHEMA = "auth"
IDENTITY_CONSTRAINT = "uq_social_accounts_provider_user"

PROVIDER_LENGTH = 16
PROVIDER_USER_ID_LENGTH = 255
EVENT_LENGTH = 32
REASON_LENGTH = 255
IP_LENGTH = 64
USER_AGENT_LENGTH = 512

metadata = MetaData(schema=SCHEMA)

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("nickname", Text, nullable=True),
    Column("email", Text, nullable=True),
    Column("profile_image_url", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("last_login_at", DateTime(timezone=True), nullable=True),
)

social_accounts = Table(
    "social_accounts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "user_id",
        Uuid,
        ForeignKey(
            f"{SCHEMA}.users.id", ondelete="CASCADE", name="fk_social_accounts_user_id_users"
        ),
        nullable=False,
    ),
    Column("provider", String(PROVIDER_LENGTH), nullable=False),
    Column("provider_user_id", String(PROVIDER_USER_ID_LENGTH), nullable=False),
    Column("email", Text, nullable=True),
    Column("connected_at", DateTime(timezone=True), nullable=False),
    Column("last_login_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("provider", "provider_user_id", name=IDENTITY_CONSTRAINT),
    Index("ix_social_accounts_user_id", "user_id"),
)

# No foreign key to users: audit records outlive the accounts they describe.
login_audits = Table(
    "login_audits",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("event", String(EVENT_LENGTH), nullable=False),
    Column("user_id", Uuid, nullable=True),
    Column("provider", String(PROVIDER_LENGTH), nullable=True),
    Column("reason", String(REASON_LENGTH), nullable=True),
    Column("ip", String(IP_LENGTH), nullable=True),
    Column("user_agent", String(USER_AGENT_LENGTH), nullable=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Index("ix_login_audits_user_id_occurred_at", "user_id", "occurred_at"),
)
