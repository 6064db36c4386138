"""`make fuzz`: the long schemathesis run over every operation of the auth API's OpenAPI.

The same target as `apps/auth/tests/fuzz` (the app on a throwaway Postgres database and the
shared Redis, every other case with a live token pair), with many more examples. Each response
goes through schemathesis's full check set; failures are collected, not stopped at, and
printed by operation and check. Exits 1 on any 5xx or any other failed check.

    PYTHONPATH=. .venv/bin/python -m benchmarks.fuzz --examples 500
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import sys
import time
from collections import Counter
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from redis import Redis
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure, FailureGroup

from apps.auth.infrastructure.security.keys import generate_ec_private_pem
from apps.auth.tests.fuzz.openapi_target import (
    OPENAPI_PATH,
    Credentials,
    build_app,
    fuzz_settings,
    fuzz_stream,
    unprovable_checks,
    with_credentials,
)
from apps.auth.tests.pg import migrate, throwaway_database

REDIS_URL = "redis://127.0.0.1:6379/0"


class Run:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.credentials = Credentials(app)
        self.examples = 0
        self.statuses: Counter[int] = Counter()
        self.failures: Counter[tuple[str, str]] = Counter()
        self.samples: dict[tuple[str, str], str] = {}

    def exercise(self, case: Any) -> None:
        with_credentials(case, self.credentials)
        response = case.call(app=self.app)
        self.examples += 1
        self.statuses[response.status_code] += 1
        try:
            case.validate_response(response, excluded_checks=unprovable_checks(case))
        except FailureGroup as group:
            self._record(case, list(group.exceptions))
        except Failure as failure:
            self._record(case, [failure])

    def _record(self, case: Any, failures: list[Any]) -> None:
        for failure in failures:
            key = (case.operation.label, getattr(failure, "title", type(failure).__name__))
            self.failures[key] += 1
            self.samples.setdefault(key, f"{case.as_curl_command()}")


def fuzz(run: Run, schema: Any, examples: int) -> None:
    for result, mode in itertools.product(schema.get_all_operations(), list(GenerationMode)):
        operation = result.ok()
        if mode is GenerationMode.NEGATIVE and not _has_inputs(operation):
            continue

        @settings(
            max_examples=examples,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def explore(case: Any) -> None:
            run.exercise(case)

        with contextlib.suppress(Unsatisfiable):  # no invalid value exists for some inputs
            explore()


def _has_inputs(operation: Any) -> bool:
    places = ("path_parameters", "query", "headers", "cookies", "body")
    return any(len(getattr(operation, place)) for place in places)


def report(run: Run, elapsed: float, examples: int) -> int:
    server_errors = sum(n for status, n in run.statuses.items() if status >= 500)
    limit = f"{examples} per operation and mode (valid, invalid) max"
    print(f"\nFuzz: {run.examples} examples ({limit}) in {elapsed:.0f} s")
    print(f"logins for credentials: {run.credentials.logins}")
    print("statuses:", dict(sorted(run.statuses.items())))
    print(f"5xx responses: {server_errors}")
    print(f"failed checks: {sum(run.failures.values())}")
    for (operation, title), count in sorted(run.failures.items()):
        print(f"  {operation}: {title} x{count}")
        print(f"    e.g. {run.samples[(operation, title)][:300]}")
    return 1 if server_errors or run.failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description="long schemathesis run over the auth API")
    parser.add_argument("--examples", type=int, default=500, help="max examples per operation")
    args = parser.parse_args()
    if not 1 <= args.examples <= 100_000:
        parser.error("--examples must be 1..100000")
    stream = fuzz_stream()
    with throwaway_database() as database_url:
        migrate(database_url)
        app = build_app(fuzz_settings(database_url, REDIS_URL, generate_ec_private_pem(), stream))
        schema = schemathesis.openapi.from_asgi(OPENAPI_PATH, app)
        run = Run(app)
        started = time.monotonic()
        try:
            fuzz(run, schema, args.examples)
        finally:
            with Redis.from_url(REDIS_URL) as redis:
                redis.delete(stream)
        return report(run, time.monotonic() - started, args.examples)


if __name__ == "__main__":
    sys.exit(main())
