"""The dev IdP's memory: registered clients, one-time codes bound to PKCE, issued tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

CODE_TTL_SECONDS = 60.0
TOKEN_TTL_SECONDS = 3600
_EMAIL_SAFE = re.compile(r"[A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class DevUser:
    name: str

    @property
    def subject(self) -> str:
        return f"dev-{self.name}"

    def claims(self) -> dict[str, str | None]:
        email = f"{self.name.lower()}@dev-idp.test" if _EMAIL_SAFE.fullmatch(self.name) else None
        return {
            "sub": self.subject,
            "name": self.name,
            "preferred_username": self.name,
            "email": email,
            "picture": None,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class _Grant:
    user: DevUser
    client_id: str
    redirect_uri: str
    code_challenge: str
    expires_at: float


def valid_name(raw: str | None) -> str | None:
    name = (raw or "").strip()
    return name if 0 < len(name) <= 64 and name.isprintable() else None


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class DevIdpStore:
    def __init__(
        self,
        *,
        clients: Mapping[str, str],
        clock: Callable[[], float],
    ) -> None:
        self._clients = dict(clients)
        self._clock = clock
        self._code_ttl = CODE_TTL_SECONDS
        self._codes: dict[str, _Grant] = {}
        self._tokens: dict[str, tuple[DevUser, float]] = {}
        self._lock = threading.Lock()

    def is_registered(self, client_id: str, redirect_uri: str) -> bool:
        return self._clients.get(client_id) == redirect_uri

    def issue_code(
        self, user: DevUser, *, client_id: str, redirect_uri: str, code_challenge: str
    ) -> str:
        code = secrets.token_urlsafe(32)
        grant = _Grant(
            user=user,
            client_id=client_id,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            expires_at=self._clock() + self._code_ttl,
        )
        with self._lock:
            self._purge(grant.expires_at - self._code_ttl)
            self._codes[code] = grant
        return code

    def redeem(
        self, code: str, *, client_id: str, redirect_uri: str, code_verifier: str
    ) -> str | None:
        """Returns an access token, or None; a code is spent by its first presentation."""
        with self._lock:
            grant = self._codes.pop(code, None)
        if (
            grant is None
            or grant.expires_at <= self._clock()
            or grant.client_id != client_id
            or grant.redirect_uri != redirect_uri
            or not hmac.compare_digest(grant.code_challenge, _s256(code_verifier))
        ):
            return None
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = (grant.user, self._clock() + TOKEN_TTL_SECONDS)
        return token

    def _purge(self, now: float) -> None:
        self._codes = {c: g for c, g in self._codes.items() if g.expires_at > now}
        self._tokens = {t: e for t, e in self._tokens.items() if e[1] > now}

    def user_for(self, access_token: str) -> DevUser | None:
        with self._lock:
            entry = self._tokens.get(access_token)
        if entry is None or entry[1] <= self._clock():
            return None
        return entry[0]
