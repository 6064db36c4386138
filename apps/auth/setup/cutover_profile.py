"""Token lifetimes of the cut-over profile (`AUTH_LEGACY_SESSIONS=true`).

While v1 and v2 serve the same users, a session must last as long on either track, so the
profile defaults to v1's lifetimes and may go up to them; outside the profile an access token
lives at most an hour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

if TYPE_CHECKING:
    from apps.auth.setup.settings import Settings

# v1's ConfigMap (eco2-team/backend@4c3eebb3 workloads/domains/auth/base/configmap.yaml):
# AUTH_ACCESS_TOKEN_EXP_MINUTES '4320' and AUTH_REFRESH_TOKEN_EXP_MINUTES '8640'.
V1_ACCESS_TTL_SECONDS = 4320 * 60
V1_REFRESH_TTL_SECONDS = 8640 * 60
ACCESS_TTL_MAX_SECONDS = 3600
_FLAG = TypeAdapter(bool)


def profile_on(raw: Any) -> bool:
    """`AUTH_LEGACY_SESSIONS` as pydantic reads it; an invalid value is reported elsewhere."""
    try:
        return _FLAG.validate_python(raw) if raw is not None else False
    except ValidationError:
        return False


def with_v1_lifetimes(data: Any) -> Any:
    """Raw settings input with v1's lifetimes filled in where the profile leaves them unset."""
    if not isinstance(data, dict) or not profile_on(data.get("legacy_sessions")):
        return data
    return {
        "access_token_ttl_seconds": V1_ACCESS_TTL_SECONDS,
        "refresh_token_ttl_seconds": V1_REFRESH_TTL_SECONDS,
        **data,
    }


def lifetime_problems(settings: Settings) -> list[str]:
    if settings.legacy_sessions:
        limit, where = V1_ACCESS_TTL_SECONDS, "with AUTH_LEGACY_SESSIONS=true (v1's lifetime)"
    else:
        limit, where = ACCESS_TTL_MAX_SECONDS, "outside the cut-over profile"
    if settings.access_token_ttl_seconds > limit:
        return [f"AUTH_ACCESS_TOKEN_TTL_SECONDS must be at most {limit} {where}"]
    return []
