from __future__ import annotations

import logging
from collections import OrderedDict
from uuid import UUID

from apps.auth.application.common.ports import Clock, UserExistence
from apps.auth.domain.errors import IdentityInvalid, IdentityUnavailable

logger = logging.getLogger("auth.users")
MAX_REMEMBERED = 50_000


class UserPresence:
    """Whether a user still exists, as a refresh asks it: an answer at most `ttl` seconds old.

    A user deleted at the owner of users can no longer refresh once the answer about them is
    older than `ttl`. An owner that does not answer counts as "still there", and that is not
    remembered: its outage signs nobody out.
    """

    def __init__(self, *, existence: UserExistence, clock: Clock, ttl_seconds: int) -> None:
        self._existence = existence
        self._clock = clock
        self._ttl = ttl_seconds
        self._seen: OrderedDict[UUID, tuple[float, bool]] = OrderedDict()

    async def still_exists(self, user_id: UUID) -> bool:
        now = self._clock.now().timestamp()
        remembered = self._seen.get(user_id)
        if remembered is not None and remembered[0] > now:
            return remembered[1]
        try:
            present = await self._existence.exists(user_id)
        except (IdentityUnavailable, IdentityInvalid):
            logger.warning("users service unavailable: a refresh went ahead unchecked")
            return True
        self._seen[user_id] = (now + self._ttl, present)
        self._seen.move_to_end(user_id)
        if len(self._seen) > MAX_REMEMBERED:
            self._seen.popitem(last=False)
        return present
