"""The first lines of every Lua script, generated from the schema and the domain's enums.

`constants()` turns each key pattern, session field, revocation reason and outcome into a Lua
local (`KEY_SESSION`, `FIELD_UID`, `REASON_REFRESH_REUSE`, `OUTCOME_ROTATED`, ...), so the
scripts name them and never spell them; a test fails if a script uses a name not defined here.
`compose` puts a script together: constants, the shared helpers (`helpers.lua` next to this
module), the locals of its argument object, the body.
"""

from __future__ import annotations

import re
from pathlib import Path

from apps.auth.domain.revocation_reason import RevocationReason
from apps.auth.domain.token_family import AdoptionOutcome, RotationOutcome
from apps.auth.infrastructure.persistence_redis import schema
from apps.auth.infrastructure.persistence_redis.lua_args import ScriptArgs, lua_locals

HELPERS = (Path(__file__).parent / "helpers.lua").read_text()
_PLAIN = re.compile(r"[A-Za-z0-9_:.-]*")


def lua_string(value: str) -> str:
    if not _PLAIN.fullmatch(value):
        raise ValueError(f"{value!r} is not a plain Redis name")
    return f"'{value}'"


def names() -> dict[str, str]:
    """Every generated Lua name with the value it stands for."""
    table = {key.lua: key.prefix for key in schema.KEYS}
    table |= {f"FIELD_{field.name}": field.value for field in schema.SessionField}
    table |= {f"REASON_{reason.name}": reason.value for reason in RevocationReason}
    table |= {f"OUTCOME_{outcome.name}": outcome.value for outcome in RotationOutcome}
    table |= {f"ADOPTION_{outcome.name}": outcome.value for outcome in AdoptionOutcome}
    table |= {"SPENT": schema.SPENT, "EVENT_FIELD": schema.OUTBOX_EVENT_FIELD}
    return table


def constants() -> str:
    return "".join(f"local {name} = {lua_string(value)}\n" for name, value in names().items())


def compose(body: str, args: type[ScriptArgs], *, leeway_seconds: int = 0) -> str:
    """A whole script; its blacklist entries outlive each token by `leeway_seconds`."""
    return (
        constants() + f"local LEEWAY = {int(leeway_seconds)}\n" + HELPERS + lua_locals(args) + body
    )
