"""The steps `make key-drill` walks: the settings of each restart, and who checks tokens in
front of the APIs (the platform's Go ext-authz, or our `/verify`).

The same walk without the acceptance settings is the control: it shows the sign-ins they
prevent.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field, replace

from apps.auth.infrastructure.security.key_set import load_ec_private, public_pem_of
from apps.auth.infrastructure.security.keys import generate_ec_private_pem

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
