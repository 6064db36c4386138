from __future__ import annotations

from collections.abc import Iterator

import pytest

from apps.auth.tests.browser.chromium import live_service


@pytest.fixture(scope="module")
def service() -> Iterator[str]:
    """The service as `make run` serves it (embedded storage, dev provider), in test mode."""
    with live_service() as base:
        yield base


@pytest.fixture(scope="module")
def short_lived_service() -> Iterator[str]:
    """The same with a two-second access token and no leeway, so one expires during a test."""
    with live_service(access_token_ttl_seconds="2", jwt_leeway_seconds="0") as base:
        yield base
