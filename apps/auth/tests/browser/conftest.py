from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver

from apps.auth.tests.browser.chromium import chromium, live_service, service_in_process
from apps.auth.tests.unit.fakes import FrozenClock


@pytest.fixture(scope="module")
def service() -> Iterator[str]:
    """The service as `make run` serves it (embedded storage, dev provider), in test mode."""
    with live_service() as base:
        yield base


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def service_with_clock(clock: FrozenClock) -> Iterator[str]:
    """The service in this process on `clock`, which the test moves instead of waiting."""
    with service_in_process(clock) as base:
        yield base


@pytest.fixture(scope="module")
def service_without_grace() -> Iterator[str]:
    """No grace window, so a refresh token presented twice is a reuse at once."""
    with live_service(refresh_grace_seconds="0") as base:
        yield base


@pytest.fixture(scope="module")
def ko_browser() -> Iterator[webdriver.Chrome]:
    """One browser for a module's tests, asking for Korean; each test makes it the device it
    needs (`page.as_device`)."""
    with chromium(language="ko") as driver:
        yield driver
