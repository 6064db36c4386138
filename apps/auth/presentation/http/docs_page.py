"""OpenAPI docs that work offline: Swagger UI's assets are served by the service itself."""

from __future__ import annotations

import html
from importlib import resources
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.exceptions import HTTPException

# fastapi-offline ships Swagger UI's bundle and stylesheet as package data.
SWAGGER_DIR = Path(str(resources.files("fastapi_offline") / "static"))
STATIC_DIR = Path(__file__).parent / "static"
ASSETS = {
    "swagger-ui-bundle.js": SWAGGER_DIR / "swagger-ui-bundle.js",
    "swagger-ui.css": SWAGGER_DIR / "swagger-ui.css",
    "favicon.png": SWAGGER_DIR / "favicon.png",
    "docs.js": STATIC_DIR / "docs.js",
}
# Swagger UI draws its icons as data: images; its styles come from its stylesheet and script.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


def docs_router(prefix: str, openapi_url: str, title: str) -> APIRouter:
    """`GET {prefix}/docs` and its assets under `{prefix}/docs/`."""
    router = APIRouter(prefix=f"{prefix}/docs", include_in_schema=False)
    page = _page(f"{prefix}/docs", openapi_url, title)

    @router.get("")
    async def docs() -> Response:
        return HTMLResponse(page, headers={"Content-Security-Policy": DOCS_CSP})

    @router.get("/{asset}")
    async def asset(asset: str) -> Response:
        path = ASSETS.get(asset)
        if path is None:
            raise HTTPException(404, "Not Found")
        return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})

    return router


def _page(base: str, openapi_url: str, title: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} - docs</title>"
        f'<link rel="icon" type="image/png" href="{base}/favicon.png">'
        f'<link rel="stylesheet" href="{base}/swagger-ui.css">'
        f'<script src="{base}/swagger-ui-bundle.js" defer></script>'
        f'<script src="{base}/docs.js" defer></script>'
        "</head><body>"
        f'<div id="swagger-ui" data-openapi-url="{html.escape(openapi_url)}"></div>'
        "</body></html>"
    )
