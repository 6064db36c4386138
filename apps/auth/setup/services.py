"""The composition root: settings and adapters in, one frozen object of use cases out."""

from __future__ import annotations

import logging
from dataclasses import replace

from apps.auth.application.common.auditor import Auditor
from apps.auth.application.common.health import ReadinessQuery
from apps.auth.application.common.issuance import TokenIssuer, TokenLifetimes
from apps.auth.application.common.ports import Clock, IdGenerator
from apps.auth.application.common.security_notices import SecurityNotices
from apps.auth.application.common.token_ports import TokenCodec
from apps.auth.application.common.user_presence import UserPresence
from apps.auth.application.oauth.authorize import StartLoginInteractor
from apps.auth.application.oauth.callback import CompleteLoginInteractor
from apps.auth.application.oauth.ports import ProviderRegistry
from apps.auth.application.services import Services
from apps.auth.application.session.logout import LogoutInteractor
from apps.auth.application.session.logout_all import LogoutAllInteractor
from apps.auth.application.session.sessions import ListSessionsQuery, RevokeSessionInteractor
from apps.auth.application.token.refresh import RefreshDeps, RefreshTokensInteractor
from apps.auth.application.token.verify import ValidateTokenQuery
from apps.auth.application.user.activity import ListActivityQuery
from apps.auth.application.user.delete_account import DeleteAccountInteractor
from apps.auth.application.user.get_me import GetCurrentUserQuery
from apps.auth.domain.origin import OriginPolicy
from apps.auth.infrastructure.security.keys import SigningKeys, generate_ec_private_pem
from apps.auth.infrastructure.user_agent_names import UapDeviceNamer
from apps.auth.setup.identity import UsersOwner
from apps.auth.setup.key_settings import key_material
from apps.auth.setup.settings import Settings
from apps.auth.setup.storage import Storage

logger = logging.getLogger("auth.setup")


def signing_keys(settings: Settings) -> SigningKeys:
    material = key_material(settings)
    if material.algorithm == "ES256" and not material.private_pem:
        logger.warning("no AUTH_JWT_PRIVATE_KEY: signing with an ephemeral key for this process")
        material = replace(material, private_pem=generate_ec_private_pem())
    return SigningKeys.from_material(material)


def origin_policy(settings: Settings) -> OriginPolicy:
    return OriginPolicy(
        allowed=frozenset(settings.allowed_origins), default=settings.fallback_origin
    )


def build_services(
    settings: Settings,
    *,
    storage: Storage,
    owner: UsersOwner,
    providers: ProviderRegistry,
    codec: TokenCodec,
    clock: Clock,
    ids: IdGenerator,
) -> Services:
    s, st, users = settings, storage, owner.directory
    issuer = TokenIssuer(
        codec=codec,
        ids=ids,
        lifetimes=TokenLifetimes(
            access_seconds=s.access_token_ttl_seconds,
            refresh_seconds=s.refresh_token_ttl_seconds,
            session_max_seconds=s.session_max_seconds,
            refresh_grace_seconds=s.refresh_grace_seconds,
        ),
    )
    auditor = Auditor(log=st.audit, clock=clock, ids=ids)
    origins = origin_policy(s)
    devices = UapDeviceNamer()
    notices = SecurityNotices(
        log=st.activity,
        outbox=st.notices,
        devices=devices,
        clock=clock,
        window_days=s.new_device_window_days,
    )
    return Services(
        start_login=StartLoginInteractor(
            providers=providers,
            states=st.states,
            origins=origins,
            clock=clock,
            ids=ids,
            state_ttl_seconds=s.state_ttl_seconds,
        ),
        complete_login=CompleteLoginInteractor(
            providers=providers,
            states=st.states,
            users=users,
            uow=st.uow,
            auditor=auditor,
            sessions=st.sessions,
            revocations=st.revocations,
            issuer=issuer,
            origins=origins,
            clock=clock,
            ids=ids,
            notices=notices,
        ),
        refresh=RefreshTokensInteractor(
            deps=RefreshDeps(
                codec=codec,
                sessions=st.sessions,
                legacy=st.legacy,
                users=UserPresence(
                    existence=owner.existence,
                    clock=clock,
                    ttl_seconds=s.users_cache_seconds,
                ),
                revocations=st.revocations,
                issuer=issuer,
                auditor=auditor,
                per_user_limit=s.rate_limit_refresh_per_user,
                window_seconds=s.rate_limit_window_seconds,
                clock=clock,
                ids=ids,
                notices=notices,
            )
        ),
        validate_token=ValidateTokenQuery(codec=codec, revocations=st.revocation_checker),
        logout=LogoutInteractor(
            codec=codec,
            revocations=st.revocations,
            checker=st.revocation_checker,
            auditor=auditor,
            clock=clock,
        ),
        logout_all=LogoutAllInteractor(
            sessions=st.sessions, revocations=st.revocations, auditor=auditor, clock=clock
        ),
        list_sessions=ListSessionsQuery(sessions=st.sessions, devices=devices),
        revoke_session=RevokeSessionInteractor(
            sessions=st.sessions, revocations=st.revocations, auditor=auditor, clock=clock
        ),
        get_me=GetCurrentUserQuery(users=users),
        list_activity=ListActivityQuery(
            log=st.activity,
            devices=devices,
            clock=clock,
            retention_days=s.activity_retention_days,
        ),
        delete_account=DeleteAccountInteractor(
            users=users,
            uow=st.uow,
            sessions=st.sessions,
            revocations=st.revocations,
            auditor=auditor,
            clock=clock,
        ),
        readiness=ReadinessQuery(probes=st.probes),
        limiter=st.limiter,
        outbox_depth=st.outbox_depth,
    )
