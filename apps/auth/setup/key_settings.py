"""The key settings read as one description of the signing key and the accepted keys, and the
start-up checks of the settings that change keys without signing anybody out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.auth.infrastructure.security.key_set import HS256_KID
from apps.auth.infrastructure.security.keys import KeyMaterial
from apps.auth.setup import settings_checks

if TYPE_CHECKING:
    from apps.auth.setup.settings import Settings


def key_material(settings: Settings) -> KeyMaterial:
    standby = None
    if settings.jwt_standby_public_key and settings.jwt_standby_key_id:
        standby = (settings.jwt_standby_key_id, settings.jwt_standby_public_key)
    return KeyMaterial(
        algorithm=settings.jwt_algorithm,
        secret=settings.jwt_secret,
        private_pem=settings.jwt_private_key,
        key_id=settings.jwt_key_id or "local-1",
        accept_hs256=settings.jwt_accept_hs256,
        standby=standby,
        previous=settings.previous_public_keys(),
    )


def transition_problems(settings: Settings) -> list[str]:
    """What keeps the acceptance settings from being used, one line per variable."""
    problems: list[str] = []
    if bool(settings.jwt_standby_public_key) != bool(settings.jwt_standby_key_id):
        problems.append(
            "AUTH_JWT_STANDBY_PUBLIC_KEY and AUTH_JWT_STANDBY_KEY_ID: set both, or neither"
        )
    if settings.jwt_algorithm == "ES256" and settings.jwt_key_id == HS256_KID:
        problems.append(f"AUTH_JWT_KEY_ID: {HS256_KID!r} names the HS256 secret")
    if settings.jwt_accept_hs256 and settings.jwt_algorithm == "ES256":
        problems += _accepted_secret_problems(settings)
    return problems


def _accepted_secret_problems(settings: Settings) -> list[str]:
    secret = settings.jwt_secret or ""
    if not secret:
        return ["AUTH_JWT_SECRET is required with AUTH_JWT_ACCEPT_HS256=true"]
    if settings.environment.is_embedded_allowed:
        return []
    if len(secret.encode()) < settings_checks.MIN_SECRET_BYTES or settings_checks.guessable(secret):
        return [
            f"AUTH_JWT_SECRET must be at least {settings_checks.MIN_SECRET_BYTES} random bytes "
            "to be accepted with AUTH_JWT_ACCEPT_HS256=true"
        ]
    return []
