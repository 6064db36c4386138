"""The codec serialises claims itself and signs them with python-jose's JWS: the tokens it
writes are the ones `jose.jwt.encode` writes for the same claims, and they read back whole."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from jose import jwt

from apps.auth.domain.token import TokenClaims, TokenType
from apps.auth.infrastructure.security.jose_token_codec import JoseTokenCodec
from apps.auth.infrastructure.security.keys import SigningKeys, generate_ec_private_pem

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
