"""The steps `make key-drill` walks: the settings of each restart, and who checks tokens in
front of the APIs (the platform's Go ext-authz, or our `/verify`).

The same walk without the acceptance settings is the control: it shows the sign-ins they
prevent.
"""

from __future__ import annotations

import json
import os
import secrets
import uuid
from dataclasses import dataclass, field, replace

from apps.auth.infrastructure.security.key_set import load_ec_private, public_pem_of
from apps.auth.infrastructure.security.keys import generate_ec_private_pem

REDIS_URL = os.environ.get("AUTH_DRILL_REDIS_URL", "redis://127.0.0.1:6379/0")
# No clock leeway: a blacklist entry lives exactly its token's remaining life, so with a leeway
# a revoked token would verify again for the leeway's last seconds, whatever the keys do.
ACCESS_SECONDS, LEEWAY = 60, 0
V1_ISSUER, V1_AUDIENCE = "api.dev.growbin.app/api/v1/auth", "api"
OUR_ISSUER, OUR_AUDIENCE = "https://api.growbin.app/api/v1/auth", "eco2"
ACCEPTANCE = (
    "AUTH_JWT_ACCEPT_HS256",
    "AUTH_JWT_PREVIOUS_PUBLIC_KEYS",
    "AUTH_JWT_STANDBY_PUBLIC_KEY",
    "AUTH_JWT_STANDBY_KEY_ID",
    "AUTH_JWT_ACCEPT_ISSUERS",
    "AUTH_JWT_ACCEPT_AUDIENCES",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    name: str
    env: dict[str, str]
    gateway: str = "verify"  # "go": the platform's ext-authz; "verify": our /verify
    retires: bool = False  # waits until no live session holds what this step stops accepting
    v1_sessions: bool = False  # the population starts some sessions as v1 issued them


@dataclass(frozen=True, slots=True, kw_only=True)
class Keys:
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    first: str = field(default_factory=generate_ec_private_pem)
    second: str = field(default_factory=generate_ec_private_pem)

    def public(self, pem: str) -> str:
        return public_pem_of(load_ec_private(pem))


def _hs256(keys: Keys, **more: str) -> dict[str, str]:
    return {"AUTH_JWT_ALGORITHM": "HS256", "AUTH_JWT_SECRET": keys.secret, **more}


def _es256(keys: Keys, pem: str, kid: str, **more: str) -> dict[str, str]:
    env = {"AUTH_JWT_ALGORITHM": "ES256", "AUTH_JWT_PRIVATE_KEY": pem, "AUTH_JWT_KEY_ID": kid}
    return {**env, "AUTH_JWT_SECRET": keys.secret, **more}


def walk(keys: Keys) -> list[Step]:
    old = {"AUTH_JWT_ISSUER": V1_ISSUER, "AUTH_JWT_AUDIENCE": V1_AUDIENCE}
    ours = {"AUTH_JWT_ISSUER": OUR_ISSUER, "AUTH_JWT_AUDIENCE": OUR_AUDIENCE}
    accept_hs = {"AUTH_JWT_ACCEPT_HS256": "true"}
    es1_prev = {"AUTH_JWT_PREVIOUS_PUBLIC_KEYS": json.dumps({"es-1": keys.public(keys.first)})}
    standby = {
        "AUTH_JWT_STANDBY_PUBLIC_KEY": keys.public(keys.second),
        "AUTH_JWT_STANDBY_KEY_ID": "es-2",
    }
    accept_old = {"AUTH_JWT_ACCEPT_ISSUERS": V1_ISSUER, "AUTH_JWT_ACCEPT_AUDIENCES": V1_AUDIENCE}
    first, second = (keys.first, "es-1"), (keys.second, "es-2")
    profile = {"AUTH_LEGACY_SESSIONS": "true"}
    return [
        Step(name="HS256 profile", env=_hs256(keys, **old, **profile), gateway="go",
             v1_sessions=True),
        Step(name="gateway on /verify", env=_hs256(keys, **old, **profile)),
        Step(name="profile off", env=_hs256(keys, **old), retires=True),
        Step(name="sign ES256", env=_es256(keys, *first, **old, **accept_hs)),
        Step(name="roll back to HS256", env=_hs256(keys, **old, **es1_prev)),
        Step(name="ES256 again", env=_es256(keys, *first, **old, **accept_hs)),
        Step(name="retire HS256", env=_es256(keys, *first, **old), retires=True),
        Step(name="publish standby es-2", env=_es256(keys, *first, **old, **standby)),
        Step(name="promote es-2", env=_es256(keys, *second, **old, **es1_prev)),
        Step(name="retire es-1", env=_es256(keys, *second, **old), retires=True),
        Step(name="issuer/audience: ours", env=_es256(keys, *second, **ours, **accept_old)),
        Step(name="retire v1 issuer/audience", env=_es256(keys, *second, **ours), retires=True),
    ]  # fmt: skip


def without_acceptance(step: Step) -> Step:
    """The control: the same step with nothing accepted beyond the signing key and claims."""
    env = {k: v for k, v in step.env.items() if k not in ACCEPTANCE}
    if env["AUTH_JWT_ALGORITHM"] == "HS256":
        env.pop("AUTH_JWT_PRIVATE_KEY", None)
    else:
        env.pop("AUTH_JWT_SECRET", None)
    return replace(step, env=env, retires=False)


def base_env(database_url: str) -> dict[str, str]:
    return {
        "AUTH_ENVIRONMENT": "test",
        "AUTH_DATABASE_URL": database_url,
        "AUTH_REDIS_URL": REDIS_URL,
        "AUTH_LOG_LEVEL": "WARNING",
        "AUTH_FRONTEND_ORIGINS": "https://app.eco2.test",
        "AUTH_ENABLED_PROVIDERS": "dev",
        "AUTH_OUTBOX_STREAM": f"drill:outbox:{uuid.uuid4().hex}",
        "AUTH_RATE_LIMIT_AUTHORIZE": "0",
        "AUTH_RATE_LIMIT_CALLBACK": "0",
        "AUTH_RATE_LIMIT_REFRESH_PER_IP": "0",
        "AUTH_RATE_LIMIT_REFRESH_PER_USER": "0",
        "AUTH_ACCESS_TOKEN_TTL_SECONDS": str(ACCESS_SECONDS),
        "AUTH_REFRESH_TOKEN_TTL_SECONDS": "3600",
        "AUTH_JWT_LEEWAY_SECONDS": str(LEEWAY),
    }


def signing(env: dict[str, str]) -> tuple[str, str | None, str]:
    algorithm = env["AUTH_JWT_ALGORITHM"]
    kid = "hs-1" if algorithm == "HS256" else env["AUTH_JWT_KEY_ID"]
    return algorithm, kid, env["AUTH_JWT_ISSUER"]
