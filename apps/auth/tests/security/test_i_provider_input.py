"""Hostile provider answers (RFC 9700 §4, ASVS V10): whatever Kakao, Google or Naver — or
someone answering in their name — sends back at the token or profile endpoint, the login ends
at the failure redirect with no tokens and a `login_failure` audit, never a 500.

Every case runs over real HTTP against the fake provider through the real app.
"""

from __future__ import annotations

import gzip
import itertools
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from apps.auth.tests.fakes.fake_provider_raw import RawAnswer
from apps.auth.tests.fakes.provider_formats import FakeUser, profile_body, profile_with, token_body
from apps.auth.tests.security.attack import (
    audit_rows,
    client_for,
    provider_login,
    provider_settings,
    sets_tokens,
)
from apps.auth.tests.support import API

PROVIDERS = ("kakao", "google", "naver")
FAILURE = "https://app.eco2.test/#/login?error=OAUTH_PROVIDER_ERROR"
MIB = 1024 * 1024
# Audit rows are found by client address. `unique_ip()` draws at random from 198.18.0.0/16,
# shared with the other security tests; this module counts through 198.19.0.0/16 instead,
# so no earlier row of the session can share an address.
_ADDRESSES = (f"198.19.{n // 254}.{n % 254 + 1}" for n in itertools.count())


@pytest.fixture
async def providers_api(app_factory, fake_provider):
    async with app_factory(oauth_timeout_seconds=1.0, **provider_settings(fake_provider)) as api:
        yield api


async def assert_refused(api, provider: str) -> None:
    ip = next(_ADDRESSES)
    async with client_for(api.app, ip=ip) as browser:
        response = await provider_login(browser, provider)
        assert response.status_code == 302, response.text
        assert response.headers["location"] == FAILURE
        assert not sets_tokens(response)
        assert "s_access" not in browser.cookies and "s_refresh" not in browser.cookies
        assert (await browser.get(f"{API}/me")).status_code == 401
    [audit] = await audit_rows(api, ip=ip)
    assert (audit["event"], audit["provider"], audit["user_id"], audit["reason"]) == (
        "login_failure",
        provider,
        None,
        "OAUTH_PROVIDER_ERROR",
    )


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = [value]
    return value


def _valid(provider: str, endpoint: str) -> dict[str, Any]:
    if endpoint == "token":
        return token_body(provider, "tok-" + uuid.uuid4().hex)
    return profile_body(provider, FakeUser(subject=str(uuid.uuid4().int % 10**12)))


RAW_ANSWERS: dict[str, Callable[[dict[str, Any]], RawAnswer]] = {
    "oversized-declared": lambda v: RawAnswer(body=_json({**v, "pad": "x" * 2 * MIB})),
    "oversized-chunked": lambda v: RawAnswer(body=_json({**v, "pad": "x" * 2 * MIB}), chunked=True),
    "endless": lambda v: RawAnswer(body=b'{"pad": "' + b"x" * 65536, endless=True),
    "json-bomb": lambda v: RawAnswer(body=b'{"a":' + b"[" * 200_000 + b"]" * 200_000 + b"}"),
    "deep-nesting": lambda v: RawAnswer(body=_json({**v, "pad": _nested(40)})),
    "gzip": lambda v: RawAnswer(body=gzip.compress(_json(v)), headers={"content-encoding": "gzip"}),
    "html": lambda v: RawAnswer(body=b"<html><body>502</body></html>", content_type="text/html"),
    "top-level-array": lambda v: RawAnswer(body=_json([v])),
    "invalid-utf8": lambda v: RawAnswer(body=_json(v)[:-1] + b', "x": "\xff\xfe"}'),
    "slow-drip": lambda v: RawAnswer(body=_json(v), drip_seconds=0.05),
}


@pytest.mark.parametrize("case", sorted(RAW_ANSWERS))
@pytest.mark.parametrize("endpoint", ["token", "profile"])
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_i1_login_fails_cleanly_when_provider_answer_is_oversized_deep_or_not_json(
    providers_api, fake_provider, provider, endpoint, case
):
    fake_provider.answer(endpoint, RAW_ANSWERS[case](_valid(provider, endpoint)), provider)

    await assert_refused(providers_api, provider)
    # An endless answer is dropped after the cap, not read for as long as the provider sends.
    assert fake_provider.streamed_bytes < 16 * MIB


TOKEN_FIELDS: dict[str, dict[str, Any]] = {
    "token-as-object": {"access_token": {"$ne": None}},
    "token-as-list": {"access_token": ["a", "b"]},
    "token-missing": {"access_token": None},
    "token-empty": {"access_token": ""},
    "token-header-injection": {"access_token": "tok\r\nX-Injected: 1"},
    "token-overlong": {"access_token": "t" * 5000},
    "expires-in-object": {"expires_in": {"seconds": 60}},
    "expires-in-text": {"expires_in": "soon"},
}


@pytest.mark.parametrize("case", sorted(TOKEN_FIELDS))
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_i2_login_fails_cleanly_when_token_answer_has_hostile_fields(
    providers_api, fake_provider, provider, case
):
    body = {**_valid(provider, "token"), **TOKEN_FIELDS[case]}
    fake_provider.answer("token", RawAnswer(body=_json(body)), provider)

    await assert_refused(providers_api, provider)
    assert fake_provider.requests(provider, "profile") == []


PROFILE_FIELDS: dict[str, dict[str, Any]] = {
    "id-as-object": {"subject": {"$gt": ""}},
    "id-as-list": {"subject": ["4242"]},
    "id-as-bool": {"subject": True},
    "id-overlong": {"subject": "9" * 300},
    "id-control-character": {"subject": "42\x0042"},
    "nickname-as-list": {"nickname": ["에코", "admin"]},
    "nickname-as-object": {"nickname": {"ko": "에코"}},
    "nickname-overlong": {"nickname": "에" * 5000},
    "nickname-control-characters": {"nickname": "eco\x1b[31mred\x07"},
    "nickname-bidi-override": {"nickname": "\u202egnp.exe"},
    "image-javascript": {"picture": "javascript:alert(document.cookie)"},
    "image-data": {"picture": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="},
    "image-plain-http": {"picture": "http://img.example.com/eco.png"},
    "image-protocol-relative": {"picture": "//evil.example/eco.png"},
    "image-as-object": {"picture": {"url": "https://img.example.com/eco.png"}},
    "email-as-list": {"email": ["eco@example.com"]},
}


@pytest.mark.parametrize("case", sorted(PROFILE_FIELDS))
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_i3_login_fails_cleanly_when_profile_has_hostile_fields(
    providers_api, fake_provider, provider, case
):
    fake_provider.sign_in_as(provider, profile=profile_with(provider, **PROFILE_FIELDS[case]))

    await assert_refused(providers_api, provider)


def _kakao_with(**account: Any) -> dict[str, Any]:
    body = profile_body("kakao", FakeUser())
    body["kakao_account"].update(account)
    return body


STRUCTURES: dict[str, tuple[str, dict[str, Any]]] = {
    "kakao-account-list": ("kakao", {**profile_body("kakao", FakeUser()), "kakao_account": []}),
    "kakao-profile-string": ("kakao", _kakao_with(profile="에코")),
    "naver-response-string": ("naver", {"resultcode": "00", "message": "ok", "response": "42"}),
    "naver-failure-result": ("naver", {"resultcode": "024", "message": "Authentication failed"}),
}


@pytest.mark.parametrize("case", sorted(STRUCTURES))
async def test_i3_login_fails_cleanly_when_profile_structure_is_wrong(
    providers_api, fake_provider, case
):
    provider, body = STRUCTURES[case]
    fake_provider.sign_in_as(provider, profile=body)

    await assert_refused(providers_api, provider)


@pytest.mark.parametrize(
    "email", ["not-an-email", "eco@example.com\r\nBcc: all@example.com", "<script>@example.com"]
)
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_i4_malformed_email_is_dropped_and_login_succeeds_when_rest_is_valid(
    providers_api, fake_provider, provider, email
):
    fake_provider.sign_in_as(
        provider, profile=profile_with(provider, subject=uuid.uuid4().hex[:12], email=email)
    )
    async with client_for(providers_api.app) as browser:
        response = await provider_login(browser, provider)
        assert response.headers["location"] == "https://app.eco2.test/#/home"
        me = (await browser.get(f"{API}/me")).json()

    assert me["email"] is None
    assert me["nickname"] == FakeUser().nickname
    assert me["profile_image_url"] == FakeUser().picture
