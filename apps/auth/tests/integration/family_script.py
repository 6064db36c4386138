"""A token-family script (open / rotate / adopt / revoke / logout-all / v1's own moves / time)
played against one backend; ids come from the step, so two backends playing it agree."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from apps.auth.application.common.token_ports import (
    RefreshBudget,
    RevocationRequest,
    RotationRequest,
    SessionTokens,
)
from apps.auth.application.token.ports import AdoptionOutcome, AdoptionRequest
from apps.auth.domain.revocation_reason import RevocationReason
from apps.auth.domain.session import ClientInfo, Session
from apps.auth.domain.token import Successor, TokenClaims, TokenType
from apps.auth.domain.token_family import Presented, RotationOutcome, token_digest

SESSION_SECONDS, ACCESS_SECONDS, GRACE = 20, 60, 5
BUDGET_LIMIT, BUDGET_WINDOW = 3, 10


@dataclass
class Family:
    sid: str
    first: str
    current: str
    previous: str = ""


@dataclass
class Run:
    """`v1_register(jti, expires_at)` / `v1_forget(jti)` play v1 writing its own records;
    `v1_age(now, seconds)` ages v1's records with the script's clock: they live by TTLs, which
    the script's clock does not move."""

    sessions: Any
    revocations: Any
    checker: Any
    legacy: Any
    v1_register: Any
    v1_forget: Any
    prefix: str
    user: uuid.UUID
    now: datetime
    budget: bool
    v1_age: Any = None
    families: dict[int, Family] = field(default_factory=dict)
    v1_tokens: dict[int, str] = field(default_factory=dict)
    issued: list[TokenClaims] = field(default_factory=list)
    refresh_jtis: list[str] = field(default_factory=list)

    def tokens(self, step: int) -> SessionTokens:
        self.refresh_jtis.append(f"{self.prefix}-r{step}")
        return SessionTokens(
            access_jti=f"{self.prefix}-a{step}",
            access_expires_at=self.now + timedelta(seconds=ACCESS_SECONDS),
            refresh_jti=f"{self.prefix}-r{step}",
            refresh_expires_at=self.now + timedelta(seconds=SESSION_SECONDS),
            refresh_digest=token_digest(f"token-{self.prefix}-r{step}"),
        )

    def session(self, sid: str) -> Session:
        return Session(
            id=sid,
            user_id=self.user,
            provider="dev",
            client=ClientInfo(ip="192.0.2.1", user_agent="parity"),
            created_at=self.now,
            last_used_at=self.now,
            expires_at=self.now + timedelta(seconds=SESSION_SECONDS),
        )

    def remember(self, sid: str, tokens: SessionTokens) -> None:
        self.issued.append(self.claims(tokens.access_jti, sid, tokens.access_expires_at))

    def claims(self, jti: str, sid: str, expires_at: datetime) -> TokenClaims:
        return TokenClaims(
            sub=self.user,
            jti=jti,
            type=TokenType.ACCESS if sid else TokenType.REFRESH,
            provider="dev",
            sid=sid,
            issued_at=self.now,
            expires_at=expires_at,
        )


async def step(run: Run, index: int, operation: tuple[Any, ...]) -> object:
    match operation:
        case ("open", slot):
            tokens, sid = run.tokens(index), f"{run.prefix}-s{index}"
            await run.sessions.open(run.session(sid), tokens)
            run.families[slot] = Family(
                sid=sid, first=tokens.refresh_jti, current=tokens.refresh_jti
            )
            run.remember(sid, tokens)
            return "opened"
        case ("rotate", slot, which, client, *proof):
            family = run.families.get(slot) or Family(sid="nowhere", first="", current="")
            jti = {"current": family.current, "previous": family.previous, "first": family.first}
            return await rotate(run, index, family, jti[which] or "none", client, *proof)
        case ("v1_login", slot):
            run.v1_tokens[slot] = jti = f"{run.prefix}-v{index}"
            run.refresh_jtis.append(jti)
            await run.v1_register(jti, run.now + timedelta(seconds=SESSION_SECONDS))
        case ("v1_spend", slot):
            family = run.families.get(slot)
            await run.v1_forget(family.current if family else run.v1_tokens.get(slot, "none"))
        case ("adopt", slot, client):
            return await adopt(run, index, slot, client)
        case ("revoke", slot):
            family = run.families.get(slot)
            reason = RevocationReason.SESSION_REVOKED
            request = RevocationRequest(session_ids=[family.sid] if family else [], reason=reason)
            await run.revocations.revoke(request, run.now)
        case ("logout_all",):
            request = RevocationRequest(
                session_ids=[f.sid for f in run.families.values()],
                not_before_user=run.user,
                reason=RevocationReason.LOGOUT_ALL,
            )
            await run.revocations.revoke(request, run.now)
        case ("advance", seconds):
            run.now += timedelta(seconds=seconds)
            if run.v1_age is not None:
                await run.v1_age(run.now, seconds)
    return None


async def rotate(
    run: Run, index: int, family: Family, jti: str, client: str, proof: str = "signed"
) -> object:
    """`proof`: "signed" presents the token as signature-checked; "unchecked" presents it
    unchecked, with the digest of the token itself; "forged" unchecked, with another token's."""
    tokens = run.tokens(index)
    digest = {
        "signed": "",
        "unchecked": token_digest(f"token-{jti}"),
        "forged": token_digest(f"forged-{jti}"),
    }[proof]
    budget = None
    if run.budget:
        budget = RefreshBudget(
            key=f"refresh:user:{run.user}", limit=BUDGET_LIMIT, window_seconds=BUDGET_WINDOW
        )
    result = await run.sessions.rotate(
        RotationRequest(
            session_id=family.sid,
            presented=Presented(refresh_jti=jti, client=client, digest=digest),
            presented_token=f"token-{jti}",
            tokens=tokens,
            successor=Successor(access=f"A{index}", refresh=f"R{index}"),
            now=run.now,
            grace_seconds=GRACE,
            budget=budget,
        )
    )
    if result.outcome is RotationOutcome.ROTATED:
        family.previous, family.current = jti, tokens.refresh_jti
        run.remember(family.sid, tokens)
    return (result.outcome, result.user_id is not None, result.successor, result.retry_after)


async def adopt(run: Run, index: int, slot: int, client: str) -> object:
    jti = run.v1_tokens.get(slot, "none")
    sid, tokens = f"{run.prefix}-s{index}", run.tokens(index)
    result = await run.legacy.adopt(
        AdoptionRequest(
            presented=run.claims(jti, "", run.now + timedelta(seconds=SESSION_SECONDS)),
            presented_token=f"token-{jti}",
            client=client,
            session=run.session(sid),
            tokens=tokens,
            successor=Successor(access=f"A{index}", refresh=f"R{index}"),
            now=run.now,
            grace_seconds=GRACE,
        )
    )
    if result.outcome is AdoptionOutcome.ADOPTED:
        run.families[slot] = Family(sid=sid, first=jti, current=tokens.refresh_jti, previous=jti)
        run.remember(sid, tokens)
    elif result.outcome is AdoptionOutcome.ALREADY_ADOPTED:
        family = Family(sid=result.session_id or "", first=jti, current="")
        return (result.outcome, await rotate(run, index, family, jti, client))
    return (result.outcome, result.session_id is not None)


async def play(run: Run, script: list[tuple[Any, ...]]) -> list[object]:
    outcomes = [await step(run, i, op) for i, op in enumerate(script)]
    outcomes.append([await run.checker.is_revoked(claims) for claims in run.issued])
    return outcomes
