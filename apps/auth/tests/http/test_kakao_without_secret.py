"""Kakao login with and without a client secret, the API and the fake Kakao both over HTTP.

Kakao's client secret is optional (an app turns it on in Kakao's console); v1 runs without
one. The fake registers the app the same way: without a secret it insists on a token request
that carries none, with one it refuses a wrong or missing secret.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from apps.auth.tests.fakes.provider_formats import FakeUser
from apps.auth.tests.served_process import Served, served
from apps.auth.tests.support import API

FRONTEND = "https://app.eco2.test"


@contextmanager
def _kakao_api(tmp_path, fake, **secret: str) -> Iterator[Served]:
    with served(
        tmp_path / "api.log",
        AUTH_ENVIRONMENT="local",
        AUTH_FRONTEND_ORIGINS=FRONTEND,
        AUTH_ENABLED_PROVIDERS="kakao",
        AUTH_KAKAO_CLIENT_ID=fake.client_id,
        AUTH_KAKAO_BASE_URL=fake.base_url,
        **secret,
    ) as api:
        yield api


def _login(browser: httpx.Client) -> httpx.Response:
    started = browser.get(f"{API}/kakao/authorize", params={"redirect": "true"})
    assert started.status_code == 302, started.text
    at_kakao = httpx.get(started.headers["location"], timeout=10)
    assert at_kakao.status_code == 302, at_kakao.text
    callback = httpx.URL(at_kakao.headers["location"])
    return browser.get(callback.path, params=callback.params)


def _browser(api: Served) -> httpx.Client:
    return httpx.Client(base_url=api.base_url, timeout=10)


def test_kakao_login_completes_without_a_client_secret(tmp_path, fake_provider):
    fake_provider.use_client_secret("kakao", None)
    subject = str(uuid.uuid4().int % 10**12)
    fake_provider.sign_in_as("kakao", FakeUser(subject=subject, nickname="카카오"))

    with _kakao_api(tmp_path, fake_provider) as api, _browser(api) as browser:
        callback = _login(browser)
        me = browser.get(f"{API}/me")

    assert callback.status_code == 302
    assert callback.headers["location"] == f"{FRONTEND}/#/home"
    assert me.status_code == 200 and me.json()["providers"] == ["kakao"]
    assert me.json()["nickname"] == "카카오"
    [token_call] = fake_provider.requests(provider="kakao", endpoint="token")
    assert token_call.form["client_id"] == fake_provider.client_id
    assert "client_secret" not in token_call.form
    assert len(token_call.form["code_verifier"]) >= 43


def test_kakao_login_sends_the_secret_when_one_is_configured(tmp_path, fake_provider):
    secret = {"AUTH_KAKAO_CLIENT_SECRET": fake_provider.client_secret}
    with _kakao_api(tmp_path, fake_provider, **secret) as api, _browser(api) as browser:
        callback = _login(browser)

    assert callback.headers["location"] == f"{FRONTEND}/#/home"
    [token_call] = fake_provider.requests(provider="kakao", endpoint="token")
    assert token_call.form["client_secret"] == fake_provider.client_secret


def test_kakao_refuses_a_wrong_secret_and_the_login_fails_cleanly(tmp_path, fake_provider):
    wrong = {"AUTH_KAKAO_CLIENT_SECRET": "not-the-apps-secret"}
    with _kakao_api(tmp_path, fake_provider, **wrong) as api, _browser(api) as browser:
        callback = _login(browser)
        me = browser.get(f"{API}/me")
        log = api.log()

    assert callback.status_code == 302
    assert callback.headers["location"] == f"{FRONTEND}/#/login?error=OAUTH_PROVIDER_ERROR"
    assert "s_access" not in callback.cookies and "s_refresh" not in callback.cookies
    assert me.status_code == 401
    assert "not-the-apps-secret" not in log


def test_kakao_refuses_a_missing_secret_when_the_app_has_one(tmp_path, fake_provider):
    with _kakao_api(tmp_path, fake_provider) as api, _browser(api) as browser:
        callback = _login(browser)

    assert callback.headers["location"] == f"{FRONTEND}/#/login?error=OAUTH_PROVIDER_ERROR"
    [token_call] = fake_provider.requests(provider="kakao", endpoint="token")
    assert "client_secret" not in token_call.form
