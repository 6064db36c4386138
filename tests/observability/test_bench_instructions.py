"""`make bench-instructions`: callgrind's count of the instructions the app executes per
`/refresh`, over the measured refreshes alone (real runs under valgrind, real Postgres and
Redis)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from benchmarks.instructions import Count, collected, count, table
from benchmarks.servers import ROOT

_LOG = """==4242== Callgrind, a call-graph generating cache profiler
==4242== For interactive control, run 'callgrind_control -h'.
==4242== Events    : Ir
==4242== Collected : 599565411
==4242==
==4242== I   refs:      599,565,411
"""


def test_the_total_is_read_from_callgrinds_log():
    assert collected(_LOG) == 599_565_411


@pytest.mark.parametrize(
    "log",
    ["", "==1== Events : Ir\n", _LOG + _LOG.replace("4242", "4343")],
    ids=["empty", "no total", "two processes"],
)
def test_a_log_without_exactly_one_total_is_refused(log: str):
    with pytest.raises(ValueError):
        collected(log)


def test_the_table_states_each_version_against_the_first():
    lines = table(
        [
            Count(version="base", refreshes=300, instructions=600_000_000),
            Count(version="head", refreshes=300, instructions=570_000_000),
        ]
    )

    assert lines[2] == "| `base` | 300 | 2,000,000 | 1.000 |"
    assert lines[3] == "| `head` | 300 | 1,900,000 | 0.950 |"


def test_only_the_measured_refreshes_are_counted_and_the_count_repeats():
    """Sign-ins, start-up and warm-up stay outside the count: twice the refreshes, twice the
    instructions, and the same count per refresh, to within a few percent at these sizes."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [
            pool.submit(count, ROOT, "head", refreshes=refreshes, users=4, warm=8)
            for refreshes in (20, 40)
        ]
        small, large = (run.result() for run in runs)

    assert 200_000 < small.per_refresh < 20_000_000
    assert large.instructions / small.instructions == pytest.approx(2.0, rel=0.05)
    assert large.per_refresh == pytest.approx(small.per_refresh, rel=0.05)
