"""After a soak: do the database, the outbox, the broker and Redis agree with what was done?"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

import asyncpg
from aio_pika.abc import AbstractIncomingMessage
from redis.asyncio import Redis

from benchmarks.soak_load import Tally


@dataclass
class Received:
    """Every message the soak's own queue on `blacklist.events` got, by jti."""

    jtis: dict[str, int] = field(default_factory=dict)
    messages: int = 0

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        async with message.process():
            self.messages += 1
            jti = json.loads(message.body)["jti"]
            self.jtis[jti] = self.jtis.get(jti, 0) + 1


async def drain(redis: Redis, stream: str, group: str, received: Received, seconds: float) -> float:
    """Waits until the relay acknowledged every outbox entry and the queue has them all."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        written = {json.loads(f[b"event"])["jti"] for _, f in await redis.xrange(stream)}
        groups = {g["name"].decode(): g for g in await redis.xinfo_groups(stream)}
        pending = groups[group]["pending"] if group in groups else -1
        lag = groups[group].get("lag") if group in groups else -1
        if pending == 0 and lag == 0 and written <= received.jtis.keys():
            return time.monotonic() - started
        await asyncio.sleep(0.2)
    return -1.0


async def agreement(
    database_dsn: str, redis: Redis, stream: str, received: Received, tally: Tally
) -> dict[str, int]:
    """Counts that must all be zero, except the informative `*_total` ones."""
    connection = await asyncpg.connect(database_dsn)
    try:
        users = await connection.fetchval("SELECT count(*) FROM auth.users")
        orphans = await connection.fetchval(
            "SELECT count(*) FROM auth.users u WHERE NOT EXISTS "
            "(SELECT 1 FROM auth.user_social_accounts s WHERE s.user_id = u.id)"
        )
        successes = await connection.fetchval(
            "SELECT count(*) FROM auth.login_audits WHERE event = 'login_success'"
        )
    finally:
        await connection.close()
    outbox = {json.loads(f[b"event"])["jti"] for _, f in await redis.xrange(stream)}
    async with redis.pipeline(transaction=False) as pipe:
        for user in sorted(tally.users):
            pipe.scard(f"auth:user-sessions:{user}")
        for jti in sorted(tally.logged_out_jtis):
            pipe.exists(f"blacklist:{jti}")
        replies = await pipe.execute()
    sessions, blacklisted = replies[: len(tally.users)], replies[len(tally.users) :]
    return {
        "users_total": int(users),
        "outbox_events_total": len(outbox),
        "broker_messages_total": received.messages,
        "broker_duplicates_total": sum(n - 1 for n in received.jtis.values()),
        "users_not_matching_logins": abs(int(users) - len(tally.users)),
        "users_without_social_account": int(orphans),
        "login_success_audits_not_matching_logins": abs(int(successes) - len(tally.users)),
        "logouts_missing_from_outbox": len(tally.logged_out_jtis - outbox),
        "logouts_missing_from_broker": len(tally.logged_out_jtis - received.jtis.keys()),
        "outbox_events_missing_from_broker": len(outbox - received.jtis.keys()),
        "logouts_missing_blacklist_key": sum(1 for b in blacklisted if not b),
        "sessions_left_open": sum(int(s) for s in sessions),
    }
