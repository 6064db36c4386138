"""Token lifetimes of the cut-over profile.

While v1 and v2 serve the same users, a session must last as long on either track, so the
profile defaults to v1's lifetimes and may go up to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apps.auth.setup.settings import Settings

# v1's ConfigMap (eco2-team/backend@4c3eebb3 workloads/domains/auth/base/configmap.yaml):
# AUTH_ACCESS_TOKEN_EXP_MINUTES '4320' and AUTH_REFRESH_TOKEN_EXP_MINUTES '8640'.
V1_ACCESS_TTL_SECONDS = 4320 * 60
V1_REFRESH_TTL_SECONDS = 8640 * 60


def with_v1_lifetimes(data: dict[str, Any]) -> dict[str, Any]:
    """Raw settings input with v1's lifetimes filled in where the profile leaves them unset."""
    return {
        "access_token_ttl_seconds": V1_ACCESS_TTL_SECONDS,
        "refresh_token_ttl_seconds": V1_REFRESH_TTL_SECONDS,
        **data,
    }


def lifetime_problems(settings: Settings) -> list[str]:
    if settings.access_token_ttl_seconds > V1_ACCESS_TTL_SECONDS:
        return [
            f"AUTH_ACCESS_TOKEN_TTL_SECONDS must be at most {V1_ACCESS_TTL_SECONDS} "
            "with AUTH_LEGACY_SESSIONS=true (v1's lifetime)"
        ]
    return []


def accepted_lifetimes(settings: Settings) -> tuple[int, ...]:
    """The lifetimes of v1's tokens, which the profile accepts besides its own."""
    return (settings.legacy_access_token_ttl_seconds, settings.legacy_refresh_token_ttl_seconds)
