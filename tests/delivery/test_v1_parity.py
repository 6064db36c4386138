"""What users of v1 would notice, checked on the rendered overlays: the frontends allowed,
the token lifetimes of the cut-over profile, Kakao without a client secret."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from apps.auth.setup.app_factory import create_app
from apps.auth.setup.services import origin_policy
from apps.auth.setup.settings import Settings
from apps.auth.setup.storage import embedded_storage
from tests.delivery.manifests import (
    API_OVERLAYS,
    configmap_data,
    environment_of,
    remote_keys,
    render,
    secret_keys,
)
from tests.delivery.test_configuration import _container_env, _load

# eco2-team/backend@4c3eebb3: apps/auth/main.py (CORS list when CORS_ORIGINS is unset, as in
# every overlay of v1) and workloads/domains/auth/base/configmap.yaml (the rest).
V1_ORIGINS = (
    "https://frontend.dev.growbin.app",
    "https://frontend1.dev.growbin.app",
    "https://frontend2.dev.growbin.app",
    "https://growbin.app",
    "http://localhost:3000",
    "http://localhost:5173",
)
V1_LOCAL_ORIGINS = ("http://localhost:3000", "http://localhost:5173")
V1_FRONTEND_URL = "https://frontend1.dev.growbin.app"
V1_ACCESS_TOKEN_EXP_MINUTES = 4320
V1_REFRESH_TOKEN_EXP_MINUTES = 8640
# v1 allows its local origins everywhere; our prod does not (prod/config.env says why).
EXPECTED_ORIGINS = {
    "dev": set(V1_ORIGINS),
    "prod": set(V1_ORIGINS) - set(V1_LOCAL_ORIGINS),
}


def _settings(overlay: str, monkeypatch) -> Settings:
    return _load(Settings, _container_env(render(overlay), "auth-api-canary"), monkeypatch)


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_overlay_allows_every_frontend_v1_allows_there(overlay, monkeypatch):
    settings = _settings(overlay, monkeypatch)
    policy = origin_policy(settings)

    assert set(settings.allowed_origins) >= EXPECTED_ORIGINS[environment_of(overlay)]
    for origin in EXPECTED_ORIGINS[environment_of(overlay)]:
        assert policy.resolve(origin) == origin


def test_prod_allows_no_plain_http_frontend(monkeypatch):
    settings = _settings("auth/prod", monkeypatch)

    assert [o for o in settings.allowed_origins if not o.startswith("https://")] == []
    assert origin_policy(settings).resolve(V1_LOCAL_ORIGINS[0]) == "https://growbin.app"


def test_dev_lands_a_login_without_frontend_where_v1_does(monkeypatch):
    assert _settings("auth/dev", monkeypatch).fallback_origin == V1_FRONTEND_URL


async def _preflights(settings: Settings, origins: tuple[str, ...]) -> dict[str, httpx.Response]:
    # In memory and without the cluster's trace collector: only the HTTP face is under test.
    app = create_app(settings.model_copy(update={"otel_endpoint": None}), storage=embedded_storage)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=settings.public_base_url) as c:
            return {
                origin: await c.options(
                    "/api/v1/auth/refresh",
                    headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
                )
                for origin in origins
            }
    finally:
        await app.state.runtime.aclose()


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_the_api_built_from_the_overlay_answers_cors_for_v1s_frontends(overlay, monkeypatch):
    expected = EXPECTED_ORIGINS[environment_of(overlay)]
    answers = asyncio.run(_preflights(_settings(overlay, monkeypatch), V1_ORIGINS))

    for origin, answer in answers.items():
        allowed = answer.headers.get("access-control-allow-origin")
        if origin in expected:
            assert allowed == origin, origin
            assert answer.headers["access-control-allow-credentials"] == "true"
        else:
            assert allowed is None, origin


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_overlay_with_the_profile_carries_v1s_lifetimes(overlay, monkeypatch):
    config = configmap_data(render(overlay))
    settings = _settings(overlay, monkeypatch)

    assert config["AUTH_LEGACY_SESSIONS"] == "true" and settings.legacy_sessions
    assert int(config["AUTH_ACCESS_TOKEN_TTL_SECONDS"]) == V1_ACCESS_TOKEN_EXP_MINUTES * 60
    assert int(config["AUTH_REFRESH_TOKEN_TTL_SECONDS"]) == V1_REFRESH_TOKEN_EXP_MINUTES * 60
    assert settings.access_token_ttl_seconds == V1_ACCESS_TOKEN_EXP_MINUTES * 60
    assert settings.refresh_token_ttl_seconds == V1_REFRESH_TOKEN_EXP_MINUTES * 60


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_overlay_runs_kakao_on_v1s_parameters_without_a_client_secret(overlay, monkeypatch):
    docs = render(overlay)
    settings = _settings(overlay, monkeypatch)

    assert "AUTH_KAKAO_CLIENT_SECRET" not in secret_keys(docs)
    assert not [key for key in remote_keys(docs) if "kakao-client-secret" in key]
    assert "kakao" in settings.active_providers
