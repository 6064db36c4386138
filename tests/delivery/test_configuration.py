from __future__ import annotations

import re
import secrets

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from apps.auth.setup.settings import Settings
from apps.auth_relay.setup.settings import RelaySettings
from tests.delivery import platform, v1
from tests.delivery.manifests import (
    API_OVERLAYS,
    DOMAINS,
    ENVIRONMENTS,
    OVERLAYS,
    RELAY_OVERLAYS,
    configmap_data,
    containers,
    environment_of,
    load_yaml_documents,
    of_kind,
    one,
    remote_keys,
    render,
    render_promoted,
    secret_keys,
    track,
)

EXPECTED = {
    "dev": {
        "host": "api.dev.growbin.app",
        "cookie_domain": ".dev.growbin.app",
        "origins": [
            "https://frontend.dev.growbin.app",
            "https://frontend1.dev.growbin.app",
            "https://frontend2.dev.growbin.app",
            "https://growbin.app",
            "http://localhost:3000",
            "http://localhost:5173",
        ],
    },
    "prod": {
        "host": "api.growbin.app",
        "cookie_domain": ".growbin.app",
        "origins": [
            "https://growbin.app",
            "https://www.growbin.app",
            "https://frontend.dev.growbin.app",
            "https://frontend1.dev.growbin.app",
            "https://frontend2.dev.growbin.app",
        ],
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
    if key == "AUTH_JWT_SECRET":
        return secrets.token_urlsafe(48)
    if key == "AUTH_JWT_PREVIOUS_PUBLIC_KEYS":
        return "{}"
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
    """The variables one container gets: the ConfigMaps and Secrets it loads, then `env`."""
    deployment = one(docs, "Deployment", deployment_name)
    [container] = containers(deployment)
    loaded = {ref.get("configMapRef", ref.get("secretRef"))["name"] for ref in container["envFrom"]}
    env: dict[str, str] = {}
    for configmap in of_kind(docs, "ConfigMap"):
        if configmap["metadata"]["name"] in loaded:
            env.update(configmap.get("data", {}))
    externals = [
        e for e in of_kind(docs, "ExternalSecret") if e["spec"]["target"]["name"] in loaded
    ]
    env.update({key: _secret_value(key) for key in secret_keys(externals)})
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
    docs = render_promoted(overlay)
    readable = _env_names(Settings if overlay.startswith("auth/") else RelaySettings)
    for deployment in of_kind(docs, "Deployment"):
        env = _container_env(docs, deployment["metadata"]["name"])
        assert set(env) - readable == set(), deployment["metadata"]["name"]


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_configmap_auth_keys_are_settings_fields(overlay):
    docs = render_promoted(overlay)
    keys = {key for key in configmap_data(docs) if key.startswith("AUTH_")}
    ext_authz = one(docs, "ConfigMap", platform.EXT_AUTHZ_CONFIGMAP)["data"]

    assert keys
    assert keys - _env_names(Settings) == set()
    # auth-config is v1's, key for key and value for value: what v1 (while stable),
    # ext-authz and v1's auth-worker read from it (tests/delivery/v1.py).
    assert ext_authz == v1.AUTH_CONFIG[environment_of(overlay)]


@pytest.mark.parametrize("overlay", API_OVERLAYS)
@pytest.mark.parametrize("deployment", ["auth-api", "auth-api-canary"])
def test_settings_validate_when_built_from_configmap_and_secret_keys(
    overlay, deployment, monkeypatch
):
    docs = render_promoted(overlay)
    environment = environment_of(overlay)
    settings = _load(Settings, _container_env(docs, deployment), monkeypatch)

    assert settings.environment == environment
    assert settings.cookie_domain == EXPECTED[environment]["cookie_domain"]
    assert settings.frontend_origins == EXPECTED[environment]["origins"]
    assert settings.public_base_url == f"https://{EXPECTED[environment]['host']}"
    assert settings.release == track(one(docs, "Deployment", deployment))
    assert settings.otel_endpoint == platform.OTLP_ENDPOINT
    assert settings.redis_sentinels == [platform.REDIS_SENTINEL]
    assert settings.redis_sentinel_master == platform.REDIS_SENTINEL_MASTER


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_overlay_runs_the_cut_over_compatibility_profile(overlay, monkeypatch):
    docs = render_promoted(overlay)
    environment = environment_of(overlay)
    settings = _load(Settings, _container_env(docs, "auth-api"), monkeypatch)

    assert settings.jwt_algorithm == platform.JWT_ALGORITHM
    assert settings.jwt_issuer == platform.JWT_ISSUER[environment]
    assert settings.jwt_audience == platform.JWT_AUDIENCE
    assert settings.legacy_sessions is True
    assert "AUTH_JWT_SECRET" in secret_keys(docs)
    assert "AUTH_JWT_PRIVATE_KEY" not in secret_keys(docs)


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_ext_authz_keeps_reading_auth_config_in_namespace_auth(overlay):
    docs = render_promoted(overlay)
    config = one(docs, "ConfigMap", platform.EXT_AUTHZ_CONFIGMAP)

    assert config["metadata"]["namespace"] == platform.NAMESPACE
    assert set(config["data"]) >= platform.EXT_AUTHZ_CONFIGMAP_KEYS
    assert config["data"]["AUTH_JWT_ALGORITHM"] == configmap_data(docs)["AUTH_JWT_ALGORITHM"]
    assert config["data"]["ENVIRONMENT"] == environment_of(overlay)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_platform_secret_ext_authz_reads_is_left_to_the_platform(overlay):
    docs = render(overlay)
    targets = {e["spec"]["target"]["name"] for e in of_kind(docs, "ExternalSecret")}

    assert platform.PLATFORM_SECRET not in targets
    assert not [d for d in docs if d["metadata"]["name"] == platform.PLATFORM_SECRET]


def _template_sources(external, key):
    """The remote keys a template entry is built from (`{{ .name }}` references)."""
    names = set(re.findall(r"\{\{\s*\.(\w+)", external["spec"]["target"]["template"]["data"][key]))
    return {i["remoteRef"]["key"] for i in external["spec"]["data"] if i["secretKey"] in names}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_jwt_secret_is_the_parameter_the_platform_secret_of_ext_authz_is_built_from(environment):
    external = one(render(f"auth/{environment}"), "ExternalSecret", "auth-api-secrets")

    assert _template_sources(external, "AUTH_JWT_SECRET") == {platform.JWT_SECRET_KEY[environment]}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_database_and_redis_are_the_environments_own(environment):
    external = one(render(f"auth/{environment}"), "ExternalSecret", "auth-api-secrets")
    template = external["spec"]["target"]["template"]["data"]

    assert (
        f"@{platform.POSTGRES_HOST[environment]}:5432/{platform.POSTGRES_DATABASE}"
        in (template["AUTH_DATABASE_URL"])
    )
    assert template["AUTH_DATABASE_URL"].startswith(
        f"postgresql+asyncpg://{platform.POSTGRES_USER}:"
    )
    assert _template_sources(external, "AUTH_DATABASE_URL") == {
        platform.POSTGRES_PASSWORD_KEY[environment]
    }
    assert template["AUTH_REDIS_URL"] == platform.REDIS_ALL_NODES_URL
    assert template["AUTH_REDIS_URL"].endswith(f"/{platform.BLACKLIST_DB}")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_external_secrets_use_the_platform_store_api_and_environment_keys(overlay):
    docs = render(overlay)
    externals = of_kind(docs, "ExternalSecret")

    assert externals
    for external in externals:
        assert external["apiVersion"] == platform.EXTERNAL_SECRETS_API
        assert external["spec"]["secretStoreRef"] == platform.SECRET_STORE
    prefix = platform.SSM_PREFIX[environment_of(overlay)]
    assert all(key.startswith(prefix) for key in remote_keys(docs)), remote_keys(docs)


def test_no_remote_key_is_shared_between_environments():
    keys = {
        env: remote_keys(render(f"auth/{env}")) | remote_keys(render(f"auth-relay/{env}"))
        for env in ENVIRONMENTS
    }

    assert keys["dev"] and keys["prod"]
    assert keys["dev"].isdisjoint(keys["prod"])


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_settings_refuse_to_start_when_a_secret_key_is_missing(overlay, monkeypatch):
    docs = render_promoted(overlay)
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
            template = external["spec"]["target"].get("template", {}).get("data", {})
            if "AUTH_REDIS_URL" in template:
                return template["AUTH_REDIS_URL"]
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
            sources = [s["secretRef"] for s in container.get("envFrom", []) if "secretRef" in s]
            refs = {s["name"] for s in sources if not s.get("optional")}
            # v1, while stable, loads the platform's Secret, which stays the platform's.
            v1_stable = container["image"] == v1.API_IMAGE
            allowed = targets | ({platform.PLATFORM_SECRET} if v1_stable else set())
            assert refs and refs <= allowed
            # An optional Secret comes with the ES256 component (RUNBOOK: the gateway switch).
            optional = {s["name"] for s in sources if s.get("optional")}
            assert optional <= _es256_targets(overlay)
            assert all(
                "valueFrom" not in item or "secretKeyRef" not in item["valueFrom"]
                for item in container.get("env", [])
            )
    assert not [
        k
        for k in configmap_data(docs)
        if re.search(r"SECRET|PASSWORD|PRIVATE|_URL$", k)
        and not k.endswith(("BASE_URL", "FRONTEND_URL"))
    ]


def _es256_targets(overlay: str) -> set[str]:
    component = DOMAINS / overlay / "es256"
    if not component.is_dir():
        return set()
    return {
        doc["spec"]["target"]["name"]
        for path in component.glob("*.yaml")
        for doc in load_yaml_documents(path)
        if doc["kind"] == "ExternalSecret"
    }


@pytest.mark.parametrize("overlay", ["auth/prod", "auth-relay/prod"])
def test_prod_renders_no_dev_host_or_cookie_domain_beyond_the_shared_issuer_and_v1s_frontends(
    overlay,
):
    docs = render(overlay)
    # auth-config carries v1's values as v1's prod runs with them today, dev hosts included
    # (its prod overlay never overrides them); nothing of v2 reads it.
    v1_config = [d for d in docs if d["metadata"]["name"] == platform.EXT_AUTHZ_CONFIGMAP]
    assert [d["data"] for d in v1_config] in ([], [v1.AUTH_CONFIG["prod"]])
    docs = [d for d in docs if d not in v1_config]
    for configmap in of_kind(docs, "ConfigMap"):
        issuer = configmap.get("data", {}).pop("AUTH_JWT_ISSUER", None)
        assert issuer in (None, platform.JWT_ISSUER["prod"])
        # v1 serves its dev frontends in prod too (tests/delivery/test_v1_parity.py).
        origins = configmap.get("data", {}).pop("AUTH_FRONTEND_ORIGINS", None)
        assert origins in (None, ",".join(EXPECTED["prod"]["origins"]))
    text = yaml.safe_dump_all(docs)

    assert not re.search(r"dev\.growbin\.app|localhost|127\.0\.0\.1|-dev-", text)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_placeholder_host_survives_an_overlay(overlay):
    assert ".invalid" not in yaml.safe_dump_all(render(overlay))


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_relay_publishes_to_the_platforms_rabbitmq_with_its_password(environment):
    external = one(render(f"auth-relay/{environment}"), "ExternalSecret", "auth-relay-secrets")
    url = external["spec"]["target"]["template"]["data"]["RELAY_AMQP_URL"]

    assert url.endswith(f"@{platform.RABBITMQ_URL_HOST}")
    assert _template_sources(external, "RELAY_AMQP_URL") == {
        platform.RABBITMQ_PASSWORD_KEY[environment]
    }


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_oauth_credentials_come_from_the_parameters_v1_uses(environment):
    external = one(render(f"auth/{environment}"), "ExternalSecret", "auth-api-secrets")

    for key, remote in platform.OAUTH_KEYS[environment].items():
        assert _template_sources(external, key) == {remote}, key


def test_platform_versions_serve_the_api_versions_the_manifests_use():
    kinds = {(doc["apiVersion"], doc["kind"]) for overlay in OVERLAYS for doc in render(overlay)}
    istio = tuple(int(part) for part in platform.ISTIO_VERSION.split("."))
    external_secrets = tuple(int(part) for part in platform.EXTERNAL_SECRETS_CHART.split("."))

    # networking/security.istio.io v1 are served from Istio 1.22 on.
    assert istio >= (1, 22)
    assert ("networking.istio.io/v1", "VirtualService") in kinds
    # External Secrets serves external-secrets.io/v1 only from 0.16 on.
    assert external_secrets < (0, 16)
    assert {api for api, kind in kinds if kind == "ExternalSecret"} == {
        platform.EXTERNAL_SECRETS_API
    }
