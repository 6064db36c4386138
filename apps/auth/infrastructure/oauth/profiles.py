"""Turning a provider's untrusted profile JSON into a `ProviderProfile`.

A field of the wrong type, an over-long or control-character-laden name, or a profile image
that is not a plain https URL refuses the login: the provider is not speaking its documented
format, and nothing of it is stored. An email that is not shaped like one is only dropped.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from apps.auth.domain.errors import OAuthProviderError
from apps.auth.domain.user import ProviderIdentity, ProviderProfile

MAX_SUBJECT = 255
MAX_NICKNAME = 100
MAX_EMAIL = 254
MAX_IMAGE_URL = 2048
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"(?=.{1,253}\Z)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+",
    re.ASCII,
)
# Direction overrides and isolates let a name display as something else (CVE-2021-42574).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class InvalidProfile(OAuthProviderError):
    def __init__(self, *, provider: str, field: str) -> None:
        super().__init__(f"{provider} profile field {field} is invalid")


def mapping(provider: str, field: str, value: object) -> dict[str, Any]:
    """A nested object of the profile; absent or null is empty, anything else refuses."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidProfile(provider=provider, field=field)
    return value


def subject_of(provider: str, value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    if not isinstance(value, str) or not _usable_subject(value):
        raise InvalidProfile(provider=provider, field="id")
    return value


def nickname_of(provider: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_NICKNAME or not _displayable(value):
        raise InvalidProfile(provider=provider, field="nickname")
    return value


def email_of(provider: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidProfile(provider=provider, field="email")
    return value if len(value) <= MAX_EMAIL and _EMAIL.fullmatch(value) else None


def image_of(provider: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _https_url(value):
        raise InvalidProfile(provider=provider, field="profile image")
    return value


def _usable_subject(value: str) -> bool:
    return 0 < len(value) <= MAX_SUBJECT and value.isprintable() and value.strip() == value


def _displayable(text: str) -> bool:
    return not any(unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS for ch in text)


def _https_url(value: str) -> bool:
    if len(value) > MAX_IMAGE_URL or not value.isascii() or not value.isprintable():
        return False
    if any(ch.isspace() or ch in "\\<>\"'" for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname) and "@" not in parts.netloc


def build_profile(
    provider: str,
    subject: object,
    *,
    email: object = None,
    nickname: object = None,
    image: object = None,
) -> ProviderProfile:
    return ProviderProfile(
        identity=ProviderIdentity(provider=provider, subject=subject_of(provider, subject)),
        email=email_of(provider, email),
        nickname=nickname_of(provider, nickname),
        profile_image_url=image_of(provider, image),
    )
