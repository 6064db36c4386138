"""What goes wrong, said in the page's language: a session ended elsewhere, a service that does
not answer; the keyboard alone; the dev sign-in form on a phone; the activity API's scope."""

from __future__ import annotations

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from apps.auth.domain.errors import TokenRevoked
from apps.auth.tests.browser.chromium import screenshot
from apps.auth.tests.browser.devices import (
    ANDROID_CHROME,
    IPHONE_SAFARI,
    KAKAOTALK,
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


OFFLINE = {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0}


def _reload_while_offline(browser: webdriver.Chrome) -> None:
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", OFFLINE)
    try:
        visible(browser, "#reload").click()
        wait_state(browser, "unreachable")
    finally:
        browser.execute_cdp_cmd("Network.emulateNetworkConditions", {**OFFLINE, "offline": False})


def test_unreachable_service_is_shown_instead_of_the_sign_in_view(service, browser):
    as_device(browser, ANDROID_CHROME, "ko")
    phone(browser)
    sign_in_with_dev(browser, service, "Jin")
    [mine] = wait_sessions(browser, 1)
    session_id = mine.get_attribute("data-session-id")

    _reload_while_offline(browser)
    assert text_of(browser, "#unreachable-title") == "서비스에 연결할 수 없습니다"
    assert not browser.find_element(By.ID, "signed-out").is_displayed()
    assert not browser.find_element(By.ID, "error").is_displayed()
    screenshot(browser, "18-service-unreachable-ko-phone")
    visible(browser, "#retry").click()
    wait_state(browser, "signed-in")

    _reload_while_offline(browser)
    other = sign_in_over_http(service, "Jin", IPHONE_SAFARI)
    assert other.delete(f"{API}/sessions/{session_id}").is_success
    visible(browser, "#retry").click()
    wait_state(browser, "signed-out")
    assert text_of(browser, "#error-code") == "TOKEN_REVOKED"
    assert not browser.find_element(By.ID, "unreachable").is_displayed()
    desktop(browser)
    other.close()


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


NAMELESS_CONTROLS = """
return [...document.querySelectorAll('button, a, input, summary, [tabindex]')]
  .filter(e => e.offsetParent !== null || e === document.activeElement)
  .filter(e => !(e.getAttribute('aria-label') || e.textContent.trim() || e.id === 'main'))
  .map(e => e.outerHTML);
"""
UNLABELLED_REGIONS = """
return [...document.querySelectorAll('section, ul, ol, nav')]
  .filter(e => e.offsetParent !== null)
  .filter(e => !(e.getAttribute('aria-labelledby') || e.getAttribute('aria-label')))
  .filter(e => !e.closest('li'))
  .map(e => e.tagName + '#' + e.id + '.' + e.className);
"""

# What a phone downloads for the page: the document, its scripts, stylesheet and catalogue.
PAGE_WEIGHT = """
const page = performance.getEntriesByType('navigation')[0];
return [[page.name, page.decodedBodySize],
        ...performance.getEntriesByType('resource')
          .filter(e => e.initiatorType !== 'fetch' || e.name.includes('/static/'))
          .map(e => [e.name, e.decodedBodySize])];
"""


def test_signed_in_page_has_landmarks_and_every_control_and_region_is_named(service, browser):
    as_device(browser, IPHONE_SAFARI, "ko")
    phone(browser)
    sign_in_with_dev(browser, service, "Dana")
    wait_sessions(browser, 1)

    for landmark in ("header", "nav[aria-label]", "main#main", "footer"):
        assert len(browser.find_elements(By.CSS_SELECTOR, landmark)) == 1, landmark
    assert browser.execute_script(NAMELESS_CONTROLS) == []
    assert browser.execute_script(UNLABELLED_REGIONS) == []
    status = browser.find_element(By.ID, "status")
    assert status.get_attribute("role") == "status"
    assert status.get_attribute("aria-live") == "polite"
    assert browser.find_element(By.ID, "error").get_attribute("role") == "alert"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"
    loaded = browser.execute_script(PAGE_WEIGHT)
    assert all(url.startswith(service) for url, _ in loaded), loaded
    assert sum(size for _, size in loaded) < 64_000, loaded

    visible(browser, "#logout").click()
    wait_state(browser, "signed-out")
    assert browser.execute_script(NAMELESS_CONTROLS) == []
    assert browser.execute_script(UNLABELLED_REGIONS) == []
    desktop(browser)
