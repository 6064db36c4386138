"""Devices with names, recent activity and the language switch, at phone and desktop sizes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from apps.auth.domain.errors import TokenRevoked
from apps.auth.tests.browser.chromium import chromium, live_service, screenshot
from apps.auth.tests.browser.devices import (
    ANDROID_CHROME,
    IPHONE_SAFARI,
    KAKAOTALK,
    reuse_refresh_token,
    sign_in_over_http,
)
from apps.auth.tests.browser.page import (
    as_device,
    console_errors,
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
def service() -> Iterator[str]:
    """No grace window, so a refresh token presented twice is a reuse at once."""
    with live_service(refresh_grace_seconds="0") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    with chromium(language="ko") as driver:
        yield driver


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


def test_sign_out_works_from_the_keyboard_alone(service, browser):
    as_device(browser, ANDROID_CHROME, "ko")
    desktop(browser)
    sign_in_with_dev(browser, service, "Min")
    wait_sessions(browser, 1)
    browser.find_element(By.TAG_NAME, "body").send_keys("\ue004")  # Tab
    reached = []
    for _ in range(30):
        active = browser.switch_to.active_element
        reached.append(active.get_attribute("id") or active.tag_name)
        if reached[-1] == "logout":
            break
        active.send_keys("\ue004")
    assert reached[-1] == "logout", reached
    assert reached.index("lang-ko") < reached.index("logout")
    browser.switch_to.active_element.send_keys("\ue007")

    wait_state(browser, "signed-out")
    assert text_of(browser, "#status") == "로그아웃했습니다."
    assert browser.switch_to.active_element.get_attribute("id") == "main"
    assert browser.get_cookie("s_access") is None


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


def test_session_ended_on_another_device_is_said_in_the_page_language_without_console_errors(
    service, browser
):
    as_device(browser, KAKAOTALK, "ko")
    phone(browser)
    console_errors(browser)  # what earlier tests left in the log
    browser.get(f"{service}/")
    wait_state(browser, "signed-out")
    assert console_errors(browser) == []
    sign_in_with_dev(browser, service, "Sora")
    [mine] = wait_sessions(browser, 1)
    other = sign_in_over_http(service, "Sora", ANDROID_CHROME)
    ended = other.delete(f"{API}/sessions/{mine.get_attribute('data-session-id')}")
    assert ended.status_code == 200, ended.text
    browser.get_log("browser")

    visible(browser, "#reload").click()
    wait_state(browser, "signed-out")
    assert text_of(browser, "#error-title") == "이 기기의 로그인이 끝났습니다"
    assert text_of(browser, "#error-text").startswith("다른 기기에서 이 기기를 로그아웃했거나")
    assert text_of(browser, "#error-code") == "TOKEN_REVOKED"
    assert TokenRevoked.default_detail not in browser.find_element(By.TAG_NAME, "body").text
    assert console_errors(browser) == []
    screenshot(browser, "17-session-ended-elsewhere-ko-phone")
    desktop(browser)
    other.close()


def test_unreachable_service_is_shown_instead_of_the_sign_in_view(service, browser):
    as_device(browser, ANDROID_CHROME, "ko")
    phone(browser)
    sign_in_with_dev(browser, service, "Jin")
    browser.execute_cdp_cmd("Network.enable", {})
    offline = {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0}
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", offline)
    try:
        visible(browser, "#reload").click()
        wait_state(browser, "unreachable")
        assert text_of(browser, "#unreachable-title") == "서비스에 연결할 수 없습니다"
        assert not browser.find_element(By.ID, "signed-out").is_displayed()
        screenshot(browser, "18-service-unreachable-ko-phone")
    finally:
        browser.execute_cdp_cmd("Network.emulateNetworkConditions", {**offline, "offline": False})
    visible(browser, "#retry").click()
    wait_state(browser, "signed-in")
    desktop(browser)


def test_dev_sign_in_form_is_usable_on_a_phone(service, browser):
    as_device(browser, ANDROID_CHROME, "ko")
    phone(browser)
    browser.get(f"{service}/")
    wait_state(browser, "signed-out")
    visible(browser, 'button[data-provider="dev"]').click()
    field = visible(browser, 'input[name="name"]')

    assert browser.find_element(By.CSS_SELECTOR, "meta[name=viewport]") is not None
    assert field.size["width"] >= 300 and field.size["height"] >= 40
    assert float(field.value_of_css_property("font-size").removesuffix("px")) >= 16
    assert horizontal_overflow(browser) <= 0
    assert browser.switch_to.active_element == field
    screenshot(browser, "19-dev-sign-in-phone")
    field.send_keys("Yuna")
    field.submit()
    wait_state(browser, "signed-in")
    assert csp_violations(browser) == []
    desktop(browser)


def test_activity_api_answers_the_page_only_its_own_events(service):
    mine = sign_in_over_http(service, "Own", ANDROID_CHROME)
    theirs = sign_in_over_http(service, "Other", ANDROID_CHROME)
    answer = mine.get(f"{API}/me/activity")
    assert answer.status_code == 200
    assert {item["kind"] for item in answer.json()["items"]} == {"sign_in"}
    assert httpx.get(f"{service}{API}/me/activity").status_code == 401
    mine.close()
    theirs.close()
