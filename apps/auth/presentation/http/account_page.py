"""The account page: where a browser lands after signing in when no frontend is configured."""

from __future__ import annotations

import functools
import html
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from apps.auth.domain.user import DEV_PROVIDER, REAL_PROVIDERS
from apps.auth.presentation.http.config import HttpConfig
from apps.auth.presentation.http.login_guard import canonical_redirect, not_configured
from apps.auth.presentation.http.request_context import config_of

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
LABELS = {
    DEV_PROVIDER: "the dev provider (local)",
    "kakao": "Kakao",
    "google": "Google",
    "naver": "Naver",
}
# No inline script or style anywhere: the page, its script and its stylesheet come from here.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

router = APIRouter(include_in_schema=False)


@functools.cache
def _template() -> str:
    return (HERE / "account_page.html").read_text(encoding="utf-8")


def _reason(config: HttpConfig, provider: str) -> tuple[str, str] | None:
    if provider in config.providers:
        return None
    error = not_configured(config, provider)
    if error is not None:
        return error.code, error.detail
    return "UNSUPPORTED_PROVIDER", f"{provider} is not in AUTH_ENABLED_PROVIDERS"


def _provider_item(config: HttpConfig, provider: str) -> str:
    label = html.escape(f"Sign in with {LABELS[provider]}")
    reason = _reason(config, provider)
    if reason is None:
        return f'      <li><button type="button" data-provider="{provider}">{label}</button></li>'
    code, detail = (html.escape(part) for part in reason)
    return (
        f'      <li><button type="button" data-provider="{provider}" '
        f'aria-describedby="reason-{provider}">{label}</button>'
        f'<p class="reason" id="reason-{provider}"><code>{code}</code> {detail}</p></li>'
    )


def render_page(config: HttpConfig, environment: str) -> str:
    shown = [*([DEV_PROVIDER] if DEV_PROVIDER in config.providers else []), *REAL_PROVIDERS]
    items = "\n".join(_provider_item(config, provider) for provider in shown)
    return (
        _template()
        .replace("{providers}", items)
        .replace("{version}", html.escape(config.version))
        .replace("{environment}", html.escape(environment))
    )


@router.get("/")
async def account_page(request: Request) -> Response:
    moved = canonical_redirect(request)
    if moved is not None:
        return moved
    config = config_of(request)
    page = render_page(config, config.environment)
    return HTMLResponse(page, headers=PAGE_HEADERS)


@router.get("/favicon.ico")
async def favicon() -> Response:
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")


def install_account_page(app: FastAPI) -> None:
    """Serves the page at `/` and its script, stylesheet and icon under `/static`."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="account-static")
