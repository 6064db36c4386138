"""Schemathesis over every operation of the published OpenAPI, on real Postgres and Redis.

Every case runs all of schemathesis's checks (no 5xx, status codes, content types, response
schemas, headers). Half of the cases carry a live token pair so protected operations are
exercised past their 401 branch. `benchmarks/fuzz.py` is the long version of this run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from redis import Redis

from apps.auth.tests.fuzz.openapi_target import (
    OPENAPI_PATH,
    Credentials,
    build_app,
    fuzz_settings,
    fuzz_stream,
    with_credentials,
)
from apps.auth.tests.support import REDIS_URL

EXAMPLES_PER_OPERATION = 20


@pytest.fixture(scope="module")
def fuzz_target(pg_database_url: str, signing_pem: str) -> Iterator[dict[str, Any]]:
    stream = fuzz_stream()
    app = build_app(fuzz_settings(pg_database_url, REDIS_URL, signing_pem, stream))
    yield {"app": app, "credentials": Credentials(app)}
    with Redis.from_url(REDIS_URL) as redis:
        redis.delete(stream)


@pytest.fixture(scope="module")
def api_schema(fuzz_target: dict[str, Any]) -> Any:
    return schemathesis.openapi.from_asgi(OPENAPI_PATH, fuzz_target["app"])


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_error_or_schema_violation_when_operation_gets_generated_input(
    case: Any, fuzz_target: dict[str, Any]
) -> None:
    with_credentials(case, fuzz_target["credentials"])
    case.call_and_validate()
