"""The cut-over profile: v2 beside the running v1, sharing its sessions, tokens and cookies.

Loaded by name by the composition (`setup/cutover.py`) only when `AUTH_LEGACY_SESSIONS=true`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.auth.setup.cutover import CutoverProfile, CutoverStorage, RedisPlacement
from apps.auth.setup.settings import Settings
from apps.auth.v1_compat import lifetimes
from apps.auth.v1_compat.cookies import V1_TOKEN_COOKIES
from apps.auth.v1_compat.storage import v1_storage


@dataclass(frozen=True, slots=True, kw_only=True)
class V1CompatProfile:
    expired_cookies: tuple[tuple[str, str], ...] = V1_TOKEN_COOKIES

    def defaults(self, data: dict[str, Any]) -> dict[str, Any]:
        return lifetimes.with_v1_lifetimes(data)

    def problems(self, settings: Settings) -> list[str]:
        """v1's sessions and tokens are HS256 only, and live at most v1's lifetimes."""
        problems = lifetimes.lifetime_problems(settings)
        if settings.jwt_algorithm != "HS256":
            problems.append(
                "AUTH_LEGACY_SESSIONS=true needs AUTH_JWT_ALGORITHM=HS256 (v1's tokens are HS256)"
            )
        return problems

    def accepted_lifetimes(self, settings: Settings) -> tuple[int, ...]:
        return lifetimes.accepted_lifetimes(settings)

    def storage(self, settings: Settings, placement: RedisPlacement) -> CutoverStorage:
        return v1_storage(settings, placement)


PROFILE: CutoverProfile = V1CompatProfile()
