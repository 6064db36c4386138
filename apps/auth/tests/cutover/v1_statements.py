"""v1's reads and writes of schema `auth`, restated as plain SQL (eco2-team/backend)."""

from __future__ import annotations

# v1: apps/auth/infrastructure/persistence_postgres/adapters/* write through the ORM, which
# inserts every mapped column and updates the changed ones; restated here as plain SQL.
V1_INSERT_USER = (
    "INSERT INTO auth.users (id, username, nickname, profile_image_url, phone_number, "
    "created_at, updated_at, last_login_at) VALUES (:id, :username, :nickname, :image, "
    ":phone, :created, :updated, :last_login)"
)
V1_INSERT_ACCOUNT = (
    "INSERT INTO auth.user_social_accounts (id, user_id, provider, provider_user_id, email, "
    "last_login_at, created_at, updated_at) VALUES (:id, :user_id, :provider, :subject, "
    ":email, :last_login, :created, :updated)"
)
V1_INSERT_AUDIT = (
    "INSERT INTO auth.login_audits (id, user_id, provider, jti, login_ip, user_agent, "
    "issued_at) VALUES (:id, :user_id, :provider, :jti, :ip, :agent, :issued)"
)
V1_UPDATE_LOGIN = [
    "UPDATE auth.users SET last_login_at = :now, updated_at = :now WHERE auth.users.id = :id",
    "UPDATE auth.user_social_accounts SET last_login_at = :now, updated_at = :now "
    "WHERE auth.user_social_accounts.id = :account_id",
]
V1_DELETE_USER = "DELETE FROM auth.users WHERE auth.users.id = :id"
# v1: apps/auth/.../users_query_gateway_sqla.py, get_by_provider (join on the identity).
V1_USER_BY_IDENTITY = (
    "SELECT auth.users.id, auth.users.username, auth.users.nickname, "
    "auth.users.profile_image_url, auth.users.phone_number, auth.users.created_at, "
    "auth.users.updated_at, auth.users.last_login_at FROM auth.users "
    "JOIN auth.user_social_accounts ON auth.users.id = auth.user_social_accounts.user_id "
    "WHERE auth.user_social_accounts.provider = :provider "
    "AND auth.user_social_accounts.provider_user_id = :subject"
)
# v1: apps/users/infrastructure/persistence_postgres/adapters/social_account_gateway_sqla.py,
# list_by_user_id: every column of the table, by owner.
USERS_SERVICE_ACCOUNTS = (
    "SELECT auth.user_social_accounts.id, auth.user_social_accounts.user_id, "
    "auth.user_social_accounts.provider, auth.user_social_accounts.provider_user_id, "
    "auth.user_social_accounts.email, auth.user_social_accounts.last_login_at, "
    "auth.user_social_accounts.created_at, auth.user_social_accounts.updated_at "
    "FROM auth.user_social_accounts WHERE auth.user_social_accounts.user_id = :user_id"
)
