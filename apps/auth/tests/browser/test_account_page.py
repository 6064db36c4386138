"""The account page in a real browser: what a newcomer does in the first ten minutes."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from apps.auth.tests.browser.chromium import chromium, screenshot
from apps.auth.tests.browser.page import (
    csp_violations,
    sessions,
    sign_in_with_dev,
    text_of,
    visible,
    wait,
    wait_sessions,
    wait_state,
)


def test_sessions_are_listed_and_ended_across_browsers_when_signed_in_with_dev(service):
    with chromium() as first, chromium() as second:
        first.get(f"{service}/")
        wait_state(first, "signed-out")
        screenshot(first, "01-signed-out")
        visible(first, 'button[data-provider="dev"]').click()
        visible(first, 'input[name="name"]').send_keys("Ada")
        screenshot(first, "02-dev-sign-in")
        first.find_element(By.CSS_SELECTOR, 'input[name="name"]').submit()
        wait_state(first, "signed-in")

        assert first.current_url == f"{service}/#/home"
        assert text_of(first, "#name") == "Ada"
        [mine] = wait_sessions(first, 1)
        assert "This session" in mine.text and "Chrome" in mine.text
        assert "Access token:" in text_of(first, "#expiry")
        screenshot(first, "03-signed-in")

        sign_in_with_dev(second, service, "Ada")
        visible(first, "#reload").click()
        listed = wait_sessions(first, 2)
        other = next(item for item in listed if "This session" not in item.text)
        screenshot(first, "04-two-sessions")

        other.find_element(By.CSS_SELECTOR, "button.end-session").click()
        [left] = wait_sessions(first, 1)
        assert "This session" in left.text
        assert text_of(first, "#status") == "Session ended."
        screenshot(first, "05-other-session-ended")

        visible(second, "#reload").click()
        wait_state(second, "signed-out")
        assert text_of(second, "#error-code") == "TOKEN_REVOKED"

        visible(first, "#logout").click()
        wait_state(first, "signed-out")
        assert first.current_url.endswith("#/login")
        assert text_of(first, "#status") == "Signed out."
        assert first.get_cookie("s_access") is None and first.get_cookie("s_refresh") is None
        screenshot(first, "07-signed-out-after-sign-out")
        assert csp_violations(first) == [] and csp_violations(second) == []


def test_expired_access_token_is_refreshed_once_and_call_retried_when_server_time_passes(
    service_with_clock, clock
):
    with chromium() as browser:
        sign_in_with_dev(browser, service_with_clock, "Grace")
        session_id = sessions(browser)[0].get_attribute("data-session-id")
        before = browser.get_cookie("s_access")
        assert before is not None

        clock.advance(15 * 60 + 10 + 1)  # access lifetime + leeway + 1 s
        visible(browser, "#reload").click()

        wait(browser).until(
            lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-refreshes") == "1",
            "the page never refreshed its expired access token",
        )
        wait_state(browser, "signed-in")
        [same] = wait_sessions(browser, 1)
        assert same.get_attribute("data-session-id") == session_id
        after = browser.get_cookie("s_access")
        assert after is not None and after["value"] != before["value"]
        assert text_of(browser, "#name") == "Grace"
        assert not browser.find_element(By.ID, "error").is_displayed()
        screenshot(browser, "06-refreshed-after-expiry")


def test_failed_login_lands_on_error_route_with_code_and_sentence_when_state_is_forged(service):
    with chromium() as browser:
        browser.get(f"{service}/api/v1/auth/dev/callback?code=forged&state=forged")

        wait(browser).until(lambda d: "#/login?error=" in d.current_url)
        assert browser.current_url == f"{service}/#/login?error=INVALID_STATE"
        wait_state(browser, "signed-out")
        assert text_of(browser, "#error-code") == "INVALID_STATE"
        assert "Start again from this page" in text_of(browser, "#error-text")
        assert browser.get_cookie("s_access") is None
        screenshot(browser, "08-login-error")


def test_provider_without_credentials_is_disabled_with_the_variables_to_set_when_testing(
    service,
):
    with chromium() as browser:
        browser.get(f"{service}/")
        wait_state(browser, "signed-out")
        kakao = visible(browser, 'button[data-provider="kakao"]')
        reason = text_of(browser, "#reason-kakao")

        assert not kakao.is_enabled()
        assert kakao.get_attribute("aria-describedby") == "reason-kakao"
        assert reason.startswith("Not available in this environment yet.")
        assert "AUTH_KAKAO_CLIENT_ID" in reason
        assert visible(browser, 'button[data-provider="dev"]').is_enabled()
        assert not browser.find_element(By.ID, "error").is_displayed()
        screenshot(browser, "09-provider-not-configured")


def test_login_started_on_localhost_completes_when_public_base_is_127_0_0_1(service):
    port = service.rsplit(":", 1)[1]
    with chromium() as browser:
        browser.get(f"http://localhost:{port}/")
        wait_state(browser, "signed-out")
        assert browser.current_url == f"{service}/"

        visible(browser, 'button[data-provider="dev"]').click()
        field = visible(browser, 'input[name="name"]')
        field.send_keys("Lin")
        field.submit()

        wait_state(browser, "signed-in")
        assert text_of(browser, "#name") == "Lin"


def test_account_can_be_deleted_only_after_confirming_when_signed_in(service):
    with chromium() as browser:
        sign_in_with_dev(browser, service, "Mo")
        visible(browser, "#delete").click()
        visible(browser, "#delete-no").click()
        wait_state(browser, "signed-in")
        assert not browser.find_element(By.ID, "delete-confirm").is_displayed()

        visible(browser, "#delete").click()
        assert browser.switch_to.active_element.get_attribute("id") == "delete-no"
        visible(browser, "#delete-yes").click()

        wait_state(browser, "signed-out")
        assert text_of(browser, "#status") == "Account deleted."
        browser.get(f"{service}/api/v1/auth/me")
        assert "MISSING_TOKEN" in browser.page_source


def test_sign_in_works_from_the_keyboard_alone_when_tabbing_through_the_page(service):
    with chromium() as browser:
        browser.get(f"{service}/")
        wait_state(browser, "signed-out")
        body = browser.find_element(By.TAG_NAME, "body")
        body.send_keys(Keys.TAB)
        focused = []
        for _ in range(8):
            active = browser.switch_to.active_element
            focused.append(active.get_attribute("data-provider") or active.tag_name)
            if active.get_attribute("data-provider") == "dev":
                break
            active.send_keys(Keys.TAB)
        assert focused[-1] == "dev", focused
        browser.switch_to.active_element.send_keys(Keys.ENTER)
        field = visible(browser, 'input[name="name"]')
        assert browser.switch_to.active_element == field
        field.send_keys("Kim", Keys.ENTER)

        wait_state(browser, "signed-in")
        assert text_of(browser, "#name") == "Kim"


def test_page_fits_a_phone_screen_when_viewport_is_narrow(service):
    with chromium() as browser:
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
        )
        sign_in_with_dev(browser, service, "Pat")
        width, overflow = browser.execute_script(
            "return [window.innerWidth, document.documentElement.scrollWidth - window.innerWidth]"
        )

        assert width == 390 and overflow <= 0
        assert browser.find_element(By.ID, "logout").size["width"] > 300
        assert browser.find_element(By.CSS_SELECTOR, "meta[name=viewport]") is not None
        screenshot(browser, "10-phone")
