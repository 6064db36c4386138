from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from apps.auth.domain.origin import OriginPolicy


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpConfig:
    service: str
    version: str
    git_sha: str
    release: str
    origins: OriginPolicy
    cookie_domain: str | None
    cookie_secure: bool
    access_max_age: int
    refresh_max_age: int
    trusted_proxy_hops: int
    rate_window_seconds: int
    rate_authorize: int
    rate_callback: int
    rate_refresh_per_ip: int
    providers: tuple[str, ...]
    # Local/test only: enabled providers without credentials and the variables they need.
    unconfigured_providers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Local/test only: the public base a login must start on, so that the browser-binding
    # cookie lands on the host the provider's callback returns to.
    canonical_base_url: str | None = None
    environment: str = "local"
    # Cookies (name, path) expired whenever v2 writes or removes its token cookies: the
    # cut-over profile's v1 token cookies.
    also_expired_cookies: tuple[tuple[str, str], ...] = ()
