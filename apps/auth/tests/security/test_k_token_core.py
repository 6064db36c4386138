"""Attacks on the token core found by the attack review, each now refused."""

from __future__ import annotations

import asyncio
import base64

from apps.auth.tests.security.attack import client_for, live_sessions, unique_ip
from apps.auth.tests.support import API, bearer, dev_login, refresh_header, token_payload

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def spellings(token: str, count: int) -> list[str]:
    """Other spellings of one token: characters the base64 decoder skips, and the spare bits of
    the signature's last character."""
    signed, _, signature = token.rpartition(".")
    junk = [f"{signed}.{signature[:i]}{c}{signature[i:]}" for i in range(1, 40) for c in "!~*"]
    last = signature[-1]
    spare = [f"{signed}.{signature[:-1]}{c}" for c in ALPHABET if c != last]
    padded = [f"{signed}.{signature}{'=' * n}" for n in (1, 2)]
    every = junk + spare + padded
    return (every * (count // len(every) + 1))[:count]


async def test_malleated_spellings_never_multiply_the_claims_cache(keyed) -> None:
    api = keyed.api
    logged = await dev_login(api.client)
    codec = api.runtime.codec
    async with client_for(api.app) as client:
        assert (await client.get(f"{API}/verify", headers=bearer(logged.access))).status_code == 200
        before = len(codec)
        variants = spellings(logged.access, 3_000)
        answers = [
            (await client.get(f"{API}/verify", headers=bearer(variant))).status_code
            for variant in variants
        ]
    assert len(codec) == before
    assert set(answers) <= {200, 401}
    verified = {v for v, status in zip(variants, answers, strict=True) if status == 200}
    assert len(verified) < 16, "only the spare-bit spellings of the signature verify"


async def test_non_base64url_characters_are_refused_when_inside_a_token(keyed) -> None:
    api = keyed.api
    logged = await dev_login(api.client)
    signed, _, signature = logged.access.rpartition(".")
    forged = f"{signed}.{signature[:10]}!{signature[10:]}"
    async with client_for(api.app) as client:
        answer = await client.get(f"{API}/verify", headers=bearer(forged))
    assert answer.status_code == 401
    assert answer.json()["code"] == "INVALID_TOKEN"


async def test_revoked_access_token_cannot_end_the_live_session_at_logout(api, redis) -> None:
    logged = await dev_login(api.client)
    user = token_payload(logged.access)["sub"]
    async with client_for(api.app, unique_ip()) as owner:
        rotated = await owner.post(f"{API}/refresh", headers=refresh_header(logged.refresh))
    assert rotated.status_code == 201
    live_refresh = rotated.cookies["s_refresh"]

    async with client_for(api.app, unique_ip()) as thief:
        out = await thief.post(f"{API}/logout", headers=bearer(logged.access))

    assert out.status_code == 401
    assert out.json()["code"] == "TOKEN_REVOKED"
    assert await live_sessions(redis, user) == [token_payload(logged.refresh)["sid"]]
    async with client_for(api.app, unique_ip()) as owner:
        again = await owner.post(f"{API}/refresh", headers=refresh_header(live_refresh))
    assert again.status_code == 201


async def test_dead_refresh_token_cannot_spend_the_live_session_refresh_budget(
    app_factory,
) -> None:
    async with app_factory(rate_limit_refresh_per_user=30) as api:
        victim = await dev_login(api.client, name="victim-budget")
        dead = await dev_login(api.client, name="victim-budget")
        async with client_for(api.app, unique_ip()) as attacker:
            out = await attacker.post(
                f"{API}/logout", headers={**bearer(dead.access), **refresh_header(dead.refresh)}
            )
            assert out.status_code == 200
            tries = [
                (await attacker.post(f"{API}/refresh", headers=refresh_header(dead.refresh)))
                for _ in range(31)
            ]
        assert {t.status_code for t in tries} == {401}
        async with client_for(api.app, unique_ip()) as owner:
            live = await owner.post(f"{API}/refresh", headers=refresh_header(victim.refresh))
    assert live.status_code == 201, live.text


async def test_rotations_past_the_user_budget_answer_429_without_rotating(app_factory) -> None:
    async with app_factory(rate_limit_refresh_per_user=2) as api:
        logged = await dev_login(api.client)
        token = logged.refresh
        async with client_for(api.app, unique_ip()) as owner:
            for _ in range(2):
                answer = await owner.post(f"{API}/refresh", headers=refresh_header(token))
                assert answer.status_code == 201
                token = answer.cookies["s_refresh"]
            limited = await owner.post(f"{API}/refresh", headers=refresh_header(token))
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert token_payload(token)["jti"] != token_payload(logged.refresh)["jti"]


def test_spelling_helper_changes_the_token_when_asked() -> None:
    token = "aGVhZA.cGF5bG9hZA." + base64.urlsafe_b64encode(b"s" * 64).decode().rstrip("=")
    assert all(variant != token for variant in spellings(token, 200))


async def test_no_live_session_for_a_deleted_user_when_deletion_races_a_login(api, redis) -> None:
    from sqlalchemy import text

    for attempt in range(20):
        name = f"racer-{attempt}-{unique_ip()}"
        first = await dev_login(api.client, name=name)
        deleted = token_payload(first.access)["sub"]
        async with (
            client_for(api.app, unique_ip()) as deleter,
            client_for(api.app, unique_ip()) as browser,
        ):
            removal, second = await asyncio.gather(
                deleter.delete(f"{API}/me", headers=bearer(first.access)),
                dev_login(browser, name=name),
                return_exceptions=True,
            )
        assert not isinstance(removal, BaseException) and removal.status_code == 200
        # The racing login either completes (with the old id ended, or a new id) or ends at the
        # failure redirect, which `dev_login` reports as an assertion.
        assert not isinstance(second, BaseException) or isinstance(second, AssertionError)
        async with api.database() as session:
            row = await session.scalar(
                text("SELECT count(*) FROM auth.users WHERE id = CAST(:u AS uuid)"), {"u": deleted}
            )
        assert row == 0, "the deleted id never comes back"
        assert await live_sessions(redis, deleted) == []
        if isinstance(second, AssertionError):
            continue
        reborn = token_payload(second.access)["sub"]
        async with client_for(api.app, unique_ip()) as checker:
            verdict = await checker.get(f"{API}/verify", headers=bearer(second.access))
            renewed = await checker.post(f"{API}/refresh", headers=refresh_header(second.refresh))
        if reborn == deleted:
            assert verdict.status_code in (401, 403) and renewed.status_code == 401
        else:
            assert verdict.status_code == 200 and renewed.status_code == 201
