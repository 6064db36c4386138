"""`make canary-demo`: a stable and a canary auth API side by side, judged like the cluster does.

Starts two embedded-mode instances (`RELEASE_TYPE=stable` and `canary`) and a real Prometheus
that scrapes them every second with the labels the ServiceMonitor gives their pods
(`namespace`, `job`, `pod`, `release`, `version`, ...; the app's own `release`/`version`
become `exported_*`) and loads the PrometheusRule's rules. Warms the instances up, drives the
same mixed load at both, and asks Prometheus the AnalysisTemplate's queries (their `[5m]`
windows narrowed to the run), then applies the template's conditions to the answers.

Exit status: 0 for promote or hold, 3 for roll back, 1 if the demo itself fails. Through
`make canary-demo` a non-zero status is make's own 2, with the demo's status in make's
`Error 3` line and in the recipe's last line (`canary-demo: exit status 3 (roll back)`).
`--inject-error-rate 0.3` serves the canary through `benchmarks.canary_faulty`, which
answers 500 to that share of API requests.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import yaml

from benchmarks.canary_analysis import (
    TEMPLATE,
    Measurement,
    latency_floor_seconds,
    load_metrics,
    measure,
    verdict,
)
from benchmarks.canary_load import Instance, drive
from benchmarks.canary_report import analysis_table, comparison_table, rules_line
from benchmarks.prometheus import Prometheus, Sample
from benchmarks.prometheus_config import Pod, rule_file, scrape_job

BASE = Path(__file__).resolve().parents[1] / "workloads/domains/auth/base"
DEPLOYMENTS = {"stable": BASE / "deployment.yaml", "canary": BASE / "deployment-canary.yaml"}
JOB = "auth-api"
ROLL_BACK_EXIT = 3
WARM_UP_SECONDS = 0.5


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="canary-demo", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--workers", type=int, default=6, help="concurrent users per instance")
    parser.add_argument("--short", action="store_true", help="5 s of load with 3 users (CI)")
    parser.add_argument(
        "--inject-error-rate", type=float, default=0.0, help="share of canary API requests to fail"
    )
    args = parser.parse_args(argv)
    if args.short:
        args.duration, args.workers = 5.0, 3
    if not 0 <= args.inject_error_rate <= 1:
        parser.error("--inject-error-rate must be between 0 and 1")
    return args


def pods(*instances: Instance) -> list[Pod]:
    """Each instance as the pod its Deployment would run, with that pod template's labels."""
    found = []
    for instance in instances:
        manifest = DEPLOYMENTS[instance.release]
        deployment = yaml.safe_load(manifest.read_text())
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        name = f"{deployment['metadata']['name']}-{instance.port}"
        found.append(Pod(address=f"127.0.0.1:{instance.port}", name=name, labels=labels))
    return found


def over(query: str, seconds: int) -> str:
    """The query with its `[5m]` windows narrowed to the run, so a short run is not diluted."""
    return query.replace("[5m]", f"[{seconds}s]")


def run(args: argparse.Namespace) -> int:
    stable = Instance(release="stable", version="v1")
    canary = Instance(release="canary", version="v2")
    if args.inject_error_rate > 0:
        canary.target = "benchmarks.canary_faulty:app"
        canary.extra_env["CANARY_FAULT_RATE"] = str(args.inject_error_rate)
    with ExitStack() as stack:
        for instance in (stable, canary):
            stack.callback(instance.stop)
            instance.start()
        for instance in (stable, canary):
            instance.wait_ready()
        prometheus = stack.enter_context(
            Prometheus([scrape_job(pods(stable, canary))], rule_file())
        )
        asyncio.run(_load(stable, canary, seconds=WARM_UP_SECONDS, workers=1))
        prometheus.wait_for_scrapes_after(time.time(), JOB, targets=2)
        started = time.time()
        asyncio.run(_load(stable, canary, seconds=args.duration, workers=args.workers))
        prometheus.wait_for_scrapes_after(time.time(), JOB, targets=2)
        window = math.ceil(time.time() - started) + 1

        def query(expr: str) -> list[Sample]:
            return prometheus.query(over(expr, window))

        metrics = load_metrics()
        floor_ms = latency_floor_seconds(metrics) * 1000
        table = comparison_table(query, floor_ms=floor_ms)
        measurements = [measure(m, lambda e: [v for _, v in query(e)]) for m in metrics]
        rules = rules_line(prometheus.rules())
    _report(args, window, table, measurements, rules)
    outcome = verdict(measurements)
    print(f"\nverdict: {outcome}")
    return ROLL_BACK_EXIT if outcome == "roll back" else 0


def _report(
    args: argparse.Namespace,
    window: int,
    table: list[str],
    measurements: list[Measurement],
    rules: str,
) -> None:
    fault = (
        f"{args.inject_error_rate:.0%} of canary API requests" if args.inject_error_rate else "none"
    )
    print(f"canary demo: {args.duration:g} s of mixed load, {args.workers} users per track")
    print(f"fault injected: {fault}\n")
    print("\n".join(table))
    print(f"\nanalysis ({TEMPLATE.name}, evaluated by Prometheus with [5m] read as [{window}s]):")
    print("\n".join(analysis_table(measurements)))
    print(f"\n{rules}")


async def _load(stable: Instance, canary: Instance, *, seconds: float, workers: int) -> None:
    await asyncio.gather(
        drive(stable.base_url, seconds, workers), drive(canary.base_url, seconds, workers)
    )


if __name__ == "__main__":
    sys.exit(run(parse_args()))
