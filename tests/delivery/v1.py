"""The auth Eco² runs today (v1), as its own overlays render it in eco2-team/backend@4c3eebb3.

Every value names the file it was read from (`kubectl kustomize workloads/domains/<domain>/<env>`
of that commit gives the same objects). The first sync of our manifests has to update these
objects in place, so the tests compare our rendered overlays with them and the rehearsal in
test_first_sync.py starts from them. Nothing here is derived from our own manifests.
"""

from __future__ import annotations

from typing import Any

ENVIRONMENTS = ("dev", "prod")
NAMESPACE = "auth"

# workloads/domains/auth/base/kustomization.yaml: `labels` (includeSelectors: true) adds these
# to every object of the API and to every selector; {dev,prod}/kustomization.yaml add
# `environment` the same way.
API_COMMON = {
    "app.kubernetes.io/part-of": "ecoeco-backend",
    "domain": "auth",
    "tier": "business-logic",
}
# workloads/domains/auth-relay/base/kustomization.yaml: `commonLabels` (which reach the
# selectors); {dev,prod}/kustomization.yaml: `commonLabels: {environment: <env>}`.
RELAY_COMMON = {
    "app.kubernetes.io/name": "auth-relay",
    "app.kubernetes.io/component": "relay",
    "app.kubernetes.io/part-of": "auth",
}
# workloads/domains/auth-relay/base/deployment*.yaml: labels of the Deployments and their pods
# that are not in the selector.
RELAY_OWN = {"tier": "worker", "domain": "auth"}

# base/deployment.yaml and deployment-canary.yaml of both domains: `spec.selector.matchLabels`
# as written, before the common labels are added.
_WRITTEN_SELECTORS = {
    "auth-api": {"app": "auth-api", "version": "v1"},
    "auth-api-canary": {"app": "auth-api", "version": "v2"},
    "auth-relay": {"app": "auth-relay", "version": "v1"},
    "auth-relay-canary": {"app": "auth-relay", "version": "v2"},
}
DEPLOYMENTS = tuple(_WRITTEN_SELECTORS)


def selector(name: str, environment: str) -> dict[str, str]:
    """v1's rendered, immutable `spec.selector.matchLabels` of Deployment `name`."""
    common = API_COMMON if name.startswith("auth-api") else RELAY_COMMON
    return {**_WRITTEN_SELECTORS[name], **common, "environment": environment}


def pod_labels(name: str, environment: str) -> dict[str, str]:
    """v1's rendered pod-template labels: the selector, the track, the relay's own labels."""
    labels = selector(name, environment)
    if name.endswith("-canary"):
        labels["release"] = "canary"
    if name.startswith("auth-relay"):
        labels.update(RELAY_OWN)
    return labels


# workloads/domains/auth/base/configmap.yaml (ConfigMap auth-config) with
# {dev,prod}/patch-configmap.yaml (ENVIRONMENT, DEBUG). Prod keeps the base's dev hosts.
_AUTH_CONFIG_BASE = {
    "LOG_LEVEL": "INFO",
    "AUTH_FRONTEND_URL": "https://frontend1.dev.growbin.app",
    "AUTH_COOKIE_DOMAIN": ".dev.growbin.app",
    "AUTH_JWT_ALGORITHM": "HS256",
    "AUTH_JWT_ISSUER": "api.dev.growbin.app/api/v1/auth",
    "AUTH_JWT_AUDIENCE": "api",
    "AUTH_ACCESS_TOKEN_EXP_MINUTES": "4320",
    "AUTH_REFRESH_TOKEN_EXP_MINUTES": "8640",
    "AUTH_GOOGLE_REDIRECT_URI": "https://api.dev.growbin.app/api/v1/auth/google/callback",
    "AUTH_KAKAO_REDIRECT_URI": "https://api.dev.growbin.app/api/v1/auth/kakao/callback",
    "AUTH_NAVER_REDIRECT_URI": "https://api.dev.growbin.app/api/v1/auth/naver/callback",
}
AUTH_CONFIG = {
    "dev": {**_AUTH_CONFIG_BASE, "ENVIRONMENT": "dev", "DEBUG": "true"},
    "prod": {**_AUTH_CONFIG_BASE, "ENVIRONMENT": "prod", "DEBUG": "false"},
}

# workloads/secrets/external-secrets/{dev,prod}/api-secrets.yaml: the keys of Secret
# auth-secret (its `target.template.data`), which the platform keeps owning. Prod has no
# AUTH_AMQP_URL, AUTH_RSA_PRIVATE_KEY or AUTH_DATABASE_SUPER_URL.
_SECRET_BOTH = {
    "AUTH_JWT_SECRET_KEY",
    "AUTH_GOOGLE_CLIENT_ID",
    "AUTH_GOOGLE_CLIENT_SECRET",
    "AUTH_KAKAO_CLIENT_ID",
    "AUTH_NAVER_CLIENT_ID",
    "AUTH_NAVER_CLIENT_SECRET",
    "AUTH_DATABASE_URL",
    "AUTH_REDIS_BLACKLIST_URL",
    "AUTH_REDIS_OAUTH_STATE_URL",
}
AUTH_SECRET_KEYS = {
    "dev": _SECRET_BOTH | {"AUTH_RSA_PRIVATE_KEY", "AUTH_DATABASE_SUPER_URL", "AUTH_AMQP_URL"},
    "prod": set(_SECRET_BOTH),
}

# apps/auth/setup/config/settings.py (pydantic Settings, env_prefix AUTH_): the fields whose
# defaults are wrong on the cluster (localhost URLs, `change-me`, the built-in redirect
# template, empty client ids), i.e. what v1 must be given to work. AUTH_AMQP_URL is optional
# there (None disables the ext-authz cache sync) but set wherever auth-secret has it.
API_READS = {
    "AUTH_DATABASE_URL",
    "AUTH_REDIS_BLACKLIST_URL",
    "AUTH_REDIS_OAUTH_STATE_URL",
    "AUTH_JWT_SECRET_KEY",
    "AUTH_JWT_ALGORITHM",
    "AUTH_JWT_ISSUER",
    "AUTH_JWT_AUDIENCE",
    "AUTH_ACCESS_TOKEN_EXP_MINUTES",
    "AUTH_REFRESH_TOKEN_EXP_MINUTES",
    "AUTH_FRONTEND_URL",
    "AUTH_COOKIE_DOMAIN",
    "AUTH_GOOGLE_CLIENT_ID",
    "AUTH_GOOGLE_CLIENT_SECRET",
    "AUTH_GOOGLE_REDIRECT_URI",
    "AUTH_KAKAO_CLIENT_ID",
    "AUTH_KAKAO_REDIRECT_URI",
    "AUTH_NAVER_CLIENT_ID",
    "AUTH_NAVER_CLIENT_SECRET",
    "AUTH_NAVER_REDIRECT_URI",
    "OTEL_SERVICE_NAME",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
}
# workloads/domains/auth/base/deployment.yaml: the variables set in `env` (OpenTelemetry).
API_ENV = {
    "OTEL_SERVICE_NAME": "auth-api",
    "OTEL_TRACES_EXPORTER": "otlp",
    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger-collector-clusterip.istio-system.svc.cluster.local:4318",
    "OTEL_METRICS_EXPORTER": "none",
    "OTEL_LOGS_EXPORTER": "none",
    "OTEL_PROPAGATORS": "tracecontext,baggage",
    "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
}
# apps/auth/presentation/http/controllers/general/health.py: `GET /health` is v1's only health
# route; base/deployment.yaml probes it on port 8000 for liveness and readiness.
HEALTH_PATH = "/health"
PORT = 8000

# workloads/domains/auth/prod/kustomization.yaml `images`: the only immutable v1 tag the
# platform records (<image>-<VERSION>-<6-hex sha>, .github/workflows/ci-services.yml "Prepare
# image tags"). Dev runs the moving auth-api-dev-latest.
API_IMAGE = "docker.io/mng990/eco2:auth-api-0.7.5-b659ed"
# {dev,prod}/patch-deployment.yaml: v1's container resources.
API_RESOURCES = {
    "dev": {
        "requests": {"cpu": "150m", "memory": "256Mi"},
        "limits": {"cpu": "500m", "memory": "512Mi"},
    },
    "prod": {
        "requests": {"cpu": "200m", "memory": "512Mi"},
        "limits": {"cpu": "500m", "memory": "1Gi"},
    },
}
# workloads/domains/auth-relay/dev/kustomization.yaml `images` and prod (no `images`: the
# base's tags).
RELAY_IMAGES = {
    "dev": "docker.io/mng990/eco2:auth-relay-dev-98c4c7",
    "prod": "docker.io/mng990/eco2:auth-relay-dev-latest",
}
# base/deployment*.yaml and {dev,prod}/patch-deployment.yaml of both domains: `spec.replicas`.
REPLICAS = {
    "dev": {"auth-api": 1, "auth-api-canary": 1, "auth-relay": 1, "auth-relay-canary": 0},
    "prod": {"auth-api": 2, "auth-api-canary": 1, "auth-relay": 1, "auth-relay-canary": 0},
}


def _deployment(name: str, environment: str) -> dict[str, Any]:
    labels = pod_labels(name, environment)
    if name.startswith("auth-api"):
        image = API_IMAGE
        container: dict[str, Any] = {
            "name": "auth-api",
            "image": image,
            "envFrom": [
                {"configMapRef": {"name": "auth-config"}},
                {"secretRef": {"name": "auth-secret"}},
            ],
            "ports": [{"name": "http", "containerPort": PORT}],
        }
    else:
        container = {"name": "auth-relay", "image": RELAY_IMAGES[environment]}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": dict(labels)},
        "spec": {
            "replicas": REPLICAS[environment][name],
            "selector": {"matchLabels": selector(name, environment)},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }


def objects(environment: str) -> list[dict[str, Any]]:
    """The objects of v1's auth and auth-relay overlays that share a name with ours."""
    api_labels = {**API_COMMON, "environment": environment}
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "auth-config", "namespace": NAMESPACE, "labels": api_labels},
            "data": dict(AUTH_CONFIG[environment]),
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": "auth-api",
                "namespace": NAMESPACE,
                "labels": {"app": "auth-api", **api_labels},
            },
            "spec": {
                "selector": {"app": "auth-api", **api_labels},
                "ports": [{"name": "http", "port": PORT}],
            },
        },
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "auth-api", "namespace": NAMESPACE, "labels": api_labels},
            "spec": {
                "scaleTargetRef": {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": "auth-api",
                },
                # base/hpa.yaml 2..5; dev/patch-hpa.yaml 1..2
                "minReplicas": 1 if environment == "dev" else 2,
                "maxReplicas": 2 if environment == "dev" else 5,
            },
        },
        {
            "apiVersion": "networking.istio.io/v1beta1",
            "kind": "DestinationRule",
            "metadata": {
                "name": "auth-api",
                "namespace": NAMESPACE,
                "labels": {"app": "auth-api", **api_labels},
            },
            "spec": {"host": "auth-api.auth.svc.cluster.local"},
        },
        *(_deployment(name, environment) for name in DEPLOYMENTS),
    ]
