"""The I-JSON reader's depth bound: brackets that nest are counted, brackets in strings are not."""

from __future__ import annotations

import json

import pytest

from apps.auth_relay.application.ijson import MAX_DEPTH, NotIJson, read_ijson

LIMIT = 1 << 20


def _nested(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


def test_nesting_up_to_the_bound_is_read() -> None:
    assert read_ijson(_nested(MAX_DEPTH), max_bytes=LIMIT) is not None


def test_nesting_past_the_bound_is_refused_before_the_parser_recurses() -> None:
    with pytest.raises(NotIJson) as refused:
        read_ijson(_nested(MAX_DEPTH + 1), max_bytes=LIMIT)
    assert refused.value.reason == "too_deep"


def test_many_brackets_side_by_side_or_inside_strings_are_not_depth() -> None:
    flat = json.dumps({"reason": "[" * 100 + "{" * 100, "list": [[]] * 50}).encode()
    assert read_ijson(flat, max_bytes=LIMIT)["list"] == [[]] * 50


def test_brackets_in_strings_do_not_hide_real_nesting() -> None:
    body = ('{"a": "' + "]" * 40 + '", "b": ' + _nested(MAX_DEPTH + 1).decode() + "}").encode()
    with pytest.raises(NotIJson) as refused:
        read_ijson(body, max_bytes=LIMIT)
    assert refused.value.reason == "too_deep"
