from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson
from jose import jws, jwt
from jose.exceptions import JOSEError
from jose.utils import base64url_decode, base64url_encode

from apps.auth.application.common.ports import Clock
from apps.auth.domain.errors import InvalidToken, TokenExpired, TokenTypeMismatch
from apps.auth.domain.token import TokenClaims, TokenType
from apps.auth.infrastructure.security.keys import SigningKeys
from apps.auth.infrastructure.system import SystemClock
from apps.auth.infrastructure.turn_batcher import TurnBatcher

MAX_TOKEN_BYTES = 8192
# Three base64url segments and nothing else: the decoder would skip other characters, letting
# one token be spelled many ways.
_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_REQUIRED = frozenset(("sub", "jti", "type", "iat", "nbf", "exp", "iss", "aud", "provider"))


class JoseTokenCodec:
    """Signs with exactly one key; verifies with our own accepted keys only.

    The header is checked before any key is chosen: its `kid` must name one of our keys and its
    `alg` must be that key's algorithm (see `KeySet.key_for`); `jku`, `x5u` and `jwk` are never
    followed. Tokens are issued with the configured issuer and audience; `also_issuers` and
    `also_audiences` are further values accepted while they change. Time claims are checked
    against the injected clock, not the library's.
    """

    def __init__(
        self,
        *,
        keys: SigningKeys,
        issuer: str,
        audience: str,
        leeway_seconds: int,
        clock: Clock | None = None,
        require_session: bool = True,
        also_issuers: tuple[str, ...] = (),
        also_audiences: tuple[str, ...] = (),
        max_lifetime_seconds: int | None = None,
    ) -> None:
        self._require_session = require_session
        self._issuers = (issuer, *also_issuers)
        self._audiences = frozenset((audience, *also_audiences))
        self._max_lifetime = max_lifetime_seconds
        self._clock = clock or SystemClock()
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds
        headers = {"kid": keys.signing_kid, "typ": "JWT"}
        probe = str(jws.sign(b"{}", keys.signing_key, headers, keys.algorithm))
        self._header_segment = probe.split(".")[0].encode("ascii")
        # The header of every token we sign: one that carries exactly these bytes names our
        # signing key, so `inspect` reads no further header than this comparison.
        own_header = self._header_segment.decode("ascii")
        self._own_header = own_header if self._header_accepted(own_header) else None
        self._signatures: TurnBatcher[list[bytes], list[bytes]] | None = None
        if keys.es256_private is not None:
            self._signatures = TurnBatcher(run=self._sign_in_a_row)

    def expired(self, claims: TokenClaims) -> bool:
        return claims.expires_at.timestamp() < self._clock.now().timestamp() - self._leeway

    def encode(self, claims: TokenClaims) -> str:
        signing_input = self._signing_input(claims)
        return self._token(signing_input, self._keys.sign(signing_input))

    async def encode_all(self, claims: Sequence[TokenClaims]) -> list[str]:
        """`encode` for each of `claims`. With an ES256 key the signatures of one event-loop
        turn are made one after another at the turn's end, for every caller together: a P-256
        signature reads the key's precomputed tables, which the work between two requests
        pushes out of the CPU's caches, so signatures made in a row cost much less each than
        the same signatures made between other work."""
        if self._signatures is None:
            return [self.encode(one) for one in claims]
        inputs = [self._signing_input(one) for one in claims]
        signatures = await self._signatures.submit(inputs)
        return [self._token(m, s) for m, s in zip(inputs, signatures, strict=True)]

    async def _sign_in_a_row(self, batches: list[list[bytes]]) -> list[list[bytes] | Exception]:
        signed: list[list[bytes] | Exception] = []
        for messages in batches:
            try:
                signed.append([self._keys.sign(message) for message in messages])
            except Exception as error:
                signed.append(error)
        return signed

    def _signing_input(self, claims: TokenClaims) -> bytes:
        payload = {
            "sub": str(claims.sub),
            "jti": claims.jti,
            "type": claims.type.value,
            "provider": claims.provider,
            "sid": claims.sid,
            "iat": int(claims.issued_at.timestamp()),
            "nbf": int(claims.issued_at.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
            "iss": self._issuer,
            "aud": self._audience,
        }
        # The claims are plain strings and integers already, so they are serialised here (the
        # same compact JSON `jwt.encode` writes); the header never changes, so its segment is
        # the one python-jose wrote for it once, and the signing key signs the rest.
        signing_input: bytes = self._header_segment + b"." + base64url_encode(orjson.dumps(payload))
        return signing_input

    @staticmethod
    def _token(signing_input: bytes, signature: bytes) -> str:
        token: bytes = signing_input + b"." + base64url_encode(signature)
        return token.decode("ascii")

    def decode(self, token: str, expected: TokenType) -> TokenClaims:
        if not _well_formed(token):
            raise InvalidToken()
        alg, key = self._key_for(token)
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[alg],
                issuer=self._issuers,
                options={
                    # The audience is checked below, against every accepted one; requiring it
                    # here would make the library check it against one.
                    "verify_aud": False,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    **{f"require_{c}": True for c in ("jti", "sub", "iss")},
                },
            )
        except (JOSEError, ValueError, TypeError, KeyError) as exc:
            raise InvalidToken() from exc
        if not self._audience_accepted(payload.get("aud")):
            raise InvalidToken()
        return self._claims(payload, expected)

    def inspect(self, token: str, expected: TokenType) -> TokenClaims | None:
        """`decode` without the signature check: the same header rules (a `kid` of ours, its
        key's `alg`), issuer, audience, required and time claims, read from the same bytes.
        Any failure gives None, never an answer of its own, so a caller that then calls
        `decode` refuses every token exactly as `decode` alone would."""
        if not _well_formed(token):
            return None
        header_part, payload_part, _ = token.split(".")
        if header_part != self._own_header and not self._header_accepted(header_part):
            return None
        try:
            payload = orjson.loads(base64url_decode(payload_part.encode()))
        except (ValueError, orjson.JSONDecodeError):
            return None
        if not isinstance(payload, dict):
            return None
        if not all(isinstance(payload.get(c), str) for c in ("jti", "sub", "iss")):
            return None
        if payload["iss"] not in self._issuers or not self._audience_accepted(payload.get("aud")):
            return None
        try:
            return self._claims(payload, expected)
        except (InvalidToken, TokenExpired, TokenTypeMismatch):
            return None

    def _header_accepted(self, segment: str) -> bool:
        """Whether a header segment decodes to a header naming one of our keys (`_key_of`)."""
        try:
            header = orjson.loads(base64url_decode(segment.encode()))
        except (ValueError, orjson.JSONDecodeError):
            return False
        return self._key_of(header) is not None

    def _key_for(self, token: str) -> tuple[str, Any]:
        try:
            header = jws.get_unverified_header(token)
        except (JOSEError, ValueError, TypeError, json.JSONDecodeError) as exc:
            raise InvalidToken() from exc
        found = self._key_of(header)
        if found is None:
            raise InvalidToken()
        return found

    def _key_of(self, header: object) -> tuple[str, Any] | None:
        """The accepted key a header names by `kid`, with the `alg` bound to that key."""
        if not isinstance(header, dict):
            return None
        alg = header.get("alg")
        key = self._keys.accepted.key_for(alg, header.get("kid"))
        if key is None or not isinstance(alg, str):
            return None
        return alg, key

    def _audience_accepted(self, aud: object) -> bool:
        """As the library checks one audience (a string, or a list of strings holding ours),
        for any of the accepted ones."""
        if isinstance(aud, str):
            return aud in self._audiences
        if not isinstance(aud, list) or not all(isinstance(a, str) for a in aud):
            return False
        return not self._audiences.isdisjoint(aud)

    def _claims(self, payload: dict[str, Any], expected: TokenType) -> TokenClaims:
        if not payload.keys() >= _REQUIRED:
            raise InvalidToken()
        # Tokens of the previous auth (v1) carry no session; they are accepted only while the
        # cut-over profile shares v1's sessions, with an empty `sid`.
        if "sid" in payload:
            sid = payload["sid"]
        elif self._require_session:
            raise InvalidToken()
        else:
            sid = ""
        iat, nbf, exp = payload["iat"], payload["nbf"], payload["exp"]
        if not (_is_number(iat) and _is_number(nbf) and _is_number(exp)):
            raise InvalidToken()
        try:
            kind = TokenType(payload["type"])
            sub = UUID(str(payload["sub"]))
            issued_at, expires_at, not_before = int(iat), int(exp), int(nbf)
            issued = datetime.fromtimestamp(issued_at, UTC)
            expires = datetime.fromtimestamp(expires_at, UTC)
        except (ValueError, TypeError, OverflowError) as exc:
            raise InvalidToken() from exc
        # A datetime built from whole seconds has exactly those seconds as its timestamp.
        now = self._clock.now().timestamp()
        if expires_at < now - self._leeway:
            raise TokenExpired()
        if max(issued_at, not_before) > now + self._leeway:
            raise InvalidToken()
        # A revocation of everything a user holds is kept for the longest lifetime we accept;
        # a token claiming to live longer (a v1 token minted under other settings) would
        # outlive it.
        if self._max_lifetime is not None and expires_at - issued_at > self._max_lifetime:
            raise InvalidToken()
        if kind is not expected:
            raise TokenTypeMismatch()
        jti, provider = payload["jti"], payload["provider"]
        if not (_short_text(jti) and _short_text(provider)):
            raise InvalidToken()
        if not (_short_text(sid) or (sid == "" and not self._require_session)):
            raise InvalidToken()
        return TokenClaims(
            sub=sub,
            jti=jti,
            type=kind,
            provider=provider,
            sid=sid,
            issued_at=issued,
            expires_at=expires,
        )


def _well_formed(token: str) -> bool:
    return bool(token) and len(token) <= MAX_TOKEN_BYTES and _COMPACT.fullmatch(token) is not None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _short_text(value: object) -> bool:
    """A non-empty string of at most 128 characters: what `jti`, `provider` and `sid` must be."""
    return isinstance(value, str) and 0 < len(value) <= 128
