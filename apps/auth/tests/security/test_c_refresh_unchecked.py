"""C7: a refresh token's signature is checked only when the session store does not recognise
the token as, byte for byte, the refresh token it issued last. Attacks on that shortcut: a
token the store did not issue must never move a session, end a family or reach the owner of
users before its signature has been checked, and must be refused as it always was."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from apps.auth.application.common.user_presence import UserPresence
from apps.auth.domain.token import TokenType
from apps.auth.infrastructure.security.jose_token_codec import JoseTokenCodec
from apps.auth.tests.security.attack import (
    b64url,
    live_sessions,
    new_ec_key,
    segment,
    subject_of,
)
from apps.auth.tests.security.test_c_refresh import pair_of, refresh, verify
from apps.auth.tests.support import dev_login, token_payload

BROWSER_IP = "198.51.100.21"


def header_of(token: str) -> dict[str, Any]:
    part = token.split(".")[0]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def re_signed(token: str, key: ec.EllipticCurvePrivateKey) -> str:
    """The token's header and claims, unchanged, under a signature made with `key`."""
    signing_input = token.rsplit(".", 1)[0]
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


@pytest.fixture
def signature_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The refresh tokens whose signature the service checked, in order."""
    checked: list[str] = []
    original = JoseTokenCodec.decode

    def decode(self: JoseTokenCodec, token: str, expected: TokenType) -> Any:
        if expected is TokenType.REFRESH:
            checked.append(token)
        return original(self, token, expected)

    monkeypatch.setattr(JoseTokenCodec, "decode", decode)
    return checked


@pytest.fixture
def presence_asked(monkeypatch: pytest.MonkeyPatch) -> list[uuid.UUID]:
    asked: list[uuid.UUID] = []
    original = UserPresence.still_exists

    async def still_exists(self: UserPresence, user_id: uuid.UUID) -> bool:
        asked.append(user_id)
        return await original(self, user_id)

    monkeypatch.setattr(UserPresence, "still_exists", still_exists)
    return asked


async def test_c7_current_refresh_token_re_signed_by_an_attacker_is_refused_and_moves_nothing(
    api, signature_checks
):
    first = await dev_login(api.client)
    forged = re_signed(first.refresh, new_ec_key())

    answer = await refresh(api.app, forged, BROWSER_IP)

    assert answer.status_code == 401 and answer.json()["code"] == "INVALID_TOKEN"
    assert forged in signature_checks
    # Not rotated: the old access token still verifies, the real refresh token still rotates.
    assert (await verify(api.app, first.access)).status_code == 200
    assert (await refresh(api.app, first.refresh, BROWSER_IP)).status_code == 201


async def test_c7_forged_copy_of_a_spent_refresh_token_does_not_end_the_family(api, redis):
    first = await dev_login(api.client)
    rotated = await refresh(api.app, first.refresh, BROWSER_IP)
    access2, refresh2 = pair_of(rotated)

    # The real spent token presented from elsewhere would be reuse and end the family; a copy
    # with a signature we did not make must be refused before any rule of the family runs.
    stolen_claims = re_signed(first.refresh, new_ec_key())
    answer = await refresh(api.app, stolen_claims, "203.0.113.77")

    assert answer.status_code == 401 and answer.json()["code"] == "INVALID_TOKEN"
    assert len(await live_sessions(redis, subject_of(first.access))) == 1
    assert (await verify(api.app, access2)).status_code == 200
    assert (await refresh(api.app, refresh2, BROWSER_IP)).status_code == 201


async def test_c7_forged_token_naming_a_session_never_reaches_the_owner_of_users(
    api, presence_asked, signature_checks
):
    first = await dev_login(api.client)
    header = header_of(first.refresh)
    stranger = str(uuid.uuid4())
    payload = {**token_payload(first.refresh), "sub": stranger, "jti": uuid.uuid4().hex}
    forged = re_signed(f"{segment(header)}.{segment(payload)}.x", new_ec_key())

    answer = await refresh(api.app, forged, BROWSER_IP)

    assert answer.status_code == 401 and answer.json()["code"] == "INVALID_TOKEN"
    assert presence_asked == []
    assert signature_checks == [forged]
    assert (await refresh(api.app, first.refresh, BROWSER_IP)).status_code == 201


async def test_c7_the_token_issued_last_rotates_unchecked_and_any_other_is_checked(
    api, signature_checks
):
    first = await dev_login(api.client)

    rotated = await refresh(api.app, first.refresh, BROWSER_IP)
    assert rotated.status_code == 201
    assert first.refresh not in signature_checks
    _, refresh2 = pair_of(rotated)

    # The replaced token again, within the grace window from the same client: not the token
    # issued last, so its signature is checked before it gets the same successor.
    replay = await refresh(api.app, first.refresh, BROWSER_IP)
    assert replay.status_code == 201 and pair_of(replay) == pair_of(rotated)
    assert first.refresh in signature_checks

    # (Handing out the kept successor read it back, signature included.)
    signature_checks.clear()
    assert (await refresh(api.app, refresh2, BROWSER_IP)).status_code == 201
    assert signature_checks == []


async def test_c7_a_forged_expired_token_is_refused_for_its_signature_as_before(api, redis):
    first = await dev_login(api.client)
    now = int(time.time())
    stale = {**token_payload(first.refresh), "iat": now - 7200, "nbf": now - 7200, "exp": now - 60}
    expired = re_signed(f"{segment(header_of(first.refresh))}.{segment(stale)}.x", new_ec_key())

    answer = await refresh(api.app, expired, BROWSER_IP)

    # The signature is checked before the expiry, so a forgery learns nothing from the code.
    assert answer.status_code == 401 and answer.json()["code"] == "INVALID_TOKEN"
    assert len(await live_sessions(redis, subject_of(first.access))) == 1


async def test_c7_a_token_sent_the_checked_way_is_signed_one_new_pair_not_two(api, monkeypatch):
    first = await dev_login(api.client)
    assert (await refresh(api.app, first.refresh, BROWSER_IP)).status_code == 201
    signed: list[TokenType] = []
    original = JoseTokenCodec._signing_input

    def signing_input(self: JoseTokenCodec, claims: Any) -> bytes:
        signed.append(claims.type)
        return original(self, claims)

    monkeypatch.setattr(JoseTokenCodec, "_signing_input", signing_input)

    # The replaced token within its grace window: unrecognised unchecked, then checked.
    replay = await refresh(api.app, first.refresh, BROWSER_IP)

    assert replay.status_code == 201
    assert sorted(signed) == sorted([TokenType.ACCESS, TokenType.REFRESH])
