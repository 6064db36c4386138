"""The dev identity provider's sign-in form: one field, usable on a phone, no inline code."""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import Response

# Only this page's own stylesheet; no script at all.
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
STYLE = """\
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  font-size: 16px; line-height: 1.5; color: #1d2a22; background: #f6f8f5; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 28rem; padding: 1rem; }
h1 { font-size: 1.4rem; margin: 0.5rem 0; }
main { background: #fff; border: 1px solid #d5ddd7; border-radius: 0.5rem; padding: 1rem; }
p { color: #5b6b61; }
label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
input[name=name] { display: block; width: 100%; font: inherit; min-height: 2.75rem;
  padding: 0.5rem; border: 1px solid #5b6b61; border-radius: 0.4rem; }
button { display: block; width: 100%; margin-top: 1rem; font: inherit; min-height: 2.75rem;
  border: 0; border-radius: 0.4rem; background: #2f7d4f; color: #fff; cursor: pointer; }
:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
[role=alert] { color: #b3261e; font-weight: 600; }
@media (max-width: 30rem) { body { padding: 0.5rem; } }
"""


def render(error: str | None, hidden: dict[str, str] | None) -> str:
    """The page; `hidden` are the authorization parameters the form carries on, or None when
    the request cannot be served (unknown client)."""
    message = f'<p role="alert">{html.escape(error)}</p>' if error else ""
    form = ""
    if hidden is not None:
        fields = "".join(
            f'<input type="hidden" name="{html.escape(key)}" value="{html.escape(value)}">'
            for key, value in hidden.items()
        )
        form = (
            f'<form method="post" action="authorize">{fields}'
            '<label for="name">Name</label>'
            '<input id="name" name="name" required maxlength="64" autofocus '
            'autocomplete="username" autocapitalize="none" spellcheck="false">'
            "<p>Any name signs in; the same name is the same user.</p>"
            '<button type="submit">Sign in</button></form>'
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Eco² dev sign-in</title>"
        '<link rel="stylesheet" href="style.css"></head>'
        f"<body><h1>Eco² dev sign-in</h1><main>{message}{form}</main></body></html>"
    )


async def stylesheet(request: Request) -> Response:
    headers = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return Response(STYLE, media_type="text/css", headers=headers)
