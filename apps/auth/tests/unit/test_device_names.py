"""Device names from real user agents of the phones Eco²'s users carry, and hostile ones."""

from __future__ import annotations

import pytest

from apps.auth.domain.device import clean_user_agent
from apps.auth.domain.session import MAX_USER_AGENT_LENGTH
from apps.auth.infrastructure.user_agent_names import UapDeviceNamer

KAKAO_ANDROID = (
    "Mozilla/5.0 (Linux; Android 13; SM-S918N Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.144 Mobile Safari/537.36;KAKAOTALK 2410450"
)
KAKAO_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 KAKAOTALK 10.4.5"
)
NAVER_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-S921N Build/UP1A.231005.007; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/121.0.6167.178 Mobile Safari/537.36 "
    "NAVER(inapp; search; 2000; 12.3.5)"
)
SAMSUNG = (
    "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S928N) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
MAC_CHROME = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)

NAMER = UapDeviceNamer()


@pytest.mark.parametrize(
    ("agent", "label", "browser", "os", "in_app"),
    [
        (KAKAO_ANDROID, "KakaoTalk in-app browser", "Android WebView", "Android", "KakaoTalk"),
        (KAKAO_IOS, "KakaoTalk in-app browser", "iOS WebView", "iPhone", "KakaoTalk"),
        (NAVER_ANDROID, "NAVER in-app browser", "Android WebView", "Android", "NAVER"),
        (SAMSUNG, "Samsung Internet · Android", "Samsung Internet", "Android", None),
        (IPHONE_SAFARI, "Safari · iPhone", "Safari", "iPhone", None),
        (ANDROID_CHROME, "Chrome · Android", "Chrome", "Android", None),
        (MAC_CHROME, "Chrome · macOS", "Chrome", "macOS", None),
    ],
)
def test_device_named_when_user_agent_is_a_known_phone_or_app(
    agent: str, label: str, browser: str, os: str, in_app: str | None
) -> None:
    device = NAMER.name(agent)

    assert (device.label, device.browser, device.os, device.in_app) == (
        label,
        browser,
        os,
        in_app,
    )


@pytest.mark.parametrize(
    "agent",
    [
        None,
        "",
        "<script>alert(1)</script>",
        "\x00\x1b[31m\x7f",
        "\u202e\u200bevil",
        "A" * 100_000,
        "Mozilla/5.0 (<img src=x onerror=alert(1)>)",
    ],
)
def test_unknown_device_without_markup_when_user_agent_is_hostile(agent: str | None) -> None:
    device = NAMER.name(agent)

    for text in (device.label, device.browser, device.os, device.in_app):
        assert text is None or ("<" not in text and ">" not in text and len(text) <= 96)
    assert device.label == "Unknown device"


def test_user_agent_capped_and_stripped_of_controls_when_cleaned() -> None:
    cleaned = clean_user_agent("Mozilla\x00/5.0\r\n\u202e" + "x" * 1000)

    assert cleaned is not None
    assert len(cleaned) <= MAX_USER_AGENT_LENGTH
    assert cleaned.startswith("Mozilla/5.0x")
    assert not any(ch in cleaned for ch in "\x00\r\n\u202e")


def test_long_user_agent_still_named_when_its_start_is_a_real_browser() -> None:
    device = NAMER.name(ANDROID_CHROME + " " + "pad" * 10_000)

    assert device.label == "Chrome · Android"
