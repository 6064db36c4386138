from __future__ import annotations

from collections.abc import Iterable, Mapping
from uuid import UUID

from apps.auth.domain.audit import LoginAudit
from apps.auth.domain.errors import AlreadyLinked
from apps.auth.domain.user import ProviderIdentity, User


class MemoryStore:
    """Committed state of the embedded database, shared by every unit of work of one process."""

    def __init__(self) -> None:
        self.users: dict[UUID, User] = {}
        self.audits: list[LoginAudit] = []


class StagedChanges:
    """One transaction: writes are staged here and reach the store only on commit.

    Reads see the staged writes over the committed state, like a database session does.
    Stored users are private copies; callers only ever receive copies of them.
    """

    def __init__(self, *, store: MemoryStore) -> None:
        self.store = store
        self._users: dict[UUID, User | None] = {}
        self._created: set[UUID] = set()
        self._audits: list[LoginAudit] = []

    def find_user(self, user_id: UUID) -> User | None:
        if user_id in self._users:
            return self._users[user_id]
        return self.store.users.get(user_id)

    def visible_users(self) -> dict[UUID, User]:
        merged: dict[UUID, User | None] = {**self.store.users, **self._users}
        return {user_id: user for user_id, user in merged.items() if user is not None}

    def stage_user(self, user: User, *, created: bool = False) -> None:
        others = {k: v for k, v in self.visible_users().items() if k != user.id}
        ensure_unlinked(user, others.values())
        self._users[user.id] = user
        if created:
            self._created.add(user.id)

    def stage_delete(self, user_id: UUID) -> None:
        self._users[user_id] = None

    def stage_audit(self, audit: LoginAudit) -> None:
        self._audits.append(audit)

    def commit(self) -> None:
        # An update of a user another unit deleted since is dropped: in Postgres that delete
        # waited for our row lock and then removed the row anyway.
        for user_id in self._users.keys() - self._created - self.store.users.keys():
            self._users.pop(user_id)
        # Another unit may have linked the same identity since our save; the database's unique
        # constraint refuses that, so the merge is checked again before it becomes visible.
        merged = self.visible_users()
        for user_id in self._users:
            if user_id in merged:
                others = {k: v for k, v in merged.items() if k != user_id}
                ensure_unlinked(merged[user_id], others.values())
        self.store.users = merged
        self.store.audits.extend(self._audits)
        self.rollback()

    def rollback(self) -> None:
        self._users = {}
        self._created = set()
        self._audits = []


def ensure_unlinked(user: User, others: Iterable[User]) -> None:
    identities = [a.identity for a in user.social_accounts]
    if len(set(identities)) != len(identities):
        raise AlreadyLinked()
    taken = _identities(others)
    if any(identity in taken for identity in identities):
        raise AlreadyLinked()


def _identities(users: Iterable[User]) -> Mapping[ProviderIdentity, UUID]:
    return {a.identity: u.id for u in users for a in u.social_accounts}
