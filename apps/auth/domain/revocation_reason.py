"""Why a token was revoked: the `reason` of every blacklist event, in Python and, through the
generated Lua prelude (`persistence_redis/lua_prelude.py`), in the Redis scripts."""

from __future__ import annotations

from enum import StrEnum


class RevocationReason(StrEnum):
    LOGOUT = "logout"
    LOGOUT_ALL = "logout_all"
    SESSION_REVOKED = "session_revoked"
    ACCOUNT_DELETED = "account_deleted"
    LOGIN_FAILED = "login_failed"
    # A rotation replaced the access token.
    REFRESH = "refresh"
    # An already-rotated refresh token came back: the family ends.
    REFRESH_REUSE = "refresh_reuse"
    # The session reached its maximum life.
    SESSION_EXPIRED = "session_expired"
