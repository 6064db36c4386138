from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from jose import jwk
from jose.backends.base import Key

from apps.auth.domain.errors import ConfigurationError
from apps.auth.infrastructure.security.key_set import (
    HS256_KID,
    KeyRole,
    KeySet,
    KeySetBuilder,
    load_ec_private,
    public_pem_of,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyMaterial:
    """What the settings say about keys: the one that signs and every one that is accepted."""

    algorithm: str
    secret: str | None = None
    private_pem: str | None = None
    key_id: str = "local-1"
    accept_hs256: bool = False
    standby: tuple[str, str] | None = None
    previous: Mapping[str, str] = field(default_factory=dict)


# ES256's parameters (RFC 7518 section 3.4): ECDSA over SHA-256 on P-256, whose signature is
# r and s as 32 big-endian bytes each.
_ES256 = ec.ECDSA(hashes.SHA256())
_P256_BYTES = 32


@dataclass(frozen=True, slots=True, kw_only=True)
class SigningKeys:
    """The one algorithm this deployment signs with, its signing key and every key it accepts.

    `es256_private` is the signing key itself when it is an ES256 key; `signing_key` wraps that
    same key object for python-jose.
    """

    algorithm: str
    signing_kid: str
    signing_key: Key
    accepted: KeySet = field(default_factory=KeySet)
    es256_private: ec.EllipticCurvePrivateKey | None = None

    def sign(self, message: bytes) -> bytes:
        """The JWS signature of `message`. An ES256 key signs through `cryptography` with the
        ECDSA parameters built once, where python-jose rebuilds them and re-reads the key size
        for every token; an HS256 secret signs through python-jose."""
        if self.es256_private is None:
            signature: bytes = self.signing_key.sign(message)
            return signature
        return raw_ecdsa_signature(self.es256_private.sign(message, _ES256))

    @property
    def public_jwks(self) -> tuple[dict[str, Any], ...]:
        return self.accepted.published()

    @property
    def verification_keys(self) -> dict[str, Key]:
        return {kid: entry.key for kid, entry in self.accepted.by_kid.items()}

    @classmethod
    def from_material(cls, material: KeyMaterial) -> SigningKeys:
        builder = KeySetBuilder()
        secret_key = _add_secret(builder, material)
        signing_es256 = material.algorithm == "ES256"
        private = None
        if material.private_pem and (signing_es256 or material.key_id not in material.previous):
            # While signing HS256 (a rollback), the ES256 key left configured still verifies
            # what it signed, unless AUTH_JWT_PREVIOUS_PUBLIC_KEYS already names it.
            role = KeyRole.ACTIVE if signing_es256 else KeyRole.PREVIOUS
            private = load_ec_private(material.private_pem)
            public = public_pem_of(private)
            builder.add_public(material.key_id, public, role, "AUTH_JWT_KEY_ID")
        if material.standby is not None:
            kid, pem = material.standby
            builder.add_public(kid, pem, KeyRole.STANDBY, "AUTH_JWT_STANDBY_PUBLIC_KEY")
        for kid, pem in material.previous.items():
            builder.add_public(kid, pem, KeyRole.PREVIOUS, "AUTH_JWT_PREVIOUS_PUBLIC_KEYS")
        if signing_es256:
            if private is None:
                raise ConfigurationError("AUTH_JWT_PRIVATE_KEY is required for ES256")
            signing = jwk.construct(private, "ES256")
            return cls(
                algorithm="ES256",
                signing_kid=material.key_id,
                signing_key=signing,
                accepted=builder.build(),
                es256_private=private,
            )
        assert secret_key is not None
        return cls(
            algorithm="HS256",
            signing_kid=HS256_KID,
            signing_key=secret_key,
            accepted=builder.build(),
        )

    @classmethod
    def es256(cls, private_pem: str, kid: str, previous: Mapping[str, str]) -> SigningKeys:
        return cls.from_material(
            KeyMaterial(algorithm="ES256", private_pem=private_pem, key_id=kid, previous=previous)
        )

    @classmethod
    def hs256(cls, secret: str) -> SigningKeys:
        return cls.from_material(KeyMaterial(algorithm="HS256", secret=secret))


def raw_ecdsa_signature(der: bytes) -> bytes:
    """An ECDSA signature as `cryptography` gives it (DER) in JWS's fixed-size form."""
    r, s = decode_dss_signature(der)
    return r.to_bytes(_P256_BYTES, "big") + s.to_bytes(_P256_BYTES, "big")


def _add_secret(builder: KeySetBuilder, material: KeyMaterial) -> Key | None:
    if material.algorithm != "HS256" and not material.accept_hs256:
        return None
    if not material.secret:
        raise ConfigurationError("AUTH_JWT_SECRET is required for HS256")
    return builder.add_secret(material.secret)


def generate_ec_private_pem() -> str:
    private = ec.generate_private_key(ec.SECP256R1())
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
