from __future__ import annotations

import pytest

from apps.auth.domain.errors import ConfigurationError, UnsupportedProvider
from apps.auth.infrastructure.oauth.dev_idp import DEV_CLIENT_ID, build_dev_idp_app
from apps.auth.infrastructure.oauth.registry import ProviderConfig, build_provider_registry

PUBLIC = "http://127.0.0.1:8000"
URIS = {
    name: f"{PUBLIC}/api/v1/auth/{name}/callback" for name in ("kakao", "google", "naver", "dev")
}
CONFIGS = {name: ProviderConfig(client_id=f"{name}-id", client_secret="s3cret") for name in URIS}


def _registry(names: tuple[str, ...] = ("kakao", "google", "naver"), with_dev: bool = True):
    dev_app = build_dev_idp_app(clients={DEV_CLIENT_ID: URIS["dev"]}) if with_dev else None
    return build_provider_registry(
        configs={name: CONFIGS[name] for name in names},
        redirect_uris=URIS,
        timeout=5.0,
        dev_idp_app=dev_app,
        public_base_url=PUBLIC,
    )


@pytest.mark.parametrize(
    ("name", "pkce"), [("kakao", True), ("google", True), ("naver", False), ("dev", True)]
)
def test_returns_provider_with_its_pkce_support_when_name_is_enabled(name: str, pkce: bool) -> None:
    provider = _registry().get(name)

    assert (provider.name, provider.supports_pkce) == (name, pkce)


@pytest.mark.parametrize("name", ["KAKAO", "Kakao", " kakao", "github", ""])
def test_raises_unsupported_provider_when_name_is_not_exactly_an_enabled_one(name: str) -> None:
    registry = _registry()

    with pytest.raises(UnsupportedProvider):
        registry.get(name)
    with pytest.raises(UnsupportedProvider):
        registry.redirect_uri(name)


def test_raises_unsupported_provider_when_provider_is_not_configured() -> None:
    registry = _registry(names=("kakao",), with_dev=False)

    for name in ("google", "naver", "dev"):
        with pytest.raises(UnsupportedProvider):
            registry.get(name)


def test_redirect_uri_is_the_server_configured_one_when_provider_is_enabled() -> None:
    registry = _registry()

    assert {name: registry.redirect_uri(name) for name in URIS} == URIS


def test_build_fails_when_a_provider_name_is_unknown() -> None:
    with pytest.raises(ConfigurationError):
        build_provider_registry(
            configs={"github": CONFIGS["kakao"]}, redirect_uris=URIS, timeout=5.0
        )


def test_build_fails_when_an_enabled_provider_has_no_redirect_uri() -> None:
    with pytest.raises(ConfigurationError):
        build_provider_registry(
            configs={"kakao": CONFIGS["kakao"]}, redirect_uris={"google": URIS["google"]}, timeout=5
        )


def test_build_fails_when_dev_idp_is_given_without_public_base_url() -> None:
    with pytest.raises(ConfigurationError):
        build_provider_registry(
            configs={},
            redirect_uris=URIS,
            timeout=5.0,
            dev_idp_app=build_dev_idp_app(clients={DEV_CLIENT_ID: URIS["dev"]}),
        )


def test_client_secret_is_hidden_when_config_is_printed() -> None:
    assert "s3cret" not in repr(CONFIGS["kakao"])
