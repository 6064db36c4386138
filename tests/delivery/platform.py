"""The Eco² platform the manifests deploy onto, as its own repository records it.

Every value names the file of eco2-team/backend (mirrored at
`/work/.mirror/eco2-team+backend/repo`, read at HEAD) it was read from. Tests compare the
rendered overlays with these values; nothing here is derived from our own manifests.
"""

from __future__ import annotations

ENVIRONMENTS = ("dev", "prod")

# ansible/inventory/group_vars/all.yml: kubernetes_version 1.28.4-1.1
KUBERNETES_VERSION = "1.28.4"
# clusters/dev/apps/05-istio.yaml: charts base/istiod/gateway targetRevision 1.24.1
ISTIO_VERSION = "1.24.1"
# clusters/dev/apps/06-argocd-image-updater.yaml: chart argocd-image-updater 0.11.0
IMAGE_UPDATER_CHART = "0.11.0"
# clusters/dev/apps/10-secrets-operator.yaml: chart external-secrets 0.9.11 (v1beta1 only)
EXTERNAL_SECRETS_CHART = "0.9.11"
EXTERNAL_SECRETS_API = "external-secrets.io/v1beta1"
# workloads/secrets/external-secrets/base/cluster-secret-store.yaml: ClusterSecretStore
SECRET_STORE = {"kind": "ClusterSecretStore", "name": "aws-ssm-store"}
# workloads/secrets/external-secrets/{dev,prod}/api-secrets.yaml: parameter paths
SSM_PREFIX = {env: f"/sesacthon/{env}/" for env in ENVIRONMENTS}
# clusters/dev/apps/20-monitoring-operator.yaml: kube-prometheus-stack, namespace prometheus
PROMETHEUS_NAMESPACE = "prometheus"

# ansible/playbooks/tasks/fix-node-labels.yml: k8s-api-auth registers `domain=auth` as label
# and taint `domain=auth:NoSchedule`; k8s-worker-storage `domain=worker-storage` likewise.
NODE_POOLS = {"auth": "auth", "auth-relay": "worker-storage"}
# workloads/domains/auth/base/deployment.yaml (v1): imagePullSecrets dockerhub-secret;
# workloads/secrets/external-secrets/dev/dockerhub-pull-secret.yaml creates it in `auth`.
PULL_SECRET = "dockerhub-secret"
NAMESPACE = "auth"

# workloads/domains/auth/base/deployment.yaml (v1): OTEL_EXPORTER_OTLP_ENDPOINT over
# http/protobuf; the collector is Jaeger's in istio-system (clusters/dev/apps/61-jaeger.yaml).
OTLP_ENDPOINT = "http://jaeger-collector-clusterip.istio-system.svc.cluster.local:4318"

# workloads/routing/gateway/base/gateway.yaml: Gateway istio-system/eco2-gateway behind an
# ALB Ingress (target-type instance) to istio-ingressgateway. The ALB appends the client's
# address to X-Forwarded-For and the ingress gateway appends the ALB's; the sidecar adds none.
GATEWAY = "istio-system/eco2-gateway"
PUBLIC_HOSTS = {"dev": "api.dev.growbin.app", "prod": "api.growbin.app"}
PROXIES_APPENDING_FORWARDED_FOR = ("alb", "istio-ingressgateway")
# clusters/dev/apps/05-istio.yaml: extension provider eco2-ext-authz (gRPC, ext-authz.auth:50051)
EXT_AUTHZ_PROVIDER = "eco2-ext-authz"

# workloads/redis/base/auth-redis-failover.yaml + workloads/redis/README.md: Spotahome
# RedisFailover `auth-redis` in namespace redis; Sentinel Service rfs-<name>:26379, master
# name `mymaster`; rfr-<name> is the headless Service over every Redis pod (master and
# replicas). DB 0 holds `blacklist:{jti}` for ext-authz.
REDIS_SENTINEL = "rfs-auth-redis.redis.svc.cluster.local:26379"
REDIS_SENTINEL_MASTER = "mymaster"
REDIS_ALL_NODES_URL = "redis://rfr-auth-redis.redis.svc.cluster.local:6379/0"
BLACKLIST_DB = 0

# workloads/secrets/external-secrets/{dev,prod}/api-secrets.yaml: Postgres and RabbitMQ.
POSTGRES_HOST = {env: f"{env}-postgresql.postgres.svc.cluster.local" for env in ENVIRONMENTS}
POSTGRES_DATABASE = "ecoeco"
POSTGRES_USER = "sesacthon"
POSTGRES_PASSWORD_KEY = {env: f"/sesacthon/{env}/data/postgres-password" for env in ENVIRONMENTS}
RABBITMQ_URL_HOST = "eco2-rabbitmq.rabbitmq.svc.cluster.local:5672/eco2"
RABBITMQ_PASSWORD_KEY = {env: f"/sesacthon/{env}/infra/rabbitmq/password" for env in ENVIRONMENTS}
OAUTH_KEYS = {
    env: {
        "AUTH_GOOGLE_CLIENT_ID": f"/sesacthon/{env}/api/auth/google-client-id",
        "AUTH_GOOGLE_CLIENT_SECRET": f"/sesacthon/{env}/api/auth/google-client-secret",
        "AUTH_KAKAO_CLIENT_ID": f"/sesacthon/{env}/api/auth/kakao-client-id",
        "AUTH_NAVER_CLIENT_ID": f"/sesacthon/{env}/api/auth/naver-client-id",
        "AUTH_NAVER_CLIENT_SECRET": f"/sesacthon/{env}/api/auth/naver-client-secret",
    }
    for env in ENVIRONMENTS
}

# The shared HS256 secret: workloads/secrets/external-secrets/{dev,prod}/api-secrets.yaml map
# it into Secret `auth-secret` key AUTH_JWT_SECRET_KEY; the Go ext-authz reads it from there
# (workloads/domains/ext-authz/base/deployment.yaml: env AUTH_SECRET_KEY).
JWT_SECRET_KEY = {env: f"/sesacthon/{env}/api/auth/jwt-secret" for env in ENVIRONMENTS}
PLATFORM_SECRET = "auth-secret"
# workloads/domains/ext-authz/base/deployment.yaml: what ext-authz reads, and from where.
EXT_AUTHZ_CONFIGMAP = "auth-config"
EXT_AUTHZ_CONFIGMAP_KEYS = {"AUTH_JWT_ALGORITHM"}
EXT_AUTHZ_SECRET_KEYS = {"AUTH_JWT_SECRET_KEY", "AUTH_REDIS_BLACKLIST_URL", "AUTH_AMQP_URL"}

# workloads/domains/auth/base/configmap.yaml (v1 auth-config, used by dev and prod alike,
# which do not override it) and apps/ext_authz/internal/config/config.go defaults.
JWT_ALGORITHM = "HS256"
JWT_ISSUER = {"dev": "api.dev.growbin.app/api/v1/auth", "prod": "api.dev.growbin.app/api/v1/auth"}
JWT_AUDIENCE = "api"

# clusters/dev/apps/40-apis-appset.yaml and clusters/prod/apps/60-apis-appset.yaml: the
# platform's own ApplicationSets (names dev-apis / prod-apis) generate dev-api-auth etc.
PLATFORM_APPSETS = {"dev": "dev-apis", "prod": "prod-apis"}
ARGOCD_PROJECT = {"dev": "dev", "prod": "prod"}

# workloads/network-policies/base/allow-observability.yaml, NetworkPolicy
# allow-observability-collection in namespace auth (podSelector {}): from namespace
# prometheus it admits these ports only, so every port Prometheus scrapes must be one of them.
SCRAPE_PORTS_ADMITTED = {8000, 9090}
# Same policy: the sidecars' ports 15020 (merged metrics) and 15090 (Envoy's
# /stats/prometheus, istio-proxy's port http-envoy-prom) are admitted only from istio-system
# pods labelled app in (kiali, jaeger, prometheus).
SIDECAR_STATS_PORT = 15090

# The auth node pool. terraform/main.tf module "api_auth": one instance, `k8s-api-auth`,
# instance_type t3.small, in both environments (terraform/env/{dev,prod}.tfvars change no
# instance). AWS: t3.small has 2 vCPU and 2 GiB. terraform/user-data/common.sh passes the
# kubelet only labels and taints (local.kubelet_profiles), so no kube-reserved or
# system-reserved: allocatable = capacity minus the kubelet's default hard eviction
# threshold memory.available<100Mi.
AUTH_POOL_NODES = 1
AUTH_NODE_CPU_MILLI = 2000
AUTH_NODE_MEMORY_MI = 2048
KUBELET_EVICTION_HARD_MI = 100
# Not a platform fact but our margin: the kernel keeps part of the 2 GiB out of MemTotal,
# which is what the kubelet reports as capacity; we plan as if it were 10 % smaller.
KERNEL_RESERVE_MI = 205

# Pods of the platform on the auth node, requests per pod (cpu milli, memory Mi) at their
# most replicas. Istio's sidecar defaults (istiod chart 1.24.1 values global.proxy.resources,
# not overridden in clusters/<env>/apps/05-istio.yaml) apply to every injected pod of
# namespace auth (workloads/namespaces/base/namespaces.yaml: istio-injection enabled).
ISTIO_SIDECAR_DEFAULT = (100, 128)
AUTH_POOL_PLATFORM_PODS = {
    env: {
        # ansible/playbooks/04-cni-install.yml: Calico v3.27.3 manifest, calico-node requests
        # cpu 250m on every node (DaemonSet, tolerates every taint).
        "calico-node": {"replicas": 1, "requests": (250, 0)},
        # workloads/domains/ext-authz/base/deployment.yaml (200m/64Mi + sidecar) and
        # hpa.yaml maxReplicas 4; deployment-canary.yaml, one replica, no autoscaler.
        "ext-authz": {"replicas": 4, "requests": (200 + 100, 64 + 128)},
        "ext-authz-canary": {"replicas": 1, "requests": (200 + 100, 64 + 128)},
    }
    for env in ENVIRONMENTS
}
# workloads/logging/base/fluent-bit.yaml: DaemonSet tolerating every NoSchedule taint,
# requests 50m/64Mi; only dev runs it (clusters/dev/apps/63-eck-cr.yaml, no prod Application).
AUTH_POOL_PLATFORM_PODS["dev"]["fluent-bit"] = {"replicas": 1, "requests": (50, 64)}
