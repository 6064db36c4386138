"""The bench figures as Markdown tables, and `benchmarks/RESULTS.md`, which `make bench` writes.

The file is the only place figures live: it says when, on which commit and on how many cores
they were measured, so a figure never outlives the code it describes unnoticed.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


@dataclass(frozen=True, slots=True)
class EndpointRow:
    """One wrk (or client) run; `cpu_ms` is the API process's CPU time per request."""

    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float
    errors: int


@dataclass(frozen=True, slots=True)
class RelayRow:
    measure: str
    value: str
    goal: str = ""


@dataclass(frozen=True, slots=True)
class Bench:
    """A whole `make bench`: the endpoint rows (the bare baseline first) and the relay rows."""

    when: datetime
    commit: str
    cores: int
    load: float
    api_setup: str
    endpoints: list[EndpointRow]
    relay: list[RelayRow]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def endpoint_table(rows: list[EndpointRow]) -> list[str]:
    bare = rows[0].rps
    lines = [
        "| endpoint | requests/s | × bare | p50 ms | p99 ms | API CPU ms/request | non-2xx/3xx |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        ratio = row.rps / bare if bare else float("nan")
        lines.append(
            f"| {_cell(row.name)} | {row.rps:.0f} | {ratio:.2f} | {row.p50_ms:.2f} "
            f"| {row.p99_ms:.2f} | {row.cpu_ms:.3f} | {row.errors} |"
        )
    return lines


def relay_table(rows: list[RelayRow]) -> list[str]:
    lines = ["| measure | value | goal |", "|---|---:|---|"]
    lines += [f"| {_cell(r.measure)} | {_cell(r.value)} | {_cell(r.goal)} |" for r in rows]
    return lines


def render(bench: Bench) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`benchmarks/bench.py`); rerun it rather than editing.",
        "",
        f"- measured: {bench.when.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
        f"- commit: `{bench.commit}`",
        f"- machine: {bench.cores} cores, load average {bench.load:.1f} at the start",
        "",
        "## Auth API",
        "",
        bench.api_setup,
        "",
        *endpoint_table(bench.endpoints),
        "",
        "## Revocation relay",
        "",
        *relay_table(bench.relay),
    ]
    return "\n".join(lines) + "\n"


def write(bench: Bench, path: Path = RESULTS) -> None:
    path.write_text(render(bench))


def commit() -> str:
    """The commit measured, marked when the working tree differs from it."""
    root = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str:
        run = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
        return run.stdout.strip()

    sha = git("rev-parse", "--short=12", "HEAD") or "unknown"
    dirty = git(
        "status", "--porcelain", "--untracked-files=no", "--", ".", f":!benchmarks/{RESULTS.name}"
    )
    return f"{sha} + uncommitted changes" if dirty else sha


def machine() -> tuple[int, float]:
    return os.cpu_count() or 1, os.getloadavg()[0]
