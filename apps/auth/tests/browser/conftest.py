from __future__ import annotations

from collections.abc import Iterator

import pytest

from apps.auth.tests.browser.chromium import live_service, service_in_process
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
