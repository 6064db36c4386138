"""Checks before a login starts that turn local set-up mistakes into answers saying what to do."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse

from apps.auth.domain.errors import ProviderNotConfigured
from apps.auth.presentation.http.config import HttpConfig
from apps.auth.presentation.http.request_context import config_of

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def not_configured(config: HttpConfig, provider: str) -> ProviderNotConfigured | None:
    """The error for an enabled provider that has no credentials in this local/test run."""
    missing = config.unconfigured_providers.get(provider)
    if not missing:
        return None
    return ProviderNotConfigured(
        f"{provider} login is not configured: set {' and '.join(missing)} "
        f"(or drop {provider} from AUTH_ENABLED_PROVIDERS)"
    )


def require_configured(request: Request, provider: str) -> None:
    error = not_configured(config_of(request), provider)
    if error is not None:
        raise error


def canonical_redirect(request: Request) -> RedirectResponse | None:
    """A redirect to the same path on the public base when the browser used another host.

    The provider's callback returns to the public base; a login started on `localhost` while
    the base says `127.0.0.1` would leave its binding cookie on the other host and end in
    INVALID_STATE. Only loopback names are redirected: they are one machine by definition.
    """
    base = config_of(request).canonical_base_url
    if base is None:
        return None
    wanted, used = urlsplit(base), request.url
    loopback = {wanted.hostname, used.hostname} <= LOOPBACK
    if not loopback or (used.hostname, used.port) == (wanted.hostname, wanted.port):
        return None
    target = f"{base}{request.url.path}"
    if request.url.query:
        target = f"{target}?{request.url.query}"
    return RedirectResponse(target, status_code=307)
