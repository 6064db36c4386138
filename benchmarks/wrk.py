"""wrk runs against a benchmark server: throughput, latency percentiles and CPU per request."""

from __future__ import annotations

import os
import re
import subprocess

from benchmarks.servers import Server

DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
Figures = dict[str, float]


def wrk(url: str, *args: str, script_args: tuple[str, ...] = ()) -> Figures:
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", *args, url]
    if script_args:
        command += ["--", *script_args]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "requests": float(re.search(r"(\d+) requests in", out).group(1)),
        "p50": _millis(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
        "p99": _millis(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
        "errors": float(non2xx.group(1)) if non2xx else 0.0,
    }


def _millis(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def measured(server: Server, url: str, *args: str, script_args: tuple[str, ...] = ()) -> Figures:
    """A wrk run, with the server's CPU time over it divided by the requests it answered."""
    before = server.cpu_seconds()
    figures = wrk(url, *args, script_args=script_args)
    figures["cpu_ms"] = (server.cpu_seconds() - before) * 1000 / max(figures["requests"], 1)
    return figures
