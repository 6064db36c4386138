"""Device names from user agents, by ua-parser (uap-core's regexes, Apache-2.0).

uap-core reads Korean in-app browsers as the web view they embed ("Chrome Mobile WebView",
"Mobile Safari UI/WKWebView"), so the apps are recognised by the markers they append to the
user agent (`KAKAOTALK 10.4.5`, `NAVER(inapp; search; …)`), the way their own documentation
tells web pages to detect them. device-detector recognises them itself but costs 4-10 ms a
parse against 0.02 ms here, and its package states no licence.
"""

from __future__ import annotations

import functools
import re

from ua_parser import parse

from apps.auth.domain.device import UNKNOWN_DEVICE, Device, clean_user_agent

_IN_APP = (
    (re.compile(r"KAKAOTALK", re.IGNORECASE), "KakaoTalk"),
    (re.compile(r"NAVER\(inapp", re.IGNORECASE), "NAVER"),
    (re.compile(r"\bLine/\d"), "LINE"),
    (re.compile(r"\bDaumApps\b"), "Daum"),
    (re.compile(r"\bInstagram\b"), "Instagram"),
    (re.compile(r"\bFB(?:AN|AV)/"), "Facebook"),
)
_BROWSERS = {
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "Android WebView",
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "iOS WebView",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Edge Mobile": "Edge",
    "NAVER Whale Browser": "Whale",
}
_SYSTEMS = {"Mac OS X": "macOS", "Chrome OS": "ChromeOS"}
_APPLE_DEVICES = ("iPhone", "iPad", "iPod")
# Library families are captured from the user agent; only plain names are passed on.
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._+/()-]{0,39}")


class UapDeviceNamer:
    """Names a user agent "Chrome · Android", "Safari · iPhone", "KakaoTalk in-app browser"."""

    def name(self, user_agent: str | None) -> Device:
        cleaned = clean_user_agent(user_agent)
        return _named(cleaned) if cleaned else UNKNOWN_DEVICE


@functools.lru_cache(maxsize=4096)
def _named(user_agent: str) -> Device:
    try:
        result = parse(user_agent)
    except Exception:
        return UNKNOWN_DEVICE
    family = result.user_agent.family if result.user_agent else None
    browser = _plain(_BROWSERS.get(family or "", family))
    system = _plain(_system(result.os.family if result.os else None, result))
    in_app = next((app for pattern, app in _IN_APP if pattern.search(user_agent)), None)
    if in_app:
        label = f"{in_app} in-app browser"
    else:
        label = " · ".join(part for part in (browser, system) if part) or UNKNOWN_DEVICE.label
    return Device(label=label, browser=browser, os=system, in_app=in_app)


def _system(family: str | None, result: object) -> str | None:
    if family == "iOS":
        device = getattr(getattr(result, "device", None), "family", None)
        return device if device in _APPLE_DEVICES else "iOS"
    return _SYSTEMS.get(family or "", family)


def _plain(value: str | None) -> str | None:
    if not value or value == "Other" or not _PLAIN.fullmatch(value):
        return None
    return value
