"""The account page's languages: Korean first, English on request, one catalogue each.

The catalogues are the JSON files the page's script loads (`static/i18n/<lang>.json`); the
server fills the page's fixed text from the same files, so the two never disagree.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from fastapi import Request

CATALOGUE_DIR = Path(__file__).parent / "static" / "i18n"
LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "ko"
# Set by the page's language switch (its script), read here; nothing else is kept.
LANGUAGE_COOKIE = "eco2_lang"
_RANGE = re.compile(
    r"^\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]{1,5}))?\s*$"
)


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    return dict(json.loads((CATALOGUE_DIR / f"{language}.json").read_text(encoding="utf-8")))


def from_accept_language(header: str | None) -> str | None:
    """The supported language the header prefers most (RFC 9110 weights), or None."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "")[:1000].split(",")[:32]):
        match = _RANGE.match(part)
        if match is None:
            continue
        try:
            weight = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        language = match.group(1).lower()
        if language in LANGUAGES and weight > 0:
            ranked.append((-weight, position, language))
    return min(ranked)[2] if ranked else None


def page_language(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return str(chosen)
    return from_accept_language(request.headers.get("accept-language")) or DEFAULT_LANGUAGE


def translate(language: str, key: str, **values: str) -> str:
    text = catalogue(language)[key]
    for name, value in values.items():
        text = text.replace(f"{{{name}}}", value)
    return text
