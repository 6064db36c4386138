from __future__ import annotations

import pytest

from apps.auth.infrastructure.oauth.registry import ProviderConfig, build_provider_registry
from apps.auth.tests.fakes.fake_provider import FakeProvider
from apps.auth.tests.integration.oauth.support import REAL_PROVIDERS, redirect_uri_for
from apps.auth.tests.security.attack import client_for, provider_login, provider_settings


async def _login(provider, fake: FakeProvider) -> None:
    code = fake.issue_code(provider.name, state="st")
    token = await provider.exchange_code(
        code=code, redirect_uri=redirect_uri_for(provider.name), code_verifier=None, state="st"
    )
    await provider.fetch_profile(token)


@pytest.mark.parametrize("name", REAL_PROVIDERS)
async def test_consecutive_logins_use_one_connection_when_provider_adapter_is_reused(
    name: str, fake_provider: FakeProvider, make_provider
) -> None:
    provider = make_provider(name)

    await _login(provider, fake_provider)
    await _login(provider, fake_provider)

    calls = fake_provider.requests(name)
    assert [c.endpoint for c in calls] == ["token", "profile", "token", "profile"]
    assert len({c.peer for c in calls}) == 1


def _port(peer: str) -> int:
    return int(peer.rsplit(":", 1)[1])


def _established(local_port: int, remote_port: int) -> bool:
    """Whether this host holds an open TCP connection between the two loopback ports."""
    with open("/proc/net/tcp") as table:
        rows = [line.split() for line in table.readlines()[1:]]
    return any(
        int(row[1].split(":")[1], 16) == local_port
        and int(row[2].split(":")[1], 16) == remote_port
        and row[3] == "01"
        for row in rows
    )


@pytest.mark.parametrize("name", REAL_PROVIDERS)
async def test_close_drops_the_connection_and_next_login_opens_a_new_one_when_adapter_is_closed(
    name: str, fake_provider: FakeProvider, make_provider
) -> None:
    provider = make_provider(name)
    fake_port = _port(fake_provider.base_url)
    await _login(provider, fake_provider)
    [first] = {_port(c.peer) for c in fake_provider.requests(name)}
    assert _established(first, fake_port)

    await provider.aclose()
    assert not _established(first, fake_port)
    await _login(provider, fake_provider)

    [_, _, *again] = fake_provider.requests(name)
    assert [c.endpoint for c in again] == ["token", "profile"]
    assert {_port(c.peer) for c in again} != {first}


async def test_registry_closes_every_provider_pool_when_closed(fake_provider: FakeProvider) -> None:
    config = ProviderConfig(
        client_id=fake_provider.client_id,
        client_secret=fake_provider.client_secret,
        base_url=fake_provider.base_url,
    )
    registry = build_provider_registry(
        configs=dict.fromkeys(REAL_PROVIDERS, config),
        redirect_uris={name: redirect_uri_for(name) for name in REAL_PROVIDERS},
        timeout=3.0,
    )
    for name in REAL_PROVIDERS:
        await _login(registry.get(name), fake_provider)
    fake_port = _port(fake_provider.base_url)
    ports = {_port(c.peer) for c in fake_provider.requests()}
    assert len(ports) == len(REAL_PROVIDERS)
    assert all(_established(port, fake_port) for port in ports)

    await registry.aclose()

    assert not any(_established(port, fake_port) for port in ports)


async def test_two_logins_through_the_app_reach_provider_on_one_connection_when_pooled(
    app_factory, fake_provider: FakeProvider
) -> None:
    async with app_factory(**provider_settings(fake_provider)) as api:
        for _ in range(2):
            async with client_for(api.app) as browser:
                done = await provider_login(browser, "kakao")
                assert done.headers["location"].endswith("#/home")

    calls = [c for c in fake_provider.requests("kakao") if c.endpoint != "authorize"]
    assert [c.endpoint for c in calls] == ["token", "profile", "token", "profile"]
    assert len({c.peer for c in calls}) == 1


async def test_app_shutdown_closes_provider_connections_when_lifespan_ends(
    app_factory, fake_provider: FakeProvider
) -> None:
    fake_port = _port(fake_provider.base_url)
    async with app_factory(**provider_settings(fake_provider)) as api:
        async with api.app.router.lifespan_context(api.app):
            async with client_for(api.app) as browser:
                done = await provider_login(browser, "google")
                assert done.headers["location"].endswith("#/home")
            [token_call] = fake_provider.requests("google", "token")
            client_port = _port(token_call.peer)
            assert _established(client_port, fake_port)

        assert not _established(client_port, fake_port)


async def test_login_still_works_when_app_lifespan_runs_a_second_time(
    app_factory, fake_provider: FakeProvider
) -> None:
    async with app_factory(**provider_settings(fake_provider)) as api:
        for _ in range(2):
            async with (
                api.app.router.lifespan_context(api.app),
                client_for(api.app) as browser,
            ):
                done = await provider_login(browser, "naver")
                assert done.headers["location"].endswith("#/home")

    assert len({c.peer for c in fake_provider.requests("naver", "token")}) == 2
