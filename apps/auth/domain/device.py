"""What a user agent names: a device people recognise, and the safe text it came from."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from apps.auth.domain.session import MAX_USER_AGENT_LENGTH


@dataclass(frozen=True, slots=True, kw_only=True)
class Device:
    """A readable name for a user agent.

    `label` is English and neutral ("Chrome · Android", "KakaoTalk in-app browser",
    "Unknown device"); `browser`, `os` and `in_app` are the parts it was made from.
    """

    label: str
    browser: str | None
    os: str | None
    in_app: str | None


UNKNOWN_DEVICE = Device(label="Unknown device", browser=None, os=None, in_app=None)


def clean_user_agent(value: str | None) -> str | None:
    """The user agent capped at MAX_USER_AGENT_LENGTH, without control or format characters.

    Header values are Latin-1 on the wire, but stores written by others may hold anything,
    so every Unicode control (Cc) and format (Cf: bidi overrides, zero-width) character goes.
    """
    if value is None:
        return None
    kept = "".join(
        c for c in value[:MAX_USER_AGENT_LENGTH] if unicodedata.category(c) not in _HIDDEN
    )
    return kept.strip() or None


_HIDDEN = frozenset(("Cc", "Cf", "Cs", "Co", "Cn"))
