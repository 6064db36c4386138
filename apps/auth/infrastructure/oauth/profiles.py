"""Turning a provider's untrusted profile JSON into a `ProviderProfile`."""

from __future__ import annotations

from apps.auth.domain.errors import OAuthProviderError
from apps.auth.domain.user import ProviderIdentity, ProviderProfile


def text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def subject_of(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return text(value)


def build_profile(
    provider: str,
    subject: object,
    *,
    email: object = None,
    nickname: object = None,
    image: object = None,
) -> ProviderProfile:
    user_id = subject_of(subject)
    if user_id is None:
        raise OAuthProviderError(f"{provider} profile has no user id")
    try:
        identity = ProviderIdentity(provider, user_id)
    except ValueError:
        raise OAuthProviderError(f"{provider} profile has an invalid user id") from None
    return ProviderProfile(
        identity=identity,
        email=text(email),
        nickname=text(nickname),
        profile_image_url=text(image),
    )
