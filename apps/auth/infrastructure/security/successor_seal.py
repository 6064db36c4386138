"""A rotation's successor pair at rest: sealed with a key only the rotated token's holder has.

The pair waits in Redis for the grace window only, encrypted (AES-256-GCM) under a key derived
from the refresh token it replaced, so a copy of Redis alone yields no usable token.
"""

from __future__ import annotations

import hashlib

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from apps.auth.domain.token import Successor
from apps.auth.infrastructure.random_pool import SYSTEM_POOL

_CONTEXT = b"eco2-auth/successor/v1\x00"
_NONCE_BYTES = 12


def _key(presented_token: str) -> bytes:
    return hashlib.sha256(_CONTEXT + presented_token.encode()).digest()


def seal_successor(successor: Successor, presented_token: str) -> bytes:
    nonce = SYSTEM_POOL.take(_NONCE_BYTES)
    plain = orjson.dumps([successor.access, successor.refresh])
    return nonce + AESGCM(_key(presented_token)).encrypt(nonce, plain, _CONTEXT)


def open_successor(sealed: bytes | str, presented_token: str) -> Successor | None:
    """The pair, or None when the blob was not sealed for this token."""
    blob = sealed.encode() if isinstance(sealed, str) else sealed
    nonce, body = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:]
    try:
        access, refresh = orjson.loads(AESGCM(_key(presented_token)).decrypt(nonce, body, _CONTEXT))
    except (InvalidTag, orjson.JSONDecodeError, ValueError, TypeError):
        return None
    return Successor(access=str(access), refresh=str(refresh))
