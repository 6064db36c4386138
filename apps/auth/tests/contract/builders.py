from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from apps.auth.application.common.ports import UnitOfWork, UserRepository
from apps.auth.domain.audit import AuditEvent, LoginAudit
from apps.auth.domain.user import ProviderIdentity, ProviderProfile, SocialAccount, User

T0 = datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def profile(provider: str = "kakao", subject: str | None = None, **fields: str) -> ProviderProfile:
    return ProviderProfile(
        identity=ProviderIdentity(provider=provider, subject=subject or uuid4().hex),
        email=fields.get("email", "eco@example.com"),
        nickname=fields.get("nickname", "에코"),
        profile_image_url=fields.get("profile_image_url", "https://img.example.com/a.png"),
    )


def new_user(provider: str = "kakao", subject: str | None = None, now: datetime = T0) -> User:
    return User.register(
        user_id=uuid4(), account_id=uuid4(), profile=profile(provider, subject), now=now
    )


def link(user: User, identity: ProviderIdentity, now: datetime) -> SocialAccount:
    account = SocialAccount(
        id=uuid4(),
        user_id=user.id,
        identity=identity,
        email=None,
        connected_at=now,
        last_login_at=now,
    )
    user.social_accounts.append(account)
    return account


def audit(
    event: AuditEvent = AuditEvent.LOGIN_SUCCESS,
    user_id: UUID | None = None,
    offset_seconds: int = 0,
    **fields: str | None,
) -> LoginAudit:
    return LoginAudit(
        id=uuid4(),
        event=event,
        user_id=user_id,
        provider=fields.get("provider", "kakao"),
        reason=fields.get("reason"),
        ip=fields.get("ip", "203.0.113.7"),
        user_agent=fields.get("user_agent", "Mozilla/5.0"),
        occurred_at=T0 + timedelta(seconds=offset_seconds),
    )


async def saved(users: UserRepository, tx: UnitOfWork, provider: str = "kakao") -> User:
    user = new_user(provider)
    await users.save(user)
    await tx.commit()
    return user
