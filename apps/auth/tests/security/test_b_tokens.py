from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from apps.auth.domain.errors import ConfigurationError, InvalidToken
from apps.auth.domain.token import TokenType
from apps.auth.setup.app_factory import create_app
from apps.auth.setup.settings import Settings
from apps.auth.tests.security.attack import (
    KID,
    b64url,
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
from apps.auth.tests.support import API, bearer, dev_login, refresh_header, token_payload

REPO = Path(__file__).resolve().parents[4]


async def verify(api, token: str | bytes):
    return await api.client.get(
        f"{API}/verify",
        headers={
            "Authorization": b"Bearer " + (token if isinstance(token, bytes) else token.encode())
        },
    )


def assert_refused(response, code: str = "INVALID_TOKEN", status: int = 401) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert "x-user-id" not in response.headers


def sign_rs256(payload: dict, header: dict) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    signing_input = f"{segment(header)}.{segment(payload)}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64url(signature)}"


def sign_ec(key, payload: dict, header: dict, digest, size: int) -> str:
    signing_input = f"{segment(header)}.{segment(payload)}"
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(digest)))
    return f"{signing_input}.{b64url(r.to_bytes(size, 'big') + s.to_bytes(size, 'big'))}"


async def test_b1_forged_token_verifies_when_signed_with_our_key_as_a_control(keyed):
    payload = claims()
    response = await verify(keyed.api, es256(keyed.key, payload))
    assert response.status_code == 200, response.text
    assert response.headers["x-user-id"] == payload["sub"]


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
@pytest.mark.parametrize("signature", ["", "AAAA"])
async def test_b1_alg_none_is_refused_when_header_says_none(keyed, alg, signature):
    token = f"{segment({'alg': alg, 'kid': KID, 'typ': 'JWT'})}.{segment(claims())}.{signature}"
    assert_refused(await verify(keyed.api, token))


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
async def test_b1_other_algorithm_is_refused_when_signed_with_a_guessable_secret(keyed, alg):
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    header = {"alg": alg, "kid": KID, "typ": "JWT"}
    for secret in (b"secret", b"", KID.encode()):
        assert_refused(await verify(keyed.api, hmac_token(secret, claims(), header, digest)))


async def test_b1_other_algorithm_is_refused_when_attacker_signs_rs256_or_es384(keyed):
    rs = sign_rs256(claims(), {"alg": "RS256", "kid": KID})
    p384 = ec.generate_private_key(ec.SECP384R1())
    es384 = sign_ec(p384, claims(), {"alg": "ES384", "kid": KID}, hashes.SHA384(), 48)
    for token in (rs, es384):
        assert_refused(await verify(keyed.api, token))


@pytest.mark.parametrize("alg", ["ES384", "ES512", "PS256", "EdDSA", "es256", None])
async def test_b1_header_alg_is_refused_when_it_differs_from_the_key_even_with_our_signature(
    keyed, alg
):
    header = {"kid": KID, "typ": "JWT"} | ({"alg": alg} if alg else {})
    assert_refused(await verify(keyed.api, es256(keyed.key, claims(), header)))


async def test_b1_psychic_signature_is_refused_when_r_and_s_are_zero(keyed):
    token = f"{segment({'alg': 'ES256', 'kid': KID})}.{segment(claims())}.{b64url(bytes(64))}"
    assert_refused(await verify(keyed.api, token))


async def test_b1_only_hs256_verifies_when_deployment_is_hs256(app_factory):
    secret = os.urandom(32).hex()
    async with app_factory(jwt_algorithm="HS256", jwt_secret=secret) as api:
        good = hmac_token(secret.encode(), claims(), {"alg": "HS256", "typ": "JWT"})
        assert (await verify(api, good)).status_code == 200
        for alg, digest in (("HS384", hashlib.sha384), ("HS512", hashlib.sha512)):
            header = {"alg": alg, "typ": "JWT"}
            assert_refused(await verify(api, hmac_token(secret.encode(), claims(), header, digest)))
        none = f"{segment({'alg': 'none'})}.{segment(claims())}."
        assert_refused(await verify(api, none))
        assert_refused(await verify(api, es256(new_ec_key(), claims(), {"alg": "ES256"})))


def _public_key_secrets(key: ec.EllipticCurvePrivateKey, jwks_entry: dict) -> dict[str, bytes]:
    public = key.public_key()
    pem = public_pem(key)
    return {
        "pem": pem.encode(),
        "pem-stripped": pem.strip().encode(),
        "pem-crlf": pem.replace("\n", "\r\n").encode(),
        "der": public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "openssh": public.public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        ),
        "raw-point": public.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        ),
        "jwk-json": json.dumps(jwks_entry).encode(),
        "jwk-json-compact": json.dumps(jwks_entry, separators=(",", ":")).encode(),
        "jwk-json-bare": json.dumps(public_jwk(key)).encode(),
    }


async def test_b2_hs256_signed_with_our_public_key_is_refused_in_every_encoding(keyed):
    [published] = (await keyed.api.client.get(f"{API}/.well-known/jwks.json")).json()["keys"]
    secrets = _public_key_secrets(keyed.key, published)
    codec = keyed.api.runtime.codec
    for name, secret in secrets.items():
        for header in ({"alg": "HS256", "kid": KID, "typ": "JWT"}, {"alg": "HS256"}):
            token = hmac_token(secret, claims(), header)
            response = await verify(keyed.api, token)
            assert response.status_code == 401, (name, header, response.text)
            assert response.json()["code"] == "INVALID_TOKEN"
            with pytest.raises(InvalidToken):
                codec.decode(token, TokenType.ACCESS)


@pytest.mark.parametrize(
    "kid",
    ["../../etc/passwd", "/dev/null", "..\\..\\keys", "", "sec-1\x00", "' OR '1'='1", 1, ["sec-1"],
     None, "SEC-1"],
)  # fmt: skip
async def test_b3_kid_outside_our_key_set_is_refused_when_signed_by_attacker(keyed, kid):
    header = {"alg": "ES256", "kid": kid, "typ": "JWT"}
    if kid is None:
        header.pop("kid")
    assert_refused(await verify(keyed.api, es256(new_ec_key(), claims(), header)))


async def _listener() -> tuple[asyncio.Server, list[bytes], int]:
    seen: list[bytes] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.read(1024))
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    return server, seen, server.sockets[0].getsockname()[1]


async def test_b3_jku_x5u_jwk_headers_are_ignored_when_token_points_elsewhere(keyed):
    server, seen, port = await _listener()
    attacker = new_ec_key()
    elsewhere = f"http://127.0.0.1:{port}/jwks.json"
    try:
        forged = [
            {"alg": "ES256", "kid": KID, "jku": elsewhere},
            {"alg": "ES256", "kid": "attacker", "jku": elsewhere},
            {"alg": "ES256", "kid": KID, "x5u": elsewhere},
            {"alg": "ES256", "kid": KID, "jwk": public_jwk(attacker, KID)},
            {"alg": "ES256", "jwk": public_jwk(attacker)},
            {"alg": "ES256", "kid": "attacker", "jwk": public_jwk(attacker, "attacker")},
        ]
        for header in forged:
            assert_refused(await verify(keyed.api, es256(attacker, claims(), header)))
        ours = es256(keyed.key, claims(), {"alg": "ES256", "kid": KID, "jku": elsewhere})
        assert (await verify(keyed.api, ours)).status_code == 200
        await asyncio.sleep(0.05)
        assert seen == []
    finally:
        server.close()
        await server.wait_closed()


async def test_b3_duplicate_claim_keys_are_refused_when_signed_by_attacker(keyed):
    body = claims(type="refresh")
    raw = json.dumps(body)[:-1] + ', "type": "access", "sub": "' + body["sub"] + '"}'
    assert_refused(await verify(keyed.api, es256(new_ec_key(), raw)))
    header = '{"alg":"ES256","kid":"attacker","kid":"' + KID + '"}'
    assert_refused(await verify(keyed.api, es256(new_ec_key(), claims(), header)))


async def test_b3_issued_tokens_carry_no_duplicate_keys_when_parsed_strictly(api):
    logged = await dev_login(api.client)

    def strict(pairs: list) -> dict:
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), keys
        return dict(pairs)

    for token in (logged.access, logged.refresh):
        for part in token.split(".")[:2]:
            json.loads(b64decode(part), object_pairs_hook=strict)


def b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"exp": -60}, "TOKEN_EXPIRED"),
        ({"exp": -3600}, "TOKEN_EXPIRED"),
        ({"nbf": 60}, "INVALID_TOKEN"),
        ({"iat": 60}, "INVALID_TOKEN"),
        ({"iat": 3600, "nbf": 0}, "INVALID_TOKEN"),
    ],
)
async def test_b4_time_claims_are_enforced_when_outside_leeway(keyed, overrides, code):
    now = int(time.time())
    token = es256(keyed.key, claims(**{k: now + v for k, v in overrides.items()}))
    assert_refused(await verify(keyed.api, token), code)


@pytest.mark.parametrize("missing", ["exp", "nbf", "iat"])
async def test_b4_time_claims_are_required_when_absent(keyed, missing):
    payload = claims()
    payload.pop(missing)
    assert_refused(await verify(keyed.api, es256(keyed.key, payload)))


async def test_b4_leeway_is_small_when_token_expired_seconds_ago(keyed):
    now = int(time.time())
    leeway = keyed.api.settings.jwt_leeway_seconds
    assert leeway <= 30
    within = es256(keyed.key, claims(exp=now - leeway // 2))
    assert (await verify(keyed.api, within)).status_code == 200
    beyond = es256(keyed.key, claims(exp=now - leeway - 5))
    assert_refused(await verify(keyed.api, beyond), "TOKEN_EXPIRED")


@pytest.mark.parametrize(
    "iss",
    ["https://auth.eco2.test/", "https://AUTH.eco2.test", "http://auth.eco2.test",
     "https://auth.eco2.test.evil.com", "", ["https://auth.eco2.test"], "MISSING"],
)  # fmt: skip
async def test_b5_issuer_must_match_exactly_when_token_names_another(keyed, iss):
    payload = claims(iss=iss)
    if iss == "MISSING":
        payload.pop("iss")
    assert_refused(await verify(keyed.api, es256(keyed.key, payload)))


@pytest.mark.parametrize("aud", ["eco2-admin", "ECO2", "eco2 ", "", ["other"], "MISSING"])
async def test_b5_audience_must_match_exactly_when_token_names_another(keyed, aud):
    payload = claims(aud=aud)
    if aud == "MISSING":
        payload.pop("aud")
    assert_refused(await verify(keyed.api, es256(keyed.key, payload)))


async def test_b6_refresh_token_is_refused_when_presented_as_access_token(api):
    logged = await dev_login(api.client)
    async with client_for(api.app) as stranger:
        verified = await stranger.get(f"{API}/verify", headers=bearer(logged.refresh))
        assert_refused(verified)
        as_cookie = await stranger.get(
            f"{API}/verify", headers={"Cookie": f"s_access={logged.refresh}"}
        )
        assert_refused(as_cookie)
        for method, path in (
            ("GET", "/me"),
            ("GET", "/sessions"),
            ("POST", "/logout-all"),
            ("DELETE", "/me"),
            ("DELETE", f"/sessions/{token_payload(logged.refresh)['sid']}"),
        ):
            response = await stranger.request(
                method, f"{API}{path}", headers=bearer(logged.refresh)
            )
            assert response.status_code in (400, 401), (path, response.text)
            assert response.json()["code"] in ("TOKEN_TYPE_MISMATCH", "INVALID_TOKEN")
    me = await api.client.get(f"{API}/me", headers=bearer(logged.access))
    assert me.status_code == 200
    assert (await api.client.get(f"{API}/verify", headers=bearer(logged.access))).status_code == 200


async def test_b6_access_token_is_refused_when_presented_to_refresh(api):
    logged = await dev_login(api.client)
    async with client_for(api.app) as stranger:
        via_header = await stranger.post(f"{API}/refresh", headers=refresh_header(logged.access))
        via_cookie = await stranger.post(
            f"{API}/refresh", headers={"Cookie": f"s_refresh={logged.access}"}
        )
        for response in (via_header, via_cookie):
            assert response.status_code in (400, 401), response.text
            assert response.json()["code"] in ("TOKEN_TYPE_MISMATCH", "INVALID_TOKEN")
            assert "s_access" not in response.headers.get("set-cookie", "")
        rotated = await stranger.post(f"{API}/refresh", headers=refresh_header(logged.refresh))
        assert rotated.status_code == 201, rotated.text


@pytest.mark.parametrize("kind", ["Access", "ACCESS", "admin", "", None, ["access"], 1])
async def test_b6_unknown_token_type_is_refused_when_forged_with_our_key(keyed, kind):
    payload = claims(type=kind) if kind is not None else claims()
    if kind is None:
        payload.pop("type")
    assert_refused(await verify(keyed.api, es256(keyed.key, payload)))


PROD = {
    "environment": "prod",
    "public_base_url": "https://api.eco2.test",
    "database_url": "postgresql+asyncpg://u@127.0.0.1:1/x",
    "redis_url": "redis://127.0.0.1:1/0",
    "frontend_origins": "https://app.eco2.test",
    "cookie_domain": "eco2.test",
    "enabled_providers": "kakao",
    "kakao_client_id": "id",
    "kakao_client_secret": "secret",
}
WEAK_SECRETS = {
    "missing": None,
    "short": "x" * 31,
    "placeholder-32": "changeme" * 4,
    "one-char-32": "a" * 32,
    "secret-repeated": "secret" * 6,
}


@pytest.mark.parametrize("name", sorted(WEAK_SECRETS))
def test_b7_settings_refuse_when_prod_hs256_secret_is_weak(name):
    with pytest.raises(ConfigurationError) as refused:
        Settings(**PROD, jwt_algorithm="HS256", jwt_secret=WEAK_SECRETS[name])
    assert "AUTH_JWT_SECRET" in str(refused.value)


@pytest.mark.parametrize("missing", ["jwt_private_key", "jwt_key_id"])
def test_b7_settings_refuse_when_prod_es256_key_is_missing(missing):
    values = {"jwt_private_key": private_pem(new_ec_key()), "jwt_key_id": "k1"}
    values.pop(missing)
    with pytest.raises(ConfigurationError) as refused:
        Settings(**PROD, **values)
    assert f"AUTH_{missing.upper()}" in str(refused.value)


def _prod_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")}
    env |= {f"AUTH_{k.upper()}": v for k, v in PROD.items()}
    env |= {"PYTHONPATH": str(REPO)} | extra
    return env


def _p384_pem() -> str:
    return (
        ec.generate_private_key(ec.SECP384R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


STARTUP_CASES = {
    "es256-missing": ({"AUTH_JWT_KEY_ID": "k1"}, "AUTH_JWT_PRIVATE_KEY"),
    "es256-not-pem": (
        {"AUTH_JWT_KEY_ID": "k1", "AUTH_JWT_PRIVATE_KEY": "not a pem"},
        "AUTH_JWT_PRIVATE_KEY",
    ),
    "hs256-short": (
        {"AUTH_JWT_ALGORITHM": "HS256", "AUTH_JWT_SECRET": "y" * 31},
        "AUTH_JWT_SECRET",
    ),
}


@pytest.fixture(scope="module", autouse=True)
def startup_processes() -> Iterator[dict[str, subprocess.Popen[str]]]:
    started = {
        name: subprocess.Popen(
            [sys.executable, "-c", "import apps.auth.setup.main"],
            env=_prod_env(**env),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, (env, _) in STARTUP_CASES.items()
    }
    yield started
    for process in started.values():
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("case", sorted(STARTUP_CASES))
def test_b7_process_refuses_with_exit_2_and_one_line_when_prod_key_is_bad(startup_processes, case):
    _, stderr = startup_processes[case].communicate(timeout=90)
    returncode = startup_processes[case].returncode
    assert returncode == 2, stderr[-2000:]
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr[-2000:]
    assert STARTUP_CASES[case][1] in lines[0]
    assert "BEGIN" not in lines[0]


@pytest.mark.parametrize("pem", ["not a pem", "P-384"])
def test_b7_app_refuses_to_build_when_prod_es256_key_is_unusable(pem):
    value = _p384_pem() if pem == "P-384" else pem
    with pytest.raises(ConfigurationError) as refused:
        create_app(Settings(**PROD, jwt_private_key=value, jwt_key_id="k1"))
    assert "AUTH_JWT_PRIVATE_KEY" in str(refused.value)


async def test_b8_retired_key_verifies_until_removed_when_tokens_were_issued_before_rotation(
    app_factory,
):
    old, new = new_ec_key(), new_ec_key()
    async with app_factory(jwt_private_key=private_pem(old), jwt_key_id="old-kid") as before:
        logged = await dev_login(before.client)
    assert json.loads(b64decode(logged.access.split(".")[0]))["kid"] == "old-kid"
    previous = json.dumps({"old-kid": public_pem(old)})
    async with app_factory(
        jwt_private_key=private_pem(new), jwt_key_id="new-kid", jwt_previous_public_keys=previous
    ) as rotated:
        jwks = (await rotated.client.get(f"{API}/.well-known/jwks.json")).json()["keys"]
        assert {k["kid"] for k in jwks} == {"new-kid", "old-kid"}
        assert all("d" not in k for k in jwks)
        assert (await verify(rotated, logged.access)).status_code == 200
        expired = es256(
            old, claims(exp=int(time.time()) - 3600), {"alg": "ES256", "kid": "old-kid"}
        )
        assert_refused(await verify(rotated, expired), "TOKEN_EXPIRED")
        swapped = es256(old, claims(), {"alg": "ES256", "kid": "new-kid"})
        assert_refused(await verify(rotated, swapped))
        new_as_old = es256(new, claims(), {"alg": "ES256", "kid": "old-kid"})
        assert_refused(await verify(rotated, new_as_old))
    async with app_factory(jwt_private_key=private_pem(new), jwt_key_id="new-kid") as removed:
        jwks = (await removed.client.get(f"{API}/.well-known/jwks.json")).json()["keys"]
        assert [k["kid"] for k in jwks] == ["new-kid"]
        assert_refused(await verify(removed, logged.access))


OVERSIZED = {
    "8KiB+1": "e" * 8193,
    "100KiB": "e" * 102_400,
    "8KiB+1-jwt-shaped": f"{segment({'alg': 'ES256', 'kid': KID})}.{'A' * 8200}.sig",
}
MALFORMED = [
    ".", "..", "...", "a.b", "a.b.c.d", "a.b.c.d.e", "!!!.@@@.###", "Bearer", "null",
    f"{segment('not json')}.{segment('{}')}.x", f"{segment('[1,2]')}.{segment('{}')}.x",
    f"{segment('null')}.{segment('{}')}.x", f"{segment({'alg': 1})}.{segment('{}')}.x",
    f"{segment({'alg': 'ES256', 'kid': {}})}.{segment('{}')}.x", "eyJ.eyJ.eyJ", "%00.%00.%00",
]  # fmt: skip
NON_ASCII = ["ééé.ééé.ééé", "токен", "\u202etoken", "x\u00ff" * 10]


def _bad_payloads() -> list[dict | str | bytes]:
    return [
        claims(exp=1e300),
        claims(exp=-1e300),
        claims(exp="tomorrow"),
        claims(iat=1e300, nbf=1e300),
        claims(iat="x"),
        claims(sub=123),
        claims(sub="not-a-uuid"),
        claims(sub={"$ne": None}),
        claims(jti={}),
        claims(jti=""),
        claims(jti="j" * 200),
        claims(provider=[]),
        claims(sid=5),
        claims(aud={}),
        b"not json",
        b"[]",
        b"null",
        b'"string"',
        b"\xff\xfe",
    ]


async def _hit_everywhere(client, access: str | bytes, refresh: str | bytes) -> list:
    def raw(token: str | bytes) -> bytes:
        return token.encode("utf-8") if isinstance(token, str) else token

    results = []
    for method, path, header, token in (
        ("GET", "/verify", b"authorization", access),
        ("GET", "/me", b"authorization", access),
        ("GET", "/sessions", b"authorization", access),
        ("POST", "/refresh", b"x-refresh-token", refresh),
    ):
        response = await client.request(
            method, f"{API}{path}", headers={header: b"Bearer " + raw(token)}
        )
        results.append((path, response.status_code))
    for name, path, method, token in (
        ("s_access", "/verify", "GET", access),
        ("s_refresh", "/refresh", "POST", refresh),
    ):
        response = await client.request(
            method, f"{API}{path}", headers={b"cookie": name.encode() + b"=" + raw(token)}
        )
        results.append((f"{path}+cookie", response.status_code))
    logout = await client.post(
        f"{API}/logout", headers={b"authorization": b"Bearer " + raw(access)}
    )
    assert logout.status_code < 500, logout.text
    return results


def _as_refresh(payload: dict | bytes) -> dict | bytes:
    return {**payload, "type": "refresh"} if isinstance(payload, dict) else payload


async def test_b10_oversized_malformed_and_non_ascii_tokens_get_401_and_are_never_logged(
    keyed, caplog
):
    caplog.set_level(logging.DEBUG)
    pairs: list[tuple[str | bytes, str | bytes]] = [
        (es256(keyed.key, p), es256(keyed.key, _as_refresh(p))) for p in _bad_payloads()
    ]
    signed = [token for pair in pairs for token in pair]
    plain: list[str | bytes] = [*OVERSIZED.values(), *MALFORMED]
    plain += [s.encode("utf-8") for s in NON_ASCII] + [b"\xff\xfe\xfd.\x80.\x81"]
    pairs += [(sample, sample) for sample in plain]
    async with client_for(keyed.api.app) as client:
        for access, refresh in pairs:
            for where, status in await _hit_everywhere(client, access, refresh):
                assert status == 401, (where, access[:80], status)
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    for sample in [*OVERSIZED.values(), *signed]:
        text = sample if isinstance(sample, str) else sample.decode("latin-1")
        assert text[-40:] not in logged
