"""The arguments of each Lua script, named and typed: one frozen dataclass per script.

`to_argv` lays the fields out in declaration order; `lua_locals` generates the script's first
line from the same fields (`local sid, presented, ... = ARGV[1], ARGV[2], ...`): numbers through
`tonumber` (a float also as `<name>_text`, exactly as sent), flags compared with '1', lists
(one JSON array each) through `cjson.decode`. So the two sides cannot drift apart.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, fields

Arg = str | bytes | int | float


@dataclass(frozen=True, slots=True, kw_only=True)
class ScriptArgs:
    def to_argv(self) -> list[Arg]:
        return [_encode(getattr(self, name)) for name in _names(type(self).__name__)]


@functools.cache
def _names(args: str) -> tuple[str, ...]:
    return tuple(field.name for field in fields(_CLASSES[args]))


def _encode(value: object) -> Arg:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str | bytes | int | float):
        return value
    return json.dumps(value)


def lua_locals(args: type[ScriptArgs]) -> str:
    names, values = [], []
    for position, field in enumerate(fields(args), start=1):
        raw, kind = f"ARGV[{position}]", str(field.type)
        names.append(field.name)
        if kind in ("int", "float"):
            values.append(f"tonumber({raw})")
            if kind == "float":
                # As sent, to be stored unchanged: Lua would print the number with 14 digits.
                names.append(f"{field.name}_text")
                values.append(raw)
        elif kind == "bool":
            values.append(f"{raw} == '1'")
        elif kind in ("str", "bytes"):
            values.append(raw)
        else:
            values.append(f"cjson.decode({raw})")
    return f"local {', '.join(names)} = {', '.join(values)}\n"


@dataclass(frozen=True, slots=True, kw_only=True)
class RotateArgs(ScriptArgs):
    """ROTATE: the presented token of session `sid`, the pair replacing it, the budget."""

    sid: str
    presented: str
    client: str
    rjti: str
    ajti: str
    aexp: int
    aexp_iso: str
    rexp: int
    now: float
    now_iso: str
    grace: int
    sealed: bytes
    maxlen: int
    legacy: bool
    budget_key: str
    budget_limit: int
    budget_ttl: int
    # `presented`'s digest when its signature was not checked (else empty); the new refresh
    # token's digest.
    digest: str
    rdigest: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RevokeArgs(ScriptArgs):
    """REVOKE: explicit entries [jti, ttl, event], sessions, the user's not-before, v1's
    spent refresh tokens [uid, jti, exp]; `nbf_uid` is '' when no not-before is set."""

    legacy: bool
    now: float
    now_iso: str
    maxlen: int
    reason: str
    explicit: Sequence[tuple[str, int, str]]
    sessions: Sequence[str]
    nbf_uid: str
    nbf_value: int
    nbf_ttl: int
    spent: Sequence[tuple[str, str, float]]


@dataclass(frozen=True, slots=True, kw_only=True)
class AdoptArgs(ScriptArgs):
    """ADOPT: the v1 token, the session it becomes with its first pair, the successor."""

    v1_jti: str
    uid: str
    v1_exp: float
    v1_exp_iso: str
    now: float
    now_iso: str
    sid: str
    provider: str
    ip: str
    ua: str
    device: str
    expires: float
    rjti: str
    ajti: str
    aexp: int
    aexp_iso: str
    rexp: int
    meta: str
    client: str
    grace: int
    sealed: bytes
    maxlen: int
    rdigest: str


_CLASSES = {cls.__name__: cls for cls in (RotateArgs, RevokeArgs, AdoptArgs)}
