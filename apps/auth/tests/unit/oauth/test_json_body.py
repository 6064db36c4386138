from __future__ import annotations

import pytest

from apps.auth.infrastructure.oauth.json_body import MAX_DEPTH, MalformedBody, parse_object


def _nested(depth: int) -> bytes:
    """An object whose innermost value sits `depth` containers deep, arrays after the first."""
    return b'{"a":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


def test_object_is_returned_when_body_is_a_plain_provider_answer() -> None:
    assert parse_object(b'{"id": 42, "kakao_account": {"profile": {"nickname": "n"}}}') == {
        "id": 42,
        "kakao_account": {"profile": {"nickname": "n"}},
    }


def test_object_is_returned_when_nesting_is_exactly_the_limit() -> None:
    assert parse_object(_nested(MAX_DEPTH))["a"]


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 100_000])
def test_refused_without_recursion_error_when_nesting_exceeds_the_limit(depth: int) -> None:
    with pytest.raises(MalformedBody):
        parse_object(_nested(depth))


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"<html>502 Bad Gateway</html>",
        b'{"access_token": "tru',
        b'[{"access_token": "x"}]',
        b'"just a string"',
        b"null",
        b'{"access_token": NaN}',
        b'{"access_token": "\xff\xfe"}',
        b'{"id": 1' + b"0" * 5000 + b"}",
    ],
    ids=["empty", "html", "truncated", "array", "string", "null", "nan", "bad-utf8", "huge-int"],
)
def test_refused_when_body_is_not_a_json_object(raw: bytes) -> None:
    with pytest.raises(MalformedBody):
        parse_object(raw)
