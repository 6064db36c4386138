"""The login-state record of the Eco² auth v2 replaces (v1), written and read by both.

Facts from eco2-team/backend@4c3eebb3 (apps/auth): v1 keeps a login under
`oauth:state:{state}` (infrastructure/persistence_redis/constants.py) in its own Redis
database (setup/config/settings.py `redis_oauth_state_url`, `AUTH_REDIS_OAUTH_STATE_URL`),
as JSON with `provider`, `redirect_uri`, `code_verifier`, `device_id` and `frontend_origin`,
written with SETEX and a 600 s TTL (adapters/state_store_redis.py). It reads `provider` and
takes every other member with `.get`, so the members v2 adds are ignored there. v1 takes the
verifier, device id, redirect URI and frontend origin from its caller without checking them
(presentation/http/controllers/auth/authorize.py), so a record is parsed as untrusted input.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from apps.auth.application.oauth.ports import LoginState
from apps.auth.infrastructure.persistence_redis.schema import V1_LOGIN_STATE

KEY_PREFIX = V1_LOGIN_STATE.prefix
# Members only v2 writes: the hash of the browser binding and the absolute expiry.
BINDING = "browser_binding_hash"
EXPIRES_AT = "expires_at"

_PROVIDER = re.compile(r"[a-z]{1,32}")
# RFC 7636 verifier characters and length; v1 draws 86 of them (secrets.token_urlsafe(64)).
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
# The device ids v2's own authorize accepts (presentation/http/routers/login.py).
_DEVICE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_BINDING = re.compile(r"[0-9a-f]{64}")
_TEXT_LIMIT = 2048
# A record of either version is a few hundred bytes; a larger one is refused unread.
_RECORD_LIMIT = 16_384


def encode(state: LoginState) -> str:
    return json.dumps(
        {
            "provider": state.provider,
            "redirect_uri": state.redirect_uri,
            "code_verifier": state.code_verifier,
            "device_id": state.device_id,
            "frontend_origin": state.frontend_origin,
            BINDING: state.browser_binding_hash,
            EXPIRES_AT: state.expires_at.isoformat(),
        }
    )


class _Refused(Exception):
    """A record member that neither v1 nor v2 would have written."""


def decode(state: str, raw: bytes, live_until: datetime) -> LoginState | None:
    """The login a record describes, or None when the record is not one v1 or v2 writes.

    `live_until` is the key's own expiry: v1 records carry no other. A device id v2 would not
    have accepted is dropped rather than failing the login; every other oddity refuses it.
    """
    try:
        data = json.loads(raw) if len(raw) <= _RECORD_LIMIT else None
        if not isinstance(data, dict):
            raise _Refused
        provider = _text(data, "provider", _PROVIDER)
        if provider is None:
            raise _Refused
        login = LoginState(
            state=state,
            provider=provider,
            browser_binding_hash=_text(data, BINDING, _BINDING),
            code_verifier=_text(data, "code_verifier", _VERIFIER),
            # No origin (v1's caller may leave it out) resolves to the default at the callback.
            frontend_origin=_text(data, "frontend_origin") or "",
            device_id=_device(data),
            expires_at=_expiry(data, live_until),
            redirect_uri=_text(data, "redirect_uri"),
        )
    except (_Refused, ValueError, RecursionError):
        # ValueError covers undecodable bytes and broken JSON; deep nesting exhausts the stack.
        return None
    return login


def _text(data: dict[str, Any], name: str, shape: re.Pattern[str] | None = None) -> str | None:
    """The member as text, None when absent or null; anything else refuses the record."""
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > _TEXT_LIMIT:
        raise _Refused
    if shape is not None and not shape.fullmatch(value):
        raise _Refused
    return value


def _device(data: dict[str, Any]) -> str | None:
    device = data.get("device_id")
    return device if isinstance(device, str) and _DEVICE.fullmatch(device) else None


def _expiry(data: dict[str, Any], live_until: datetime) -> datetime:
    """v2's own expiry when it wrote the record (never later than the key's), else the key's."""
    written = data.get(EXPIRES_AT)
    if written is None:
        return live_until
    if not isinstance(written, str):
        raise _Refused
    try:
        moment = datetime.fromisoformat(written)
    except ValueError:
        raise _Refused from None
    if moment.tzinfo is None:
        raise _Refused
    return min(moment, live_until)
