from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from apps.auth.domain import errors

logger = logging.getLogger("auth.http")

STATUS: list[tuple[type[errors.DomainError], int]] = [
    (errors.RateLimited, 429),
    (errors.StorageUnavailable, 503),
    (errors.RevocationNotReplicated, 503),
    (errors.ProviderNotConfigured, 503),
    (errors.IdentityUnavailable, 503),
    (errors.AccountNotDeleted, 503),
    (errors.IdentityInvalid, 502),
    (errors.TokenTypeMismatch, 400),
    (errors.TokenExpired, 401),
    (errors.TokenRevoked, 401),
    (errors.InvalidToken, 401),
    (errors.InvalidState, 400),
    (errors.CursorInvalid, 400),
    (errors.UnsupportedProvider, 404),
    (errors.OAuthProviderError, 502),
    (errors.UserNotFound, 404),
    (errors.SessionNotFound, 404),
    (errors.AlreadyLinked, 409),
    (errors.CrossSiteRequest, 403),
    (errors.ValidationFailed, 422),
]


class ErrorBody(BaseModel):
    code: str
    detail: str


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Bad request"),
        (401, "Missing, invalid or expired token"),
        (403, "Revoked token or cross-site request"),
        (404, "Unknown provider, user or session"),
        (405, "Method not allowed"),
        (409, "Conflict"),
        (422, "Invalid input"),
        (429, "Rate limited; see Retry-After"),
        (502, "Login provider or users service gave an unusable answer"),
        (
            503,
            "A storage backend or the users service is unavailable, "
            "or the login provider is not configured",
        ),
    )
}

_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 400: "BAD_REQUEST", 401: "UNAUTHORIZED"}


def status_of(error: errors.DomainError) -> int:
    return next((status for kind, status in STATUS if isinstance(error, kind)), 400)


def error_response(code: str, detail: str, status: int) -> JSONResponse:
    return JSONResponse({"code": code, "detail": detail}, status_code=status)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.DomainError)
    response = error_response(exc.code, exc.detail, status_of(exc))
    if isinstance(exc, errors.RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = sorted(
        {".".join(str(p) for p in e.get("loc", ())[1:]) or "request" for e in exc.errors()}
    )
    return error_response("VALIDATION_ERROR", f"Invalid input: {', '.join(fields)}", 422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
    response = error_response(code, str(exc.detail), exc.status_code)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    if exc.status_code == 405:
        response.headers["Allow"] = ", ".join(_allowed_methods(request))
    return response


def _allowed_methods(request: Request) -> list[str]:
    """Every method any route declares for this path, not only the first route's."""
    table: list[tuple[re.Pattern[str], set[str]]] | None = getattr(
        request.app.state, "method_table", None
    )
    if table is None:
        table = []
        for path, operations in request.app.openapi().get("paths", {}).items():
            pattern = re.compile("^" + re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(path)) + "$")
            table.append((pattern, {m.upper() for m in operations}))
        request.app.state.method_table = table
    path = request.url.path
    exact = [m for p, m in table if p.pattern == f"^{re.escape(path)}$"]
    methods = set().union(*(exact or [m for p, m in table if p.match(path)]))
    return sorted(methods | ({"HEAD"} if "GET" in methods else set()))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", extra={"path": request.url.path})
    return error_response("INTERNAL_ERROR", "Internal server error", 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
