from __future__ import annotations

import socket
import time

import pytest

from apps.auth.domain.errors import OAuthProviderError
from apps.auth.infrastructure.oauth.http_client import MAX_BODY_BYTES
from apps.auth.tests.fakes.fake_provider import FakeProvider
from apps.auth.tests.fakes.fake_provider_raw import RawAnswer
from apps.auth.tests.integration.oauth.support import REAL_PROVIDERS, redirect_uri_for

pytestmark = pytest.mark.parametrize("name", REAL_PROVIDERS)


async def _exchange(provider, fake: FakeProvider, code: str | None = None) -> str:
    return await provider.exchange_code(
        code=code or fake.issue_code(provider.name, state="st"),
        redirect_uri=redirect_uri_for(provider.name),
        code_verifier=None,
        state="st",
    )


@pytest.mark.parametrize("failure", ["server_error", "invalid_grant", "naver_error", "malformed"])
async def test_exchange_raises_provider_error_when_token_endpoint_answers_badly(
    name: str, failure, fake_provider: FakeProvider, make_provider
) -> None:
    provider = make_provider(name)
    fake_provider.fail("token", failure)

    with pytest.raises(OAuthProviderError) as caught:
        await _exchange(provider, fake_provider)

    assert caught.value.code == "OAUTH_PROVIDER_ERROR"
    assert len(fake_provider.requests(name, "token")) == 1


async def test_exchange_raises_provider_error_when_code_is_reused(
    name: str, fake_provider: FakeProvider, make_provider
) -> None:
    provider = make_provider(name)
    code = fake_provider.issue_code(name, state="st")
    await _exchange(provider, fake_provider, code)

    with pytest.raises(OAuthProviderError):
        await _exchange(provider, fake_provider, code)


async def test_exchange_raises_provider_error_when_client_secret_is_wrong(
    name: str, fake_provider: FakeProvider, make_provider
) -> None:
    provider = make_provider(name, client_secret="wrong-secret")

    with pytest.raises(OAuthProviderError) as caught:
        await _exchange(provider, fake_provider)

    assert "invalid_client" in caught.value.detail


async def test_exchange_raises_provider_error_when_token_endpoint_stalls_past_timeout(
    name: str, fake_provider: FakeProvider, make_provider
) -> None:
    provider = make_provider(name, timeout=0.5)
    fake_provider.fail("token", "stall")
    started = time.monotonic()

    with pytest.raises(OAuthProviderError) as caught:
        await _exchange(provider, fake_provider)

    assert 0.4 < time.monotonic() - started < 3
    assert "timed out" in caught.value.detail
    assert len(fake_provider.requests(name, "token")) == 1


async def test_exchange_raises_provider_error_when_provider_is_unreachable(
    name: str, make_provider
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    provider = make_provider(name, base_url=f"http://127.0.0.1:{port}")

    with pytest.raises(OAuthProviderError) as caught:
        await provider.exchange_code(
            code="c", redirect_uri="https://x/cb", code_verifier=None, state="s"
        )

    assert "could not be reached" in caught.value.detail


@pytest.mark.parametrize("failure", ["server_error", "unauthorized", "malformed", "stall"])
async def test_profile_raises_provider_error_when_profile_endpoint_fails(
    name: str, failure, fake_provider: FakeProvider, make_provider
) -> None:
    provider = make_provider(name, timeout=0.5)
    token = await _exchange(provider, fake_provider)
    fake_provider.fail("profile", failure)

    with pytest.raises(OAuthProviderError) as caught:
        await provider.fetch_profile(token)

    assert caught.value.code == "OAUTH_PROVIDER_ERROR"


async def test_profile_raises_provider_error_when_access_token_is_unknown(
    name: str, make_provider
) -> None:
    with pytest.raises(OAuthProviderError):
        await make_provider(name).fetch_profile("not-a-token")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"id": None, "sub": None, "resultcode": "00", "response": {"id": None}},
        {"id": True, "sub": "", "resultcode": "00", "response": {"id": ""}},
        {"id": "x" * 300, "sub": "x" * 300, "resultcode": "00", "response": {"id": "x" * 300}},
        {"resultcode": "00", "response": ["not", "an", "object"]},
    ],
)
async def test_profile_raises_provider_error_when_user_id_is_missing_or_invalid(
    name: str, body: dict, fake_provider: FakeProvider, make_provider
) -> None:
    provider = make_provider(name)
    token = await _exchange(provider, fake_provider, fake_provider.issue_code(name, profile=body))

    with pytest.raises(OAuthProviderError):
        await provider.fetch_profile(token)


async def test_error_messages_hide_code_verifier_secret_and_token_when_provider_refuses(
    name: str, fake_provider: FakeProvider, make_provider
) -> None:
    provider = make_provider(name)
    code = fake_provider.issue_code(name, code_challenge="c" * 43, state="st")
    with pytest.raises(OAuthProviderError) as refused:
        await provider.exchange_code(
            code=code, redirect_uri=redirect_uri_for(name), code_verifier="v" * 50, state="x"
        )
    token = await _exchange(provider, fake_provider)
    fake_provider.fail("profile", "unauthorized")
    with pytest.raises(OAuthProviderError) as unauthorized:
        await provider.fetch_profile(token)

    for error in (refused.value, unauthorized.value):
        text = f"{error} {error.detail!r} {error.__cause__!r}"
        for secret in (code, "v" * 50, fake_provider.client_secret, token):
            assert secret not in text
        assert error.__cause__ is None


async def test_requests_ask_for_uncompressed_json_when_calling_provider(
    name: str, fake_provider: FakeProvider, make_provider
) -> None:
    provider = make_provider(name)
    await provider.fetch_profile(await _exchange(provider, fake_provider))

    for request in fake_provider.requests(name):
        assert request.headers["accept"] == "application/json"
        assert request.headers["accept-encoding"] == "identity"


async def test_profile_raises_provider_error_when_answer_exceeds_the_body_cap(
    name: str, fake_provider: FakeProvider, make_provider
) -> None:
    provider = make_provider(name)
    token = await _exchange(provider, fake_provider)
    fake_provider.answer("profile", RawAnswer(body=b"[" + b"0," * MAX_BODY_BYTES + b"0]"))

    with pytest.raises(OAuthProviderError) as caught:
        await provider.fetch_profile(token)

    assert "answer refused" in caught.value.detail
