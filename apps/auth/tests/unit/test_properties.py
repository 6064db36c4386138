"""Hypothesis properties of the pure parts: the login-state codec and PKCE, token claims
validation, the redirect allow-list and the revocation event format."""

from __future__ import annotations

import asyncio
import json
import string
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from apps.auth.application.oauth.pkce import binding_hash, binding_matches, s256_challenge
from apps.auth.application.oauth.ports import LoginState
from apps.auth.domain.errors import DomainError, InvalidToken, TokenExpired, TokenTypeMismatch
from apps.auth.domain.origin import OriginPolicy
from apps.auth.domain.revocation_event import encode_event
from apps.auth.domain.token import Revocation, TokenClaims, TokenType
from apps.auth.infrastructure.persistence_redis.redis_state_store import RedisStateStore
from apps.auth.infrastructure.security.jose_token_codec import JoseTokenCodec
from apps.auth.infrastructure.security.keys import SigningKeys, generate_ec_private_pem

URLSAFE = string.ascii_letters + string.digits + "-_"
NOW = datetime.now(UTC).replace(microsecond=0)
LEEWAY = 10
ISSUER, AUDIENCE = "https://auth.eco2.test", "eco2"
CODEC = JoseTokenCodec(
    keys=SigningKeys.es256(generate_ec_private_pem(), "prop-1", {}),
    issuer=ISSUER,
    audience=AUDIENCE,
    leeway_seconds=LEEWAY,
)
OTHER_CODEC = JoseTokenCodec(
    keys=SigningKeys.es256(generate_ec_private_pem(), "prop-1", {}),
    issuer=ISSUER,
    audience=AUDIENCE,
    leeway_seconds=LEEWAY,
)
fast = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ids = st.text(URLSAFE, min_size=1, max_size=128)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))
origins = st.builds(
    lambda scheme, host, port: f"{scheme}://{host}{port}",
    st.sampled_from(["http", "https"]),
    st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,10}){0,3}", fullmatch=True),
    st.sampled_from(["", ":443", ":8080", ":3000"]),
)


class DictRedis:
    """The two commands the state store uses, over a dict: SET NX EX and GETDEL."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    async def set(self, key: str, value: str, *, ex: int, nx: bool) -> bool:
        assert ex > 0 and nx
        if key in self.data:
            return False
        self.data[key] = value
        return True

    async def getdel(self, key: str) -> str | None:
        return self.data.pop(key, None)


login_states = st.builds(
    LoginState,
    state=st.text(URLSAFE, min_size=1, max_size=256),
    provider=st.sampled_from(["kakao", "google", "naver", "dev"]),
    browser_binding_hash=st.text(string.hexdigits.lower()[:16], min_size=64, max_size=64),
    code_verifier=st.none() | st.text(URLSAFE + ".~", min_size=43, max_size=128),
    frontend_origin=origins,
    device_id=st.none() | st.text(URLSAFE + ".:", min_size=1, max_size=128),
    expires_at=moments,
)


@fast
@given(state=login_states)
def test_state_comes_back_equal_once_when_saved_and_consumed(state: LoginState) -> None:
    store = RedisStateStore(redis=DictRedis())  # type: ignore[arg-type]

    async def scenario() -> tuple[Any, Any]:
        await store.save(state, 600)
        return await store.consume(state.state), await store.consume(state.state)

    first, second = asyncio.run(scenario())

    assert first == state
    assert second is None


@fast
@given(state=st.text(min_size=257, max_size=400) | st.just(""))
def test_state_consume_refuses_without_lookup_when_state_is_empty_or_oversized(state: str) -> None:
    redis = DictRedis()
    redis.data = {f"auth:state:{state}": "{}"}
    store = RedisStateStore(redis=redis)  # type: ignore[arg-type]

    assert asyncio.run(store.consume(state)) is None
    assert redis.data


@fast
@given(verifier=st.text(URLSAFE + ".~", min_size=43, max_size=128))
def test_challenge_is_43_urlsafe_chars_when_verifier_is_valid(verifier: str) -> None:
    challenge = s256_challenge(verifier)

    assert len(challenge) == 43
    assert set(challenge) <= set(URLSAFE)
    assert challenge == s256_challenge(verifier)


@fast
@given(binding=st.text(min_size=1, max_size=200), other=st.text(max_size=200) | st.none())
def test_binding_matches_only_itself_when_compared(binding: str, other: str | None) -> None:
    expected = binding_hash(binding)

    assert binding_matches(expected, binding)
    assert binding_matches(expected, other) == (other == binding)


def _claims(
    kind: TokenType, issued: datetime, lifetime: int, jti: str, provider: str, sid: str
) -> TokenClaims:
    return TokenClaims(
        sub=UUID(int=abs(hash((jti, sid))) % (1 << 122)),
        jti=jti,
        type=kind,
        provider=provider,
        sid=sid,
        issued_at=issued,
        expires_at=issued + timedelta(seconds=lifetime),
    )


@fast
@given(
    kind=st.sampled_from(TokenType),
    age=st.integers(min_value=-LEEWAY, max_value=3000),
    lifetime=st.integers(min_value=3600, max_value=86_400),
    jti=ids,
    provider=ids,
    sid=ids,
)
def test_claims_round_trip_when_token_is_ours_and_current(
    kind: TokenType, age: int, lifetime: int, jti: str, provider: str, sid: str
) -> None:
    claims = _claims(kind, NOW - timedelta(seconds=age), lifetime, jti, provider, sid)

    assert CODEC.decode(CODEC.encode(claims), kind) == claims


@fast
@given(kind=st.sampled_from(TokenType), jti=ids)
def test_type_mismatch_when_token_is_presented_as_the_other_type(kind: TokenType, jti: str) -> None:
    token = CODEC.encode(_claims(kind, NOW, 3600, jti, "kakao", "s"))
    other = TokenType.REFRESH if kind is TokenType.ACCESS else TokenType.ACCESS

    with pytest.raises(TokenTypeMismatch):
        CODEC.decode(token, other)


@fast
@given(overdue=st.integers(min_value=LEEWAY + 2, max_value=10**7), jti=ids)
def test_expired_when_exp_is_past_the_leeway(overdue: int, jti: str) -> None:
    issued = NOW - timedelta(seconds=overdue + 60)
    token = CODEC.encode(_claims(TokenType.ACCESS, issued, 60, jti, "kakao", "s"))

    with pytest.raises(TokenExpired):
        CODEC.decode(token, TokenType.ACCESS)


@fast
@given(ahead=st.integers(min_value=LEEWAY + 30, max_value=10**6), jti=ids)
def test_refused_when_token_is_issued_in_the_future(ahead: int, jti: str) -> None:
    issued = datetime.now(UTC) + timedelta(seconds=ahead)
    token = CODEC.encode(_claims(TokenType.ACCESS, issued, 3600, jti, "kakao", "s"))

    with pytest.raises(InvalidToken):
        CODEC.decode(token, TokenType.ACCESS)


@fast
@given(jti=ids, position=st.integers(min_value=0), char=st.sampled_from(URLSAFE))
def test_refused_when_any_character_of_the_token_changes(
    jti: str, position: int, char: str
) -> None:
    token = CODEC.encode(_claims(TokenType.ACCESS, NOW, 3600, jti, "kakao", "s"))
    index = position % len(token)
    assume(token[index] != "." and token[index] != char)
    tampered = token[:index] + char + token[index + 1 :]

    try:
        decoded = CODEC.decode(tampered, TokenType.ACCESS)
    except (InvalidToken, TokenExpired, TokenTypeMismatch):
        return
    # The signature's last base64url character carries spare bits that decoding drops; the
    # header and payload are signed as text, so any change there must be refused.
    assert index == len(token) - 1
    assert decoded == CODEC.decode(token, TokenType.ACCESS)


@fast
@given(jti=ids)
def test_refused_when_token_is_signed_by_another_key_with_our_kid(jti: str) -> None:
    token = OTHER_CODEC.encode(_claims(TokenType.ACCESS, NOW, 3600, jti, "kakao", "s"))

    with pytest.raises(InvalidToken):
        CODEC.decode(token, TokenType.ACCESS)


@settings(max_examples=300, deadline=None)
@given(garbage=st.text(max_size=9000) | st.binary(max_size=3000).map(lambda b: b.hex()))
def test_only_domain_errors_when_token_is_arbitrary_text(garbage: str) -> None:
    with pytest.raises(DomainError):
        CODEC.decode(garbage, TokenType.ACCESS)


@fast
@given(allowed=st.frozensets(origins, min_size=1, max_size=5), candidate=st.none() | origins)
def test_redirect_is_candidate_only_when_exactly_allowed(
    allowed: frozenset[str], candidate: str | None
) -> None:
    default = sorted(allowed)[0]
    policy = OriginPolicy(allowed=allowed, default=default)

    resolved = policy.resolve(candidate)

    assert resolved == (candidate if candidate in allowed else default)
    assert resolved in allowed
    assert policy.allows(candidate) == (candidate in allowed)


@fast
@given(
    allowed=origins,
    mutation=st.sampled_from(
        [
            lambda o: o + "/",
            lambda o: o + ".evil.com",
            lambda o: o.upper(),
            lambda o: o.replace("://", "://evil."),
            lambda o: "//" + o.split("://", 1)[1],
            lambda o: o + ":1",
            lambda o: o.replace("https://", "http://") if "https" in o else o + "s",
            lambda o: o + "@evil.com",
            lambda o: " " + o,
        ]
    ),
)
def test_redirect_falls_back_to_default_when_origin_is_a_near_miss(
    allowed: str, mutation: Any
) -> None:
    near_miss = mutation(allowed)
    assume(near_miss != allowed)
    policy = OriginPolicy(allowed=frozenset({allowed}), default=allowed)

    assert policy.resolve(near_miss) == allowed
    assert not policy.allows(near_miss)


@fast
@given(
    jti=ids,
    user=st.uuids(),
    expires=moments,
    now=moments,
    reason=st.sampled_from(["logout", "logout_all", "refresh", "refresh_reuse"]),
)
def test_event_has_gateway_shape_when_revocation_is_encoded(
    jti: str, user: UUID, expires: datetime, now: datetime, reason: str
) -> None:
    event = json.loads(
        encode_event(Revocation(jti=jti, user_id=user, expires_at=expires, reason=reason), now)
    )

    assert list(event) == ["type", "jti", "user_id", "expires_at", "reason", "timestamp"]
    assert event["type"] == "add" and event["jti"] == jti and event["reason"] == reason
    assert UUID(event["user_id"]) == user
    assert datetime.fromisoformat(event["expires_at"].replace("Z", "+00:00")) == expires
    assert datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")) == now
    assert event["expires_at"].endswith("Z") and event["timestamp"].endswith("Z")
