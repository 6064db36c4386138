"""The two storage compositions: embedded (in-memory) and Postgres + Redis.

Each builds every adapter the services need and registers what it opened on the caller's exit
stack, so one `aclose()` releases them in reverse order.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

from prometheus_client.registry import Collector

from apps.auth.application.common.activity_ports import ActivityLog, NoticeOutbox
from apps.auth.application.common.health import HealthProbe
from apps.auth.application.common.ports import (
    AuditLog,
    Clock,
    UnitOfWorkFactory,
    UserExistence,
)
from apps.auth.application.common.rate_limit import RateLimiter
from apps.auth.application.common.token_ports import (
    RevocationChecker,
    RevocationStore,
    SessionStore,
)
from apps.auth.application.oauth.ports import StateStore
from apps.auth.application.token.ports import LegacySessions
from apps.auth.domain.errors import ConfigurationError
from apps.auth.infrastructure.memory.memory_activity_log import MemoryActivityLog
from apps.auth.infrastructure.memory.memory_audit_log import StandaloneMemoryAuditLog
from apps.auth.infrastructure.memory.memory_notice_outbox import MemoryNoticeOutbox
from apps.auth.infrastructure.memory.memory_rate_limiter import MemoryRateLimiter
from apps.auth.infrastructure.memory.memory_revocation_store import (
    MemoryRevocationChecker,
    MemoryRevocationStore,
)
from apps.auth.infrastructure.memory.memory_session_store import MemorySessionStore
from apps.auth.infrastructure.memory.memory_state_store import MemoryStateStore
from apps.auth.infrastructure.memory.memory_store import MemoryStore
from apps.auth.infrastructure.memory.memory_token_state import MemoryTokenState
from apps.auth.infrastructure.memory.memory_unit_of_work import MemoryUnitOfWork
from apps.auth.infrastructure.memory.no_legacy_sessions import NoLegacySessions
from apps.auth.infrastructure.persistence_postgres.buffered_sql_audit_log import (
    BufferedSqlAuditLog,
)
from apps.auth.infrastructure.persistence_postgres.database import (
    create_engine,
    create_session_factory,
)
from apps.auth.infrastructure.persistence_postgres.postgres_health_probe import PostgresHealthProbe
from apps.auth.infrastructure.persistence_postgres.postgres_user_existence import (
    PostgresUserExistence,
)
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_activity_log import (
    SqlAlchemyActivityLog,
)
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_unit_of_work import (
    SqlAlchemyUnitOfWork,
)
from apps.auth.infrastructure.persistence_redis.connection import open_redis
from apps.auth.infrastructure.persistence_redis.redis_health_probe import RedisHealthProbe
from apps.auth.infrastructure.persistence_redis.redis_notice_outbox import RedisNoticeOutbox
from apps.auth.infrastructure.persistence_redis.redis_rate_limiter import RedisRateLimiter
from apps.auth.infrastructure.persistence_redis.redis_revocation_checker import (
    RedisRevocationChecker,
)
from apps.auth.infrastructure.persistence_redis.redis_revocation_store import RedisRevocationStore
from apps.auth.infrastructure.persistence_redis.redis_session_store import RedisSessionStore
from apps.auth.infrastructure.persistence_redis.redis_state_store import RedisStateStore
from apps.auth.infrastructure.persistence_redis.replica_ack import (
    RedisReplicaAck,
    replica_wait_counter,
)
from apps.auth.infrastructure.persistence_redis.replica_retry import (
    ReplicationRetry,
    replica_retry_counter,
)
from apps.auth.setup.cutover import CutoverStorage, RedisPlacement, cutover
from apps.auth.setup.settings import Environment, Settings
from apps.auth.setup.token_lifetimes import not_before_ttl

logger = logging.getLogger("auth.setup")


@dataclass(frozen=True, slots=True, kw_only=True)
class Storage:
    """The adapter behind every storage port, all from one composition."""

    name: str
    uow: UnitOfWorkFactory
    states: StateStore
    sessions: SessionStore
    revocations: RevocationStore
    revocation_checker: RevocationChecker
    legacy: LegacySessions
    limiter: RateLimiter
    audit: AuditLog
    activity: ActivityLog
    notices: NoticeOutbox
    probes: tuple[HealthProbe, ...]
    outbox_depth: Callable[[], Awaitable[float]]
    flush_audit: Callable[[], Awaitable[None]]
    collectors: tuple[Collector, ...] = ()
    # The cheap "does this user exist" of this storage's own tables, where it has one.
    user_existence: UserExistence | None = None


StorageFactory = Callable[[Settings, Clock, AsyncExitStack], Storage]


@dataclass(frozen=True, slots=True, kw_only=True)
class EmbeddedData:
    """What the embedded composition keeps in process memory; tests may hand in their own."""

    users: MemoryStore = field(default_factory=MemoryStore)
    tokens: MemoryTokenState = field(default_factory=MemoryTokenState)


def storage_for(settings: Settings) -> StorageFactory:
    """Postgres + Redis when configured; in-memory only where the environment allows it."""
    if settings.database_url and settings.redis_url:
        return postgres_redis_storage
    if settings.legacy_sessions:
        raise ConfigurationError(
            "AUTH_LEGACY_SESSIONS shares v1's Redis: it needs AUTH_DATABASE_URL and AUTH_REDIS_URL"
        )
    if not settings.environment.is_embedded_allowed:
        raise ConfigurationError(
            "AUTH_DATABASE_URL and AUTH_REDIS_URL are required outside local and test"
        )
    if settings.database_url or settings.redis_url:
        raise ConfigurationError("AUTH_DATABASE_URL and AUTH_REDIS_URL: set both, or neither")
    return embedded_storage


def embedded_storage(
    settings: Settings, clock: Clock, resources: AsyncExitStack, data: EmbeddedData | None = None
) -> Storage:
    logger.warning("embedded mode: in-memory storage, nothing survives a restart")
    data = data or EmbeddedData()
    state, memory = data.tokens, data.users
    state.leeway_seconds = settings.jwt_leeway_seconds
    limiter = MemoryRateLimiter(clock=clock)

    async def outbox_depth() -> float:
        return float(len(state.outbox))

    async def nothing_buffered() -> None:
        return None

    return Storage(
        name="embedded",
        uow=functools.partial(MemoryUnitOfWork, store=memory),
        states=MemoryStateStore(clock=clock),
        sessions=MemorySessionStore(state=state, clock=clock),
        revocations=MemoryRevocationStore(
            state=state, not_before_ttl_seconds=not_before_ttl(settings)
        ),
        revocation_checker=MemoryRevocationChecker(state=state),
        legacy=NoLegacySessions(),
        limiter=limiter,
        audit=StandaloneMemoryAuditLog(store=memory),
        activity=MemoryActivityLog(store=memory),
        notices=MemoryNoticeOutbox(state=state),
        probes=(),
        outbox_depth=outbox_depth,
        flush_audit=nothing_buffered,
    )


def postgres_redis_storage(settings: Settings, clock: Clock, resources: AsyncExitStack) -> Storage:
    assert settings.database_url and settings.redis_url
    redis = open_redis(
        settings.redis_url,
        sentinels=settings.redis_sentinels,
        master=settings.redis_sentinel_master,
        resources=resources,
    )
    waits, retries = replica_wait_counter(), replica_retry_counter()
    required = settings.redis_replica_ack_required
    if required is None:
        required = settings.environment is Environment.PROD
    acks = RedisReplicaAck(
        redis=redis, timeout_ms=settings.redis_replica_wait_ms, counter=waits, required=required
    )
    retry = ReplicationRetry(counter=retries)
    resources.push_async_callback(retry.aclose)
    engine = create_engine(settings.database_url, settings.database_pool_size)
    resources.push_async_callback(engine.dispose)
    audit = BufferedSqlAuditLog(engine=engine)
    resources.push_async_callback(audit.close)
    stream, maxlen, leeway = (
        settings.outbox_stream,
        settings.outbox_maxlen,
        settings.jwt_leeway_seconds,
    )

    async def outbox_depth() -> float:
        return float(await redis.xlen(stream))

    profile = cutover(settings)
    # In the cut-over profile every store keeps v1's records of a session in step.
    legacy = profile is not None
    shared = (
        profile.storage(
            settings,
            RedisPlacement(
                redis=redis,
                stream=stream,
                maxlen=maxlen,
                leeway_seconds=leeway,
                clock=clock,
                resources=resources,
            ),
        )
        if profile is not None
        else CutoverStorage(legacy=NoLegacySessions(), states=None, collectors=())
    )
    return Storage(
        name="postgres+redis",
        uow=functools.partial(SqlAlchemyUnitOfWork, session_factory=create_session_factory(engine)),
        states=shared.states or RedisStateStore(redis=redis),
        sessions=RedisSessionStore(
            redis=redis,
            stream=stream,
            maxlen=maxlen,
            legacy=legacy,
            replica_ack=acks,
            leeway_seconds=leeway,
        ),
        revocations=RedisRevocationStore(
            redis=redis,
            stream=stream,
            maxlen=maxlen,
            not_before_ttl_seconds=not_before_ttl(settings),
            legacy=legacy,
            replica_ack=acks,
            leeway_seconds=leeway,
            retry=retry,
        ),
        revocation_checker=RedisRevocationChecker(redis=redis),
        legacy=shared.legacy,
        limiter=RedisRateLimiter(redis=redis),
        audit=audit,
        activity=SqlAlchemyActivityLog(engine=engine),
        user_existence=PostgresUserExistence(engine=engine),
        notices=RedisNoticeOutbox(redis=redis, stream=stream, maxlen=maxlen),
        probes=(
            PostgresHealthProbe(engine=engine),
            RedisHealthProbe(redis=redis, expect_replicas=required),
        ),
        outbox_depth=outbox_depth,
        flush_audit=audit.flush,
        collectors=(waits, retries, *shared.collectors),
    )
