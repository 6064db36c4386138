from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from apps.auth.application.common.health import ReadinessQuery
from apps.auth.application.common.rate_limit import RateLimiter
from apps.auth.application.oauth.authorize import StartLoginInteractor
from apps.auth.application.oauth.callback import CompleteLoginInteractor
from apps.auth.application.oauth.ports import ProviderRegistry
from apps.auth.application.session.logout import LogoutInteractor
from apps.auth.application.session.logout_all import LogoutAllInteractor
from apps.auth.application.session.sessions import ListSessionsQuery, RevokeSessionInteractor
from apps.auth.application.token.issuance import TokenIssuer, TokenLifetimes
from apps.auth.application.token.refresh import RefreshTokensInteractor
from apps.auth.application.token.verify import ValidateTokenQuery
from apps.auth.application.user.auditor import Auditor
from apps.auth.application.user.delete_account import DeleteAccountInteractor
from apps.auth.application.user.get_me import GetCurrentUserQuery
from apps.auth.domain.errors import ConfigurationError
from apps.auth.domain.origin import OriginPolicy
from apps.auth.infrastructure.security.cached_token_codec import CachingTokenCodec
from apps.auth.infrastructure.security.jose_token_codec import JoseTokenCodec
from apps.auth.infrastructure.security.keys import SigningKeys, generate_ec_private_pem
from apps.auth.infrastructure.system import RandomIdGenerator, SystemClock
from apps.auth.setup.backends import Storage, UnitOfWork, build_storage
from apps.auth.setup.settings import Settings

T = TypeVar("T")
logger = logging.getLogger("auth.setup")


def signing_keys(settings: Settings) -> SigningKeys:
    if settings.jwt_algorithm == "HS256":
        secret = settings.jwt_secret
        if not secret:
            raise ConfigurationError("AUTH_JWT_SECRET is required for HS256")
        return SigningKeys.hs256(secret, settings.jwt_key_id or "hs-1")
    pem, kid = settings.jwt_private_key, settings.jwt_key_id or "local-1"
    if not pem:
        logger.warning("no AUTH_JWT_PRIVATE_KEY: signing with an ephemeral key for this process")
        pem = generate_ec_private_pem()
    return SigningKeys.es256(pem, kid, settings.previous_public_keys())


class Container:
    """The composition root: one place that knows every adapter and hands out interactors."""

    def __init__(self, settings: Settings, providers: ProviderRegistry, keys: SigningKeys) -> None:
        self.settings = settings
        self.clock = SystemClock()
        self.ids = RandomIdGenerator()
        self.keys = keys
        self.storage: Storage = build_storage(settings, self.clock)
        self.origins = OriginPolicy(frozenset(settings.allowed_origins), settings.fallback_origin)
        self.providers = providers
        codec = CachingTokenCodec(
            JoseTokenCodec(
                keys, settings.jwt_issuer, settings.jwt_audience, settings.jwt_leeway_seconds
            )
        )
        self.codec = codec
        self.issuer = TokenIssuer(
            codec,
            self.ids,
            TokenLifetimes(
                access_seconds=settings.access_token_ttl_seconds,
                refresh_seconds=settings.refresh_token_ttl_seconds,
                session_max_seconds=settings.session_max_seconds,
                refresh_grace_seconds=settings.refresh_grace_seconds,
            ),
        )
        self._singletons = self._build_singletons()
        self._scoped: dict[type[Any], Callable[[UnitOfWork], Any]] = {
            CompleteLoginInteractor: self._complete_login,
            GetCurrentUserQuery: lambda uow: GetCurrentUserQuery(uow.users),
            DeleteAccountInteractor: self._delete_account,
        }

    def app_scoped(self, kind: type[T]) -> T:
        instance: T = self._singletons[kind]
        return instance

    @asynccontextmanager
    async def request_scoped(self, kind: type[T]) -> AsyncIterator[T]:
        async with self.storage.unit_of_work() as uow:
            instance: T = self._scoped[kind](uow)
            yield instance

    def _build_singletons(self) -> dict[type[Any], Any]:
        s, st = self.settings, self.storage
        auditor = Auditor(st.audit, self.clock, self.ids)
        return {
            RateLimiter: st.limiter,
            ReadinessQuery: ReadinessQuery(st.probes),
            ValidateTokenQuery: ValidateTokenQuery(self.codec, st.revocation_checker),
            StartLoginInteractor: StartLoginInteractor(
                self.providers, st.states, self.origins, self.clock, self.ids, s.state_ttl_seconds
            ),
            RefreshTokensInteractor: RefreshTokensInteractor(
                self.codec,
                st.sessions,
                self.issuer,
                auditor,
                st.limiter,
                s.rate_limit_refresh_per_user,
                s.rate_limit_window_seconds,
                self.clock,
            ),
            LogoutInteractor: LogoutInteractor(self.codec, st.revocations, auditor, self.clock),
            LogoutAllInteractor: LogoutAllInteractor(
                st.sessions, st.revocations, auditor, self.clock
            ),
            ListSessionsQuery: ListSessionsQuery(st.sessions),
            RevokeSessionInteractor: RevokeSessionInteractor(
                st.sessions, st.revocations, auditor, self.clock
            ),
        }

    def _complete_login(self, uow: UnitOfWork) -> CompleteLoginInteractor:
        return CompleteLoginInteractor(
            self.providers,
            self.storage.states,
            uow.users,
            Auditor(uow.audit, self.clock, self.ids),
            uow.transaction,
            self.storage.sessions,
            self.storage.revocations,
            self.issuer,
            self.origins,
            self.clock,
            self.ids,
        )

    def _delete_account(self, uow: UnitOfWork) -> DeleteAccountInteractor:
        return DeleteAccountInteractor(
            uow.users,
            self.storage.sessions,
            self.storage.revocations,
            Auditor(uow.audit, self.clock, self.ids),
            uow.transaction,
            self.clock,
        )
