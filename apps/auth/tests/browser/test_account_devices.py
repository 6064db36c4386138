"""Devices with names, recent activity, the language switch and hostile user agents, at phone
and desktop sizes, in Korean and English."""

from __future__ import annotations

from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from apps.auth.tests.browser.chromium import screenshot
from apps.auth.tests.browser.devices import (
    ANDROID_CHROME,
    IPHONE_SAFARI,
    KAKAOTALK,
    reuse_refresh_token,
    sign_in_over_http,
)
from apps.auth.tests.browser.page import (
    as_device,
    csp_violations,
    desktop,
    horizontal_overflow,
    phone,
    sign_in_with_dev,
    text_of,
    visible,
    wait,
    wait_sessions,
    wait_state,
)
from apps.auth.tests.support import API


@pytest.fixture(scope="module")
def service(service_without_grace: str) -> str:
    return service_without_grace


@pytest.fixture(scope="module")
def browser(ko_browser: webdriver.Chrome) -> webdriver.Chrome:
    return ko_browser


def _names(driver: webdriver.Chrome) -> list[str]:
    return [item.text for item in driver.find_elements(By.CSS_SELECTOR, "#sessions .device")]


def _activity_from_the_api(driver: webdriver.Chrome) -> list[dict[str, Any]]:
    script = """
    const done = arguments[arguments.length - 1];
    fetch("/api/v1/auth/me/activity?limit=50").then(r => r.json()).then(b => done(b.items));
    """
    return list(driver.execute_async_script(script))


def _switch_language(driver: webdriver.Chrome, language: str) -> None:
    visible(driver, f'button[data-lang="{language}"]').click()
    wait(driver).until(
        lambda d: d.execute_script("return document.documentElement.lang") == language
    )


def test_user_with_three_devices_sees_three_named_sessions_in_both_languages(service, browser):
    others = [sign_in_over_http(service, "Hana", ua) for ua in (ANDROID_CHROME, IPHONE_SAFARI)]
    as_device(browser, KAKAOTALK, "ko")
    phone(browser)
    sign_in_with_dev(browser, service, "Hana")

    listed = wait_sessions(browser, 3)
    assert sorted(_names(browser)) == sorted(
        ["Chrome · Android", "Safari · iPhone", "카카오톡 인앱 브라우저"]
    )
    [current] = [item for item in listed if item.get_attribute("aria-current") == "true"]
    assert current.find_element(By.CSS_SELECTOR, ".device").text == "카카오톡 인앱 브라우저"
    assert "이 기기" in current.text
    raw = current.find_element(By.CSS_SELECTOR, ".user-agent")
    assert not raw.is_displayed()
    current.find_element(By.TAG_NAME, "summary").click()
    assert raw.text == KAKAOTALK
    assert horizontal_overflow(browser) <= 0
    screenshot(browser, "12-three-devices-ko-phone")

    desktop(browser)
    _switch_language(browser, "en")
    wait_sessions(browser, 3)
    assert sorted(_names(browser)) == sorted(
        ["Chrome · Android", "Safari · iPhone", "KakaoTalk in-app browser"]
    )
    assert "This session" in text_of(browser, "#sessions li[aria-current=true]")
    screenshot(browser, "13-three-devices-en-desktop")
    _switch_language(browser, "ko")
    assert csp_violations(browser) == []
    for device in others:
        device.close()


def test_activity_lists_sign_in_sign_out_and_a_reuse_in_plain_words_with_more_on_demand(
    service, browser
):
    signed_out = sign_in_over_http(service, "Joon", ANDROID_CHROME)
    assert signed_out.post(f"{API}/logout").status_code == 200
    reused = sign_in_over_http(service, "Joon", IPHONE_SAFARI)
    reuse_refresh_token(service, reused)
    for _ in range(9):
        sign_in_over_http(service, "Joon", ANDROID_CHROME).close()
    as_device(browser, KAKAOTALK, "ko")
    phone(browser)
    sign_in_with_dev(browser, service, "Joon")

    wait(browser).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#activity > li")) == 10)
    more = visible(browser, "#activity-more")
    assert browser.find_elements(By.CSS_SELECTOR, "#activity > li")[0].text.find("로그인") >= 0
    more.click()
    wait(browser).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#activity > li")) == 14)
    assert not browser.find_element(By.ID, "activity-more").is_displayed()
    kinds = [
        item.get_attribute("data-kind")
        for item in browser.find_elements(By.CSS_SELECTOR, "#activity > li")
    ]
    assert kinds.count("sign_in") == 12 and kinds.count("sign_out") == 1
    assert kinds.count("session_compromised") == 1
    warning = text_of(browser, '#activity > li[data-kind="session_compromised"]')
    assert "로그아웃시켰습니다" in warning and "본인이 한 일이 아니라면" in warning
    assert "Safari · iPhone" in warning
    listed = _activity_from_the_api(browser)
    badges = browser.find_elements(By.CSS_SELECTOR, "#activity .new-device")
    assert len(badges) == sum(item["new_device"] for item in listed)
    assert horizontal_overflow(browser) <= 0
    browser.execute_script(
        "document.querySelector('#activity [data-kind=session_compromised]').scrollIntoView()"
    )
    screenshot(browser, "14-activity-ko-phone")

    desktop(browser)
    _switch_language(browser, "en")
    wait(browser).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#activity > li")) == 10)
    first = text_of(browser, "#activity > li")
    assert "Signed in with dev" in first and "Network: 127.0.0.x" in first
    visible(browser, "#activity-more").click()
    warning = text_of(browser, '#activity > li[data-kind="session_compromised"]')
    assert "If it wasn't you" in warning
    assert "Signed out" in text_of(browser, '#activity > li[data-kind="sign_out"]')
    screenshot(browser, "15-activity-en-desktop")
    _switch_language(browser, "ko")
    for device in (signed_out, reused):
        device.close()


def test_language_switch_sticks_across_reloads_and_is_reachable_by_keyboard(service, browser):
    as_device(browser, KAKAOTALK, "ko")
    phone(browser)
    browser.get(f"{service}/")
    wait_state(browser, "signed-out")
    assert browser.title == "Eco² 계정"
    assert text_of(browser, "#signed-out-title") == "로그인"
    screenshot(browser, "00-signed-out-ko-phone")

    english = visible(browser, 'button[data-lang="en"]')
    english.send_keys("\ue007")  # Enter
    wait(browser).until(lambda d: d.execute_script("return document.documentElement.lang") == "en")
    wait_state(browser, "signed-out")
    assert text_of(browser, "#signed-out-title") == "Sign in"
    assert browser.switch_to.active_element.get_attribute("data-lang") == "en"
    assert browser.find_element(By.ID, "lang-en").get_attribute("aria-pressed") == "true"
    screenshot(browser, "16-language-switched-to-en-phone")

    browser.refresh()
    wait_state(browser, "signed-out")
    assert browser.title == "Eco² account"
    _switch_language(browser, "ko")
    assert browser.title == "Eco² 계정"
    desktop(browser)


HOSTILE = [
    b"<img src=x onerror=\"document.title='owned'\"><script>alert(1)</script>",
    b"Mozilla/5.0 \x85\x9b[31mred\x9b[0m (\xe2\x80\xae) " + b"A" * 3000,
    b"javascript:alert(1) \"' onmouseover=alert(2) //",
]


def test_hostile_user_agents_are_shown_as_text_and_fit_a_phone(service, browser):
    devices = [sign_in_over_http(service, "Evil", agent) for agent in HOSTILE]
    as_device(browser, IPHONE_SAFARI, "en")
    phone(browser)
    sign_in_with_dev(browser, service, "Evil")

    listed = wait_sessions(browser, 4)
    for item in listed:
        item.find_element(By.TAG_NAME, "summary").click()
    raw = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#sessions .user-agent")]
    assert any("<script>alert(1)</script>" in text for text in raw)
    assert any("javascript:alert(1)" in text for text in raw)
    assert all(len(text) <= 512 for text in raw)
    assert browser.find_elements(By.CSS_SELECTOR, "#sessions img, #sessions script") == []
    assert browser.find_elements(By.CSS_SELECTOR, "#activity img, #activity script") == []
    assert browser.title == "Eco² account"
    assert _names(browser).count("Unknown device") >= 1
    assert horizontal_overflow(browser) <= 0
    screenshot(browser, "20-hostile-user-agents-en-phone")
    desktop(browser)
    for device in devices:
        device.close()
