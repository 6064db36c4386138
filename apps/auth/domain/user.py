from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

# The identity providers a user signs in with: the real ones, and the local-only dev provider.
REAL_PROVIDERS = ("kakao", "google", "naver")
DEV_PROVIDER = "dev"
PROVIDER_NAMES = frozenset({*REAL_PROVIDERS, DEV_PROVIDER})
MAX_SUBJECT_LENGTH = 255
MAX_EMAIL_LENGTH = 320  # RFC 5321; v1's column for an account's email is this wide


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderIdentity:
    """Who a user is at a provider: (provider, provider user id), never the email alone."""

    provider: str
    subject: str

    def __post_init__(self) -> None:
        if self.provider not in PROVIDER_NAMES:
            raise ValueError(f"unknown provider {self.provider!r}")
        if not self.subject or len(self.subject) > MAX_SUBJECT_LENGTH:
            raise ValueError("provider user id must be 1..255 characters")


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderProfile:
    identity: ProviderIdentity
    email: str | None = None
    nickname: str | None = None
    profile_image_url: str | None = None


@dataclass(slots=True, kw_only=True)
class SocialAccount:
    id: UUID
    user_id: UUID
    identity: ProviderIdentity
    email: str | None
    connected_at: datetime
    last_login_at: datetime

    def record_login(self, profile: ProviderProfile, now: datetime) -> None:
        self.email = account_email(profile)
        self.last_login_at = now


@dataclass(slots=True, kw_only=True)
class User:
    id: UUID
    nickname: str | None
    email: str | None
    profile_image_url: str | None
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None = None
    social_accounts: list[SocialAccount] = field(default_factory=list)
    # Set by the repository once the user has a row: saving it again then updates that row and
    # fails if the row is gone (deleted meanwhile) instead of re-creating it under the same id.
    stored: bool = field(default=False, compare=False, repr=False)

    @classmethod
    def register(
        cls, *, user_id: UUID, account_id: UUID, profile: ProviderProfile, now: datetime
    ) -> User:
        user = cls(
            id=user_id,
            nickname=profile.nickname,
            email=profile.email,
            profile_image_url=profile.profile_image_url,
            created_at=now,
            updated_at=now,
            last_login_at=now,
        )
        user.social_accounts.append(
            SocialAccount(
                id=account_id,
                user_id=user_id,
                identity=profile.identity,
                email=account_email(profile),
                connected_at=now,
                last_login_at=now,
            )
        )
        return user

    def record_login(self, profile: ProviderProfile, now: datetime) -> None:
        """A returning user keeps their id; the provider's latest profile refreshes ours."""
        self.nickname = profile.nickname or self.nickname
        self.email = profile.email or self.email
        self.profile_image_url = profile.profile_image_url or self.profile_image_url
        self.updated_at = now
        self.last_login_at = now
        account = self.account_for(profile.identity)
        if account is not None:
            account.record_login(profile, now)

    def account_for(self, identity: ProviderIdentity) -> SocialAccount | None:
        return next((a for a in self.social_accounts if a.identity == identity), None)

    @property
    def providers(self) -> list[str]:
        return sorted({a.identity.provider for a in self.social_accounts})

    def snapshot(self) -> User:
        return replace(self, social_accounts=[replace(a) for a in self.social_accounts])


def account_email(profile: ProviderProfile) -> str | None:
    """A provider's email longer than any address can be is not kept on the account."""
    email = profile.email
    return email if email is None or len(email) <= MAX_EMAIL_LENGTH else None
