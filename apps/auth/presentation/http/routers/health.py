from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from apps.auth.presentation.http.api import api_of
from apps.auth.presentation.http.paths import AUTH_PATH
from apps.auth.presentation.http.request_context import config_of

router = APIRouter(prefix=AUTH_PATH, tags=["health"])
root_router = APIRouter(tags=["health"])


class HealthResponse(BaseModel):
    status: str
    service: str
    version: str
    release: str
    git_sha: str


class ReadinessResponse(BaseModel):
    status: str
    checks: dict[str, str]


async def health(request: Request) -> HealthResponse:
    config = config_of(request)
    return HealthResponse(
        status="ok",
        service=config.service,
        version=config.version,
        release=config.release,
        git_sha=config.git_sha,
    )


async def ready(request: Request) -> JSONResponse:
    result = await api_of(request).services.readiness.execute()
    body = ReadinessResponse(
        status="ready" if result.ready else "unavailable", checks=result.checks
    )
    return JSONResponse(body.model_dump(), status_code=200 if result.ready else 503)


async def metrics(request: Request) -> Response:
    api = api_of(request)
    try:
        api.metrics.outbox_depth.set(await api.services.outbox_depth())
    except Exception:
        api.metrics.outbox_depth.set(float("nan"))
    return Response(generate_latest(api.metrics.registry), media_type=CONTENT_TYPE_LATEST)


for target in (router, root_router):
    target.add_api_route("/health", health, methods=["GET"], response_model=HealthResponse)
    target.add_api_route(
        "/ready",
        ready,
        methods=["GET"],
        response_model=ReadinessResponse,
        responses={503: {"model": ReadinessResponse}},
    )
root_router.add_api_route(
    "/metrics", metrics, methods=["GET"], response_class=Response, summary="Prometheus metrics"
)
