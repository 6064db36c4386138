from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import pytest
import pytest_asyncio

from apps.auth.application.common.errors import LoginFailed
from apps.auth.application.oauth.authorize import StartLoginRequest
from apps.auth.application.oauth.callback import CompleteLoginRequest
from apps.auth.application.oauth.pkce import s256_challenge
from apps.auth.application.services import Services
from apps.auth.application.session.logout import LogoutRequest
from apps.auth.application.token.refresh import RefreshTokensRequest
from apps.auth.application.token.verify import ValidateTokenRequest
from apps.auth.domain.audit import AuditEvent
from apps.auth.domain.errors import TokenRevoked, TokenTypeMismatch
from apps.auth.domain.session import ClientInfo
from apps.auth.domain.token_family import RotationOutcome
from apps.auth.infrastructure.security.jose_token_codec import JoseTokenCodec
from apps.auth.infrastructure.security.keys import generate_ec_private_pem
from apps.auth.setup.identity import user_directory
from apps.auth.setup.services import build_services, signing_keys
from apps.auth.setup.settings import Settings
from apps.auth.setup.storage import EmbeddedData, Storage, embedded_storage
from apps.auth.tests.unit.fakes import (
    FrozenClock,
    InMemoryProvider,
    InMemoryRegistry,
    SequentialIds,
)

CLIENT = ClientInfo(ip="203.0.113.7", user_agent="pytest")
SETTINGS = Settings(
    environment="test",
    frontend_origins="https://app.eco2.test,https://admin.eco2.test",
    jwt_issuer="https://auth.eco2.test",
    jwt_private_key=generate_ec_private_pem(),
    jwt_key_id="unit",
    refresh_token_ttl_seconds=3600,
    session_max_seconds=86400,
    rate_limit_refresh_per_user=0,
)


@dataclass
class World:
    """The real composition on embedded storage, with a frozen clock and predictable ids."""

    clock: FrozenClock
    provider: InMemoryProvider
    services: Services
    storage: Storage
    data: EmbeddedData
    codec: JoseTokenCodec


@pytest_asyncio.fixture
async def world() -> AsyncIterator[World]:
    clock, ids, provider, data = FrozenClock(), SequentialIds(), InMemoryProvider(), EmbeddedData()
    codec = JoseTokenCodec(
        keys=signing_keys(SETTINGS),
        issuer=SETTINGS.jwt_issuer,
        audience=SETTINGS.jwt_audience,
        leeway_seconds=10,
        clock=clock,
    )
    async with AsyncExitStack() as resources:
        storage = embedded_storage(SETTINGS, clock, resources, data)
        services = build_services(
            SETTINGS,
            storage=storage,
            owner=user_directory(
                SETTINGS, storage=storage, clock=clock, ids=ids, resources=resources
            ),
            providers=InMemoryRegistry({"kakao": provider}),
            codec=codec,
            clock=clock,
            ids=ids,
        )
        yield World(clock, provider, services, storage, data, codec)


async def _login(world: World, subject: str = "42", origin: str | None = None):
    started = await world.services.start_login.execute(
        StartLoginRequest(provider="kakao", frontend_origin=origin)
    )
    world.provider.issue("code-" + subject, subject)
    result = await world.services.complete_login.execute(
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
    assert len(world.data.users.users) == 1
    assert [a.event for a in world.data.users.audits] == [AuditEvent.LOGIN_SUCCESS]
    assert await world.storage.sessions.get(result.session_id) is not None
    exchange = world.provider.exchanges[0]
    assert s256_challenge(exchange["verifier"]) in started.authorization_url


async def test_returning_user_keeps_id_when_logging_in_again(world):
    _, first = await _login(world, "7")
    _, second = await _login(world, "7")
    assert first.user_id == second.user_id
    assert len(world.data.users.users) == 1


async def test_disallowed_origin_falls_back_to_default(world):
    _, result = await _login(world, origin="https://evil.example")
    assert result.frontend_origin == "https://app.eco2.test"


async def test_state_binding_mismatch_fails_and_audits(world):
    started = await world.services.start_login.execute(StartLoginRequest(provider="kakao"))
    world.provider.issue("c", "1")
    with pytest.raises(LoginFailed) as failure:
        await world.services.complete_login.execute(
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
    assert world.data.users.users == {}
    assert [a.event for a in world.data.users.audits] == [AuditEvent.LOGIN_FAILURE]


async def test_provider_failure_ends_as_login_failed_with_origin(world):
    started = await world.services.start_login.execute(
        StartLoginRequest(provider="kakao", frontend_origin="https://admin.eco2.test")
    )
    world.provider.failing = True
    with pytest.raises(LoginFailed) as failure:
        await world.services.complete_login.execute(
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
    started = await world.services.start_login.execute(StartLoginRequest(provider="kakao"))
    world.clock.advance(601)
    with pytest.raises(LoginFailed):
        await world.services.complete_login.execute(
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
    refresh = world.services.refresh
    rotated = await refresh.execute(
        RefreshTokensRequest(refresh_token=login.tokens.refresh.value, client=CLIENT)
    )
    assert rotated.outcome is RotationOutcome.ROTATED
    assert login.tokens.access.claims.jti in world.data.tokens.blacklist
    world.clock.advance(11)
    with pytest.raises(TokenRevoked):
        await refresh.execute(
            RefreshTokensRequest(refresh_token=login.tokens.refresh.value, client=CLIENT)
        )
    assert rotated.tokens.access.claims.jti in world.data.tokens.blacklist
    assert AuditEvent.REFRESH_REUSE in [a.event for a in world.data.users.audits]


async def test_access_token_refused_at_refresh(world):
    _, login = await _login(world)
    with pytest.raises(TokenTypeMismatch):
        await world.services.refresh.execute(
            RefreshTokensRequest(refresh_token=login.tokens.access.value, client=CLIENT)
        )


async def test_logout_makes_verify_refuse(world):
    _, login = await _login(world)
    verify = world.services.validate_token
    assert (
        await verify.execute(ValidateTokenRequest(token=login.tokens.access.value))
    ).sub == login.user_id
    logout = world.services.logout
    await logout.execute(
        LogoutRequest(
            access_token=login.tokens.access.value,
            refresh_token=login.tokens.refresh.value,
            client=CLIENT,
        )
    )
    with pytest.raises(TokenRevoked):
        await verify.execute(ValidateTokenRequest(token=login.tokens.access.value))
    assert await world.storage.sessions.get(login.session_id) is None
    assert len(world.data.tokens.outbox) == 1
