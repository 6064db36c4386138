"""Attacks on the account page: markup from the provider or the URL stays text, never code."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By

from apps.auth.presentation.http.page_language import catalogue
from apps.auth.tests.browser.chromium import chromium
from apps.auth.tests.browser.page import sign_in_with_dev, text_of, wait_sessions, wait_state

PAYLOAD = "<img src=x onerror=\"document.title='owned'\">"


def _no_alert(browser) -> None:
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018


def test_markup_in_the_provider_name_is_shown_as_text_when_signing_in(service):
    with chromium() as browser:
        sign_in_with_dev(browser, service, PAYLOAD)
        wait_sessions(browser, 1)

        assert text_of(browser, "#name") == PAYLOAD
        assert browser.find_elements(By.CSS_SELECTOR, "#signed-in img") == []
        assert browser.title == "Eco² account"
        _no_alert(browser)


GENERIC = "The sign-in did not complete. Start again from this page."
GENERIC_KO = catalogue("ko")["code.SIGN_IN_FAILED"]
CRAFTED = [
    PAYLOAD,
    "Your account is locked. Call +1 555 0100 to unlock it",
    "constructor",
    "__proto__",
    "toString",
    "",
]


@pytest.mark.parametrize(
    "crafted",
    CRAFTED,
    ids=["markup", "phishing-sentence", "constructor", "proto", "to-string", "empty"],
)
def test_text_a_crafted_error_link_brings_never_appears_on_the_page(service, crafted):
    with chromium() as browser:
        browser.get(f"{service}/#/login?error={quote(crafted)}")
        wait_state(browser, "signed-out")

        assert text_of(browser, "#error-code") == "SIGN_IN_FAILED"
        assert text_of(browser, "#error-text") == GENERIC
        if crafted:
            assert crafted not in browser.find_element(By.TAG_NAME, "body").text
        assert browser.find_elements(By.CSS_SELECTOR, "#error img") == []
        assert browser.title == "Eco² account"
        _no_alert(browser)


def test_a_known_error_code_in_the_link_shows_the_catalogue_sentence(service):
    with chromium() as browser:
        browser.get(f"{service}/#/login?error=OAUTH_ACCESS_DENIED")
        wait_state(browser, "signed-out")

        assert text_of(browser, "#error-code") == "OAUTH_ACCESS_DENIED"
        assert text_of(browser, "#error-text") == "The sign-in was cancelled at the login provider."


def test_crafted_error_links_show_only_the_korean_catalogue_sentence(service):
    with chromium(language="ko") as browser:
        for crafted in [*CRAFTED, "code.INVALID_STATE", "SIGN_IN_FAILED<b>", "invalid_state"]:
            browser.get("about:blank")
            browser.get(f"{service}/#/login?error={quote(crafted)}")
            wait_state(browser, "signed-out")

            assert text_of(browser, "#error-code") == "SIGN_IN_FAILED", crafted
            assert text_of(browser, "#error-text") == GENERIC_KO
            if crafted:
                assert crafted not in browser.find_element(By.TAG_NAME, "body").text
            assert browser.title == "Eco² 계정"
            _no_alert(browser)

        browser.get(f"{service}/#/login?error=OAUTH_ACCESS_DENIED")
        wait_state(browser, "signed-out")
        assert text_of(browser, "#error-text") == catalogue("ko")["code.OAUTH_ACCESS_DENIED"]
