"""What a user agent names: a device people recognise, and the safe text it came from."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# The cap every store already applies to a user agent (sessions in Redis, login_audits).
USER_AGENT_MAX = 512


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
    """The user agent capped at USER_AGENT_MAX, without control or format characters.

    Header values are Latin-1 on the wire, but stores written by others may hold anything,
    so every Unicode control (Cc) and format (Cf: bidi overrides, zero-width) character goes.
    """
    if value is None:
        return None
    kept = "".join(c for c in value[:USER_AGENT_MAX] if unicodedata.category(c) not in _HIDDEN)
    return kept.strip() or None


_HIDDEN = frozenset(("Cc", "Cf", "Cs", "Co", "Cn"))
