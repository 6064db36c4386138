"""Start-up checks of the settings: every problem found, one line per variable."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from apps.auth.domain.errors import ConfigurationError
from apps.auth.domain.user import DEV_PROVIDER
from apps.auth.setup.cutover import cutover

if TYPE_CHECKING:
    from apps.auth.setup.settings import Settings

S = TypeVar("S", bound=BaseSettings)
_WEAK_WORDS = ("secret", "changeme", "change-me", "password", "example", "default", "qwerty")
# The estimate (length x the value's own character entropy) undercounts a short random string
# (32 base64 characters of 24 random bytes score 125-150 bits), so the floor sits below 128:
# random strings pass, words, repeats and small alphabets do not.
MIN_SECRET_BITS = 112
MIN_SECRET_BYTES = 32
_HEX = frozenset("0123456789abcdef")
ACCESS_TTL_MAX_SECONDS = 3600


def secret_bits(secret: str) -> float:
    """Estimated entropy of `secret` from its own character frequencies."""
    if not secret:
        return 0.0
    counts = Counter(secret)
    per_char = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values())
    return per_char * len(secret)


def _repeats(lowered: str) -> bool:
    return any(
        lowered == lowered[:n] * (len(lowered) // n)
        for n in range(1, 9)
        if len(lowered) % n == 0 and len(lowered) > n
    )


def guessable(secret: str) -> bool:
    lowered = secret.lower()
    if len(set(secret)) < 12 or any(word in lowered for word in _WEAK_WORDS):
        return True
    if set(lowered) <= _HEX and len(secret) < 2 * MIN_SECRET_BYTES:
        return True  # hex carries half a byte per character
    return _repeats(lowered) or _sequential(lowered) or secret_bits(secret) < MIN_SECRET_BITS


def _sequential(lowered: str, run: int = 8) -> bool:
    """A run like `01234567` or `abcdefgh`: typed, not drawn."""
    steps = [ord(b) - ord(a) for a, b in itertools.pairwise(lowered)]
    return any(
        all(step == 1 for step in steps[i : i + run - 1]) for i in range(len(steps) - run + 2)
    )


def deployment_problems(settings: Settings) -> list[str]:
    """What keeps these settings from running outside local/test, one line per variable."""
    env = f"AUTH_ENVIRONMENT={settings.environment}"
    problems = [
        f"{name} is required when {env}"
        for name, value in (
            ("AUTH_DATABASE_URL", settings.database_url),
            ("AUTH_REDIS_URL", settings.redis_url),
            ("AUTH_FRONTEND_ORIGINS", settings.frontend_origins),
            ("AUTH_COOKIE_DOMAIN", settings.cookie_domain),
        )
        if not value
    ]
    if DEV_PROVIDER in settings.enabled_providers:
        problems.append("AUTH_ENABLED_PROVIDERS: the dev provider is only for local and test")
    for provider in settings.providers.values():
        if provider.enabled:
            problems += [f"{name} is required when {env}" for name in provider.missing_variables]
    if not settings.cookie_secure:
        problems.append("AUTH_COOKIE_SECURE must stay true outside local and test")
    if settings.environment == "prod" and not settings.public_base_url.startswith("https://"):
        problems.append(f"AUTH_PUBLIC_BASE_URL must be an https:// URL when {env}")
    default = settings.default_frontend_origin
    if default and settings.frontend_origins and default not in settings.frontend_origins:
        problems.append(
            f"AUTH_DEFAULT_FRONTEND_ORIGIN: {default!r} is not in AUTH_FRONTEND_ORIGINS"
        )
    return problems + key_problems(settings)


def profile_problems(settings: Settings) -> list[str]:
    """The cut-over profile states its own limits; outside it an access token lives at most
    an hour."""
    profile = cutover(settings)
    if profile is not None:
        return profile.problems(settings)
    if settings.access_token_ttl_seconds > ACCESS_TTL_MAX_SECONDS:
        return [
            f"AUTH_ACCESS_TOKEN_TTL_SECONDS must be at most {ACCESS_TTL_MAX_SECONDS} "
            "outside the cut-over profile"
        ]
    return []


def weak_secret(secret: str) -> bool:
    return len(secret.encode()) < MIN_SECRET_BYTES or guessable(secret)


def tolerated_weak_secret(settings: Settings) -> bool:
    """A weak HS256 secret the service runs with: the cut-over profile's shared one.

    v1 and the platform's gateway already sign and verify with it, so refusing it would stop
    the cut-over without protecting a single token; it is reported instead (log and metric).
    """
    secret = settings.jwt_secret or ""
    shared = settings.legacy_sessions and settings.jwt_algorithm == "HS256"
    return shared and bool(secret) and weak_secret(secret)


def key_problems(settings: Settings) -> list[str]:
    if settings.jwt_algorithm == "HS256":
        secret = settings.jwt_secret or ""
        if weak_secret(secret) and not tolerated_weak_secret(settings):
            return [
                f"AUTH_JWT_SECRET must be at least {MIN_SECRET_BYTES} random bytes for HS256 "
                "(e.g. `openssl rand -base64 48`)"
            ]
        return []
    return [
        f"{name} is required for ES256"
        for name, value in (
            ("AUTH_JWT_PRIVATE_KEY", settings.jwt_private_key),
            ("AUTH_JWT_KEY_ID", settings.jwt_key_id),
        )
        if not value
    ]


def variable_name(field: str) -> str:
    upper = field.upper()
    return upper if upper.startswith(("AUTH_", "RELEASE_", "GIT_", "OTEL_")) else f"AUTH_{upper}"


def field_problems(error: ValidationError) -> tuple[list[str], set[str]]:
    """One line per invalid variable, and the field names they came from."""
    lines: list[str] = []
    fields: set[str] = set()
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "settings"
        fields.add(field)
        message = str(item["msg"]).removeprefix("Value error, ")
        lines.append(
            message if message.startswith("AUTH_") else f"{variable_name(field)}: {message}"
        )
    return lines, fields


def load(settings_class: type[S], overrides: Mapping[str, Any]) -> S:
    """`settings_class(**overrides)`, or one ConfigurationError listing every problem.

    Invalid variables are reported together with the checks that still run once those
    variables fall back to their defaults.
    """
    try:
        return settings_class(**overrides)
    except ValidationError as error:
        lines, fields = field_problems(error)
    defaults = {
        name: settings_class.model_fields[name].get_default(call_default_factory=True)
        for name in fields
        if name in settings_class.model_fields
    }
    try:
        settings_class(**{**overrides, **defaults})
    except ConfigurationError as more:
        named = {_variable_of(line) for line in lines}
        lines += [line for line in str(more).splitlines() if _variable_of(line) not in named]
    except ValidationError:
        pass
    raise ConfigurationError("\n".join(lines))


def _variable_of(line: str) -> str:
    return line.split(" ", 1)[0].rstrip(":")
