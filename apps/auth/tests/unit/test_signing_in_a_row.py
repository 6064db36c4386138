"""`encode_all` gives the tokens `encode` gives; with an ES256 key the pairs of one event-loop
turn are signed in one run, and a failed signature reaches only the caller whose it was."""

from __future__ import annotations

import asyncio
import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from apps.auth.domain.token import TokenClaims, TokenType
from apps.auth.infrastructure.security.jose_token_codec import JoseTokenCodec
from apps.auth.infrastructure.security.keys import SigningKeys, generate_ec_private_pem

NOW = datetime.now(UTC).replace(microsecond=0)


def _codec(keys: SigningKeys) -> JoseTokenCodec:
    return JoseTokenCodec(
        keys=keys, issuer="https://auth.eco2.test", audience="eco2", leeway_seconds=5
    )


def _claims(kind: TokenType, sid: str = "s-1") -> TokenClaims:
    return TokenClaims(
        sub=uuid.uuid4(),
        jti=uuid.uuid4().hex,
        type=kind,
        provider="kakao",
        sid=sid,
        issued_at=NOW,
        expires_at=NOW + timedelta(minutes=15),
    )


ES256 = SigningKeys.es256(generate_ec_private_pem(), "es-1", {})
HS256 = SigningKeys.hs256("s" * 48)


@pytest.mark.parametrize("keys", [ES256, HS256], ids=["ES256", "HS256"])
async def test_each_token_decodes_to_its_own_claims(keys: SigningKeys) -> None:
    codec = _codec(keys)
    pair = [_claims(TokenType.ACCESS), _claims(TokenType.REFRESH)]

    tokens = await codec.encode_all(pair)

    assert [codec.decode(t, c.type) for t, c in zip(tokens, pair, strict=True)] == pair
    assert [t.split(".")[:2] for t in tokens] == [codec.encode(c).split(".")[:2] for c in pair]


async def test_the_pairs_of_one_loop_turn_are_signed_in_one_run(monkeypatch: Any) -> None:
    runs: list[int] = []
    sign_in_a_row = JoseTokenCodec._sign_in_a_row

    async def counted(self: JoseTokenCodec, batches: list[list[bytes]]) -> Any:
        runs.append(sum(map(len, batches)))
        return await sign_in_a_row(self, batches)

    monkeypatch.setattr(JoseTokenCodec, "_sign_in_a_row", counted)
    codec = _codec(ES256)
    pairs = [
        [_claims(TokenType.ACCESS, f"s-{i}"), _claims(TokenType.REFRESH, f"s-{i}")]
        for i in range(5)
    ]

    together = await asyncio.gather(*(codec.encode_all(pair) for pair in pairs))
    alone = await codec.encode_all(pairs[0])

    assert runs == [10, 2]
    for tokens, pair in zip(together, pairs, strict=True):
        assert [codec.decode(t, c.type).sid for t, c in zip(tokens, pair, strict=True)] == [
            pair[0].sid
        ] * 2
    assert len(alone) == 2


async def test_a_failed_signature_reaches_only_its_own_caller(monkeypatch: Any) -> None:
    codec = _codec(ES256)
    sign = SigningKeys.sign

    def failing(self: SigningKeys, message: bytes) -> bytes:
        if b"." in message and b"refused" in _payload(message):
            raise ValueError("the key refused")
        return sign(self, message)

    monkeypatch.setattr(SigningKeys, "sign", failing)
    good = [_claims(TokenType.ACCESS), _claims(TokenType.REFRESH)]
    bad = [_claims(TokenType.ACCESS, "refused"), _claims(TokenType.REFRESH, "refused")]

    outcomes = await asyncio.gather(
        codec.encode_all(good), codec.encode_all(bad), return_exceptions=True
    )

    assert isinstance(outcomes[1], ValueError)
    assert isinstance(outcomes[0], list) and len(outcomes[0]) == 2


def _payload(signing_input: bytes) -> bytes:
    segment = signing_input.split(b".")[1]
    return base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))
