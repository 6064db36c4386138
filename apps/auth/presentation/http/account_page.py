"""The account page: where a browser lands after signing in when no frontend is configured."""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from apps.auth.domain.user import DEV_PROVIDER, REAL_PROVIDERS
from apps.auth.presentation.http.config import HttpConfig
from apps.auth.presentation.http.login_guard import canonical_redirect
from apps.auth.presentation.http.page_language import page_language, translate
from apps.auth.presentation.http.request_context import config_of

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
# Where a newcomer sets providers up; a deployed page names no variables.
SET_UP_ENVIRONMENTS = frozenset({"local", "test"})
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
    "Vary": "Accept-Language, Cookie",
}
_PLACEHOLDER = re.compile(r"\{(t|pressed):([a-z_.]+)\}")

router = APIRouter(include_in_schema=False)


@functools.cache
def _template() -> str:
    return (HERE / "account_page.html").read_text(encoding="utf-8")


def _missing_variables(config: HttpConfig, provider: str) -> tuple[str, ...]:
    if config.environment not in SET_UP_ENVIRONMENTS:
        return ()
    missing = config.unconfigured_providers.get(provider)
    if missing:
        return tuple(missing)
    return () if provider in config.providers else ("AUTH_ENABLED_PROVIDERS",)


def _usable(config: HttpConfig, provider: str) -> bool:
    return provider in config.providers and not config.unconfigured_providers.get(provider)


def _provider_item(config: HttpConfig, provider: str, language: str) -> str:
    label = html.escape(translate(language, f"signin.{provider}"))
    if _usable(config, provider):
        return f'      <li><button type="button" data-provider="{provider}">{label}</button></li>'
    reason = html.escape(translate(language, "signin.unavailable"))
    variables = _missing_variables(config, provider)
    if variables:
        named = html.escape(", ".join(variables))
        text = html.escape(translate(language, "signin.variables"))
        reason += f' <span class="variables">{text} <code>{named}</code></span>'
    return (
        f'      <li><button type="button" data-provider="{provider}" disabled '
        f'aria-describedby="reason-{provider}">{label}</button>'
        f'<p class="reason" id="reason-{provider}">{reason}</p></li>'
    )


def render_page(config: HttpConfig, environment: str, language: str = "ko") -> str:
    shown = [*([DEV_PROVIDER] if DEV_PROVIDER in config.providers else []), *REAL_PROVIDERS]
    items = "\n".join(_provider_item(config, provider, language) for provider in shown)
    values = {"version": config.version, "environment": environment}

    def fill(match: re.Match[str]) -> str:
        kind, key = match.groups()
        if kind == "pressed":
            return "true" if key == language else "false"
        return html.escape(translate(language, key, **values))

    page = _template().replace("{providers}", items).replace("{lang}", language)
    return _PLACEHOLDER.sub(fill, page)


@router.get("/")
async def account_page(request: Request) -> Response:
    moved = canonical_redirect(request)
    if moved is not None:
        return moved
    config = config_of(request)
    page = render_page(config, config.environment, page_language(request))
    return HTMLResponse(page, headers=PAGE_HEADERS)


@router.get("/favicon.ico")
async def favicon() -> Response:
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")


def install_account_page(app: FastAPI) -> None:
    """Serves the page at `/` and its scripts, stylesheet, catalogues and icon under `/static`."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="account-static")
