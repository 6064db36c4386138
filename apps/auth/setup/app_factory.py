from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from apps.auth.application.common.health import ReadinessQuery
from apps.auth.application.common.ports import Clock, IdGenerator
from apps.auth.application.common.token_ports import TokenCodec
from apps.auth.domain.user import DEV_PROVIDER
from apps.auth.infrastructure.oauth.dev_idp import DEV_CLIENT_ID, build_dev_idp_app
from apps.auth.infrastructure.oauth.registry import ProviderConfig, build_provider_registry
from apps.auth.infrastructure.security.cached_token_codec import CachingTokenCodec
from apps.auth.infrastructure.security.jose_token_codec import JoseTokenCodec
from apps.auth.infrastructure.system import RandomIdGenerator, SystemClock
from apps.auth.presentation.http.account_page import install_account_page
from apps.auth.presentation.http.api import HttpApi
from apps.auth.presentation.http.config import HttpConfig
from apps.auth.presentation.http.docs_page import docs_router
from apps.auth.presentation.http.errors import install_error_handlers
from apps.auth.presentation.http.mesh_lane import MeshLane
from apps.auth.presentation.http.metrics import AuthMetrics
from apps.auth.presentation.http.middleware import CorsForBrowsers, ObservabilityMiddleware
from apps.auth.presentation.http.paths import AUTH_PATH, OPENAPI_PATH
from apps.auth.presentation.http.routers import (
    account,
    activity,
    health,
    login,
    session_probe,
    tokens,
)
from apps.auth.setup import secret_strength
from apps.auth.setup.cutover import CutoverProfile, cutover
from apps.auth.setup.identity import user_directory
from apps.auth.setup.services import build_services, origin_policy, signing_keys
from apps.auth.setup.settings import Settings
from apps.auth.setup.storage import Storage, StorageFactory, storage_for
from apps.auth.setup.token_lifetimes import longest_token_lifetime
from apps.auth.setup.tracing import configure_tracing

logger = logging.getLogger("auth.setup")
API_PREFIX = AUTH_PATH


@dataclass(frozen=True, slots=True, kw_only=True)
class Runtime:
    """What one app owns besides its routes: its storage, its codec and what must be closed."""

    storage: Storage
    codec: TokenCodec
    resources: AsyncExitStack

    async def aclose(self) -> None:
        await self.resources.aclose()


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    storage: StorageFactory | None = None,
) -> FastAPI:
    """Builds the whole service from settings; tests pass their own clock, ids or storage."""
    clock = clock or SystemClock()
    ids = ids or RandomIdGenerator()
    resources = AsyncExitStack()
    store = (storage or storage_for(settings))(settings, clock, resources)
    keys = signing_keys(settings)
    profile = cutover(settings)
    codec = CachingTokenCodec(
        codec=JoseTokenCodec(
            keys=keys,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            leeway_seconds=settings.jwt_leeway_seconds,
            clock=clock,
            # v1's tokens name no session; only the cut-over profile accepts them.
            require_session=profile is None,
            also_issuers=tuple(settings.jwt_accept_issuers),
            also_audiences=tuple(settings.jwt_accept_audiences),
            max_lifetime_seconds=longest_token_lifetime(settings),
        )
    )
    providers = settings.active_providers
    dev_idp = None
    if DEV_PROVIDER in providers:
        dev_idp = build_dev_idp_app(clients={DEV_CLIENT_ID: settings.redirect_uri(DEV_PROVIDER)})
    registry = build_provider_registry(
        configs={
            name: ProviderConfig(
                client_id=provider.client_id or "",
                client_secret=provider.client_secret or "",
                base_url=provider.base_url,
            )
            for name, provider in settings.providers.items()
            if name in providers
        },
        redirect_uris={name: settings.redirect_uri(name) for name in providers},
        timeout=settings.oauth_timeout_seconds,
        dev_idp_app=dev_idp,
        public_base_url=settings.public_base_url,
    )
    resources.push_async_callback(registry.aclose)
    owner = user_directory(settings, storage=store, clock=clock, ids=ids, resources=resources)
    services = build_services(
        settings,
        storage=store,
        owner=owner,
        providers=registry,
        codec=codec,
        clock=clock,
        ids=ids,
    )
    runtime = Runtime(storage=store, codec=codec, resources=resources)
    mesh = tokens.mesh_routes()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logger.info(
            "auth api starting",
            extra={
                "environment": settings.environment.value,
                "release": settings.release,
                "providers": providers,
                "storage": store.name,
                "users": settings.users_grpc_target or "tables",
            },
        )
        await _report_readiness(services.readiness)
        async with resources:
            yield

    app = FastAPI(
        title="Eco² auth API",
        version=settings.version,
        lifespan=lifespan,
        # The mesh's plain routes come before every FastAPI route (routers/tokens.py says why).
        routes=mesh,
        docs_url=None,
        openapi_url=OPENAPI_PATH,
        redoc_url=None,
        # Tracing is ours (configure_tracing, OTLP only when configured); FastAPI's built-in
        # telemetry would otherwise look up the global OpenTelemetry providers per request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.api = HttpApi(
        services=services,
        config=_http_config(settings, providers, profile),
        metrics=AuthMetrics(release=settings.release, version=settings.version),
        jwks=tuple(keys.public_jwks),
    )
    app.state.api.metrics.outbox_cap.set(settings.outbox_maxlen)
    secret_strength.report_at_start(settings, app.state.api.metrics)
    app.state.runtime = runtime
    # Read by the HTTP server (`serve.server_config`), which bounds each request's time.
    app.state.request_timeout_seconds = settings.request_timeout_seconds
    for collector in (*store.collectors, *owner.collectors):
        app.state.api.metrics.registry.register(collector)
    install_error_handlers(app)
    docs = docs_router(AUTH_PATH, OPENAPI_PATH, app.title)
    for router in (
        tokens.router,
        health.root_router,
        health.router,
        docs,
        account.router,
        activity.router,
        session_probe.router,
    ):
        app.include_router(router)
    if settings.account_page_enabled:
        install_account_page(app)
    app.include_router(login.router)
    if dev_idp is not None:
        app.mount("/dev-idp", dev_idp, name="dev-idp")
    # Innermost: the mesh's routes, answered by path inside the middleware below.
    app.add_middleware(MeshLane, routes=mesh, handlers=app.exception_handlers)
    app.add_middleware(
        CorsForBrowsers,
        allow_origins=settings.allowed_origins,
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=[
            "Authorization",
            "Content-Type",
            "X-Refresh-Token",
            "X-Request-ID",
            "X-Canary",
        ],
        expose_headers=["X-Auth-Release", "X-Auth-Version", "X-Request-ID"],
    )
    app.add_middleware(
        ObservabilityMiddleware,
        metrics=app.state.api.metrics,
        release=settings.release,
        version=settings.version,
        # 128 random bits as 32 hex digits, from the process's random pool; not `ids`, which a
        # test may replace with its own generator of token and entity ids.
        new_request_id=RandomIdGenerator().new_token_id,
    )
    configure_tracing(app, settings.otel_endpoint, settings.service_name, settings.release)
    return app


async def _report_readiness(readiness: ReadinessQuery) -> None:
    """Says at start-up what `/ready` will say, so a misconfigured dependency is in the first
    lines of the log; the process still starts, as the dependency may be fixed while it runs."""
    result = await readiness.execute()
    for name, check in result.checks.items():
        if check != "ok":
            logger.error("%s is not ready: %s", name, check, extra={"dependency": name})


def _http_config(
    settings: Settings, providers: list[str], profile: CutoverProfile | None
) -> HttpConfig:
    local = settings.environment.is_embedded_allowed
    plain_http_local = local and settings.public_base_url.startswith("http://")
    return HttpConfig(
        service=settings.service_name,
        version=settings.version,
        git_sha=settings.git_sha,
        release=settings.release,
        origins=origin_policy(settings),
        cookie_domain=settings.cookie_domain,
        cookie_secure=settings.cookie_secure and not plain_http_local,
        access_max_age=settings.access_token_ttl_seconds,
        refresh_max_age=settings.refresh_token_ttl_seconds,
        trusted_proxy_hops=settings.trusted_proxy_hops,
        rate_window_seconds=settings.rate_limit_window_seconds,
        rate_authorize=settings.rate_limit_authorize,
        rate_callback=settings.rate_limit_callback,
        rate_refresh_per_ip=settings.rate_limit_refresh_per_ip,
        providers=tuple(providers),
        unconfigured_providers=settings.unconfigured_providers if local else {},
        canonical_base_url=settings.public_base_url if local else None,
        environment=settings.environment.value,
        also_expired_cookies=profile.expired_cookies if profile is not None else (),
    )
