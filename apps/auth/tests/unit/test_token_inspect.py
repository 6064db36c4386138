"""`inspect` reads what `decode` reads, minus the signature check, and never answers on its own:
every token `decode` refuses for a reason other than its signature, `inspect` gives None for
(so the caller's `decode` refuses it as before), and for a good token both give the same claims."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from apps.auth.domain.errors import DomainError
from apps.auth.domain.token import TokenClaims, TokenType
from apps.auth.infrastructure.security.jose_token_codec import JoseTokenCodec
from apps.auth.infrastructure.security.keys import SigningKeys, generate_ec_private_pem

ISSUER, AUDIENCE = "https://auth.eco2.test", "eco2"
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return NOW


KEYS = SigningKeys.es256(generate_ec_private_pem(), "es-1", {})
CODEC = JoseTokenCodec(
    keys=KEYS, issuer=ISSUER, audience=AUDIENCE, leeway_seconds=10, clock=FixedClock()
)


def _token(kind: TokenType = TokenType.REFRESH, **shift: int) -> str:
    return CODEC.encode(
        TokenClaims(
            sub=uuid.uuid4(),
            jti=uuid.uuid4().hex,
            type=kind,
            provider="kakao",
            sid="s-" + "x" * 20,
            issued_at=NOW + timedelta(seconds=shift.get("iat", 0)),
            expires_at=NOW + timedelta(seconds=shift.get("exp", 3600)),
        )
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (
        json.loads(base64.urlsafe_b64decode(pad(header))),
        json.loads(base64.urlsafe_b64decode(pad(payload))),
        signature,
    )


def _respelled(token: str, header: dict[str, Any] | None = None, **claims: Any) -> str:
    """The token with its header or claims changed and its old signature kept."""
    old_header, payload, signature = _parts(token)
    payload = {k: v for k, v in {**payload, **claims}.items() if v is not None}
    head = _b64(json.dumps(header or old_header).encode())
    return f"{head}.{_b64(json.dumps(payload).encode())}.{signature}"


def test_a_good_token_reads_the_same_claims_as_decode() -> None:
    token = _token()
    assert CODEC.inspect(token, TokenType.REFRESH) == CODEC.decode(token, TokenType.REFRESH)


def test_our_header_written_with_other_bytes_is_read_like_our_own() -> None:
    token = _token()
    header, payload, signature = token.split(".")
    respelled = _b64(json.dumps(_parts(token)[0], indent=1).encode())
    assert respelled != header

    claims = CODEC.inspect(f"{respelled}.{payload}.{signature}", TokenType.REFRESH)

    assert claims == CODEC.inspect(token, TokenType.REFRESH) != None  # noqa: E711


def test_a_forged_signature_is_left_to_the_caller_and_only_decode_refuses_it() -> None:
    token = _token()
    head_and_payload = token.rsplit(".", 1)[0]
    forged = f"{head_and_payload}.{_b64(b'x' * 64)}"
    assert CODEC.inspect(forged, TokenType.REFRESH) is not None
    with pytest.raises(DomainError):
        CODEC.decode(forged, TokenType.REFRESH)


BAD = {
    "alg none": lambda t: _respelled(t, header={"alg": "none", "kid": "es-1"}),
    "HS256 naming the ES256 kid": lambda t: _respelled(t, header={"alg": "HS256", "kid": "es-1"}),
    "a kid that is not ours": lambda t: _respelled(t, header={"alg": "ES256", "kid": "es-9"}),
    "no kid": lambda t: _respelled(t, header={"alg": "ES256"}),
    "a header that is a list": lambda t: f"{_b64(b'[1]')}.{t.split('.', 1)[1]}",
    "a payload that is not JSON": lambda t: f"{t.split('.')[0]}.{_b64(b'{oops')}.{t.split('.')[2]}",
    "another issuer": lambda t: _respelled(t, iss="https://evil.test"),
    "another audience": lambda t: _respelled(t, aud="someone-else"),
    "an audience list without ours": lambda t: _respelled(t, aud=["a", "b"]),
    "no jti": lambda t: _respelled(t, jti=None),
    "a numeric subject": lambda t: _respelled(t, sub=12),
    "a subject that is no UUID": lambda t: _respelled(t, sub="admin"),
    "an access token": lambda t: _respelled(t, type="access"),
    "no session": lambda t: _respelled(t, sid=None),
    "a boolean expiry": lambda t: _respelled(t, exp=True),
    "expired past the leeway": lambda t: _respelled(t, exp=int(NOW.timestamp()) - 11),
    "issued in the future": lambda t: _respelled(t, iat=int(NOW.timestamp()) + 60),
    "a padded segment": lambda t: t.replace(".", "=.", 1),
    "four segments": lambda t: t + ".x",
    "too long": lambda t: t + "A" * 9000,
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_every_token_decode_refuses_for_its_content_inspect_refuses_too(case: str) -> None:
    token = BAD[case](_token())
    assert CODEC.inspect(token, TokenType.REFRESH) is None
    with pytest.raises(DomainError):
        CODEC.decode(token, TokenType.REFRESH)
