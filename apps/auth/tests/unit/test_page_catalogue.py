"""The account page's words: every key in both languages, every key the page uses present."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import apps.auth.domain.errors as domain_errors
from apps.auth.presentation.http.page_language import (
    CATALOGUE_DIR,
    LANGUAGES,
    catalogue,
    from_accept_language,
)

STATIC = CATALOGUE_DIR.parent
TEMPLATE = STATIC.parent / "account_page.html"
# `t("key")` and `t(`prefix.${…}`)` in the page's scripts.
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_.A-Z]+)["']""")
PREFIX_KEY = re.compile(r"""\bt\(\s*`([a-z_]+\.)\$\{""")


def _keys(language: str) -> set[str]:
    return set(json.loads((CATALOGUE_DIR / f"{language}.json").read_text(encoding="utf-8")))


def _scripts() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in STATIC.glob("*.js"))


def test_both_catalogues_have_the_same_keys_and_no_empty_sentence():
    korean, english = _keys("ko"), _keys("en")

    assert korean - english == set(), "missing in en.json"
    assert english - korean == set(), "missing in ko.json"
    # The words around the signed-in name: one of the two is empty in each language.
    around_name = {"who.before", "who.after"}
    for language in LANGUAGES:
        empty = {k for k, v in catalogue(language).items() if not v.strip()}
        assert empty <= around_name, language


def test_completeness_check_fails_when_a_key_is_missing_from_one_language():
    english = json.loads((CATALOGUE_DIR / "en.json").read_text(encoding="utf-8"))
    del english["activity.more"]

    assert _keys("ko") - set(english) == {"activity.more"}


def test_every_key_the_page_and_its_scripts_use_is_in_the_catalogues():
    template = TEMPLATE.read_text(encoding="utf-8")
    scripts = _scripts()
    used = set(re.findall(r"\{t:([a-z_.]+)\}", template)) | set(LITERAL_KEY.findall(scripts))

    assert len(used) > 40
    assert used - _keys("ko") == set()
    for prefix in set(PREFIX_KEY.findall(scripts)):
        assert any(key.startswith(prefix) for key in _keys("ko")), prefix


def test_every_error_code_the_service_answers_has_a_sentence_in_both_languages():
    codes = {
        value.code
        for value in vars(domain_errors).values()
        if isinstance(value, type) and issubclass(value, domain_errors.DomainError)
    } | {"INTERNAL_ERROR", "NOT_FOUND", "BAD_REQUEST", "NETWORK_ERROR", "SIGN_IN_FAILED"}

    for language in LANGUAGES:
        assert {code for code in codes if f"code.{code}" not in _keys(language)} == set()


def test_korean_catalogue_is_korean_and_english_one_is_not():
    hangul = re.compile(r"[\uac00-\ud7a3]")
    korean, english = catalogue("ko"), catalogue("en")

    assert hangul.search(korean["code.TOKEN_REVOKED"])
    assert hangul.search(korean["activity.compromised_help"])
    shared = {"lang.ko", "provider.google", "page.title"}
    assert [k for k, v in english.items() if hangul.search(v) and k not in shared] == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", "ko"),
        ("en-US,en;q=0.9", "en"),
        ("en;q=0.5, ko;q=0.8", "ko"),
        ("fr-FR,fr;q=0.9,en;q=0.3", "en"),
        ("ja,zh;q=0.8", None),
        ("en;q=0, ko;q=0.1", "ko"),
        ("en;q=abc", None),
        ("*", None),
        ("en;q=1.0" + ",x" * 5000, "en"),
    ],
)
def test_accept_language_picks_the_preferred_supported_language(header, expected):
    assert from_accept_language(header) == expected


def test_catalogues_are_files_the_page_serves():
    assert sorted(p.name for p in Path(CATALOGUE_DIR).glob("*.json")) == ["en.json", "ko.json"]
