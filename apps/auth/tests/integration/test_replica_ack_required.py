"""The production profile, on a primary and a replica of the test's own: a revocation no replica
acknowledged is not reported as done (503, stable code), is kept on the primary, and is
re-written until a replica holds it; `/ready` says when min-replicas settings are missing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from apps.auth.tests.integration.redis_topology import Topology
from apps.auth.tests.security.attack import client_for
from apps.auth.tests.support import (
    API,
    audit_events,
    bearer,
    dev_login,
    refresh_header,
    token_payload,
)


async def _until(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.05)


def _retried(api: Any) -> bool:
    """The kept revocation was re-written and a replica acknowledged it."""
    registry = api.app.state.api.metrics.registry
    name = "auth_redis_replica_retries_total"
    return (registry.get_sample_value(name, {"result": "acknowledged"}) or 0) >= 1


async def test_logout_is_not_reported_done_while_no_replica_has_acknowledged_it(
    servers: Topology, app_factory: Callable[..., Any]
) -> None:
    replica = servers.replica
    assert replica is not None
    primary_url = f"redis://127.0.0.1:{servers.primary.port}/0"
    async with app_factory(
        redis_url=primary_url, redis_replica_ack_required=True, redis_replica_wait_ms=100
    ) as api:
        logged = await dev_login(api.client)
        blacklisted = f"blacklist:{token_payload(logged.access)['jti']}"
        replica.pause()
        try:
            out = await api.client.post(f"{API}/logout")
            assert out.status_code == 503, out.text
            assert out.json()["code"] == "REVOCATION_NOT_REPLICATED"
            async with client_for(api.app) as client:
                refused = await client.get(f"{API}/verify", headers=bearer(logged.access))
            assert refused.status_code == 403, "the revocation is kept on the primary"
        finally:
            replica.resume()

        def on_replica() -> bool:
            with replica.client() as client:
                return bool(client.exists(blacklisted))

        await _until(lambda: _retried(api))
        assert on_replica()


async def test_reuse_that_ends_a_session_is_not_reported_done_while_no_replica_holds_it(
    servers: Topology, app_factory: Callable[..., Any]
) -> None:
    replica = servers.replica
    assert replica is not None
    primary_url = f"redis://127.0.0.1:{servers.primary.port}/0"
    async with app_factory(
        redis_url=primary_url,
        redis_replica_ack_required=True,
        redis_replica_wait_ms=100,
        refresh_grace_seconds=0,
    ) as api:
        logged = await dev_login(api.client)
        claims = token_payload(logged.access)
        session_key = f"auth:session:{claims['sid']}"

        async def refresh() -> Any:
            async with client_for(api.app) as client:
                return await client.post(f"{API}/refresh", headers=refresh_header(logged.refresh))

        rotated = await refresh()
        assert rotated.status_code == 201, rotated.text
        replica.pause()
        try:
            reused = await refresh()
            assert reused.status_code == 503, reused.text
            assert reused.json()["code"] == "REVOCATION_NOT_REPLICATED"
            with servers.primary.client() as primary:
                assert not primary.exists(session_key), "the session ended on the primary"
            again = await refresh()
            assert again.status_code == 401, "a retry finds the family revoked"
        finally:
            replica.resume()
        assert "refresh_reuse" in await audit_events(api, claims["sub"])
        with servers.primary.client() as primary:
            outbox = primary.xrange(api.settings.outbox_stream)
        kinds = [json.loads(fields[b"event"]).get("type") for _, fields in outbox]
        assert kinds.count("auth.session_compromised") == 1, kinds

        def ended_on_replica() -> bool:
            with replica.client() as client:
                return not client.exists(session_key)

        await _until(lambda: _retried(api))
        assert ended_on_replica()


async def test_ready_notes_missing_min_replicas_settings_in_the_production_profile(
    servers: Topology, app_factory: Callable[..., Any]
) -> None:
    primary_url = f"redis://127.0.0.1:{servers.primary.port}/0"
    async with app_factory(redis_url=primary_url, redis_replica_ack_required=True) as api:
        noted = await api.client.get(f"{API}/ready")
        with servers.primary.client() as client:
            client.config_set("min-replicas-to-write", 1)
            client.config_set("min-replicas-max-lag", 10)
        configured = await api.client.get(f"{API}/ready")
    async with app_factory(redis_url=primary_url) as dev:
        with servers.primary.client() as client:
            client.config_set("min-replicas-to-write", 0)
        unrequired = await dev.client.get(f"{API}/ready")

    assert noted.status_code == 200
    assert noted.json()["checks"]["redis"].startswith("ok, but min-replicas-to-write")
    assert configured.json()["checks"]["redis"] == "ok"
    assert unrequired.json()["checks"]["redis"] == "ok"
