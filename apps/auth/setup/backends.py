from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from apps.auth.application.common.health import HealthProbe
from apps.auth.application.common.ports import Clock, TransactionManager
from apps.auth.application.common.rate_limit import RateLimiter
from apps.auth.application.oauth.ports import StateStore
from apps.auth.application.token.ports import RevocationChecker, RevocationStore, SessionStore
from apps.auth.application.user.ports import AuditLog, UserRepository
from apps.auth.domain.errors import ConfigurationError
from apps.auth.infrastructure.memory.memory_audit_log import (
    MemoryAuditLog,
    StandaloneMemoryAuditLog,
)
from apps.auth.infrastructure.memory.memory_rate_limiter import MemoryRateLimiter
from apps.auth.infrastructure.memory.memory_revocation_store import (
    MemoryRevocationChecker,
    MemoryRevocationStore,
)
from apps.auth.infrastructure.memory.memory_session_store import MemorySessionStore
from apps.auth.infrastructure.memory.memory_state_store import MemoryStateStore
from apps.auth.infrastructure.memory.memory_token_state import MemoryTokenState
from apps.auth.infrastructure.memory.memory_transaction_manager import MemoryTransactionManager
from apps.auth.infrastructure.memory.memory_unit_of_work import MemoryStore, MemoryUnitOfWork
from apps.auth.infrastructure.memory.memory_user_repository import MemoryUserRepository
from apps.auth.infrastructure.persistence_postgres.buffered_sql_audit_log import (
    BufferedSqlAuditLog,
)
from apps.auth.infrastructure.persistence_postgres.database import (
    create_engine,
    create_session_factory,
)
from apps.auth.infrastructure.persistence_postgres.postgres_health_probe import PostgresHealthProbe
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_audit_log import SqlAlchemyAuditLog
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_transaction_manager import (
    SqlAlchemyTransactionManager,
)
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_user_repository import (
    SqlAlchemyUserRepository,
)
from apps.auth.infrastructure.persistence_redis.redis_health_probe import RedisHealthProbe
from apps.auth.infrastructure.persistence_redis.redis_rate_limiter import RedisRateLimiter
from apps.auth.infrastructure.persistence_redis.redis_revocation_checker import (
    RedisRevocationChecker,
)
from apps.auth.infrastructure.persistence_redis.redis_revocation_store import RedisRevocationStore
from apps.auth.infrastructure.persistence_redis.redis_session_store import RedisSessionStore
from apps.auth.infrastructure.persistence_redis.redis_state_store import RedisStateStore
from apps.auth.infrastructure.persistence_redis.revocation_cache import CachedRevocationChecker
from apps.auth.setup.settings import Settings

logger = logging.getLogger("auth.setup")


@dataclass(frozen=True, slots=True)
class UnitOfWork:
    users: UserRepository
    audit: AuditLog
    transaction: TransactionManager


@dataclass(slots=True)
class Storage:
    """The adapters behind every port, real or embedded, and how to open a unit of work."""

    states: StateStore
    sessions: SessionStore
    revocations: RevocationStore
    revocation_checker: RevocationChecker
    limiter: RateLimiter
    audit: AuditLog
    probes: list[HealthProbe]
    embedded: bool
    redis: Redis | None = None
    engine: Any = None
    session_factory: Any = None
    memory: MemoryStore | None = None
    token_state: MemoryTokenState | None = None
    outbox_stream: str = ""
    revocation_cache: CachedRevocationChecker | None = None

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        if self.memory is not None:
            unit = MemoryUnitOfWork(self.memory)
            yield UnitOfWork(
                users=MemoryUserRepository(unit),
                audit=MemoryAuditLog(unit),
                transaction=MemoryTransactionManager(unit),
            )
            return
        async with self.session_factory() as session:
            yield UnitOfWork(
                users=SqlAlchemyUserRepository(session),
                audit=SqlAlchemyAuditLog(session),
                transaction=SqlAlchemyTransactionManager(session),
            )

    async def outbox_depth(self) -> float:
        if self.redis is not None:
            return float(await self.redis.xlen(self.outbox_stream))
        return float(len(self.token_state.outbox)) if self.token_state else 0.0

    def start(self) -> None:
        if self.revocation_cache is not None:
            self.revocation_cache.start()

    async def flush_audit(self) -> None:
        if isinstance(self.audit, BufferedSqlAuditLog):
            await self.audit.flush()

    async def close(self) -> None:
        if isinstance(self.audit, BufferedSqlAuditLog):
            await self.audit.close()
        if self.revocation_cache is not None:
            await self.revocation_cache.stop()
        if self.redis is not None:
            await self.redis.aclose()
        if self.engine is not None:
            await self.engine.dispose()


def build_storage(settings: Settings, clock: Clock) -> Storage:
    nbf_ttl = settings.access_token_ttl_seconds + settings.jwt_leeway_seconds + 60
    if settings.database_url and settings.redis_url:
        return _real(settings, nbf_ttl)
    if not settings.environment.is_embedded_allowed:
        raise ConfigurationError(
            "AUTH_DATABASE_URL and AUTH_REDIS_URL are required outside local and test"
        )
    if settings.database_url or settings.redis_url:
        raise ConfigurationError("AUTH_DATABASE_URL and AUTH_REDIS_URL: set both, or neither")
    logger.warning("embedded mode: in-memory storage, nothing survives a restart")
    state = MemoryTokenState()
    memory = MemoryStore()
    return Storage(
        states=MemoryStateStore(clock),
        sessions=MemorySessionStore(state, clock),
        revocations=MemoryRevocationStore(state, nbf_ttl),
        revocation_checker=MemoryRevocationChecker(state),
        limiter=MemoryRateLimiter(clock),
        audit=StandaloneMemoryAuditLog(memory),
        probes=[],
        embedded=True,
        memory=memory,
        token_state=state,
    )


def _real(settings: Settings, nbf_ttl: int) -> Storage:
    assert settings.database_url and settings.redis_url
    redis = Redis.from_url(
        settings.redis_url, socket_timeout=2.0, socket_connect_timeout=2.0, health_check_interval=30
    )
    engine = create_engine(settings.database_url, settings.database_pool_size)
    session_factory = create_session_factory(engine)
    stream, maxlen = settings.outbox_stream, settings.outbox_maxlen
    checker = RedisRevocationChecker(redis)
    cache = None
    if settings.revocation_cache_seconds > 0:
        cache = CachedRevocationChecker(redis, checker, settings.revocation_cache_seconds)
    forget = cache.forget if cache is not None else None
    return Storage(
        states=RedisStateStore(redis),
        sessions=RedisSessionStore(redis, stream=stream, maxlen=maxlen, on_revoked=forget),
        revocations=RedisRevocationStore(
            redis,
            stream=stream,
            maxlen=maxlen,
            not_before_ttl_seconds=nbf_ttl,
            on_revoked=forget,
        ),
        revocation_checker=cache if cache is not None else checker,
        limiter=RedisRateLimiter(redis),
        audit=BufferedSqlAuditLog(engine),
        probes=[PostgresHealthProbe(engine), RedisHealthProbe(redis)],
        embedded=False,
        redis=redis,
        engine=engine,
        session_factory=session_factory,
        outbox_stream=stream,
        revocation_cache=cache,
    )
