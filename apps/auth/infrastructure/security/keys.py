from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwk
from jose.backends.base import Key

from apps.auth.domain.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class SigningKeys:
    """The one algorithm this deployment signs with, its signing key and every key it accepts."""

    algorithm: str
    signing_kid: str
    signing_key: Key
    verification_keys: dict[str, Key] = field(default_factory=dict)
    public_jwks: tuple[dict[str, Any], ...] = ()

    @classmethod
    def es256(cls, private_pem: str, kid: str, previous: dict[str, str]) -> SigningKeys:
        private = _load_ec_private(private_pem)
        public_pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        accepted = {kid: jwk.construct(public_pem.decode(), "ES256")}
        for old_kid, pem in previous.items():
            if old_kid == kid:
                raise ConfigurationError("AUTH_JWT_PREVIOUS_PUBLIC_KEYS repeats the active kid")
            accepted[old_kid] = _construct_public(old_kid, pem)
        jwks = tuple(
            {**key.to_dict(), "kid": k, "use": "sig", "alg": "ES256"} for k, key in accepted.items()
        )
        return cls(
            algorithm="ES256",
            signing_kid=kid,
            signing_key=jwk.construct(private_pem, "ES256"),
            verification_keys=accepted,
            public_jwks=jwks,
        )

    @classmethod
    def hs256(cls, secret: str, kid: str) -> SigningKeys:
        key = jwk.construct(secret.encode(), "HS256")
        return cls(
            algorithm="HS256", signing_kid=kid, signing_key=key, verification_keys={kid: key}
        )


def generate_ec_private_pem() -> str:
    private = ec.generate_private_key(ec.SECP256R1())
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _load_ec_private(pem: str) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError("AUTH_JWT_PRIVATE_KEY is not a PEM private key") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ConfigurationError("AUTH_JWT_PRIVATE_KEY must be a P-256 EC key for ES256")
    return key


def _construct_public(kid: str, pem: str) -> Key:
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(
            f"AUTH_JWT_PREVIOUS_PUBLIC_KEYS[{kid}] is not a PEM public key"
        ) from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise ConfigurationError(f"AUTH_JWT_PREVIOUS_PUBLIC_KEYS[{kid}] must be a P-256 EC key")
    return jwk.construct(pem, "ES256")
