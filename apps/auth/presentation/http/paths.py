"""Where the API answers: the one prefix every route, cookie path and URL is built from."""

from __future__ import annotations

AUTH_PATH = "/api/v1/auth"
HEALTH_PATH = f"{AUTH_PATH}/health"
READY_PATH = f"{AUTH_PATH}/ready"
VERIFY_PATH = f"{AUTH_PATH}/verify"
REFRESH_PATH = f"{AUTH_PATH}/refresh"
OPENAPI_PATH = f"{AUTH_PATH}/openapi.json"
# Envoy's HTTP ext_authz form of /verify: the original method and path follow this prefix.
EXT_AUTHZ_PREFIX = f"{VERIFY_PATH}/"
# The API's own first path segments below the prefix: never taken for a provider's name.
FIXED_SEGMENTS = frozenset(
    {"refresh", "logout", "logout-all", "me", "sessions", "verify", "health", "ready", "docs"}
    | {"openapi.json"}
)


def callback_path(provider: str) -> str:
    return f"{AUTH_PATH}/{provider}/callback"
