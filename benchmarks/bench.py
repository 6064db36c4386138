"""`make bench`: the auth API bench, then the relay bench, written to `benchmarks/RESULTS.md`."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

from benchmarks import auth_bench, relay_bench
from benchmarks.results import RESULTS, Bench, commit, machine, render, write


def main() -> int:
    when, measured_commit, (cores, load) = datetime.now(UTC), commit(), machine()
    api_setup, endpoints = auth_bench.measure()
    relay = asyncio.run(relay_bench.measure())
    bench = Bench(when, measured_commit, cores, load, api_setup, endpoints, relay)
    write(bench)
    print(render(bench))
    print(f"written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
