from __future__ import annotations

from apps.auth.domain.notice import Notice, encode_notice
from apps.auth.infrastructure.memory.memory_token_state import MemoryTokenState


class MemoryNoticeOutbox:
    """Notices appended to the embedded outbox, beside the revocation events, as bytes."""

    def __init__(self, *, state: MemoryTokenState) -> None:
        self._state = state

    async def publish(self, notice: Notice) -> None:
        self._state.outbox.append(encode_notice(notice))
