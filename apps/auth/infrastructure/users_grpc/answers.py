"""Reading the users service's answers: anything that is not what was asked is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from apps.auth.domain.errors import IdentityInvalid
from apps.auth.domain.user import ProviderIdentity, User
from apps.auth.infrastructure.users_grpc import users_pb2 as pb


def user_id_of(value: str) -> UUID:
    """A user id as the users service writes it: a canonical, non-nil UUID."""
    try:
        parsed = UUID(value)
    except (ValueError, TypeError) as error:
        raise IdentityInvalid("the users service answered a user id that is not a UUID") from error
    if parsed.int == 0 or str(parsed) != value.lower():
        raise IdentityInvalid("the users service answered a user id that is not canonical")
    return parsed


def signed_in_user(answer: pb.GetOrCreateFromOAuthResponse, asked: ProviderIdentity) -> UUID:
    if not answer.HasField("user") or not answer.HasField("social_account"):
        raise IdentityInvalid("the users service answered without a user or an account")
    user_id = user_id_of(answer.user.id)
    account = answer.social_account
    linked = (account.provider, account.provider_user_id) == (asked.provider, asked.subject)
    if not linked or (account.user_id and account.user_id.lower() != str(user_id)):
        raise IdentityInvalid("the users service answered for another identity")
    return user_id


def found_user(answer: pb.GetUserResponse, asked: UUID) -> User | None:
    if not answer.HasField("user"):
        return None
    info = answer.user
    if user_id_of(info.id) != asked:
        raise IdentityInvalid("the users service answered for another user")
    created = _time(info.created_at)
    return User(
        id=asked,
        nickname=info.nickname if info.HasField("nickname") else None,
        email=None,
        profile_image_url=info.profile_image_url if info.HasField("profile_image_url") else None,
        created_at=created,
        updated_at=_time(info.updated_at) if info.updated_at else created,
        last_login_at=_time(info.last_login_at) if info.HasField("last_login_at") else None,
        stored=True,
    )


def _time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise IdentityInvalid("the users service answered a time that is not ISO 8601") from error
    # The service writes timestamptz columns; a time without a zone is read as UTC.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
