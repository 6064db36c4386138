"""Schemathesis over every operation of the published OpenAPI, on real Postgres and Redis.

Two runs of the same generated cases: one asserts no 5xx, the other asserts every check
schemathesis has (status codes, content types, response schemas, headers) — the contract the
published spec promises. Every other case carries a live token pair, so protected operations
are exercised past their 401 branch. `benchmarks/fuzz.py` is the long version of this run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from redis import Redis
from schemathesis.checks import not_a_server_error

from apps.auth.tests.fuzz.openapi_target import (
    OPENAPI_PATH,
    Credentials,
    build_app,
    fuzz_settings,
    fuzz_stream,
    published_spec_app,
    unprovable_checks,
    with_credentials,
)
from apps.auth.tests.support import REDIS_URL

EXAMPLES_PER_OPERATION = 20

# The operations come from an embedded app's spec (identical to the real one); every call is
# sent to the app on real Postgres and Redis. `from_fixture` does not work with pytest 9.
schema = schemathesis.openapi.from_asgi(OPENAPI_PATH, published_spec_app())
bounded = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@pytest.fixture(scope="module")
def fuzz_target(pg_database_url: str, signing_pem: str) -> Iterator[dict[str, Any]]:
    stream = fuzz_stream()
    app = build_app(fuzz_settings(pg_database_url, REDIS_URL, signing_pem, stream))
    yield {"app": app, "credentials": Credentials(app)}
    with Redis.from_url(REDIS_URL) as redis:
        redis.delete(stream)


@schema.parametrize()
@bounded
def test_no_server_error_when_operation_gets_generated_input(
    case: Any, fuzz_target: dict[str, Any]
) -> None:
    with_credentials(case, fuzz_target["credentials"])
    case.call_and_validate(app=fuzz_target["app"], checks=[not_a_server_error])


@schema.parametrize()
@bounded
def test_response_matches_published_spec_when_operation_gets_generated_input(
    case: Any, fuzz_target: dict[str, Any]
) -> None:
    with_credentials(case, fuzz_target["credentials"])
    case.call_and_validate(app=fuzz_target["app"], excluded_checks=unprovable_checks(case))
