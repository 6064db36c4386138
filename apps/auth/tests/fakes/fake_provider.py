"""A stand-in for Kakao, Google and Naver that speaks their real formats over real HTTP.

`FakeProvider` is the state and the test-facing API; `fake_provider_app` serves it. All three
providers share one base URL because their paths never collide (see `provider_formats.PATHS`).

Beyond `fail(...)`: `answer(endpoint, RawAnswer(...), provider)` serves hand-made bytes (any
body, status, headers; chunked, endless or dripping), `streamed_bytes` counts what streamed
answers sent, and each `RecordedRequest.peer` names the TCP connection a request came on.
`provider_formats.profile_with(provider, nickname=[...])` puts raw values into a real profile.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

from apps.auth.tests.fakes.fake_provider_raw import RawAnswer
from apps.auth.tests.fakes.provider_formats import FakeUser

Endpoint = Literal["authorize", "token", "profile"]
Failure = Literal[
    "server_error", "invalid_grant", "naver_error", "malformed", "unauthorized", "stall",
    "access_denied",
]  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedRequest:
    provider: str
    endpoint: str
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    peer: str = ""  # "host:port" of the TCP connection the request came on


@dataclass(frozen=True, slots=True, kw_only=True)
class Grant:
    provider: str
    user: FakeUser
    profile: dict[str, Any] | None
    code_challenge: str | None
    redirect_uri: str | None
    state: str | None


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class FakeProvider:
    client_id: str = "fake-client-id"
    client_secret: str = "fake-client-secret"
    base_url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.stall_generation = 0
        self.reset()

    def reset(self) -> None:
        """Forgets codes, tokens, switches and recordings, and releases stalled requests."""
        with self._lock:
            self._codes: dict[str, Grant] = {}
            self._tokens: dict[str, Grant] = {}
            self._failures: dict[tuple[str | None, str], Failure] = {}
            self._answers: dict[tuple[str | None, str], RawAnswer] = {}
            self.streamed_bytes = 0
            self._signed_in: dict[str, tuple[FakeUser, dict[str, Any] | None]] = {}
            self._requests: list[RecordedRequest] = []
            self._secrets: dict[str, str | None] = {}
            self.stall_generation += 1

    def use_client_secret(self, provider: str, secret: str | None) -> None:
        """The secret the provider's app is registered with; None: an app without one (Kakao
        allows it), whose token requests must then carry no `client_secret` at all."""
        with self._lock:
            self._secrets[provider] = secret

    def client_secret_for(self, provider: str) -> str | None:
        return self._secrets.get(provider, self.client_secret)

    def issue_code(
        self,
        provider: str,
        user: FakeUser | None = None,
        *,
        profile: dict[str, Any] | None = None,
        code_challenge: str | None = None,
        redirect_uri: str | None = None,
        state: str | None = None,
    ) -> str:
        """A code as if `user` had just signed in; `profile` replaces the whole profile body."""
        code = secrets.token_urlsafe(16)
        grant = Grant(
            provider=provider,
            user=user or FakeUser(),
            profile=profile,
            code_challenge=code_challenge,
            redirect_uri=redirect_uri,
            state=state,
        )
        with self._lock:
            self._codes[code] = grant
        return code

    def sign_in_as(
        self, provider: str, user: FakeUser | None = None, *, profile: dict[str, Any] | None = None
    ) -> None:
        """Who the provider's authorize page logs in from now on (default: `FakeUser()`)."""
        with self._lock:
            self._signed_in[provider] = (user or FakeUser(), profile)

    def signed_in(self, provider: str) -> tuple[FakeUser, dict[str, Any] | None]:
        return self._signed_in.get(provider, (FakeUser(), None))

    def fail(self, endpoint: Endpoint, failure: Failure, provider: str | None = None) -> None:
        """Every later call of `endpoint` (of one provider, or of all) fails this way."""
        with self._lock:
            self._failures[(provider, endpoint)] = failure

    def failure_for(self, provider: str, endpoint: str) -> Failure | None:
        return self._failures.get((provider, endpoint)) or self._failures.get((None, endpoint))

    def answer(self, endpoint: Endpoint, answer: RawAnswer, provider: str | None = None) -> None:
        """Every later call of `endpoint` (of one provider, or of all) gets `answer`."""
        with self._lock:
            self._answers[(provider, endpoint)] = answer

    def answer_for(self, provider: str, endpoint: str) -> RawAnswer | None:
        return self._answers.get((provider, endpoint)) or self._answers.get((None, endpoint))

    def requests(
        self, provider: str | None = None, endpoint: Endpoint | None = None
    ) -> list[RecordedRequest]:
        with self._lock:
            return [
                r
                for r in self._requests
                if (provider is None or r.provider == provider)
                and (endpoint is None or r.endpoint == endpoint)
            ]

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def redeem(self, code: str) -> Grant | None:
        with self._lock:
            return self._codes.pop(code, None)

    def new_token(self, grant: Grant) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = grant
        return token

    def grant_for_token(self, token: str) -> Grant | None:
        return self._tokens.get(token)
