"""The seam to the cut-over profile (`AUTH_LEGACY_SESSIONS=true`): what the service asks of it.

The profile (v2 sharing the running v1's sessions, tokens and cookies) lives in
`apps/auth/v1_compat`, which nothing imports: the composition loads it by name below, only when
the profile is on. Once v1 is gone, deleting that folder and its line in `INSTALLED` removes it;
`AUTH_LEGACY_SESSIONS=true` is then refused at start. A token v1 issued is recognised by one
predicate, `TokenClaims.issued_by_v1`.
"""

from __future__ import annotations

import functools
import importlib
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import TypeAdapter, ValidationError

from apps.auth.domain.errors import ConfigurationError

if TYPE_CHECKING:
    from prometheus_client.registry import Collector
    from redis.asyncio import Redis

    from apps.auth.application.common.ports import Clock
    from apps.auth.application.oauth.ports import StateStore
    from apps.auth.application.token.ports import LegacySessions
    from apps.auth.setup.settings import Settings

INSTALLED = (
    # The cut-over profile: once v1 is gone, delete this line and apps/auth/v1_compat/.
    "apps.auth.v1_compat.profile",
)
_FLAG = TypeAdapter(bool)


@dataclass(frozen=True, slots=True, kw_only=True)
class CutoverStorage:
    """The profile's adapters on the shared Redis: v1 sessions to adopt, the login states
    (None: v2's own), and the collectors it reports through."""

    legacy: LegacySessions
    states: StateStore | None
    collectors: tuple[Collector, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RedisPlacement:
    redis: Redis
    stream: str
    maxlen: int
    leeway_seconds: int
    clock: Clock
    resources: AsyncExitStack


class CutoverProfile(Protocol):
    @property
    def expired_cookies(self) -> tuple[tuple[str, str], ...]:
        """Cookies (name, path) expired whenever v2 writes or removes its token cookies."""
        ...

    def defaults(self, data: dict[str, Any]) -> dict[str, Any]: ...

    def problems(self, settings: Settings) -> list[str]: ...

    def accepted_lifetimes(self, settings: Settings) -> tuple[int, ...]: ...

    def storage(self, settings: Settings, placement: RedisPlacement) -> CutoverStorage: ...


def profile_on(raw: Any) -> bool:
    """`AUTH_LEGACY_SESSIONS` as pydantic reads it; an invalid value is reported elsewhere."""
    try:
        return _FLAG.validate_python(raw) if raw is not None else False
    except ValidationError:
        return False


def cutover(settings: Settings) -> CutoverProfile | None:
    return installed_profile() if settings.legacy_sessions else None


@functools.cache
def installed_profile() -> CutoverProfile:
    for name in INSTALLED:
        try:
            profile: CutoverProfile = importlib.import_module(name).PROFILE
        except ImportError:
            continue
        return profile
    raise ConfigurationError(
        "AUTH_LEGACY_SESSIONS=true, but the cut-over profile (apps/auth/v1_compat) is not installed"
    )
