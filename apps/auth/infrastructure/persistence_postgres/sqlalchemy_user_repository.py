from __future__ import annotations

from uuid import UUID

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from apps.auth.domain.errors import UserNotFound
from apps.auth.domain.user import (
    MAX_SUBJECT_LENGTH,
    PROVIDER_NAMES,
    ProviderIdentity,
    User,
)
from apps.auth.infrastructure.persistence_postgres.errors import translate_errors
from apps.auth.infrastructure.persistence_postgres.tables import social_accounts, users
from apps.auth.infrastructure.persistence_postgres.user_rows import (
    account_values,
    to_user,
    user_values,
)

# Rows v1 wrote that v2 cannot represent (another provider, a longer provider user id) stay
# untouched: not read, not unlinked.
_KNOWN_PROVIDER = and_(
    social_accounts.c.provider.in_(sorted(PROVIDER_NAMES)),
    func.length(social_accounts.c.provider_user_id) <= MAX_SUBJECT_LENGTH,
)


class SqlAlchemyUserRepository:
    """Users and their social accounts as one aggregate, inside the caller's session.

    The rows are v1's: columns v2 does not know (username, phone_number) are never written.
    A new user is inserted; a stored user is updated, and UserNotFound says it was deleted.
    """

    def __init__(self, *, session: AsyncSession) -> None:
        self._session = session

    @translate_errors
    async def get(self, user_id: UUID) -> User | None:
        result = await self._session.execute(select(users).where(users.c.id == user_id))
        row = result.one_or_none()
        if row is None:
            return None
        accounts = await self._session.execute(
            select(social_accounts)
            .where(social_accounts.c.user_id == user_id, _KNOWN_PROVIDER)
            .order_by(social_accounts.c.connected_at, social_accounts.c.id)
        )
        return to_user(row, accounts.all())

    @translate_errors
    async def get_by_identity(self, identity: ProviderIdentity) -> User | None:
        user_id = await self._session.scalar(
            select(social_accounts.c.user_id).where(
                social_accounts.c.provider == identity.provider,
                social_accounts.c.provider_user_id == identity.subject,
            )
        )
        return None if user_id is None else await self.get(user_id)

    @translate_errors
    async def save(self, user: User) -> None:
        # A savepoint keeps the caller's transaction usable after a conflict.
        async with self._session.begin_nested():
            if user.stored:
                await self._update_user(user)
            else:
                await self._session.execute(insert(users).values(user_values(user)))
            await self._session.execute(
                delete(social_accounts).where(
                    social_accounts.c.user_id == user.id,
                    social_accounts.c.id.not_in([a.id for a in user.social_accounts]),
                    _KNOWN_PROVIDER,
                )
            )
            if user.social_accounts:
                await self._upsert_accounts(user)
        user.stored = True

    @translate_errors
    async def delete(self, user_id: UUID) -> bool:
        result = await self._session.execute(
            delete(users).where(users.c.id == user_id).returning(users.c.id)
        )
        return result.first() is not None

    async def _update_user(self, user: User) -> None:
        """Locks the row until commit, so a concurrent delete waits for us or wins outright."""
        values = user_values(user)
        del values["id"], values["created_at"]
        result = await self._session.execute(
            update(users).where(users.c.id == user.id).values(values).returning(users.c.id)
        )
        if result.first() is None:
            raise UserNotFound("the account was deleted while this change was made")

    async def _upsert_accounts(self, user: User) -> None:
        statement = pg_insert(social_accounts).values(
            [account_values(user, a) for a in user.social_accounts]
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[social_accounts.c.id],
                set_={
                    "email": statement.excluded.email,
                    "last_login_at": statement.excluded.last_login_at,
                    "updated_at": statement.excluded.updated_at,
                },
            )
        )
