from __future__ import annotations

import pytest

from apps.auth.domain.errors import OAuthProviderError
from apps.auth.domain.user import ProviderIdentity
from apps.auth.infrastructure.oauth.profiles import (
    MAX_IMAGE_URL,
    MAX_NICKNAME,
    build_profile,
    mapping,
)

GOOD = {"email": "eco@example.com", "nickname": "에코 🌱", "image": "https://k.kakaocdn.net/a.jpg"}


def test_profile_keeps_every_field_when_all_are_well_formed() -> None:
    profile = build_profile("kakao", 4242, **GOOD)

    assert profile.identity == ProviderIdentity(provider="kakao", subject="4242")
    assert (profile.email, profile.nickname, profile.profile_image_url) == tuple(GOOD.values())


def test_optional_fields_are_none_when_provider_leaves_them_out_or_empty() -> None:
    profile = build_profile("google", "1077", email=None, nickname="", image="")

    assert (profile.email, profile.nickname, profile.profile_image_url) == (None, None, None)


@pytest.mark.parametrize(
    "subject",
    [None, True, -1, 1.5, {"$ne": 1}, ["42"], "", " 42", "4\x002", "x" * 256, "a\u202eb"],
    ids=["null", "bool", "negative", "float", "object", "list", "empty", "padded", "nul",
         "long", "bidi"],
)  # fmt: skip
def test_refused_when_user_id_is_missing_or_hostile(subject: object) -> None:
    with pytest.raises(OAuthProviderError) as caught:
        build_profile("naver", subject)

    assert caught.value.code == "OAUTH_PROVIDER_ERROR"
    assert "field id" in caught.value.detail


@pytest.mark.parametrize(
    "nickname",
    [["a", "b"], {"x": 1}, 42, False, "n" * (MAX_NICKNAME + 1), "evil\x00name", "bell\x07",
     "line\nbreak", "\u202egnp.exe", "a\u2066b"],
    ids=["list", "object", "int", "bool", "long", "nul", "bel", "newline", "rlo", "isolate"],
)  # fmt: skip
def test_refused_when_nickname_has_wrong_type_length_or_control_characters(
    nickname: object,
) -> None:
    with pytest.raises(OAuthProviderError) as caught:
        build_profile("kakao", 1, nickname=nickname)

    assert "field nickname" in caught.value.detail


@pytest.mark.parametrize(
    "image",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:image/png;base64,iVBORw0KGgo=",
        "http://img.example.com/a.png",
        "//img.example.com/a.png",
        "https://",
        "https://user:pw@img.example.com/a.png",
        "https://img.example.com/a b.png",
        "https://img.example.com/a.png\r\nSet-Cookie: x=1",
        'https://img.example.com/"onerror="alert(1)',
        "https://img.example.com/\u0430.png",
        "https://[::1/a.png",
        "https://img.example.com/" + "a" * MAX_IMAGE_URL,
        ["https://img.example.com/a.png"],
        {"url": "https://img.example.com/a.png"},
    ],
)
def test_refused_when_profile_image_is_not_a_plain_https_url(image: object) -> None:
    with pytest.raises(OAuthProviderError) as caught:
        build_profile("google", "1077", image=image)

    assert "field profile image" in caught.value.detail


@pytest.mark.parametrize(
    "email",
    ["not-an-email", "a@b", "@example.com", "eco@", "eco@@example.com", "eco@example.com\r\nBcc: x",
     "<script>@example.com", "eco example@example.com", "eco@-example.com", "e" * 65 + "@x.com",
     "eco@" + "a" * 250 + ".com"],
)  # fmt: skip
def test_email_is_dropped_but_login_kept_when_email_is_not_shaped_like_one(email: str) -> None:
    profile = build_profile("naver", "nv-1", email=email, nickname="n")

    assert profile.email is None
    assert profile.identity.subject == "nv-1"


@pytest.mark.parametrize("email", [["eco@example.com"], {"v": 1}, 7])
def test_refused_when_email_has_the_wrong_type(email: object) -> None:
    with pytest.raises(OAuthProviderError):
        build_profile("naver", "nv-1", email=email)


@pytest.mark.parametrize("value", [[], "account", 3, True])
def test_refused_when_a_nested_profile_object_has_the_wrong_type(value: object) -> None:
    with pytest.raises(OAuthProviderError) as caught:
        mapping("kakao", "kakao_account", value)

    assert "kakao_account" in caught.value.detail


def test_nested_profile_object_is_empty_when_provider_omits_it() -> None:
    assert mapping("kakao", "kakao_account", None) == {}
