from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio

from apps.auth.application.common.token_ports import (
    RevocationRequest,
    RotationRequest,
    RotationResult,
    SessionTokens,
)
from apps.auth.application.oauth.ports import LoginState
from apps.auth.domain.revocation_event import encode_event
from apps.auth.domain.session import ClientInfo, Session
from apps.auth.domain.token import Revocation, Successor, TokenClaims, TokenType
from apps.auth.domain.token_family import Presented, RotationOutcome
from apps.auth.tests.contract.token_backends import TokenBackend, token_backend


@pytest_asyncio.fixture(params=["redis", "memory"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[TokenBackend]:
    async with token_backend(request.param) as current:
        yield current


def _now() -> datetime:
    return datetime.now(UTC)


def _tokens(now: datetime) -> SessionTokens:
    return SessionTokens(
        access_jti=uuid.uuid4().hex,
        access_expires_at=now + timedelta(minutes=15),
        refresh_jti=uuid.uuid4().hex,
        refresh_expires_at=now + timedelta(days=14),
    )


def _rotate(
    backend: TokenBackend,
    session_id: str,
    presented_jti: str,
    tokens: SessionTokens,
    now: datetime,
    grace: int,
    *,
    successor: Successor | None = None,
    client: str = "client-a",
    token: str = "presented-token",
) -> Awaitable[RotationResult]:
    return backend.sessions.rotate(
        RotationRequest(
            session_id=session_id,
            presented=Presented(refresh_jti=presented_jti, client=client),
            presented_token=token,
            tokens=tokens,
            successor=successor,
            now=now,
            grace_seconds=grace,
        )
    )


async def _open(
    backend: TokenBackend, user_id: uuid.UUID | None = None, **kw
) -> tuple[Session, SessionTokens]:
    now = _now()
    session = Session(
        id=uuid.uuid4().hex,
        user_id=user_id or uuid.uuid4(),
        provider="dev",
        client=ClientInfo(ip="10.0.0.1", user_agent="ua", device_id="phone"),
        created_at=now,
        last_used_at=now,
        expires_at=kw.get("expires_at", now + timedelta(days=30)),
    )
    tokens = _tokens(now)
    await backend.sessions.open(session, tokens)
    return session, tokens


def _claims(tokens: SessionTokens, session: Session, issued: datetime | None = None) -> TokenClaims:
    return TokenClaims(
        sub=session.user_id,
        jti=tokens.access_jti,
        type=TokenType.ACCESS,
        provider="dev",
        sid=session.id,
        issued_at=issued or _now(),
        expires_at=tokens.access_expires_at,
    )


async def test_state_is_consumed_once(backend):
    state = LoginState(
        state=uuid.uuid4().hex,
        provider="dev",
        browser_binding_hash="h",
        code_verifier="v",
        frontend_origin="https://app.eco2.test",
        device_id=None,
        expires_at=_now() + timedelta(minutes=10),
    )
    await backend.states.save(state, 600)
    results = await asyncio.gather(*(backend.states.consume(state.state) for _ in range(5)))
    assert [r for r in results if r is not None] == [state]


async def test_state_expires_after_ttl(backend):
    state = LoginState(
        state=uuid.uuid4().hex,
        provider="dev",
        browser_binding_hash="h",
        code_verifier=None,
        frontend_origin="https://app.eco2.test",
        device_id=None,
        expires_at=_now() + timedelta(seconds=1),
    )
    await backend.states.save(state, 1)
    await backend.let_pass(1.2)
    assert await backend.states.consume(state.state) is None


async def test_rotation_blacklists_old_access_and_writes_event(backend):
    session, tokens = await _open(backend)
    successor = _tokens(_now())
    result = await _rotate(backend, session.id, tokens.refresh_jti, successor, _now(), 10)
    assert result.outcome is RotationOutcome.ROTATED
    assert result.user_id == session.user_id
    assert await backend.blacklisted(tokens.access_jti)
    events = [json.loads(e) for e in await backend.outbox()]
    assert [(e["jti"], e["reason"]) for e in events] == [(tokens.access_jti, "refresh")]


async def test_grace_returns_stored_successor_then_reuse_outside_it(backend):
    session, tokens = await _open(backend)
    successor = _tokens(_now())
    pair = Successor(access="access-token", refresh="refresh-token")
    await _rotate(backend, session.id, tokens.refresh_jti, successor, _now(), 10, successor=pair)
    grace = await _rotate(backend, session.id, tokens.refresh_jti, _tokens(_now()), _now(), 10)
    assert grace.outcome is RotationOutcome.GRACE
    assert grace.successor == pair
    later = _now() + timedelta(seconds=11)
    reuse = await _rotate(backend, session.id, tokens.refresh_jti, _tokens(later), later, 10)
    assert reuse.outcome is RotationOutcome.REUSE
    assert await backend.sessions.get(session.id) is None
    assert await backend.blacklisted(successor.access_jti)


async def test_grace_replay_from_another_client_is_reuse_and_ends_the_family(backend):
    session, tokens = await _open(backend)
    successor = _tokens(_now())
    pair = Successor(access="access-token", refresh="refresh-token")
    await _rotate(backend, session.id, tokens.refresh_jti, successor, _now(), 10, successor=pair)
    replay = await _rotate(
        backend, session.id, tokens.refresh_jti, _tokens(_now()), _now(), 10, client="client-b"
    )
    assert replay.outcome is RotationOutcome.REUSE
    assert replay.successor is None
    assert await backend.sessions.get(session.id) is None
    assert await backend.blacklisted(successor.access_jti)


async def test_unknown_generation_is_reuse(backend):
    session, _ = await _open(backend)
    result = await _rotate(backend, session.id, "not-a-member", _tokens(_now()), _now(), 10)
    assert result.outcome is RotationOutcome.REUSE


async def test_missing_session_reported(backend):
    result = await _rotate(backend, uuid.uuid4().hex, "x", _tokens(_now()), _now(), 10)
    assert result.outcome is RotationOutcome.MISSING


async def test_expired_session_reported_and_ended(backend):
    now = _now()
    session, tokens = await _open(backend, expires_at=now + timedelta(seconds=5))
    later = now + timedelta(seconds=6)
    result = await _rotate(backend, session.id, tokens.refresh_jti, _tokens(later), later, 10)
    assert result.outcome is RotationOutcome.EXPIRED


async def test_parallel_rotation_has_one_winner(backend):
    session, tokens = await _open(backend)
    results = await asyncio.gather(
        *(
            _rotate(backend, session.id, tokens.refresh_jti, _tokens(_now()), _now(), 0)
            for _ in range(10)
        )
    )
    outcomes = [r.outcome for r in results]
    assert outcomes.count(RotationOutcome.ROTATED) == 1


async def test_revoke_writes_blacklist_event_and_ends_sessions(backend):
    user = uuid.uuid4()
    first, first_tokens = await _open(backend, user)
    second, second_tokens = await _open(backend, user)
    now = _now()
    explicit = Revocation(
        jti=uuid.uuid4().hex,
        user_id=user,
        expires_at=now + timedelta(minutes=5),
        reason="logout_all",
    )
    await backend.revocations.revoke(
        RevocationRequest(
            revocations=[explicit],
            session_ids=[first.id, second.id],
            not_before_user=user,
            reason="logout_all",
        ),
        now,
    )
    assert await backend.sessions.list_for_user(user) == []
    for jti in (explicit.jti, first_tokens.access_jti, second_tokens.access_jti):
        assert await backend.blacklisted(jti)
    events = await backend.outbox()
    assert events[0] == encode_event(explicit, now)
    assert sorted(json.loads(e)["jti"] for e in events) == sorted(
        [explicit.jti, first_tokens.access_jti, second_tokens.access_jti]
    )
    assert await backend.checker.is_revoked(
        _claims(first_tokens, first, issued=now - timedelta(seconds=5))
    )


async def test_session_event_matches_python_encoder_byte_for_byte(backend):
    session, tokens = await _open(backend)
    now = _now()
    await backend.revocations.revoke(
        RevocationRequest(session_ids=[session.id], reason="logout"), now
    )
    expected = encode_event(
        Revocation(
            jti=tokens.access_jti,
            user_id=session.user_id,
            expires_at=tokens.access_expires_at,
            reason="logout",
        ),
        now,
    )
    assert await backend.outbox() == [expected]


async def test_expired_token_needs_no_blacklist(backend):
    now = _now()
    gone = Revocation(
        jti=uuid.uuid4().hex,
        user_id=uuid.uuid4(),
        expires_at=now - timedelta(seconds=1),
        reason="logout",
    )
    await backend.revocations.revoke(RevocationRequest(revocations=[gone]), now)
    assert not await backend.blacklisted(gone.jti)
    assert await backend.outbox() == []


async def test_not_before_refuses_older_tokens_only(backend):
    session, _ = await _open(backend)
    now = _now()
    await backend.revocations.revoke(
        RevocationRequest(not_before_user=session.user_id, reason="logout_all"), now
    )
    other = _tokens(now)
    assert await backend.checker.is_revoked(
        _claims(other, session, issued=now - timedelta(seconds=2))
    )
    assert not await backend.checker.is_revoked(
        _claims(other, session, issued=now + timedelta(seconds=2))
    )


async def test_sessions_listed_per_user(backend):
    user = uuid.uuid4()
    a, _ = await _open(backend, user)
    b, _ = await _open(backend, user)
    await _open(backend)
    listed = await backend.sessions.list_for_user(user)
    assert sorted(s.id for s in listed) == sorted([a.id, b.id])
    assert (await backend.sessions.get(a.id)).client.device_id == "phone"


async def test_rate_limiter_counts_per_key(backend):
    key = f"test:{uuid.uuid4().hex}"
    results = [await backend.limiter.hit(key, 3, 60) for _ in range(5)]
    assert results[:3] == [None, None, None]
    assert all(isinstance(r, int) and 1 <= r <= 60 for r in results[3:])
    assert await backend.limiter.hit(f"{key}:other", 3, 60) is None
