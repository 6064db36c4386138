"""Our restatement of how the running Eco² auth (v1) keeps a login between authorize and
callback, for tests that start a login on one track and finish it on the other.

Facts from eco2-team/backend@4c3eebb3, apps/auth: the record is `oauth:state:{state}`
(infrastructure/persistence_redis/constants.py) in Redis database 3 (setup/config/settings.py,
`AUTH_REDIS_OAUTH_STATE_URL`), JSON with `provider`, `redirect_uri`, `code_verifier`,
`device_id`, `frontend_origin`, written with SETEX, TTL 600 (adapters/state_store_redis.py). Its
authorize draws the state with `secrets.token_urlsafe(32)` and the verifier with
`secrets.token_urlsafe(64)` (application/oauth/commands/authorize.py) and stores the redirect
URI and frontend origin its caller passed, unchecked. Its callback reads the record with GET,
deletes it, takes `provider` and `.get`s the rest, and refuses a record of another provider
(application/oauth/services/oauth_flow_service.py).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

STATE_DB_URL = "redis://127.0.0.1:6379/3"
KEY = "oauth:state:"
TTL = 600


@dataclass(frozen=True)
class V1Login:
    state: str
    verifier: str


async def v1_authorize(
    states: Redis,
    provider: str,
    *,
    frontend_origin: str | None = None,
    device_id: str | None = None,
    redirect_uri: str | None = None,
) -> V1Login:
    """What v1's authorize leaves in Redis for its callback."""
    login = V1Login(state=secrets.token_urlsafe(32), verifier=secrets.token_urlsafe(64))
    record = {
        "provider": provider,
        "redirect_uri": redirect_uri,
        "code_verifier": login.verifier,
        "device_id": device_id,
        "frontend_origin": frontend_origin,
    }
    await states.set(KEY + login.state, json.dumps(record), ex=TTL)
    return login


async def v1_write_raw(states: Redis, state: str, value: bytes | str) -> None:
    """Any record under v1's key, as a client of v1's authorize could shape it."""
    await states.set(KEY + state, value, ex=TTL)


async def v1_consume(states: Redis, state: str, provider: str) -> dict[str, Any] | None:
    """What v1's callback takes from the record, or None where it answers `Invalid state`."""
    value = await states.get(KEY + state)
    if not value:
        return None
    await states.delete(KEY + state)
    data = json.loads(value)
    if data["provider"] != provider:
        return None
    return {
        "provider": data["provider"],
        "redirect_uri": data.get("redirect_uri"),
        "code_verifier": data.get("code_verifier"),
        "device_id": data.get("device_id"),
        "frontend_origin": data.get("frontend_origin"),
    }
