"""Random bytes from the operating system, read a page at a time and handed out once each.

A refresh needs several random values (two token ids, an audit record's id, a nonce); reading
each with its own `os.urandom` call is a system call each. `RandomPool` reads 4 KiB of the
kernel's CSPRNG output at once and hands every byte of it out exactly once, so those values
come from the same source with one system call per few hundred of them. It serves unique,
unguessable identifiers and nonces; secrets a client must never learn (login state, PKCE
verifiers) are still read directly (`secrets`).

A forked child starts with an empty pool: it would otherwise hand out the bytes its parent
hands out next.
"""

from __future__ import annotations

import os
import threading

CHUNK_BYTES = 4096


class RandomPool:
    def __init__(self, *, chunk_bytes: int = CHUNK_BYTES) -> None:
        self._chunk = chunk_bytes
        self._lock = threading.Lock()
        self._bytes = b""
        self._used = 0

    def take(self, count: int) -> bytes:
        """`count` bytes no other call has been or will be given."""
        with self._lock:
            start, end = self._used, self._used + count
            if end > len(self._bytes):
                self._bytes = os.urandom(max(self._chunk, count))
                start, end = 0, count
            self._used = end
            return self._bytes[start:end]

    def forget(self) -> None:
        """Drops what is left unread (a fresh lock too: one held at a fork stays held)."""
        self._lock = threading.Lock()
        self._bytes = b""
        self._used = 0


SYSTEM_POOL = RandomPool()
os.register_at_fork(after_in_child=SYSTEM_POOL.forget)
