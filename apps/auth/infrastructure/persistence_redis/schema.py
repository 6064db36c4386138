"""Every Redis key, hash field and record the service reads or writes, ours and v1's, each with
its type and TTL rule. Python builds keys from here; the Lua scripts get the same names through
a prelude generated from these objects (`lua_prelude.py`), so no name is written twice.

v1's records (eco2-team/backend, apps/auth/infrastructure/persistence_redis/constants.py and
adapters/users_token_store_redis.py): v1 accepts a refresh token at its /refresh only while the
jti is in `user:tokens:{user_id}`; `token:meta:{jti}` holds JSON with `device_id`,
`user_agent` and `issued_at`, both expiring with the token.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from enum import StrEnum

from apps.auth.domain.session import MAX_USER_AGENT_LENGTH


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyPattern:
    """`prefix` + one id; `lua` is the name the generated prelude gives the prefix."""

    lua: str
    prefix: str
    kind: str
    ttl: str
    v1: bool = False

    def of(self, suffix: object) -> str:
        return self.prefix + str(suffix)


STATE = KeyPattern(lua="KEY_STATE", prefix="auth:state:", kind="string", ttl="login state TTL")
SESSION = KeyPattern(
    lua="KEY_SESSION", prefix="auth:session:", kind="hash", ttl="until the session's expiry + 1 s"
)
USER_SESSIONS = KeyPattern(
    lua="KEY_USER_SESSIONS",
    prefix="auth:user-sessions:",
    kind="set",
    ttl="as long as the longest-lived member session",
)
USER_NOT_BEFORE = KeyPattern(
    lua="KEY_USER_NOT_BEFORE", prefix="auth:user-nbf:", kind="string", ttl="access lifetime"
)
SUCCESSOR = KeyPattern(
    lua="KEY_SUCCESSOR", prefix="auth:successor:", kind="string", ttl="the grace window (ms)"
)
ADOPTED = KeyPattern(
    lua="KEY_ADOPTED",
    prefix="auth:adopted:",
    kind="string",
    ttl="the v1 token's remaining life + leeway",
)
RATE = KeyPattern(lua="KEY_RATE", prefix="auth:rl:", kind="string", ttl="the limit's window")
BLACKLIST = KeyPattern(
    lua="KEY_BLACKLIST",
    prefix="blacklist:",
    kind="string",
    ttl="the token's remaining life (ceil) + leeway",
)
V1_TOKENS = KeyPattern(
    lua="KEY_V1_TOKENS",
    prefix="user:tokens:",
    kind="set",
    ttl="the newest member's remaining life (ceil)",
    v1=True,
)
V1_META = KeyPattern(
    lua="KEY_V1_META",
    prefix="token:meta:",
    kind="string",
    ttl="its token's remaining life (ceil)",
    v1=True,
)
# JSON, in v1's own Redis database; the record is `v1_login_state.py`.
V1_LOGIN_STATE = KeyPattern(
    lua="KEY_V1_LOGIN_STATE",
    prefix="oauth:state:",
    kind="string",
    ttl="the login state TTL (v1: 600 s)",
    v1=True,
)

KEYS = (
    STATE,
    SESSION,
    USER_SESSIONS,
    USER_NOT_BEFORE,
    SUCCESSOR,
    ADOPTED,
    RATE,
    BLACKLIST,
    V1_TOKENS,
    V1_META,
    V1_LOGIN_STATE,
)
# Whole keys, not patterns. The outbox stream's name comes from settings (`outbox_stream`, by
# default this one) and reaches the scripts as KEYS[1]; entries are trimmed by MAXLEN, not TTL.
REPLICA_ACK_MARKER = "auth:replica-ack"
OUTBOX_STREAM_DEFAULT = "auth:outbox:revocations"
OUTBOX_EVENT_FIELD = "event"
# The value of a blacklist entry for a spent refresh token (no event is sent for those).
SPENT = "spent"


class SessionField(StrEnum):
    """The fields of a session hash (`SESSION`); times are Unix seconds."""

    UID = "uid"
    PROVIDER = "provider"
    IP = "ip"
    UA = "ua"
    DEVICE = "device"
    CREATED = "created"
    LAST_USED = "last_used"
    EXPIRES = "expires"
    RJTI = "rjti"
    AJTI = "ajti"
    AEXP = "aexp"
    AEXP_ISO = "aexp_iso"
    REXP = "rexp"
    PREV = "prev"
    ROTATED = "rotated"
    ROTBY = "rotby"
    RDIGEST = "rdigest"


# The user agent is stored cut to the domain's one cap.
USER_AGENT_CAP = MAX_USER_AGENT_LENGTH


def remaining_ttl(expires_at: float, now: float) -> int:
    """Seconds a record kept for a token lives: its remaining life rounded up, at least 1.

    Rounded up, never down: token expiries are whole seconds and `now` is not, so rounding
    down would drop the record up to a second before its still-valid token (v1 would refuse
    a live refresh token); up, it outlives the token by under a second, when `exp` refuses it.
    The Lua scripts use the same rule (`remaining_ttl` in the prelude).
    """
    return max(1, math.ceil(expires_at - now))


@dataclass(frozen=True, slots=True, kw_only=True)
class V1TokenMeta:
    """v1's `token:meta:{jti}` record; `issued_at` whole seconds, rounded down."""

    device_id: str | None
    user_agent: str | None
    issued_at: float

    def encode(self) -> str:
        return json.dumps(
            {
                "device_id": self.device_id or None,
                "user_agent": self.user_agent or None,
                "issued_at": math.floor(self.issued_at),
            }
        )
