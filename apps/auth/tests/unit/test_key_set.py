"""The verification set, combination by combination: which signing algorithm, which acceptance
settings, and which tokens each combination verifies, on an explicit clock."""

from __future__ import annotations

import itertools
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from jose import jws, jwt

from apps.auth.domain.errors import ConfigurationError, InvalidToken
from apps.auth.domain.token import TokenClaims, TokenType
from apps.auth.infrastructure.security.jose_token_codec import JoseTokenCodec
from apps.auth.infrastructure.security.key_set import HS256_KID
from apps.auth.infrastructure.security.keys import (
    KeyMaterial,
    SigningKeys,
    generate_ec_private_pem,
)
from apps.auth.tests.security.attack import public_pem

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
ISSUER, AUDIENCE = "https://api.growbin.app/api/v1/auth", "eco2"
SECRET = os.urandom(32).hex()
ACTIVE, STANDBY, OLD, RETIRED = (generate_ec_private_pem() for _ in range(4))


class FixedClock:
    def now(self) -> datetime:
        return NOW


def public_of(private: str) -> str:
    return public_pem(serialization.load_pem_private_key(private.encode(), None))  # type: ignore[arg-type]


def codec(material: KeyMaterial, **accepted: tuple[str, ...]) -> JoseTokenCodec:
    keys = SigningKeys.from_material(material)
    return JoseTokenCodec(
        keys=keys,
        issuer=ISSUER,
        audience=AUDIENCE,
        leeway_seconds=10,
        clock=FixedClock(),
        **accepted,
    )


def claims(kind: TokenType = TokenType.ACCESS) -> TokenClaims:
    return TokenClaims(
        sub=uuid.uuid4(),
        jti=uuid.uuid4().hex,
        type=kind,
        provider="kakao",
        sid=uuid.uuid4().hex,
        issued_at=NOW,
        expires_at=NOW + timedelta(minutes=15),
    )


def signer(name: str) -> JoseTokenCodec:
    """The codec that signed the token of each kind the matrix presents."""
    if name == "hs256":
        return codec(KeyMaterial(algorithm="HS256", secret=SECRET))
    pem, kid = {
        "active": (ACTIVE, "k-active"),
        "standby": (STANDBY, "k-standby"),
        "old": (OLD, "k-old"),
        "retired": (RETIRED, "k-retired"),
    }[name]
    return codec(KeyMaterial(algorithm="ES256", private_pem=pem, key_id=kid))


def verifier(algorithm: str, accept_hs256: bool, standby: bool, previous: bool) -> JoseTokenCodec:
    return codec(
        KeyMaterial(
            algorithm=algorithm,
            secret=SECRET,
            private_pem=ACTIVE,
            key_id="k-active",
            accept_hs256=accept_hs256,
            standby=("k-standby", public_of(STANDBY)) if standby else None,
            previous={"k-old": public_of(OLD)} if previous else {},
        )
    )


def expected(name: str, algorithm: str, accept_hs256: bool, standby: bool, previous: bool) -> bool:
    return {
        "hs256": algorithm == "HS256" or accept_hs256,
        # The configured ES256 key keeps verifying while signing HS256 (a rollback).
        "active": True,
        "standby": standby,
        "old": previous,
        "retired": False,
    }[name]


COMBINATIONS = list(itertools.product(("ES256", "HS256"), *[(False, True)] * 3))


@pytest.mark.parametrize(("algorithm", "accept_hs256", "standby", "previous"), COMBINATIONS)
def test_each_combination_verifies_exactly_the_tokens_of_its_keys(
    algorithm, accept_hs256, standby, previous
):
    under_test = verifier(algorithm, accept_hs256, standby, previous)
    for name in ("hs256", "active", "standby", "old", "retired"):
        for kind in TokenType:
            issued = claims(kind)
            token = signer(name).encode(issued)
            if expected(name, algorithm, accept_hs256, standby, previous):
                assert under_test.decode(token, kind) == issued, name
            else:
                with pytest.raises(InvalidToken):
                    under_test.decode(token, kind)


@pytest.mark.parametrize(("algorithm", "accept_hs256", "standby", "previous"), COMBINATIONS)
def test_tokens_are_always_signed_by_the_one_signing_key(
    algorithm, accept_hs256, standby, previous
):
    under_test = verifier(algorithm, accept_hs256, standby, previous)
    token = under_test.encode(claims())
    kid = "k-active" if algorithm == "ES256" else HS256_KID
    assert jws.get_unverified_header(token) == {"alg": algorithm, "kid": kid, "typ": "JWT"}


def test_accepted_issuers_and_audiences_verify_but_tokens_carry_the_configured_ones():
    old = codec(KeyMaterial(algorithm="HS256", secret=SECRET))
    old_token = JoseTokenCodec(
        keys=SigningKeys.hs256(SECRET),
        issuer="api.dev.growbin.app/api/v1/auth",
        audience="api",
        leeway_seconds=10,
        clock=FixedClock(),
    ).encode(claims())
    accepting = JoseTokenCodec(
        keys=SigningKeys.hs256(SECRET),
        issuer=ISSUER,
        audience=AUDIENCE,
        leeway_seconds=10,
        clock=FixedClock(),
        also_issuers=("api.dev.growbin.app/api/v1/auth",),
        also_audiences=("api",),
    )
    assert accepting.decode(old_token, TokenType.ACCESS).sub
    with pytest.raises(InvalidToken):
        old.decode(old_token, TokenType.ACCESS)
    fresh = jwt.get_unverified_claims(accepting.encode(claims()))
    assert (fresh["iss"], fresh["aud"]) == (ISSUER, AUDIENCE)


def test_an_issuer_accepted_only_as_an_audience_is_still_refused_as_an_issuer():
    mixed = JoseTokenCodec(
        keys=SigningKeys.hs256(SECRET),
        issuer="other",
        audience="api",
        leeway_seconds=10,
        clock=FixedClock(),
    ).encode(claims())
    accepting = JoseTokenCodec(
        keys=SigningKeys.hs256(SECRET),
        issuer=ISSUER,
        audience=AUDIENCE,
        leeway_seconds=10,
        clock=FixedClock(),
        also_audiences=("other",),
    )
    with pytest.raises(InvalidToken):
        accepting.decode(mixed, TokenType.ACCESS)


@pytest.mark.parametrize(
    ("material", "message"),
    [
        (KeyMaterial(algorithm="ES256", private_pem=ACTIVE, key_id=HS256_KID, accept_hs256=True,
                     secret=SECRET), "names two keys"),
        (KeyMaterial(algorithm="ES256", private_pem=ACTIVE, key_id="k",
                     standby=("k", public_of(STANDBY))), "names two keys"),
        (KeyMaterial(algorithm="ES256", private_pem=ACTIVE, key_id="k",
                     standby=("s", public_of(STANDBY)), previous={"s": public_of(OLD)}),
         "names two keys"),
        (KeyMaterial(algorithm="ES256", private_pem=ACTIVE, accept_hs256=True), "AUTH_JWT_SECRET"),
        (KeyMaterial(algorithm="ES256", private_pem=ACTIVE, standby=("s", "not a key")),
         "AUTH_JWT_STANDBY_PUBLIC_KEY"),
    ],
)  # fmt: skip
def test_ambiguous_or_incomplete_key_sets_are_refused_at_start(material, message):
    with pytest.raises(ConfigurationError, match=message):
        SigningKeys.from_material(material)


def test_a_rollback_that_names_the_configured_key_as_previous_starts():
    keys = SigningKeys.from_material(
        KeyMaterial(
            algorithm="HS256",
            secret=SECRET,
            private_pem=ACTIVE,
            key_id="k-active",
            previous={"k-active": public_of(ACTIVE)},
        )
    )
    assert [k["kid"] for k in keys.public_jwks] == ["k-active"]
