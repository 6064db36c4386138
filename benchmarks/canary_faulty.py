"""The real auth API with a fault layer, for `make canary-demo --inject-error-rate`.

`uvicorn benchmarks.canary_faulty:app` serves `apps.auth.setup.main:app` unchanged except
that a fraction (`CANARY_FAULT_RATE`) of API requests answers 500, as a broken canary
would. The layer sits inside the app's own metrics middleware, so the 500s show up in
`auth_http_requests_total` like real ones. The service itself has no such switch.
"""

from __future__ import annotations

import json
import os

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from apps.auth.setup.main import app

_SPARED = ("/api/v1/auth/health", "/api/v1/auth/ready")
_BODY = json.dumps({"code": "INTERNAL_ERROR", "detail": "injected by the canary demo"}).encode()


class FaultInjection:
    """Turns the answer of every n-th API request into a 500, so that `rate` of them fail.

    The request is still handled (and routed, so its metrics carry the route template);
    only what the client gets back is replaced, like a handler that breaks at the end.
    """

    def __init__(self, app: ASGIApp, rate: float) -> None:
        self.app = app
        self.rate = rate
        self.owed = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/api/v1/auth/") or path in _SPARED:
            await self.app(scope, receive, send)
            return
        self.owed += self.rate
        if self.owed < 1:
            await self.app(scope, receive, send)
            return
        self.owed -= 1

        async def broken(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (b"content-type", b"application/json"),
                    (b"content-length", b"%d" % len(_BODY)),
                ]
                await send({"type": "http.response.start", "status": 500, "headers": headers})
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                await send({"type": "http.response.body", "body": _BODY})

        await self.app(scope, receive, broken)


app.user_middleware.append(
    Middleware(FaultInjection, rate=float(os.environ.get("CANARY_FAULT_RATE", "0")))
)
