from __future__ import annotations

import re

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from apps.auth.setup.settings import Settings
from apps.auth_relay.setup.settings import RelaySettings
from tests.delivery.manifests import (
    API_OVERLAYS,
    OVERLAYS,
    RELAY_OVERLAYS,
    configmap_data,
    containers,
    environment_of,
    of_kind,
    one,
    render,
    secret_keys,
    track,
)

EXPECTED = {
    "dev": {
        "host": "api.dev.growbin.app",
        "cookie_domain": ".dev.growbin.app",
        "origins": ["https://frontend.dev.growbin.app", "http://localhost:5173"],
    },
    "prod": {
        "host": "api.growbin.app",
        "cookie_domain": ".growbin.app",
        "origins": ["https://growbin.app", "https://www.growbin.app"],
    },
}


def _env_names(settings_class: type[BaseSettings]) -> set[str]:
    prefix = settings_class.model_config.get("env_prefix", "")
    names: set[str] = set()
    for name, field in settings_class.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(choice for choice in alias.choices if isinstance(choice, str))
        elif isinstance(alias, str):
            names.add(alias)
        else:
            names.add(f"{prefix}{name}")
    return {name.upper() for name in names}


def _pem_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _secret_value(key: str) -> str:
    if key.endswith("DATABASE_URL"):
        return "postgresql+asyncpg://auth:placeholder@postgres.data:5432/auth"
    if key.endswith("REDIS_URL"):
        return "redis://redis.data:6379/0"
    if key.endswith("AMQP_URL"):
        return "amqp://relay:placeholder@rabbitmq.data:5672/"
    if key.endswith("PRIVATE_KEY"):
        return _pem_key()
    return f"placeholder-{key.lower()}-0123456789abcdef0123456789abcdef"


def _container_env(docs, deployment_name: str) -> dict[str, str]:
    deployment = one(docs, "Deployment", deployment_name)
    [container] = containers(deployment)
    env = {**configmap_data(docs)}
    env.update({key: _secret_value(key) for key in secret_keys(docs)})
    env.update({item["name"]: item["value"] for item in container.get("env", [])})
    return env


def _load(settings_class, env: dict[str, str], monkeypatch):
    for name in _env_names(settings_class):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return settings_class()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_variable_the_manifests_set_is_read_by_the_service(overlay):
    docs = render(overlay)
    readable = _env_names(Settings if overlay.startswith("auth/") else RelaySettings)
    for deployment in of_kind(docs, "Deployment"):
        env = _container_env(docs, deployment["metadata"]["name"])
        assert set(env) - readable == set(), deployment["metadata"]["name"]


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_configmap_auth_keys_are_settings_fields(overlay):
    keys = {key for key in configmap_data(render(overlay)) if key.startswith("AUTH_")}

    assert keys
    assert keys - _env_names(Settings) == set()


@pytest.mark.parametrize("overlay", API_OVERLAYS)
@pytest.mark.parametrize("deployment", ["auth-api", "auth-api-canary"])
def test_settings_validate_when_built_from_configmap_and_secret_keys(
    overlay, deployment, monkeypatch
):
    docs = render(overlay)
    environment = environment_of(overlay)
    settings = _load(Settings, _container_env(docs, deployment), monkeypatch)

    assert settings.environment == environment
    assert settings.cookie_domain == EXPECTED[environment]["cookie_domain"]
    assert settings.frontend_origins == EXPECTED[environment]["origins"]
    assert settings.public_base_url == f"https://{EXPECTED[environment]['host']}"
    assert settings.jwt_issuer == f"https://{EXPECTED[environment]['host']}/api/v1/auth"
    assert settings.release == track(one(docs, "Deployment", deployment))


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_settings_refuse_to_start_when_a_secret_key_is_missing(overlay, monkeypatch):
    docs = render(overlay)
    env = _container_env(docs, "auth-api")
    del env["AUTH_DATABASE_URL"]

    with pytest.raises(Exception, match="AUTH_DATABASE_URL"):
        _load(Settings, env, monkeypatch)


@pytest.mark.parametrize("overlay", RELAY_OVERLAYS)
@pytest.mark.parametrize("deployment", ["auth-relay", "auth-relay-canary"])
def test_relay_settings_validate_when_built_from_configmap_and_secret_keys(
    overlay, deployment, monkeypatch
):
    docs = render(overlay)
    [container] = containers(one(docs, "Deployment", deployment))
    settings = _load(RelaySettings, _container_env(docs, deployment), monkeypatch)

    assert settings.http_port == container["ports"][0]["containerPort"]
    pod = one(docs, "Deployment", deployment)["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] > settings.shutdown_grace_seconds


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_api_and_relay_share_the_outbox_stream_and_redis(environment):
    api, relay = render(f"auth/{environment}"), render(f"auth-relay/{environment}")

    def redis_ref(docs):
        for external in of_kind(docs, "ExternalSecret"):
            for item in external["spec"]["data"]:
                if item["secretKey"] == "AUTH_REDIS_URL":
                    return item["remoteRef"]
        raise AssertionError("AUTH_REDIS_URL is not provided")

    assert configmap_data(api)["AUTH_OUTBOX_STREAM"] == configmap_data(relay)["AUTH_OUTBOX_STREAM"]
    assert redis_ref(api) == redis_ref(relay)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_are_referenced_never_stored(overlay):
    docs = render(overlay)
    targets = {e["spec"]["target"]["name"] for e in of_kind(docs, "ExternalSecret")}

    assert of_kind(docs, "Secret") == []
    for workload in of_kind(docs, "Deployment") + of_kind(docs, "Job"):
        for container in containers(workload):
            refs = {
                s["secretRef"]["name"] for s in container.get("envFrom", []) if "secretRef" in s
            }
            assert refs and refs <= targets
            assert all(
                "valueFrom" not in item or "secretKeyRef" not in item["valueFrom"]
                for item in container.get("env", [])
            )
    assert not [
        k
        for k in configmap_data(docs)
        if re.search(r"SECRET|PASSWORD|PRIVATE|_URL$", k) and "BASE_URL" not in k
    ]


@pytest.mark.parametrize("overlay", ["auth/prod", "auth-relay/prod"])
def test_prod_renders_no_dev_host_or_cookie_domain(overlay):
    text = yaml.safe_dump_all(render(overlay))

    assert not re.search(r"dev\.growbin\.app|localhost|127\.0\.0\.1|-dev-", text)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_placeholder_host_survives_an_overlay(overlay):
    assert ".invalid" not in yaml.safe_dump_all(render(overlay))


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_mesh_token_check_uses_the_overlay_issuer_and_cookie(overlay):
    docs = render(overlay)
    config = configmap_data(docs)
    [rule] = one(docs, "RequestAuthentication", "auth-api")["spec"]["jwtRules"]

    assert rule["issuer"] == config["AUTH_JWT_ISSUER"]
    assert rule["jwksUri"] == f"{config['AUTH_JWT_ISSUER']}/.well-known/jwks.json"
    assert rule["audiences"] == [config["AUTH_JWT_AUDIENCE"]]
    assert rule["fromCookies"] == ["s_access"]
    assert {"name": "Authorization", "prefix": "Bearer "} in rule["fromHeaders"]
