"""The profile's adapters on v1's Redis: v1 sessions adopted once, logins where v1 keeps them,
and the count of v1 sessions still adoptable."""

from __future__ import annotations

import logging

from apps.auth.application.oauth.ports import StateStore
from apps.auth.infrastructure.persistence_redis.connection import open_redis
from apps.auth.setup.cutover import CutoverStorage, RedisPlacement
from apps.auth.setup.settings import Settings
from apps.auth.v1_compat.redis_legacy_census import RedisLegacyCensus
from apps.auth.v1_compat.redis_legacy_sessions import RedisLegacySessions
from apps.auth.v1_compat.redis_legacy_state_store import (
    RedisLegacyStateStore,
)

logger = logging.getLogger("auth.setup")


def v1_storage(settings: Settings, placement: RedisPlacement) -> CutoverStorage:
    redis = placement.redis
    census = RedisLegacyCensus(redis=redis)
    placement.resources.push_async_callback(census.aclose)
    return CutoverStorage(
        legacy=RedisLegacySessions(
            redis=redis,
            stream=placement.stream,
            maxlen=placement.maxlen,
            leeway_seconds=placement.leeway_seconds,
        ),
        states=_login_states(settings, placement),
        collectors=(census,),
    )


def _login_states(settings: Settings, placement: RedisPlacement) -> StateStore | None:
    """Logins live where v1 keeps them, so either track finishes a login the other started."""
    if not settings.redis_oauth_state_url:
        logger.warning(
            "AUTH_LEGACY_SESSIONS without AUTH_REDIS_OAUTH_STATE_URL: logins started on v1 "
            "cannot finish here, nor logins started here on v1"
        )
        return None
    v1_states = open_redis(
        settings.redis_oauth_state_url,
        sentinels=settings.redis_sentinels,
        master=settings.redis_sentinel_master,
        resources=placement.resources,
    )
    return RedisLegacyStateStore(redis=v1_states, clock=placement.clock)
