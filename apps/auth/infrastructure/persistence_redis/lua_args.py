"""The arguments of each Lua script, named and typed: one frozen dataclass per script.

`to_argv` sends the fields in declaration order as few arguments as Redis allows: one JSON
array holding every field but the binary ones (a float as its text), then each `bytes` field as
it is. `lua_locals` generates the script's first lines from the same fields (`local ARGS =
cjson.decode(ARGV[1])`, then `local sid, presented, ... = ARGS[1], ARGS[2], ...`): a float
through `tonumber` and also as `<name>_text`, exactly as sent; numbers, flags and lists as JSON
gives them; a binary field from its own argument. So the two sides cannot drift apart, and a
call sends one or two script arguments instead of one per field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, TypedDict

import orjson

from apps.auth.application.common.token_ports import SessionTokens
from apps.auth.domain.revocation_event import iso_utc

Arg = str | bytes | int | float


@dataclass(frozen=True, slots=True, kw_only=True)
class _Layout:
    """Where each field travels: `packed` (name, is a float) in the JSON array, in declaration
    order; `binary` the `bytes` fields, one argument each after it. `read_packed` and
    `read_binary` read those fields' values in that order, `floats` are the positions in the
    array that travel as text."""

    packed: tuple[tuple[str, bool], ...]
    binary: tuple[str, ...]
    read_packed: Callable[[Any], tuple[Any, ...]]
    read_binary: Callable[[Any], tuple[Any, ...]]
    floats: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ScriptArgs:
    def to_argv(self) -> list[Arg]:
        layout = _layout(type(self))
        values = list(layout.read_packed(self))
        for index in layout.floats:
            values[index] = repr(values[index])
        return [orjson.dumps(values), *layout.read_binary(self)]


_LAYOUTS: dict[type[ScriptArgs], _Layout] = {}


def _layout(args: type[ScriptArgs]) -> _Layout:
    layout = _LAYOUTS.get(args)
    if layout is None:
        declared = fields(args)
        packed = tuple((f.name, str(f.type) == "float") for f in declared if str(f.type) != "bytes")
        binary = tuple(f.name for f in declared if str(f.type) == "bytes")
        layout = _LAYOUTS[args] = _Layout(
            packed=packed,
            binary=binary,
            read_packed=_reader(name for name, _ in packed),
            read_binary=_reader(binary),
            floats=tuple(index for index, (_, is_float) in enumerate(packed) if is_float),
        )
    return layout


def _reader(names: Iterable[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The named attributes' values as one tuple, however many names (one C call)."""
    chosen = tuple(names)
    if not chosen:
        return lambda _: ()
    getter = attrgetter(*chosen)
    if len(chosen) == 1:
        return lambda args: (getter(args),)
    return getter


def lua_locals(args: type[ScriptArgs]) -> str:
    layout = _layout(args)
    packed = {name: (f"ARGS[{i}]", is_float) for i, (name, is_float) in enumerate(layout.packed, 1)}
    binary = {name: f"ARGV[{i}]" for i, name in enumerate(layout.binary, 2)}
    names, values = [], []
    for field in fields(args):
        names.append(field.name)
        if field.name in binary:
            values.append(binary[field.name])
            continue
        raw, is_float = packed[field.name]
        if is_float:
            values.append(f"tonumber({raw})")
            # As sent, to be stored unchanged: Lua would print the number with 14 digits.
            names.append(f"{field.name}_text")
        values.append(raw)
    return f"local ARGS = cjson.decode(ARGV[1])\nlocal {', '.join(names)} = {', '.join(values)}\n"


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


class PairArgs(TypedDict):
    """The new pair's fields, as ROTATE and ADOPT both store them in the session hash."""

    rjti: str
    rdigest: str
    ajti: str
    aexp: int
    aexp_iso: str
    rexp: int


def pair_args(tokens: SessionTokens) -> PairArgs:
    return PairArgs(
        rjti=tokens.refresh_jti,
        rdigest=tokens.refresh_digest,
        ajti=tokens.access_jti,
        aexp=int(tokens.access_expires_at.timestamp()),
        aexp_iso=iso_utc(tokens.access_expires_at),
        rexp=int(tokens.refresh_expires_at.timestamp()),
    )
