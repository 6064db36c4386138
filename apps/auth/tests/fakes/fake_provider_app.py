"""The HTTP face of `FakeProvider`: authorize, token and profile endpoints of each provider."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

from apps.auth.tests.fakes import provider_formats as formats
from apps.auth.tests.fakes.fake_provider import (
    Failure,
    FakeProvider,
    Grant,
    RecordedRequest,
    s256,
)
from apps.auth.tests.fakes.fake_provider_raw import raw_response

STALL_LIMIT_SECONDS = 30.0
Handler = Callable[[Request], Awaitable[Response]]


def fake_provider_app(fake: FakeProvider) -> Starlette:
    routes = []
    for provider, paths in formats.PATHS.items():
        for endpoint, path in paths.items():
            methods = ["GET"] if endpoint == "authorize" else ["GET", "POST"]
            routes.append(Route(path, _handler(fake, provider, endpoint), methods=methods))
    return Starlette(routes=routes)


def _handler(fake: FakeProvider, provider: str, endpoint: str) -> Handler:
    async def handle(request: Request) -> Response:
        form = dict(await request.form()) if request.method == "POST" else {}
        fake.record(
            RecordedRequest(
                provider=provider,
                endpoint=endpoint,
                method=request.method,
                path=request.url.path,
                query=dict(request.query_params),
                form={k: str(v) for k, v in form.items()},
                headers=dict(request.headers),
                peer=f"{request.client.host}:{request.client.port}" if request.client else "",
            )
        )
        params = {**dict(request.query_params), **{k: str(v) for k, v in form.items()}}
        failure = fake.failure_for(provider, endpoint)
        if failure is not None:
            return await _fail(fake, failure, provider, params)
        answer = fake.answer_for(provider, endpoint)
        if answer is not None:
            return raw_response(answer, request, fake)
        if endpoint == "authorize":
            return _authorize(fake, provider, params)
        if endpoint == "token":
            return _token(fake, provider, params)
        return _profile(fake, provider, request.headers.get("authorization", ""))

    return handle


async def _fail(
    fake: FakeProvider, failure: Failure, provider: str, params: dict[str, str]
) -> Response:
    if failure == "stall":
        generation, started = fake.stall_generation, time.monotonic()
        while (
            fake.stall_generation == generation and time.monotonic() - started < STALL_LIMIT_SECONDS
        ):
            await asyncio.sleep(0.05)
        return PlainTextResponse("released", status_code=504)
    if failure == "server_error":
        return PlainTextResponse("Internal Server Error", status_code=500)
    if failure == "invalid_grant":
        return JSONResponse({"error": "invalid_grant"}, status_code=400)
    if failure == "naver_error":
        return JSONResponse({"error": "invalid_request", "error_description": "no session"})
    if failure == "malformed":
        return Response('{"access_token": "tru', media_type="application/json")
    if failure == "unauthorized":
        return formats.profile_unauthorized(provider)
    query = {"error": "access_denied", "error_description": "User denied access"}
    if params.get("state"):
        query["state"] = params["state"]
    return RedirectResponse(f"{params.get('redirect_uri')}?{urlencode(query)}", status_code=302)


def _authorize(fake: FakeProvider, provider: str, params: dict[str, str]) -> Response:
    redirect_uri = params.get("redirect_uri")
    if params.get("client_id") != fake.client_id or not redirect_uri:
        return PlainTextResponse("unknown client or missing redirect_uri", status_code=400)
    if params.get("response_type") != "code":
        return PlainTextResponse("response_type must be code", status_code=400)
    challenge = params.get("code_challenge")
    if challenge and params.get("code_challenge_method") != "S256":
        return PlainTextResponse("only S256 is accepted", status_code=400)
    user, profile = fake.signed_in(provider)
    code = fake.issue_code(
        provider,
        user,
        profile=profile,
        code_challenge=challenge,
        redirect_uri=redirect_uri,
        state=params.get("state"),
    )
    query = {"code": code, **({"state": params["state"]} if params.get("state") else {})}
    return RedirectResponse(f"{redirect_uri}?{urlencode(query)}", status_code=302)


def _token(fake: FakeProvider, provider: str, form: dict[str, str]) -> Response:
    # An absent secret matches only an app registered without one (None), never a set one.
    secret = fake.client_secret_for(provider)
    if form.get("client_id") != fake.client_id or form.get("client_secret") != secret:
        return formats.token_error(provider, "invalid_client", status=401)
    if form.get("grant_type") != "authorization_code":
        return formats.token_error(provider, "unsupported_grant_type")
    grant = fake.redeem(form.get("code", ""))
    if grant is None or grant.provider != provider or not _grant_matches(provider, grant, form):
        return formats.token_error(provider, "invalid_grant")
    return JSONResponse(formats.token_body(provider, fake.new_token(grant)))


def _grant_matches(provider: str, grant: Grant, form: dict[str, str]) -> bool:
    if provider not in formats.PKCE_PROVIDERS:
        state = form.get("state")
        return bool(state) and (grant.state is None or grant.state == state)
    if not form.get("redirect_uri"):
        return False
    if grant.redirect_uri is not None and grant.redirect_uri != form["redirect_uri"]:
        return False
    verifier = form.get("code_verifier")
    if grant.code_challenge is None:
        return verifier is None
    return verifier is not None and s256(verifier) == grant.code_challenge


def _profile(fake: FakeProvider, provider: str, authorization: str) -> Response:
    scheme, _, token = authorization.partition(" ")
    grant = fake.grant_for_token(token) if scheme.lower() == "bearer" else None
    if grant is None or grant.provider != provider:
        return formats.profile_unauthorized(provider)
    if grant.profile is not None:
        return JSONResponse(grant.profile)
    return JSONResponse(formats.profile_body(provider, grant.user))
