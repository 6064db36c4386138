"""The codec serialises claims itself and signs them (HS256 through python-jose, ES256 through
`cryptography`): the tokens it writes are the ones `jose.jwt.encode` writes for the same claims,
or for ES256 verify as the library's would, and they read back whole."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from jose import jwk, jwt
from jose.utils import base64url_decode

from apps.auth.domain.token import TokenClaims, TokenType
from apps.auth.infrastructure.security.jose_token_codec import JoseTokenCodec
from apps.auth.infrastructure.security.keys import (
    SigningKeys,
    generate_ec_private_pem,
    raw_ecdsa_signature,
)

ISSUER, AUDIENCE = "api.dev.growbin.app/api/v1/auth", "api"
NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return NOW


def _claims(kind: TokenType) -> TokenClaims:
    return TokenClaims(
        sub=uuid.UUID("6f1c2b8e-0d4a-4c1e-9a57-2f3b4c5d6e7f"),
        jti="0af3" * 8,
        type=kind,
        provider="kakao",
        sid="s-" + "x" * 20,
        issued_at=NOW,
        expires_at=NOW + timedelta(minutes=15),
    )


def _library_encoding(claims: TokenClaims, keys: SigningKeys) -> str:
    payload = {
        "sub": str(claims.sub),
        "jti": claims.jti,
        "type": claims.type.value,
        "provider": claims.provider,
        "sid": claims.sid,
        "iat": int(claims.issued_at.timestamp()),
        "nbf": int(claims.issued_at.timestamp()),
        "exp": int(claims.expires_at.timestamp()),
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    headers = {"kid": keys.signing_kid, "typ": "JWT"}
    return str(jwt.encode(payload, keys.signing_key, keys.algorithm, headers))


def test_hs256_tokens_are_byte_for_byte_what_jwt_encode_writes():
    keys = SigningKeys.hs256("s" * 48)
    codec = JoseTokenCodec(
        keys=keys, issuer=ISSUER, audience=AUDIENCE, leeway_seconds=30, clock=FixedClock()
    )

    for kind in (TokenType.ACCESS, TokenType.REFRESH):
        claims = _claims(kind)
        assert codec.encode(claims) == _library_encoding(claims, keys)


def test_es256_tokens_pass_the_library_decoder_with_every_claim_intact():
    keys = SigningKeys.es256(generate_ec_private_pem(), "es-1", {})
    codec = JoseTokenCodec(
        keys=keys, issuer=ISSUER, audience=AUDIENCE, leeway_seconds=30, clock=FixedClock()
    )
    claims = _claims(TokenType.ACCESS)

    token = codec.encode(claims)

    verifier = keys.verification_keys["es-1"]
    decoded = jwt.decode(
        token,
        verifier,
        algorithms=["ES256"],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )
    assert decoded["sub"] == str(claims.sub)
    assert decoded["exp"] - decoded["iat"] == 15 * 60
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": "es-1", "typ": "JWT"}
    assert codec.decode(token, TokenType.ACCESS) == claims


def test_es256_signatures_are_r_and_s_in_32_bytes_each_and_verify_as_the_librarys():
    pem = generate_ec_private_pem()
    keys = SigningKeys.es256(pem, "es-1", {})
    library_key = jwk.construct(pem, "ES256")
    library_verifier = library_key.public_key()
    public = keys.es256_private.public_key() if keys.es256_private else None
    assert public is not None

    for index in range(50):
        message = f"header.payload-{index}".encode()
        ours = keys.sign(message)

        assert len(ours) == 64
        assert library_verifier.verify(message, ours)
        assert library_verifier.verify(message, library_key.sign(message))
        r, s = int.from_bytes(ours[:32], "big"), int.from_bytes(ours[32:], "big")
        public.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
        assert not library_verifier.verify(message + b"!", ours)


def test_a_short_r_or_s_keeps_its_leading_zero_bytes():
    # One signature in 128 has an r or s below 2**248; its JWS form is still 64 bytes.
    raw = raw_ecdsa_signature(encode_dss_signature(1, 2**255 + 5))

    assert raw == (1).to_bytes(32, "big") + (2**255 + 5).to_bytes(32, "big")


def test_an_es256_token_whose_signature_is_altered_fails_the_library_verifier():
    keys = SigningKeys.es256(generate_ec_private_pem(), "es-1", {})
    codec = JoseTokenCodec(
        keys=keys, issuer=ISSUER, audience=AUDIENCE, leeway_seconds=30, clock=FixedClock()
    )
    token = codec.encode(_claims(TokenType.ACCESS))
    signed, _, signature = token.rpartition(".")
    raw = bytearray(base64url_decode(signature.encode()))
    raw[40] ^= 1
    public = keys.es256_private.public_key() if keys.es256_private else None
    assert public is not None
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")

    with pytest.raises(InvalidSignature):
        public.verify(encode_dss_signature(r, s), signed.encode(), ec.ECDSA(hashes.SHA256()))


def test_an_hs256_deployment_signs_without_an_ec_key():
    keys = SigningKeys.hs256("s" * 48)

    assert keys.es256_private is None
    assert keys.sign(b"a.b") == keys.signing_key.sign(b"a.b")
