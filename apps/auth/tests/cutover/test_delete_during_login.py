"""The attack: sign in again while the account is being deleted, hoping the login's save
re-creates it under its old id (with whatever other services still key by that id)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from apps.auth.domain.user import ProviderIdentity, User
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_user_repository import (
    SqlAlchemyUserRepository,
)
from apps.auth.tests.support import TestApp, dev_login, path_of, start_login


async def _count(url: str, sql: str, user_id: UUID) -> int:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(text(sql), {"id": user_id})).scalar_one())
    finally:
        await engine.dispose()


async def test_old_id_not_revived_when_account_deleted_during_login(
    api: TestApp, pg_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await dev_login(api.client, "deleted-mid-login")
    old_id = UUID(first.claims["sub"])
    lookup = SqlAlchemyUserRepository.get_by_identity

    async def found_then_deleted(self: Any, identity: ProviderIdentity) -> User | None:
        user = await lookup(self, identity)
        engine = create_async_engine(pg_database_url)
        async with engine.begin() as connection:
            await connection.execute(text("DELETE FROM auth.users WHERE id = :id"), {"id": old_id})
        await engine.dispose()
        return user

    monkeypatch.setattr(SqlAlchemyUserRepository, "get_by_identity", found_then_deleted)
    api.client.cookies.clear()
    started = await start_login(api.client, login_hint="deleted-mid-login")
    at_idp = await api.client.get(path_of(started.headers["location"]))
    callback = await api.client.get(path_of(at_idp.headers["location"]))

    assert callback.status_code == 302
    assert callback.headers["location"].endswith("#/login?error=USER_NOT_FOUND")
    assert "s_access" not in callback.cookies and "s_refresh" not in callback.cookies
    for table in ("users WHERE id", "user_social_accounts WHERE user_id"):
        assert (
            await _count(pg_database_url, f"SELECT count(*) FROM auth.{table} = :id", old_id) == 0
        )

    monkeypatch.setattr(SqlAlchemyUserRepository, "get_by_identity", lookup)
    api.client.cookies.clear()
    again = await dev_login(api.client, "deleted-mid-login")
    assert again.claims["sub"] != str(old_id)
