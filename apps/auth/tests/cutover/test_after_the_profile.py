"""Leaving the cut-over profile without signing anybody out: the count of v1 sessions still
adoptable, and sessions adopted from v1 moving on to ES256 and our own issuer and audience."""

from __future__ import annotations

import base64
import json
import math
import os
import uuid

from prometheus_client.parser import text_string_to_metric_families

from apps.auth.tests.cutover import v1_platform as v1
from apps.auth.tests.cutover.test_shared_sessions import PROFILE, get, pair, refresh, v1_user
from apps.auth.tests.security.attack import new_ec_key, private_pem
from apps.auth.tests.support import token_payload
from apps.auth.v1_compat.redis_legacy_census import RedisLegacyCensus


def users_with_prefix(prefix: str, count: int) -> list[uuid.UUID]:
    return [uuid.UUID(prefix + uuid.uuid4().hex[8:]) for _ in range(count)]


async def test_census_counts_live_v1_tokens_and_nothing_of_ours(redis):
    prefix = os.urandom(4).hex()
    census = RedisLegacyCensus(redis=redis, match=f"user:tokens:{prefix}*")
    first, second = users_with_prefix(prefix, 2)
    for user, live in ((first, 2), (second, 1)):
        for _ in range(live):
            await v1.register_refresh(redis, user, v1.mint(user, "refresh", ttl=600))
    # Ours (32 hex, registered while the profile is on) and a v1 token whose own life ended
    # (its meta key gone, the set kept alive by a newer member) are not counted.
    await redis.sadd(f"user:tokens:{first}", uuid.uuid4().hex)
    expired = v1.mint(first, "refresh", ttl=600)
    await redis.sadd(f"user:tokens:{first}", expired.jti)

    assert await census.count() == 3
    assert math.isnan(next(iter(census.collect())).samples[0].value)
    await census.refresh()
    assert next(iter(census.collect())).samples[0].value == 3.0


async def test_metrics_report_v1_sessions_remaining_while_the_profile_is_on(app_factory, redis):
    async with app_factory(**PROFILE) as api:
        [census] = [c for c in api.runtime.storage.collectors if isinstance(c, RedisLegacyCensus)]
        await census.refresh()
        text = (await api.client.get("/metrics")).text
    [family] = [
        f
        for f in text_string_to_metric_families(text)
        if f.name == "auth_legacy_sessions_remaining"
    ]
    assert family.samples[0].value >= 0


async def test_an_adopted_v1_session_moves_to_es256_and_our_claims_at_its_next_refresh(
    app_factory, redis
):
    async with app_factory(**PROFILE) as profile:
        user = await v1_user(profile)
        token = v1.mint(user, "refresh", ttl=v1.V1_REFRESH_SECONDS)
        await v1.register_refresh(redis, user, token)
        _, adopted = pair(await refresh(profile, token.value))
    key = new_ec_key()
    es256 = {
        "jwt_private_key": private_pem(key),
        "jwt_key_id": "es-1",
        "jwt_secret": v1.SECRET,
        "jwt_accept_hs256": True,
        "jwt_accept_issuers": v1.ISSUER,
        "jwt_accept_audiences": v1.AUDIENCE,
    }
    async with app_factory(**es256) as api:
        moved = await refresh(api, adopted)
        assert moved.status_code == 201, moved.text
        access, renewed = pair(moved)
        assert json.loads(_header(renewed)) == {"alg": "ES256", "kid": "es-1", "typ": "JWT"}
        claims = token_payload(renewed)
        assert (claims["iss"], claims["aud"]) == ("https://auth.eco2.test", "eco2")
        assert claims["sid"] == token_payload(adopted)["sid"]
        assert (await get(api, "/verify", access)).status_code == 200
        replay = await refresh(api, adopted, ip="203.0.113.51")
        assert replay.status_code == 401 and replay.json()["code"] == "TOKEN_REVOKED"
        assert (await get(api, "/verify", access)).status_code == 403


def _header(token: str) -> bytes:
    part = token.split(".")[0]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
