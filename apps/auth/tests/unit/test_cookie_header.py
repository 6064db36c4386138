"""Token cookies read in the order the browser sent them, duplicates included."""

from __future__ import annotations

import base64
import json

import pytest
from starlette.datastructures import Headers

from apps.auth.presentation.http.cookie_header import cookie_values, newest_token


def jwt_with(**payload: object) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJIUzI1NiJ9.{body}.c2ln"


def headers(*cookie_headers: str) -> Headers:
    return Headers(raw=[(b"cookie", value.encode("latin-1")) for value in cookie_headers])


def test_every_value_of_a_name_in_header_order() -> None:
    sent = headers("s_refresh=first; other=x; s_refresh=second", "s_refresh=third")

    assert cookie_values(sent.getlist("cookie"), ("s_refresh", "other", "missing")) == {
        "s_refresh": ["first", "second", "third"],
        "other": ["x"],
        "missing": [],
    }


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('s_refresh="quoted"', ["quoted"]),
        ("  s_refresh = spaced ;", ["spaced"]),
        ("s_refresh=", []),
        ("s_refresh", []),
        ("xs_refresh=a; s_refreshx=b", []),
        ("s_refresh=a=b", ["a=b"]),
    ],
)
def test_values_are_read_as_starlette_reads_one(header: str, expected: list[str]) -> None:
    assert cookie_values(headers(header).getlist("cookie"), ("s_refresh",)) == {
        "s_refresh": expected
    }


def test_the_newest_token_is_taken_wherever_it_was_sent() -> None:
    old, new = jwt_with(iat=1_700_000_000), jwt_with(iat=1_700_000_900)

    assert newest_token([new, old]) == new
    assert newest_token([old, new]) == new


@pytest.mark.parametrize(
    "other",
    [
        "not-a-token",
        "a.b.c",
        "a.!!!.c",
        jwt_with(iat="1700000900"),
        jwt_with(iat=True),
        jwt_with(sub="no iat"),
        "x." + "A" * 5000 + ".y",
        "x." + base64.urlsafe_b64encode(b"[" * 3000).decode() + ".y",
    ],
)
def test_a_readable_age_outranks_none_and_equal_ages_keep_the_order_sent(other: str) -> None:
    token = jwt_with(iat=1_700_000_000)

    assert newest_token([token, other]) == token
    assert newest_token([other, token]) == token
    assert newest_token([jwt_with(iat=5, n=1), jwt_with(iat=5, n=2)]) == jwt_with(iat=5, n=1)


def test_none_or_one_value() -> None:
    assert newest_token([]) is None
    assert newest_token(["only"]) == "only"
