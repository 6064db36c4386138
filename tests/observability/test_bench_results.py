"""`benchmarks/RESULTS.md` as `make bench` writes it, from constructed figures (no bench run)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from benchmarks.results import Bench, EndpointRow, RelayRow, commit, render, write
from benchmarks.servers import cpu_seconds

BENCH = Bench(
    when=datetime(2026, 11, 29, 23, 40, tzinfo=UTC),
    commit="0123456789ab",
    cores=2,
    load=1.25,
    api_setup="1 uvicorn worker per process, `wrk -t1 -c64 -d10s`.",
    endpoints=[
        EndpointRow("bare FastAPI `/ping`", 10000.0, 5.5, 10.25, 0.081, 0),
        EndpointRow("`GET /verify`", 9000.0, 6.0, 9.75, 0.094, 0),
        EndpointRow("odd | name", 1500.0, 38.0, 58.5, 1.123, 7),
    ],
    relay=[
        RelayRow("throughput, 10,000 backlog, 1 replica", "9,897 events/s", ">= 5,000"),
        RelayRow("logout-to-queue lag p50, 100/s, 2 replicas", "1.9 ms"),
    ],
)


def _tables(text: str) -> list[list[list[str]]]:
    """Each run of `|` lines as rows of cells (escaped pipes stay inside their cell)."""
    tables: list[list[list[str]]] = []
    previous_was_row = False
    for line in text.splitlines():
        is_row = line.startswith("|")
        if is_row:
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            if not previous_was_row:
                tables.append([])
            tables[-1].append(cells)
        previous_was_row = is_row
    return tables


def test_results_have_one_well_formed_table_per_benchmark():
    api, relay = _tables(render(BENCH))

    for table in (api, relay):
        header, separator, *rows = table
        assert all(re.fullmatch(r"-{3,}:?", cell) for cell in separator)
        assert {len(row) for row in table} == {len(header)}
        assert rows
    assert api[0] == [
        "endpoint",
        "requests/s",
        "× bare",
        "p50 ms",
        "p99 ms",
        "API CPU ms/request",
        "non-2xx/3xx",
    ]
    assert relay[0] == ["measure", "value", "goal"]


def test_every_endpoint_row_shows_its_ratio_to_bare_and_its_cpu_per_request():
    api, _ = _tables(render(BENCH))
    rows = {row[0]: row for row in api[2:]}

    assert rows["bare FastAPI `/ping`"][1:] == ["10000", "1.00", "5.50", "10.25", "0.081", "0"]
    assert rows["`GET /verify`"][2] == "0.90"
    assert rows["`GET /verify`"][5] == "0.094"
    assert rows["odd \\| name"][2:] == ["0.15", "38.00", "58.50", "1.123", "7"]


def test_results_say_when_on_which_commit_and_on_how_many_cores():
    text = render(BENCH)

    assert "measured: 2026-11-29 23:40 UTC" in text
    assert "commit: `0123456789ab`" in text
    assert "machine: 2 cores, load average 1.2" in text
    assert BENCH.api_setup in text


def test_results_file_holds_what_render_produces(tmp_path):
    path = tmp_path / "RESULTS.md"

    write(BENCH, path)

    assert path.read_text() == render(BENCH)


def test_commit_names_the_checked_out_commit():
    head = subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()

    assert re.fullmatch(rf"{head}( \+ uncommitted changes)?", commit())


@pytest.fixture
def busy_child():
    """A child that burns CPU, says so, then waits on stdin until the test is done."""
    code = "sum(range(20_000_000)); print('done', flush=True); input()"
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "done"
    yield child
    child.communicate("")


def test_cpu_seconds_counts_the_children_of_a_server_process(busy_child):
    mine = os.times()
    own = mine.user + mine.system

    child = cpu_seconds(busy_child.pid)
    total = cpu_seconds(os.getpid())

    assert child > 0.1
    assert total >= own + child - 0.05
