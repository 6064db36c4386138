"""What a person does on the account page, as selenium steps."""

from __future__ import annotations

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

WAIT_SECONDS = 15


def wait(
    driver: webdriver.Chrome, seconds: float = WAIT_SECONDS
) -> WebDriverWait[webdriver.Chrome]:
    # A sign-in replaces the document: an element found just before that is stale just after.
    return WebDriverWait(
        driver, seconds, poll_frequency=0.05, ignored_exceptions=(StaleElementReferenceException,)
    )


def wait_state(driver: webdriver.Chrome, state: str) -> None:
    """Waits for the page's `data-state`, read afresh from whatever document is loaded."""
    wait(driver).until(
        lambda d: d.execute_script("return document.body && document.body.dataset.state") == state,
        f"the page never reached state {state!r}",
    )


def visible(driver: webdriver.Chrome, css: str) -> WebElement:
    element: WebElement = wait(driver).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, css))
    )
    return element


def text_of(driver: webdriver.Chrome, css: str) -> str:
    return str(visible(driver, css).text)


def sessions(driver: webdriver.Chrome) -> list[WebElement]:
    return list(driver.find_elements(By.CSS_SELECTOR, "#sessions > li"))


def wait_sessions(driver: webdriver.Chrome, count: int) -> list[WebElement]:
    wait(driver).until(lambda d: len(sessions(d)) == count, f"expected {count} session(s)")
    return sessions(driver)


def sign_in_with_dev(driver: webdriver.Chrome, base: str, name: str) -> None:
    """Lands on the page, chooses dev, signs in at the dev provider's form, comes back home."""
    driver.get(f"{base}/")
    wait_state(driver, "signed-out")
    visible(driver, 'button[data-provider="dev"]').click()
    field = visible(driver, 'input[name="name"]')
    field.send_keys(name)
    field.submit()
    wait(driver).until(lambda d: d.current_url.endswith("/#/home"), "no landing on #/home")
    wait_state(driver, "signed-in")


def csp_violations(driver: webdriver.Chrome) -> list[str]:
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]
    ]


PHONE = {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True}


def phone(driver: webdriver.Chrome) -> None:
    """A 360 by 740 phone screen from now on (headless windows cannot be that narrow)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)


def desktop(driver: webdriver.Chrome) -> None:
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def as_device(driver: webdriver.Chrome, user_agent: str, language: str = "ko") -> None:
    """Another device from now on: its user agent and Accept-Language, no cookies (of any
    path: WebDriver's own delete reaches only those the current page's path sees)."""
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.execute_cdp_cmd(
        "Emulation.setUserAgentOverride", {"userAgent": user_agent, "acceptLanguage": language}
    )


def horizontal_overflow(driver: webdriver.Chrome) -> int:
    return int(
        driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    )


def console_errors(driver: webdriver.Chrome) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
