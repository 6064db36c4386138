"""Lua run inside Redis: a revocation, its outbox event and the session change land together.

Each script is its prelude, generated from the schema (`lua_prelude.py`), the shared helpers
(`helpers.lua`), the locals of its argument object (`lua_args.py`) and its body (`rotate.lua`,
`revoke.lua`, `adopt.lua`). ROTATE applies `domain/token_family.decide_rotation`, ADOPT
`decide_adoption`, and `event` builds the bytes of `domain/revocation_event.encode_event`;
tests hold each to its Python original.

Every script is atomic but not transactional: Redis runs it alone, yet a write it has made stays
when a later command of the same script fails. So each script checks, before its first write,
everything that could fail later: the type of every key it will write (`expect`) and every
stored field it will compute with (`check_session`). Redis itself refuses an out-of-memory, a
read-only (replica) or a too-few-replicas write only at a script's first write, never after
one. Together: a script either applies all its writes or none of them (what each one writes is
stated above it), and a failure is an error reply the adapters turn into 503.
"""

from __future__ import annotations

from pathlib import Path

from apps.auth.infrastructure.persistence_redis.lua_args import (
    AdoptArgs,
    RevokeArgs,
    RotateArgs,
    ScriptArgs,
)
from apps.auth.infrastructure.persistence_redis.lua_prelude import compose

_HERE = Path(__file__).parent
BODIES: dict[str, tuple[str, type[ScriptArgs]]] = {
    "rotate": ((_HERE / "rotate.lua").read_text(), RotateArgs),
    "revoke": ((_HERE / "revoke.lua").read_text(), RevokeArgs),
    "adopt": ((_HERE / "adopt.lua").read_text(), AdoptArgs),
}


def script(name: str, *, leeway_seconds: int = 0) -> str:
    """The whole source of script `name`; entries it blacklists outlive each token by
    `leeway_seconds` (verification accepts a token that long past its `exp`)."""
    body, args = BODIES[name]
    return compose(body, args, leeway_seconds=leeway_seconds)
