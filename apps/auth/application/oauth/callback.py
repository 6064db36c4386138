from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from datetime import timedelta
from uuid import UUID

from apps.auth.application.common.auditor import Auditor
from apps.auth.application.common.errors import LoginFailed
from apps.auth.application.common.issuance import TokenIssuer
from apps.auth.application.common.ports import Clock, IdGenerator, UnitOfWorkFactory, UserDirectory
from apps.auth.application.common.security_notices import SecurityNotices
from apps.auth.application.common.token_ports import (
    RevocationRequest,
    RevocationStore,
    SessionStore,
)
from apps.auth.application.oauth.pkce import binding_matches
from apps.auth.application.oauth.ports import LoginState, ProviderRegistry, StateStore
from apps.auth.domain.activity import NEW_DEVICE_REASON
from apps.auth.domain.audit import AuditEvent, LoginAudit
from apps.auth.domain.errors import DomainError, InvalidState, OAuthAccessDenied, UserNotFound
from apps.auth.domain.origin import OriginPolicy
from apps.auth.domain.revocation_reason import RevocationReason
from apps.auth.domain.session import ClientInfo, Session
from apps.auth.domain.token import TokenPair
from apps.auth.domain.user import ProviderProfile

MAX_STATE_LENGTH = 256


@dataclass(frozen=True, slots=True, kw_only=True)
class CompleteLoginRequest:
    provider: str
    state: str | None
    code: str | None
    error: str | None
    browser_binding: str | None
    client: ClientInfo


@dataclass(frozen=True, slots=True, kw_only=True)
class CompleteLoginResult:
    user_id: UUID
    session_id: str
    tokens: TokenPair
    frontend_origin: str


class CompleteLoginInteractor:
    """Finishes a login: one use of a state bound to this browser and provider, then the user.

    Users are found by (provider, provider user id) only, at the owner of users (the
    directory). The session opens once the user is known; if the user is gone by then (deleted
    meanwhile) or the success cannot be recorded, the session is ended again before anyone holds
    its tokens. Every failure ends as `LoginFailed` carrying the frontend origin. A returning
    user signing in from a device not used within the window gets a new-device notice, and the
    success record says so (reason `new_device`).
    """

    def __init__(
        self,
        *,
        providers: ProviderRegistry,
        states: StateStore,
        users: UserDirectory,
        uow: UnitOfWorkFactory,
        auditor: Auditor,
        sessions: SessionStore,
        revocations: RevocationStore,
        issuer: TokenIssuer,
        origins: OriginPolicy,
        clock: Clock,
        ids: IdGenerator,
        notices: SecurityNotices,
    ) -> None:
        self._notices = notices
        self._providers = providers
        self._states = states
        self._users = users
        self._uow = uow
        self._audit = auditor
        self._sessions = sessions
        self._revocations = revocations
        self._issuer = issuer
        self._origins = origins
        self._clock = clock
        self._ids = ids

    async def execute(self, request: CompleteLoginRequest) -> CompleteLoginResult:
        login = await self._consume_state(request)
        try:
            profile = await self._fetch_profile(request, login)
        except DomainError as error:
            await self._record(AuditEvent.LOGIN_FAILURE, None, request, reason=error.code)
            raise LoginFailed(error, login.frontend_origin) from error
        async with self._uow() as uow:
            try:
                signed = await self._users.sign_in(profile, uow)
                user_id = signed.user_id
                new_device = not signed.is_new and await self._notices.is_new_device(
                    user_id, request.client
                )
                session_id, tokens = await self._open_session(user_id, login, request.client)
            except DomainError as error:
                await uow.rollback()
                await self._record(AuditEvent.LOGIN_FAILURE, None, request, reason=error.code)
                raise LoginFailed(error, login.frontend_origin) from error
            reason = NEW_DEVICE_REASON if new_device else None
            success = self._entry(AuditEvent.LOGIN_SUCCESS, user_id, request, reason)
            try:
                await uow.audit.record(success)
                await uow.commit()
                await self._still_there(user_id)
            except DomainError as error:
                await self._discard(session_id)
                raise LoginFailed(error, login.frontend_origin) from error
        if new_device:
            await self._notices.new_device_sign_in(success)
        return CompleteLoginResult(
            user_id=user_id,
            session_id=session_id,
            tokens=tokens,
            frontend_origin=login.frontend_origin,
        )

    async def _still_there(self, user_id: UUID) -> None:
        """A deletion at a remote owner that finished before the session opened swept none of
        it; the session must not outlive the user."""
        if await self._users.find(user_id) is None:
            raise UserNotFound("the account was deleted while signing in")

    async def _discard(self, session_id: str) -> None:
        """A session whose login could not be recorded is ended before anyone holds its tokens."""
        with contextlib.suppress(DomainError):
            await self._revocations.revoke(
                RevocationRequest(session_ids=[session_id], reason=RevocationReason.LOGIN_FAILED),
                self._clock.now(),
            )

    async def _consume_state(self, request: CompleteLoginRequest) -> LoginState:
        usable = request.state is not None and 0 < len(request.state) <= MAX_STATE_LENGTH
        login = await self._states.consume(request.state) if usable and request.state else None
        if login is None or not self._state_fits(login, request):
            error = InvalidState()
            await self._record(AuditEvent.LOGIN_FAILURE, None, request, reason=error.code)
            raise LoginFailed(error, self._origins.default)
        # A record written by v1 names whatever origin its caller passed: only an allow-listed
        # one is kept, as for a login started here.
        return replace(login, frontend_origin=self._origins.resolve(login.frontend_origin))

    def _state_fits(self, login: LoginState, request: CompleteLoginRequest) -> bool:
        """The state was issued for this provider, this browser and this callback, and is live.

        A login started on v1 carries no browser binding: v1 accepts it on the state alone, and
        so does this callback (docs/tokens.md, "Sign-in across tracks"). A login started here
        always carries one and is refused without the cookie that proves it.
        """
        if login.provider != request.provider or self._clock.now() >= login.expires_at:
            return False
        if login.redirect_uri not in (None, self._providers.redirect_uri(login.provider)):
            return False
        if login.browser_binding_hash is None:
            return True
        return binding_matches(login.browser_binding_hash, request.browser_binding)

    async def _fetch_profile(
        self, request: CompleteLoginRequest, login: LoginState
    ) -> ProviderProfile:
        if request.error or not request.code:
            answer = (request.error or "without a code")[:64]
            raise OAuthAccessDenied(f"provider answered {answer}")
        provider = self._providers.get(request.provider)
        access_token = await provider.exchange_code(
            code=request.code,
            redirect_uri=self._providers.redirect_uri(provider.name),
            code_verifier=login.code_verifier,
            state=login.state,
        )
        return await provider.fetch_profile(access_token)

    async def _open_session(
        self, user_id: UUID, login: LoginState, client: ClientInfo
    ) -> tuple[str, TokenPair]:
        now = self._clock.now()
        session = Session(
            id=self._ids.new_token_id(),
            user_id=user_id,
            provider=login.provider,
            client=ClientInfo(
                ip=client.ip, user_agent=client.user_agent, device_id=login.device_id
            ),
            created_at=now,
            last_used_at=now,
            expires_at=now + timedelta(seconds=self._issuer.lifetimes.session_max_seconds),
        )
        pair, tokens = await self._issuer.issue(
            user_id=user_id, provider=login.provider, session_id=session.id, now=now
        )
        await self._sessions.open(session, tokens)
        return session.id, pair

    def _entry(
        self,
        event: AuditEvent,
        user_id: UUID | None,
        request: CompleteLoginRequest,
        reason: str | None = None,
    ) -> LoginAudit:
        return self._audit.entry(
            event, user_id=user_id, provider=request.provider, client=request.client, reason=reason
        )

    async def _record(
        self,
        event: AuditEvent,
        user_id: UUID | None,
        request: CompleteLoginRequest,
        reason: str | None = None,
    ) -> None:
        """A failure is recorded in a transaction of its own, whatever happened to the login's."""
        async with self._uow() as uow:
            await uow.audit.record(self._entry(event, user_id, request, reason))
            await uow.commit()
