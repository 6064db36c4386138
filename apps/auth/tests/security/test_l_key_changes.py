"""Attacks on the verification set while keys change: HS256 accepted beside ES256, a standby
key, previous keys, extra issuers and audiences. Each attack is built by hand and shown to fail;
a control shows the same path accepts the honest token."""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import pytest

from apps.auth.infrastructure.security.key_set import HS256_KID
from apps.auth.presentation.http.routers.tokens import JWKS_MAX_AGE_SECONDS
from apps.auth.tests.security.attack import (
    claims,
    client_for,
    es256,
    hmac_token,
    new_ec_key,
    private_pem,
    public_jwk,
    public_pem,
    segment,
)
from apps.auth.tests.security.test_b_tokens import _public_key_secrets, assert_refused, verify
from apps.auth.tests.support import API, dev_login, refresh_header, token_payload

SECRET = os.urandom(32).hex()
RUNBOOK = Path(__file__).resolve().parents[4] / "workloads/domains/auth/RUNBOOK.md"


def transition(key, kid: str = "es-1", **more):
    """Signing ES256 while HS256 tokens stay acceptable."""
    return {
        "jwt_private_key": private_pem(key),
        "jwt_key_id": kid,
        "jwt_secret": SECRET,
        "jwt_accept_hs256": True,
        **more,
    }


def hs(payload: dict, **header) -> str:
    return hmac_token(SECRET.encode(), payload, {"alg": "HS256", "typ": "JWT", **header})


async def test_hs256_tokens_verify_beside_es256_when_accepted_as_a_control(app_factory):
    active = new_ec_key()
    async with app_factory(**transition(active)) as api:
        for header in ({"kid": HS256_KID}, {}):
            assert (await verify(api, hs(claims(), **header))).status_code == 200
        assert (
            await verify(api, es256(active, claims(), {"alg": "ES256", "kid": "es-1"}))
        ).status_code == 200


async def test_hs256_token_naming_an_es256_kid_is_refused_even_with_the_real_secret(app_factory):
    active, standby, old = new_ec_key(), new_ec_key(), new_ec_key()
    settings = transition(
        active,
        jwt_standby_public_key=public_pem(standby),
        jwt_standby_key_id="es-2",
        jwt_previous_public_keys=json.dumps({"es-0": public_pem(old)}),
    )
    async with app_factory(**settings) as api:
        for kid in ("es-1", "es-2", "es-0"):
            assert_refused(await verify(api, hs(claims(), kid=kid)))


async def test_hs256_signed_with_any_published_public_key_is_refused_in_every_encoding(
    app_factory,
):
    active, standby = new_ec_key(), new_ec_key()
    settings = transition(
        active, jwt_standby_public_key=public_pem(standby), jwt_standby_key_id="es-2"
    )
    async with app_factory(**settings) as api:
        published = (await api.client.get(f"{API}/.well-known/jwks.json")).json()["keys"]
        for key, entry in zip((active, standby), published, strict=True):
            for secret in _public_key_secrets(key, entry).values():
                for header in (
                    {"kid": entry["kid"]},
                    {"kid": HS256_KID},
                    {},
                ):
                    token = hmac_token(secret, claims(), {"alg": "HS256", **header})
                    assert_refused(await verify(api, token))


async def test_es256_token_naming_the_secret_or_no_kid_is_refused(app_factory):
    active = new_ec_key()
    async with app_factory(**transition(active)) as api:
        for header in ({"alg": "ES256", "kid": HS256_KID}, {"alg": "ES256"}):
            assert_refused(await verify(api, es256(active, claims(), header)))


@pytest.mark.parametrize("alg", ["HS384", "HS512", "none", "RS256", "ES384"])
async def test_other_algorithms_are_refused_under_every_kid_of_the_transition(app_factory, alg):
    active = new_ec_key()
    async with app_factory(**transition(active)) as api:
        for kid in ("es-1", HS256_KID, None):
            header = {"alg": alg} | ({"kid": kid} if kid else {})
            signed = es256(active, claims(), header)
            unsigned = f"{segment(header)}.{segment(claims())}."
            for token in (signed, unsigned, hmac_token(SECRET.encode(), claims(), header)):
                assert_refused(await verify(api, token))


async def test_hs256_is_refused_once_acceptance_is_off(app_factory):
    active = new_ec_key()
    async with app_factory(
        jwt_private_key=private_pem(active), jwt_key_id="es-1", jwt_secret=SECRET
    ) as api:
        for header in ({"kid": HS256_KID}, {}):
            assert_refused(await verify(api, hs(claims(), **header)))


async def test_standby_key_is_published_and_accepted_before_it_signs_and_after_promotion(
    app_factory,
):
    active, standby = new_ec_key(), new_ec_key()
    before = {"jwt_standby_public_key": public_pem(standby), "jwt_standby_key_id": "es-2"}
    standby_token = es256(standby, claims(), {"alg": "ES256", "kid": "es-2"})
    async with app_factory(jwt_private_key=private_pem(active), jwt_key_id="es-1", **before) as api:
        answer = await api.client.get(f"{API}/.well-known/jwks.json")
        assert [k["kid"] for k in answer.json()["keys"]] == ["es-1", "es-2"]
        assert answer.json()["keys"][1] == {
            **public_jwk(standby, "es-2"),
            "use": "sig",
            "alg": "ES256",
        }
        assert (await verify(api, standby_token)).status_code == 200
        issued = await dev_login(api.client)
        assert token_payload(issued.access)["sid"]
    promoted = {
        "jwt_private_key": private_pem(standby),
        "jwt_key_id": "es-2",
        "jwt_previous_public_keys": json.dumps({"es-1": public_pem(active)}),
    }
    async with app_factory(**promoted) as api:
        jwks = (await api.client.get(f"{API}/.well-known/jwks.json")).json()["keys"]
        assert [k["kid"] for k in jwks] == ["es-2", "es-1"]
        assert (await verify(api, issued.access)).status_code == 200
        assert (await verify(api, standby_token)).status_code == 200
    async with app_factory(jwt_private_key=private_pem(standby), jwt_key_id="es-2") as api:
        assert_refused(await verify(api, issued.access))


async def test_refresh_moves_an_hs256_session_to_es256_and_the_new_issuer(app_factory):
    old_claims = {"jwt_issuer": "api.dev.growbin.app/api/v1/auth", "jwt_audience": "api"}
    async with app_factory(jwt_algorithm="HS256", jwt_secret=SECRET, **old_claims) as before:
        issued = await dev_login(before.client)
    active = new_ec_key()
    accepting = transition(
        active,
        jwt_accept_issuers="api.dev.growbin.app/api/v1/auth",
        jwt_accept_audiences="api",
    )
    async with app_factory(**accepting) as api:
        assert (await verify(api, issued.access)).status_code == 200
        moved = await api.client.post(f"{API}/refresh", headers=refresh_header(issued.refresh))
        assert moved.status_code == 201, moved.text
        access, renewed = moved.cookies["s_access"], moved.cookies["s_refresh"]
        for token in (access, renewed):
            header = json.loads(_b64(token.split(".")[0]))
            assert header == {"alg": "ES256", "kid": "es-1", "typ": "JWT"}
            payload = token_payload(token)
            assert (payload["iss"], payload["aud"]) == ("https://auth.eco2.test", "eco2")
            assert payload["sid"] == token_payload(issued.refresh)["sid"]
        assert (await verify(api, access)).status_code == 200
        assert_refused(await verify(api, issued.access), "TOKEN_REVOKED", 403)
        async with _other_client(api) as thief:
            reused = await thief.post(f"{API}/refresh", headers=refresh_header(issued.refresh))
        assert reused.status_code == 401 and reused.json()["code"] == "TOKEN_REVOKED"
        assert_refused(await verify(api, access), "TOKEN_REVOKED", 403)


async def test_tokens_of_a_retired_issuer_or_audience_are_refused(app_factory):
    active = new_ec_key()
    async with app_factory(jwt_private_key=private_pem(active), jwt_key_id="es-1") as api:
        for iss, aud in (
            ("api.dev.growbin.app/api/v1/auth", "eco2"),
            ("https://auth.eco2.test", "api"),
        ):
            token = es256(active, claims(iss=iss, aud=aud), {"alg": "ES256", "kid": "es-1"})
            assert_refused(await verify(api, token))


async def test_jwks_cache_lifetime_is_shorter_than_every_wait_the_runbook_asks_for(api):
    answer = await api.client.get(f"{API}/.well-known/jwks.json")
    assert answer.headers["cache-control"] == f"public, max-age={JWKS_MAX_AGE_SECONDS}"
    waits = [int(m) for m in re.findall(r"JWKS wait: (\d+) minutes", RUNBOOK.read_text())]
    assert waits, "the RUNBOOK states its JWKS waits"
    assert all(minutes * 60 >= 2 * JWKS_MAX_AGE_SECONDS for minutes in waits)


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _other_client(api):
    return client_for(api.app, "203.0.113.99")
