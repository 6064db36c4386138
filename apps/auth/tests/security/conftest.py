from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest_asyncio
from cryptography.hazmat.primitives.asymmetric import ec

from apps.auth.tests.security.attack import KID, new_ec_key, private_pem
from apps.auth.tests.support import TestApp


@dataclass
class KeyedApp:
    """An app whose ES256 signing key the test holds, so it can mint tokens as the service."""

    api: TestApp
    key: ec.EllipticCurvePrivateKey


@pytest_asyncio.fixture
async def keyed(app_factory: Callable[..., Any]) -> AsyncIterator[KeyedApp]:
    key = new_ec_key()
    async with app_factory(jwt_private_key=private_pem(key), jwt_key_id=KID) as api:
        yield KeyedApp(api=api, key=key)
