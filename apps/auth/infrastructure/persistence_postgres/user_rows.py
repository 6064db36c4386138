"""Rows of v1's auth.users / auth.user_social_accounts to and from the User aggregate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row

from apps.auth.domain.user import ProviderIdentity, SocialAccount, User


def user_values(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "nickname": user.nickname,
        "email": user.email,
        "profile_image_url": user.profile_image_url,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
        "last_login_at": user.last_login_at,
    }


def account_values(user: User, account: SocialAccount) -> dict[str, Any]:
    return {
        "id": account.id,
        "user_id": user.id,
        "provider": account.identity.provider,
        "provider_user_id": account.identity.subject,
        "email": account.email,
        "connected_at": account.connected_at,
        "last_login_at": account.last_login_at,
        "updated_at": max(account.connected_at, account.last_login_at),
    }


def to_user(row: Row[Any], accounts: Sequence[Row[Any]]) -> User:
    return User(
        id=row.id,
        nickname=row.nickname,
        email=row.email,
        profile_image_url=row.profile_image_url,
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_login_at=row.last_login_at,
        stored=True,
        social_accounts=[
            SocialAccount(
                id=a.id,
                user_id=a.user_id,
                identity=ProviderIdentity(provider=a.provider, subject=a.provider_user_id),
                email=a.email,
                connected_at=a.connected_at,
                # v1's users service links accounts without a login time.
                last_login_at=a.last_login_at or a.connected_at,
            )
            for a in accounts
        ],
    )
