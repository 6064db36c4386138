from __future__ import annotations

from collections.abc import Iterator

import pytest

from apps.auth.tests.cutover.v1_schema import create_v1_database
from apps.auth.tests.pg import throwaway_database


@pytest.fixture
def v1_database() -> Iterator[str]:
    """A throwaway database holding v1's schema `auth` and rows, not yet migrated."""
    with throwaway_database() as url:
        create_v1_database(url)
        yield url
