"""The keys a token may be checked with, apart from the one key that signs.

A key is found by the token's `kid` in one dictionary look-up, and only if the token's `alg`
is that key's algorithm: an HS256 token naming an ES256 key's `kid` is refused before any
signature check, so the shared secret is never tried on it and a public key is never used as
an HMAC secret. The only token without a `kid` that can verify is an HS256 one checked with
the shared secret: v1 (eco2-team/backend, apps/auth/infrastructure/security/
jwt_token_service.py) signs without a header `kid`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwk
from jose.backends.base import Key

from apps.auth.domain.errors import ConfigurationError

# The shared secret's name in headers. Fixed, so the HS256 tokens of any deployment keep
# verifying after AUTH_JWT_KEY_ID starts naming an ES256 key.
HS256_KID = "hs-1"


class KeyRole(StrEnum):
    ACTIVE = "active"
    STANDBY = "standby"
    PREVIOUS = "previous"
    SHARED_SECRET = "shared-secret"


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationKey:
    kid: str
    algorithm: str
    key: Key
    role: KeyRole

    def public_jwk(self) -> dict[str, Any]:
        return {**self.key.to_dict(), "kid": self.kid, "use": "sig", "alg": self.algorithm}


@dataclass(frozen=True, slots=True, kw_only=True)
class KeySet:
    """Every key tokens are accepted under, by `kid`."""

    by_kid: Mapping[str, VerificationKey] = field(default_factory=dict)

    def key_for(self, alg: object, kid: object) -> Key | None:
        if kid is None:
            kid = HS256_KID if alg == "HS256" else None
        if not isinstance(kid, str):
            return None
        entry = self.by_kid.get(kid)
        if entry is None or entry.algorithm != alg:
            return None
        return entry.key

    def published(self) -> tuple[dict[str, Any], ...]:
        """The JWKS: public keys only (never the shared secret), active, standby, previous."""
        order = (KeyRole.ACTIVE, KeyRole.STANDBY, KeyRole.PREVIOUS)
        return tuple(
            entry.public_jwk()
            for role in order
            for entry in self.by_kid.values()
            if entry.role is role and entry.algorithm == "ES256"
        )


class KeySetBuilder:
    """Collects keys, refusing a `kid` used twice (it would make the look-up ambiguous)."""

    def __init__(self) -> None:
        self._keys: dict[str, VerificationKey] = {}

    def add(self, kid: str, algorithm: str, key: Key, role: KeyRole, source: str) -> None:
        if kid in self._keys:
            raise ConfigurationError(f"{source}: kid {kid!r} names two keys")
        self._keys[kid] = VerificationKey(kid=kid, algorithm=algorithm, key=key, role=role)

    def add_secret(self, secret: str) -> Key:
        key = jwk.construct(secret.encode(), "HS256")
        self.add(HS256_KID, "HS256", key, KeyRole.SHARED_SECRET, "AUTH_JWT_SECRET")
        return key

    def add_public(self, kid: str, pem: str, role: KeyRole, source: str) -> None:
        self.add(kid, "ES256", es256_public(pem, f"{source}[{kid}]"), role, source)

    def build(self) -> KeySet:
        return KeySet(by_kid=dict(self._keys))


def es256_public(pem: str, source: str) -> Key:
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"{source} is not a PEM public key") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise ConfigurationError(f"{source} must be a P-256 EC key")
    return jwk.construct(pem, "ES256")


def load_ec_private(pem: str) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError("AUTH_JWT_PRIVATE_KEY is not a PEM private key") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ConfigurationError("AUTH_JWT_PRIVATE_KEY must be a P-256 EC key for ES256")
    return key


def public_pem_of(private: ec.EllipticCurvePrivateKey) -> str:
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
