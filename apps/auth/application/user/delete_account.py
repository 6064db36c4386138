from __future__ import annotations

from dataclasses import dataclass

from apps.auth.application.common.auditor import Auditor
from apps.auth.application.common.ports import Clock, UnitOfWorkFactory, UserDirectory
from apps.auth.application.common.token_ports import (
    RevocationRequest,
    RevocationStore,
    SessionStore,
)
from apps.auth.domain.audit import AuditEvent
from apps.auth.domain.errors import AccountNotDeleted, IdentityInvalid, IdentityUnavailable
from apps.auth.domain.revocation_reason import RevocationReason
from apps.auth.domain.session import ClientInfo
from apps.auth.domain.token import Revocation, TokenClaims


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteAccountRequest:
    caller: TokenClaims
    client: ClientInfo


class DeleteAccountInteractor:
    """Deletes the caller's account at the owner of users after revoking every session.

    Revocation comes first, so a failure leaves an account whose tokens no longer work,
    never deleted data with live tokens; an owner that does not delete is reported as
    AccountNotDeleted with every session still ended. A second sweep after the delete ends
    any session a concurrent login opened meanwhile (the login itself checks afterwards).
    """

    def __init__(
        self,
        *,
        users: UserDirectory,
        uow: UnitOfWorkFactory,
        sessions: SessionStore,
        revocations: RevocationStore,
        auditor: Auditor,
        clock: Clock,
    ) -> None:
        self._users = users
        self._uow = uow
        self._sessions = sessions
        self._revocations = revocations
        self._audit = auditor
        self._clock = clock

    async def execute(self, request: DeleteAccountRequest) -> None:
        caller = request.caller
        await self._sweep(
            caller, [Revocation.of(caller, RevocationReason.ACCOUNT_DELETED)], _session_of(caller)
        )
        try:
            await self._users.delete(caller.sub)
        except (IdentityUnavailable, IdentityInvalid) as error:
            await self._sweep(caller, [], set())
            await self._recorded(AuditEvent.LOGOUT_ALL, request, AccountNotDeleted.code)
            raise AccountNotDeleted() from error
        await self._sweep(caller, [], set())
        await self._recorded(AuditEvent.ACCOUNT_DELETED, request, None)

    async def _recorded(
        self, event: AuditEvent, request: DeleteAccountRequest, reason: str | None
    ) -> None:
        async with self._uow() as uow:
            await uow.audit.record(
                self._audit.entry(
                    event,
                    user_id=request.caller.sub,
                    provider=request.caller.provider,
                    client=request.client,
                    reason=reason,
                )
            )
            await uow.commit()

    async def _sweep(
        self, caller: TokenClaims, revocations: list[Revocation], extra: set[str]
    ) -> None:
        sessions = await self._sessions.list_for_user(caller.sub)
        await self._revocations.revoke(
            RevocationRequest(
                revocations=revocations,
                session_ids=sorted(({s.id for s in sessions} | extra) - {""}),
                not_before_user=caller.sub,
                reason=RevocationReason.ACCOUNT_DELETED,
            ),
            self._clock.now(),
        )


def _session_of(caller: TokenClaims) -> set[str]:
    return set() if caller.issued_by_v1 else {caller.sid}
