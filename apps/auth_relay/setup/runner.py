from __future__ import annotations

import asyncio
import contextlib
import logging
import random

from prometheus_client import CollectorRegistry
from redis.exceptions import RedisError

from apps.auth_relay.application.backoff import Backoff, RetrySchedule
from apps.auth_relay.application.errors import RelayError
from apps.auth_relay.application.ports import WorkerState
from apps.auth_relay.application.relay_batch import RelayBatchInteractor
from apps.auth_relay.application.trim_outbox import TrimOutboxInteractor
from apps.auth_relay.application.worker import RelayWorker, WorkerPolicy
from apps.auth_relay.infrastructure.prometheus_observer import PrometheusRelayObserver
from apps.auth_relay.infrastructure.rabbitmq_event_publisher import RabbitmqEventPublisher
from apps.auth_relay.infrastructure.redis_outbox_retention import RedisOutboxRetention
from apps.auth_relay.infrastructure.redis_outbox_source import RedisOutboxSource
from apps.auth_relay.infrastructure.system_clock import SystemClock
from apps.auth_relay.infrastructure.uvicorn_probe_server import UvicornProbeServer, probe_app
from apps.auth_relay.setup.redis_client import redis_client
from apps.auth_relay.setup.settings import RelaySettings

logger = logging.getLogger("apps.auth_relay.runner")
_READY_TIMEOUT = 2.0


class RelayApp:
    """The composition root: one worker, its adapters and the probe server."""

    def __init__(self, *, settings: RelaySettings) -> None:
        self.settings = settings
        self.registry = CollectorRegistry()
        self.clock = SystemClock()
        self.redis = redis_client(settings)
        self.source = RedisOutboxSource(
            redis=self.redis,
            stream=settings.outbox_stream,
            group=settings.group,
            consumer=settings.consumer,
            dead_letter_stream=settings.dead_letter_stream,
            dead_letter_maxlen=settings.dead_letter_maxlen,
            block_ms=settings.block_ms,
            claim_idle_ms=int(settings.claim_idle_seconds * 1000),
        )
        self.publisher = RabbitmqEventPublisher(
            url=settings.amqp_url,
            exchange=settings.exchange,
            notice_exchange=settings.notice_exchange,
            connection_name=f"auth-relay:{settings.consumer}",
            connect_timeout=settings.connect_timeout_seconds,
            publish_timeout=settings.publish_timeout_seconds,
        )
        self.observer = PrometheusRelayObserver(registry=self.registry)
        self.worker = RelayWorker(
            relay=RelayBatchInteractor(
                source=self.source,
                publisher=self.publisher,
                max_deliveries=settings.max_deliveries,
                max_event_bytes=settings.max_event_bytes,
            ),
            trim=TrimOutboxInteractor(
                retention=RedisOutboxRetention(redis=self.redis, stream=settings.outbox_stream),
                clock=self.clock,
            ),
            observer=self.observer,
            clock=self.clock,
            backoff=self._backoff(),
            retry=RetrySchedule(backoff=self._backoff()),
            policy=WorkerPolicy(
                group=settings.group,
                batch_size=settings.batch_size,
                claim_interval_seconds=max(settings.claim_idle_seconds / 2, 0.05),
                trim_interval_seconds=settings.trim_interval_seconds,
            ),
        )
        self.probe = UvicornProbeServer(
            app=probe_app(live=self.is_live, ready=self.is_ready, registry=self.registry),
            host=settings.http_host,
            port=settings.http_port,
        )

    def _backoff(self) -> Backoff:
        return Backoff(
            initial=self.settings.backoff_initial_seconds,
            maximum=self.settings.backoff_max_seconds,
            jitter=random.random,
        )

    def is_live(self) -> bool:
        age = self.clock.monotonic() - self.worker.last_beat
        return age < self.settings.liveness_timeout_seconds

    async def is_ready(self) -> bool:
        if self.worker.state is not WorkerState.RELAYING:
            return False
        try:
            async with asyncio.timeout(_READY_TIMEOUT):
                await self.redis.ping()
                if not self.publisher.is_connected:
                    await self.publisher.connect()
        except (RelayError, RedisError, OSError, TimeoutError):
            return False
        return True

    async def run(self, stop: asyncio.Event) -> None:
        """Relays until `stop` is set, then finishes the batch in flight within the grace period."""
        await self.probe.start()
        logger.info(
            "relay starting",
            extra={
                "stream": self.settings.outbox_stream,
                "group": self.settings.group,
                "consumer": self.settings.consumer,
                "http_port": self.probe.port,
            },
        )
        with contextlib.suppress(RelayError):
            await self.publisher.connect()
        worker = asyncio.create_task(self.worker.run(stop), name="relay-worker")
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({worker, stopping}, return_when=asyncio.FIRST_COMPLETED)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.settings.shutdown_grace_seconds
            reserve = min(1.0, self.settings.shutdown_grace_seconds * 0.3)
            await asyncio.wait({worker}, timeout=max(0.0, deadline - reserve - loop.time()))
            if not worker.done():
                logger.warning("grace period over: the batch in flight stays pending")
                worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
            await self._retire(max(0.1, deadline - loop.time()) / 2)
        finally:
            stopping.cancel()
            await self.close()

    async def _retire(self, within: float) -> None:
        with contextlib.suppress(RelayError, TimeoutError):
            async with asyncio.timeout(within):
                await self.source.retire()

    async def close(self) -> None:
        """Stops the probe server once the worker is done; uvicorn takes a few ticks to stop."""
        await asyncio.gather(self.probe.close(), self.publisher.close(), self._close_redis())

    async def _close_redis(self) -> None:
        with contextlib.suppress(OSError, ConnectionError):
            await self.redis.aclose()
