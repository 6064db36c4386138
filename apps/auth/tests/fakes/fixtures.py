"""The `fake_provider` pytest fixture: a live fake Kakao/Google/Naver on 127.0.0.1.

Import it into a conftest (`from apps.auth.tests.fakes.fixtures import fake_provider`). One
uvicorn server is started on first use and shared; each test gets it freshly `reset()`.

- `fake.base_url`: set `AUTH_KAKAO_BASE_URL`, `AUTH_GOOGLE_BASE_URL` and `AUTH_NAVER_BASE_URL`
  (or `ProviderConfig.base_url`) to it; use `fake.client_id` / `fake.client_secret` as the
  credentials, or the token endpoint answers `invalid_client`.
  `fake.use_client_secret("kakao", None)` registers an app without a secret (optional at
  Kakao): its token requests must then carry no `client_secret`; `reset()` restores the secret.
- Following an authorization URL to the fake signs in `FakeUser()` and answers 302 to
  `redirect_uri?code=...&state=...`, remembering the PKCE challenge, redirect_uri and state.
  `fake.sign_in_as("kakao", FakeUser(subject="7", email=None), profile=None)` changes who.
- `fake.issue_code("google", FakeUser(...), code_challenge=..., redirect_uri=..., state=...)`
  makes a code without the authorize step; `profile={...}` replaces the whole profile body.
- Codes are single use; PKCE S256 is checked for kakao/google, `state` for naver.
- `fake.fail("token" | "profile" | "authorize", failure, provider=None)` with failure one of
  `server_error` (500), `invalid_grant` (400), `naver_error` (200 with `error`), `malformed`
  (broken JSON), `unauthorized` (401 in the provider's format), `stall` (never answers until
  the test ends), `access_denied` (authorize redirects back with `error=access_denied`).
- `fake.requests(provider=None, endpoint=None)` lists `RecordedRequest`s (method, path, query,
  form, headers) in arrival order.
"""

from __future__ import annotations

import atexit
from collections.abc import Iterator

import pytest

from apps.auth.tests.fakes.fake_provider import FakeProvider
from apps.auth.tests.fakes.fake_provider_app import fake_provider_app
from apps.auth.tests.fakes.live_server import LiveServer

_shared: FakeProvider | None = None


def _running_fake() -> FakeProvider:
    global _shared
    if _shared is None:
        fake = FakeProvider()
        server = LiveServer(fake_provider_app(fake)).start()
        fake.base_url = server.base_url

        def stop() -> None:
            fake.reset()
            server.stop()

        atexit.register(stop)
        _shared = fake
    return _shared


@pytest.fixture
def fake_provider() -> Iterator[FakeProvider]:
    fake = _running_fake()
    fake.reset()
    yield fake
    fake.reset()
