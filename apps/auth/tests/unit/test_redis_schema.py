"""The Lua scripts name keys, fields, reasons and outcomes only through the prelude generated
from the schema: a script that spells one out, or names one the schema lacks, fails here."""

from __future__ import annotations

import re
from dataclasses import fields

import orjson
import pytest

from apps.auth.infrastructure.persistence_redis import lua, schema
from apps.auth.infrastructure.persistence_redis.lua_args import RotateArgs, lua_locals
from apps.auth.infrastructure.persistence_redis.lua_prelude import HELPERS, lua_string, names

GENERATED = re.compile(r"\b(?:KEY|FIELD|REASON|OUTCOME|ADOPTION)_[A-Z0-9_]+\b")
LITERAL = re.compile(r"'((?:[^'\\]|\\.)*)'")
# Literals that are not names of ours: Redis types and replies, JSON of the revocation event
# (its bytes are golden-tested against `encode_event`), error messages.
REDIS_WORDS = {"hash", "set", "string", "stream", "none", "ok", "*", "~", "0"}
EVENT_JSON = re.compile(r'^[{}",:]*(?:type|add|jti|user_id|expires_at|reason|timestamp|[{}",:])*$')
MESSAGES = {
    "WRONGTYPE ",
    " holds a ",
    ", not a ",
    "BADFIELD ",
    " holds a time that is not a number",
}
MESSAGES |= {" is not a count"}


def sources() -> dict[str, str]:
    return {"helpers.lua": HELPERS} | {name: body for name, (body, _) in lua.BODIES.items()}


def problems(source: str) -> list[str]:
    """Names the schema lacks, and literals that spell out a key, field or other name."""
    found = [f"unknown {n}" for n in GENERATED.findall(source) if n not in names()]
    for line in source.splitlines():
        code = line.split("--", 1)[0]
        for literal in LITERAL.findall(code):
            allowed = (
                re.fullmatch(r"[A-Z]+", literal)
                or literal in REDIS_WORDS
                or literal in MESSAGES
                or EVENT_JSON.fullmatch(literal)
            )
            if not allowed:
                found.append(f"literal {literal!r}")
    return found


@pytest.mark.parametrize("name", list(sources()))
def test_script_names_only_what_the_schema_defines(name: str) -> None:
    assert problems(sources()[name]) == []


@pytest.mark.parametrize(
    "forged",
    [
        "redis.call('DEL', KEY_SESION .. sid)",
        "redis.call('HGET', key, FIELD_USER)",
        "redis.call('DEL', 'auth:adopted:' .. jti)",
        "redis.call('HMGET', key, 'uid', 'ajti')",
        "end_session(stream, maxlen, sid, 'refresh_reuse', now, now_iso, {})",
    ],
)
def test_check_refuses_a_script_that_names_a_key_or_field_outside_the_schema(forged: str) -> None:
    assert problems(forged) != []


@pytest.mark.parametrize("name", list(lua.BODIES))
def test_bodies_take_arguments_by_name_and_never_parse_ids_out_of_keys(name: str) -> None:
    body, _ = lua.BODIES[name]
    assert "ARGV[" not in body
    assert "string.match" not in body and "string.sub" not in body


def test_every_key_pattern_and_field_is_in_the_generated_prelude() -> None:
    prelude = lua.script("rotate")
    for key in schema.KEYS:
        assert f"local {key.lua} = '{key.prefix}'\n" in prelude
    for field in schema.SessionField:
        assert f"local FIELD_{field.name} = '{field.value}'\n" in prelude
    assert len({key.prefix for key in schema.KEYS}) == len(schema.KEYS)


def test_argument_locals_follow_the_dataclass_field_order() -> None:
    first, second = lua_locals(RotateArgs).splitlines()
    assert first == "local ARGS = cjson.decode(ARGV[1])"
    left, right = second.removeprefix("local ").split(" = ")
    assigned, values = left.split(", "), right.split(", ")
    declared = [f.name for f in fields(RotateArgs)]
    assert [n for n in assigned if not n.endswith("_text")] == declared
    now = assigned.index("now")
    assert values[now] == "tonumber(ARGS[9])" and assigned[now + 1] == "now_text"
    assert values[now + 1] == "ARGS[9]" and values[assigned.index("legacy")] == "ARGS[13]"
    # The one binary field travels as its own argument, after the packed ones.
    assert values[assigned.index("sealed")] == "ARGV[2]"
    args = RotateArgs(
        **{f.name: 0 for f in fields(RotateArgs) if f.type in ("int", "float")},
        **{f.name: "" for f in fields(RotateArgs) if f.type == "str"},
        sealed=b"\x00\xff",
        legacy=True,
    )
    packed, sealed = args.to_argv()
    assert sealed == b"\x00\xff"
    values_sent = orjson.loads(packed)
    assert len(values_sent) == len(declared) - 1
    assert values_sent[12] is True and values_sent[8] == "0"


def test_a_name_that_could_break_out_of_a_lua_string_is_refused() -> None:
    with pytest.raises(ValueError):
        lua_string("auth:'..redis.call('FLUSHALL')..'")


@pytest.mark.parametrize(
    ("expires_at", "now", "ttl"),
    [(100.0, 98.2, 2), (100.0, 99.0, 1), (100.0, 99.999, 1), (100.0, 100.5, 1), (160, 100.0, 60)],
)
def test_records_kept_for_a_token_outlive_it_by_under_a_second_never_less(
    expires_at: float, now: float, ttl: int
) -> None:
    assert schema.remaining_ttl(expires_at, now) == ttl
    assert now + schema.remaining_ttl(expires_at, now) >= expires_at
