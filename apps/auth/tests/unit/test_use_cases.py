from __future__ import annotations

from dataclasses import dataclass

import pytest

from apps.auth.application.common.errors import LoginFailed
from apps.auth.application.oauth.authorize import StartLoginInteractor, StartLoginRequest
from apps.auth.application.oauth.callback import CompleteLoginInteractor, CompleteLoginRequest
from apps.auth.application.oauth.pkce import s256_challenge
from apps.auth.application.session.logout import LogoutInteractor, LogoutRequest
from apps.auth.application.token.issuance import TokenIssuer, TokenLifetimes
from apps.auth.application.token.ports import RotationOutcome
from apps.auth.application.token.refresh import RefreshTokensInteractor, RefreshTokensRequest
from apps.auth.application.token.verify import ValidateTokenQuery, ValidateTokenRequest
from apps.auth.application.user.auditor import Auditor
from apps.auth.domain.audit import AuditEvent
from apps.auth.domain.errors import TokenRevoked, TokenTypeMismatch
from apps.auth.domain.origin import OriginPolicy
from apps.auth.domain.session import ClientInfo
from apps.auth.infrastructure.memory.memory_audit_log import (
    MemoryAuditLog,
    StandaloneMemoryAuditLog,
)
from apps.auth.infrastructure.memory.memory_rate_limiter import MemoryRateLimiter
from apps.auth.infrastructure.memory.memory_revocation_store import (
    MemoryRevocationChecker,
    MemoryRevocationStore,
)
from apps.auth.infrastructure.memory.memory_session_store import MemorySessionStore
from apps.auth.infrastructure.memory.memory_state_store import MemoryStateStore
from apps.auth.infrastructure.memory.memory_token_state import MemoryTokenState
from apps.auth.infrastructure.memory.memory_transaction_manager import MemoryTransactionManager
from apps.auth.infrastructure.memory.memory_unit_of_work import MemoryStore, MemoryUnitOfWork
from apps.auth.infrastructure.memory.memory_user_repository import MemoryUserRepository
from apps.auth.infrastructure.security.jose_token_codec import JoseTokenCodec
from apps.auth.infrastructure.security.keys import SigningKeys, generate_ec_private_pem
from apps.auth.tests.unit.fakes import (
    FrozenClock,
    InMemoryProvider,
    InMemoryRegistry,
    SequentialIds,
)

CLIENT = ClientInfo(ip="203.0.113.7", user_agent="pytest")
ORIGINS = OriginPolicy(
    frozenset({"https://app.eco2.test", "https://admin.eco2.test"}), "https://app.eco2.test"
)
KEYS = SigningKeys.es256(generate_ec_private_pem(), "unit", {})


@dataclass
class World:
    clock: FrozenClock
    provider: InMemoryProvider
    start: StartLoginInteractor
    store: MemoryStore
    tokens: MemoryTokenState
    issuer: TokenIssuer
    codec: JoseTokenCodec
    sessions: MemorySessionStore
    revocations: MemoryRevocationStore
    standalone_audit: StandaloneMemoryAuditLog
    ids: SequentialIds

    def complete(self) -> CompleteLoginInteractor:
        unit = MemoryUnitOfWork(self.store)
        return CompleteLoginInteractor(
            InMemoryRegistry({"kakao": self.provider}),
            self.states,
            MemoryUserRepository(unit),
            Auditor(MemoryAuditLog(unit), self.clock, self.ids),
            MemoryTransactionManager(unit),
            self.sessions,
            self.revocations,
            self.issuer,
            ORIGINS,
            self.clock,
            self.ids,
        )

    def refresh(self, grace: int = 10) -> RefreshTokensInteractor:
        return RefreshTokensInteractor(
            self.codec,
            self.sessions,
            self.issuer,
            Auditor(self.standalone_audit, self.clock, self.ids),
            MemoryRateLimiter(self.clock),
            0,
            60,
            self.clock,
        )


@pytest.fixture
def world() -> World:
    clock = FrozenClock()
    ids = SequentialIds()
    provider = InMemoryProvider()
    states = MemoryStateStore(clock)
    tokens = MemoryTokenState()
    codec = JoseTokenCodec(KEYS, "https://auth.eco2.test", "eco2", 10)
    issuer = TokenIssuer(
        codec,
        ids,
        TokenLifetimes(
            access_seconds=900,
            refresh_seconds=3600,
            session_max_seconds=86400,
            refresh_grace_seconds=10,
        ),
    )
    store = MemoryStore()
    w = World(
        clock=clock,
        provider=provider,
        start=StartLoginInteractor(
            InMemoryRegistry({"kakao": provider}), states, ORIGINS, clock, ids, 600
        ),
        store=store,
        tokens=tokens,
        issuer=issuer,
        codec=codec,
        sessions=MemorySessionStore(tokens, clock),
        revocations=MemoryRevocationStore(tokens),
        standalone_audit=StandaloneMemoryAuditLog(store),
        ids=ids,
    )
    w.states = states
    return w


async def _login(world: World, subject: str = "42", origin: str | None = None):
    started = await world.start.execute(StartLoginRequest(provider="kakao", frontend_origin=origin))
    world.provider.issue("code-" + subject, subject)
    result = await world.complete().execute(
        CompleteLoginRequest(
            provider="kakao",
            state=started.state,
            code="code-" + subject,
            error=None,
            browser_binding=started.browser_binding,
            client=CLIENT,
        )
    )
    return started, result


async def test_callback_registers_user_and_opens_session(world):
    started, result = await _login(world)
    assert result.frontend_origin == "https://app.eco2.test"
    assert len(world.store.users) == 1
    assert [a.event for a in world.store.audits] == [AuditEvent.LOGIN_SUCCESS]
    assert await world.sessions.get(result.session_id) is not None
    exchange = world.provider.exchanges[0]
    assert s256_challenge(exchange["verifier"]) in started.authorization_url


async def test_returning_user_keeps_id_when_logging_in_again(world):
    _, first = await _login(world, "7")
    _, second = await _login(world, "7")
    assert first.user_id == second.user_id
    assert len(world.store.users) == 1


async def test_disallowed_origin_falls_back_to_default(world):
    _, result = await _login(world, origin="https://evil.example")
    assert result.frontend_origin == "https://app.eco2.test"


async def test_state_binding_mismatch_fails_and_audits(world):
    started = await world.start.execute(StartLoginRequest(provider="kakao"))
    world.provider.issue("c", "1")
    with pytest.raises(LoginFailed) as failure:
        await world.complete().execute(
            CompleteLoginRequest(
                provider="kakao",
                state=started.state,
                code="c",
                error=None,
                browser_binding="other",
                client=CLIENT,
            )
        )
    assert failure.value.code == "INVALID_STATE"
    assert world.store.users == {}
    assert [a.event for a in world.store.audits] == [AuditEvent.LOGIN_FAILURE]


async def test_provider_failure_ends_as_login_failed_with_origin(world):
    started = await world.start.execute(
        StartLoginRequest(provider="kakao", frontend_origin="https://admin.eco2.test")
    )
    world.provider.failing = True
    with pytest.raises(LoginFailed) as failure:
        await world.complete().execute(
            CompleteLoginRequest(
                provider="kakao",
                state=started.state,
                code="x",
                error=None,
                browser_binding=started.browser_binding,
                client=CLIENT,
            )
        )
    assert failure.value.code == "OAUTH_PROVIDER_ERROR"
    assert failure.value.frontend_origin == "https://admin.eco2.test"


async def test_expired_state_refused(world):
    started = await world.start.execute(StartLoginRequest(provider="kakao"))
    world.clock.advance(601)
    with pytest.raises(LoginFailed):
        await world.complete().execute(
            CompleteLoginRequest(
                provider="kakao",
                state=started.state,
                code="c",
                error=None,
                browser_binding=started.browser_binding,
                client=CLIENT,
            )
        )


async def test_refresh_rotates_then_reuse_revokes_family(world):
    _, login = await _login(world)
    refresh = world.refresh()
    rotated = await refresh.execute(
        RefreshTokensRequest(refresh_token=login.tokens.refresh.value, client=CLIENT)
    )
    assert rotated.outcome is RotationOutcome.ROTATED
    assert login.tokens.access.claims.jti in world.tokens.blacklist
    world.clock.advance(11)
    with pytest.raises(TokenRevoked):
        await refresh.execute(
            RefreshTokensRequest(refresh_token=login.tokens.refresh.value, client=CLIENT)
        )
    assert rotated.tokens.access.claims.jti in world.tokens.blacklist
    assert AuditEvent.REFRESH_REUSE in [a.event for a in world.store.audits]


async def test_access_token_refused_at_refresh(world):
    _, login = await _login(world)
    with pytest.raises(TokenTypeMismatch):
        await world.refresh().execute(
            RefreshTokensRequest(refresh_token=login.tokens.access.value, client=CLIENT)
        )


async def test_logout_makes_verify_refuse(world):
    _, login = await _login(world)
    verify = ValidateTokenQuery(world.codec, MemoryRevocationChecker(world.tokens))
    assert (
        await verify.execute(ValidateTokenRequest(token=login.tokens.access.value))
    ).sub == login.user_id
    logout = LogoutInteractor(
        world.codec,
        world.revocations,
        Auditor(world.standalone_audit, world.clock, world.ids),
        world.clock,
    )
    await logout.execute(
        LogoutRequest(
            access_token=login.tokens.access.value,
            refresh_token=login.tokens.refresh.value,
            client=CLIENT,
        )
    )
    with pytest.raises(TokenRevoked):
        await verify.execute(ValidateTokenRequest(token=login.tokens.access.value))
    assert await world.sessions.get(login.session_id) is None
    assert len(world.tokens.outbox) == 1
