"""The OpenAPI docs render in a browser from the service's own assets."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from apps.auth.tests.browser.chromium import chromium, screenshot
from apps.auth.tests.browser.page import csp_violations, wait


def test_docs_render_every_operation_from_local_assets_when_offline(service):
    with chromium(height=1400) as browser:
        browser.get(f"{service}/api/v1/auth/docs")

        wait(browser, 30).until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) >= 15,
            "Swagger UI did not render the operations",
        )
        paths = {
            element.text
            for element in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")
        }
        resources = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
        )

        assert "/api/v1/auth/refresh" in paths and "/api/v1/auth/sessions/{session_id}" in paths
        assert resources and all(url.startswith(service) for url in resources), resources
        assert csp_violations(browser) == []
        screenshot(browser, "11-api-docs")
