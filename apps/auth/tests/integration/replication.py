"""Builders and probes for tests that need a primary and its replica."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from prometheus_client import Counter

from apps.auth.application.common.token_ports import RotationRequest, SessionTokens
from apps.auth.domain.session import ClientInfo, Session
from apps.auth.domain.token_family import Presented
from apps.auth.tests.integration.redis_topology import RedisProcess


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def counts(counter: Counter) -> dict[str, float]:
    return {
        sample.labels["result"]: sample.value
        for metric in counter.collect()
        for sample in metric.samples
        if sample.name.endswith("_total")
    }


class CommandCounts:
    """Calls per command since the test began, not counting the INFO this helper sends."""

    def __init__(self, server: RedisProcess) -> None:
        self._server = server
        self._reads = 0
        with server.client() as client:
            client.config_resetstat()

    def __call__(self, command: str) -> int:
        stats = self._server.info("commandstats").get(f"cmdstat_{command}")
        own = self._reads if command == "info" else 0
        self._reads += 1
        return (int(stats["calls"]) if stats else 0) - own


def new_session(now: datetime) -> Session:
    return Session(
        id=uuid.uuid4().hex,
        user_id=uuid.uuid4(),
        provider="dev",
        client=ClientInfo(ip=None, user_agent=None, device_id=None),
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(days=30),
    )


def new_tokens(now: datetime) -> SessionTokens:
    return SessionTokens(
        access_jti=uuid.uuid4().hex,
        access_expires_at=now + timedelta(minutes=15),
        refresh_jti=uuid.uuid4().hex,
        refresh_expires_at=now + timedelta(days=14),
    )


def rotation(session_id: str, presented: str, now: datetime) -> RotationRequest:
    return RotationRequest(
        session_id=session_id,
        presented=Presented(refresh_jti=presented, client="client-a"),
        presented_token="presented-token",
        tokens=new_tokens(now),
        successor=None,
        now=now,
        grace_seconds=0,
    )
