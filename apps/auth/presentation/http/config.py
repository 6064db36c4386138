from __future__ import annotations

from dataclasses import dataclass

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
