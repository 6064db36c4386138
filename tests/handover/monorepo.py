"""A miniature eco2-team/backend, written from scratch for the handover tests.

Same shapes as the platform at eco2-team/backend@4c3eebb3, with our own names and content:
shared ApplicationSets whose list generators hold auth beside other services
(clusters/<env>/apps/40|60-apis-appset.yaml, 41|61-workers-appset.yaml, 50-istio-routes.yaml),
a routes set with auth's VirtualService (workloads/routing/auth), the NetworkPolicy
kustomization (workloads/network-policies/base), the shared CI workflows that build several
services (.github/workflows/ci-services.yml, ci-canary.yml, ci-ext-authz.yml,
ci-auth-relay.yml, ci-workers.yml), a lint-only root pyproject.toml that .gitignore hides
(as the platform's does), and a few other services' files.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: {env}-{kind}
  namespace: argocd
  annotations:
    argocd.argoproj.io/sync-wave: '{wave}'
spec:
  generators:
  - list:
      elements:
{elements}  template:
    metadata:
      name: {env}-{kind}-{{{{name}}}}
      namespace: argocd
    spec:
      project: {env}
      source:
        repoURL: https://example.invalid/backend.git
        targetRevision: {branch}
        path: {path}
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{{{{namespace_key}}}}}'
      syncPolicy:
        automated:
          prune: true
          selfHeal: true
"""

API_ELEMENTS = """\
      - name: auth
        phase: '1'
      - name: users
        phase: '1'
      - name: scan
        phase: '2'
"""

WORKER_ELEMENTS = """\
      - name: auth-worker
        namespace: auth
        phase: '1'
      - name: auth-relay
        namespace: auth
        phase: '1'
      - name: scan-worker
        namespace: scan
        phase: '2'
"""

ROUTE_ELEMENTS = """\
      - name: gateway
        namespace: istio-system
        path: workloads/routing/gateway/{env}
      - name: auth
        namespace: auth
        path: workloads/routing/auth/{env}
      - name: users
        namespace: users
        path: workloads/routing/users/{env}
"""

KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
{body}"""

# The platform's RedisFailover resources (workloads/redis/base/*-redis-failover.yaml at
# eco2-team/backend@4c3eebb3): customConfig is a list of `directive value` lines, and the prod
# overlay ends with a `patches:` list whose last entry is a block scalar.
REDIS_FAILOVER = """\
apiVersion: databases.spotahome.com/v1
kind: RedisFailover
metadata:
  name: {name}
  namespace: redis
spec:
  sentinel:
    replicas: 3
  redis:
    replicas: 3
    customConfig:
    - maxmemory-policy {policy}
"""

REDIS_PROD = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- ../base
patches:
  # The cache keeps less.
- target:
    kind: RedisFailover
    name: cache-redis
  patch: |-
    - op: replace
      path: /spec/redis/customConfig
      value:
        - "maxmemory-policy allkeys-lru"
        - "save \\"\\""
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
spec:
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
      - name: {name}
        image: docker.io/mng990/eco2
"""

VIRTUAL_SERVICE = """\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: {name}-vs
  namespace: {namespace}
spec:
  hosts: ["*"]
  gateways: [istio-system/gateway]
  http:
  - match:
    - uri:
        prefix: /api/v1/{name}/
    route:
    - destination:
        host: {name}-api.{namespace}.svc.cluster.local
"""

NETWORK_POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {name}
  namespace: {namespace}
spec:
  podSelector: {{}}
  policyTypes:
  - Egress
  egress:
  - ports:
    - protocol: TCP
      port: {port}
"""

CI_SERVICES = """\
name: Services

on:
  push:
    branches: [develop]
    paths:
      - "apps/auth/**"
      - "apps/users/**"
      - "workloads/domains/auth/**"
      - "workloads/domains/users/**"
  pull_request:
    branches: [develop]
    paths:
      - "apps/auth/**"
      - "apps/users/**"
      - "workloads/domains/auth/**"
      - "workloads/domains/users/**"

permissions:
  contents: read

jobs:
  detect:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0
      - name: Changed files
        id: changes
        uses: tj-actions/changed-files@ed68ef82c095e0d48ec87eccea555d944a631a4c # v46.0.5
        with:
          files: |
            apps/auth/**
            apps/users/**
            workloads/domains/auth/**
            workloads/domains/users/**
      - name: Matrix
        run: |
          python3 <<'PYEOF'
          SERVICES = [
              "auth",      # apps/auth
              "users",     # apps/users
          ]
          print(SERVICES)
          PYEOF
"""

CI_CANARY = """\
name: Canary

on:
  pull_request:
    branches: [develop]

permissions:
  contents: read

jobs:
  detect:
    runs-on: ubuntu-24.04
    steps:
      - name: Matrix
        run: |
          python3 <<'PYEOF'
          API_SERVICES = ["auth", "users", "character", "location", "scan", "images", "chat"]
          has_auth_relay = False
          for svc in ["auth_relay", "users"]:
              if True:
                  if True:
                      if svc == "auth_relay":
                          has_auth_relay = True
                      if svc == "users":
                          print(svc)
          print(API_SERVICES, has_auth_relay)
          PYEOF
"""

CI_EXT_AUTHZ = """\
name: Ext-authz

on:
  push:
    branches: [develop]
    paths:
      - "apps/ext_authz/**"

permissions:
  contents: read

jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - name: Build
        run: echo "build ext-authz"

      # Kustomize Manifest Update (Auto Deploy)
      - name: Update Manifest
        run: echo "bump workloads/domains/auth/dev/kustomization.yaml"
"""

CI_SIMPLE = """\
name: {name}

on:
  push:
    branches: [develop]
    paths:
      - "{path}"

permissions:
  contents: read

jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - name: Build
        run: echo "build {name}"
"""

ROOT_PYPROJECT = """\
# Lint configuration for every service; no project table here.
[tool.ruff]
line-length = 100
"""


def _files() -> dict[str, str]:
    files: dict[str, str] = {
        "pyproject.toml": ROOT_PYPROJECT,
        ".gitignore": "__pycache__/\npyproject.toml\n",
        "README.md": "# backend (test miniature)\n",
        ".github/workflows/ci-services.yml": CI_SERVICES,
        ".github/workflows/ci-canary.yml": CI_CANARY,
        ".github/workflows/ci-ext-authz.yml": CI_EXT_AUTHZ,
        ".github/workflows/ci-auth-relay.yml": CI_SIMPLE.format(
            name="auth-relay", path="apps/auth_relay/**"
        ),
        ".github/workflows/ci-workers.yml": CI_SIMPLE.format(
            name="workers", path="apps/auth_worker/**"
        ),
    }
    for env, first, wave, branch in (("dev", "4", "4", "develop"), ("prod", "6", "6", "main")):
        files[f"clusters/{env}/apps/{first}0-apis-appset.yaml"] = APPSET.format(
            env=env,
            kind="apis",
            wave=f"{wave}0",
            branch=branch,
            elements=API_ELEMENTS,
            path=f"workloads/domains/{{{{name}}}}/{env}",
            namespace_key="name",
        )
        files[f"clusters/{env}/apps/{first}1-workers-appset.yaml"] = APPSET.format(
            env=env,
            kind="workers",
            wave=f"{wave}1",
            branch=branch,
            elements=WORKER_ELEMENTS,
            path=f"workloads/domains/{{{{name}}}}/{env}",
            namespace_key="namespace",
        )
        files[f"clusters/{env}/apps/50-istio-routes.yaml"] = APPSET.format(
            env=env,
            kind="istio-routes",
            wave="50",
            branch=branch,
            elements=ROUTE_ELEMENTS.format(env=env),
            path="'{{path}}'",
            namespace_key="namespace",
        )
        files[f"workloads/network-policies/{env}/kustomization.yaml"] = KUSTOMIZATION.format(
            body="resources:\n- ../base\n"
        )
    files["workloads/network-policies/base/kustomization.yaml"] = KUSTOMIZATION.format(
        body="resources:\n- allow-database-access.yaml\n- allow-auth-to-character.yaml\n"
        "- allow-users-egress.yaml\n"
    )
    for name, namespace, port in (
        ("allow-database-access", "auth", 5432),
        ("allow-auth-to-character", "auth", 8000),
        ("allow-users-egress", "users", 5432),
    ):
        files[f"workloads/network-policies/base/{name}.yaml"] = NETWORK_POLICY.format(
            name=name, namespace=namespace, port=port
        )
    for name, namespace in (("auth", "auth"), ("users", "users"), ("gateway", "istio-system")):
        files[f"workloads/routing/{name}/base/virtual-service.yaml"] = VIRTUAL_SERVICE.format(
            name=name, namespace=namespace
        )
        files[f"workloads/routing/{name}/base/kustomization.yaml"] = KUSTOMIZATION.format(
            body="resources:\n- virtual-service.yaml\n"
        )
        for env in ("dev", "prod"):
            files[f"workloads/routing/{name}/{env}/kustomization.yaml"] = KUSTOMIZATION.format(
                body="resources:\n- ../base\n"
            )
    for name, namespace in (
        ("auth", "auth"),
        ("auth-relay", "auth"),
        ("auth-worker", "auth"),
        ("users", "users"),
    ):
        files[f"workloads/domains/{name}/README.md"] = f"# {name} (v1)\n"
        files[f"workloads/domains/{name}/base/deployment.yaml"] = DEPLOYMENT.format(
            name=name, namespace=namespace
        )
        files[f"workloads/domains/{name}/base/kustomization.yaml"] = KUSTOMIZATION.format(
            body="resources:\n- deployment.yaml\n"
        )
        for env in ("dev", "prod"):
            files[f"workloads/domains/{name}/{env}/kustomization.yaml"] = KUSTOMIZATION.format(
                body=f"resources:\n- ../base\nimages:\n- name: docker.io/mng990/eco2\n"
                f"  newTag: {name}-{env}-latest\n"
            )
    for name, policy in (("auth-redis", "noeviction"), ("cache-redis", "allkeys-lru")):
        files[f"workloads/redis/base/{name}.yaml"] = REDIS_FAILOVER.format(name=name, policy=policy)
    files["workloads/redis/base/kustomization.yaml"] = KUSTOMIZATION.format(
        body="resources:\n- auth-redis.yaml\n- cache-redis.yaml\n"
    )
    files["workloads/redis/dev/kustomization.yaml"] = KUSTOMIZATION.format(
        body="resources:\n- ../base\n"
    )
    files["workloads/redis/prod/kustomization.yaml"] = REDIS_PROD
    for name in ("auth", "auth_relay", "auth_worker", "users"):
        files[f"apps/{name}/__init__.py"] = ""
        files[f"apps/{name}/main.py"] = f'print("{name} v1")\n'
        files[f"apps/{name}/requirements.txt"] = "fastapi\n"
        files[f"apps/{name}/Dockerfile"] = (
            f'FROM python:3.11-slim\nCOPY apps/{name} /app\nCMD ["python", "/app/main.py"]\n'
        )
    return files


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout


def build(repo: Path) -> str:
    """Writes the miniature into `repo`, commits it on `main`; returns the commit."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "config", "user.name", "Platform")
    git(repo, "config", "user.email", "platform@example.invalid")
    for path, text in _files().items():
        file = repo / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
    git(repo, "add", "--all")
    git(repo, "add", "--force", "pyproject.toml")
    git(repo, "commit", "--quiet", "-m", "platform")
    return git(repo, "rev-parse", "HEAD").strip()
