"""`make canary-demo`: a stable and a canary auth API side by side, judged like the cluster does.

Starts two embedded-mode instances (`RELEASE_TYPE=stable` and `canary`), warms them up
(first requests pay for imports and caches), scrapes their `/metrics`, drives the same
mixed load at both, scrapes again, and evaluates the AnalysisTemplate's queries and
conditions on the two scrapes (the window is the run).
Scraped series get the labels the ServiceMonitor adds in a cluster (`namespace`, `job`,
`release`, `version`; the app's own `release`/`version` become `exported_*`).

Exit status: 0 for promote or hold, 3 for roll back, 1 if the demo itself fails.
`--inject-error-rate 0.3` serves the canary through `benchmarks.canary_faulty`, which
answers 500 to that share of API requests.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time

import httpx
from prometheus_client.parser import text_string_to_metric_families

from benchmarks.canary_analysis import TEMPLATE, Measurement, load_metrics, measure, verdict
from benchmarks.canary_load import Instance, drive
from benchmarks.canary_promql import Scrapes, Snapshot, evaluate

ROLL_BACK_EXIT = 3
WARM_UP_SECONDS = 0.5
API = 'job="auth-api", route=~"/api/v1/auth/.+"'
ROWS = (
    ("API requests/s", f"sum by (release) (rate(auth_http_requests_total{{{API}}}[5m]))", "{:.1f}"),
    (
        "5xx ratio",
        f'(sum by (release) (rate(auth_http_requests_total{{{API}, status=~"5.."}}[5m]))'
        f" or 0 * sum by (release) (rate(auth_http_requests_total{{{API}}}[5m])))"
        f" / sum by (release) (rate(auth_http_requests_total{{{API}}}[5m]))",
        "{:.2%}",
    ),
    (
        "p50 latency (ms)",
        "histogram_quantile(0.5, sum by (release, le) "
        f"(rate(auth_http_request_duration_seconds_bucket{{{API}}}[5m]))) * 1000",
        "{:.1f}",
    ),
    (
        "p99 latency (ms)",
        "histogram_quantile(0.99, sum by (release, le) "
        f"(rate(auth_http_request_duration_seconds_bucket{{{API}}}[5m]))) * 1000",
        "{:.1f}",
    ),
    (
        "logins succeeded",
        'sum by (release) (increase(auth_logins_total{result="success"}[5m]))',
        "{:.0f}",
    ),
    ("refreshes", "sum by (release) (increase(auth_refresh_total[5m]))", "{:.0f}"),
    (
        "refresh reuse detected",
        "sum by (release) (increase(auth_refresh_reuse_detected_total[5m]))",
        "{:.0f}",
    ),
    (
        "verify denials",
        'sum by (release) (increase(auth_verify_total{result!="valid"}[5m]))',
        "{:.0f}",
    ),
)


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


def scrape(instance: Instance) -> Snapshot:
    text = httpx.get(f"{instance.base_url}/metrics", timeout=5).text
    target = {
        "namespace": "auth",
        "job": "auth-api",
        "instance": f"127.0.0.1:{instance.port}",
        "release": instance.release,
        "version": instance.version,
    }
    snapshot: Snapshot = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue
            labels = {(f"exported_{k}" if k in target else k): v for k, v in sample.labels.items()}
            snapshot.setdefault(sample.name, []).append(({**labels, **target}, sample.value))
    return snapshot


def merged(*snapshots: Snapshot) -> Snapshot:
    result: Snapshot = {}
    for snapshot in snapshots:
        for name, series in snapshot.items():
            result.setdefault(name, []).extend(series)
    return result


def comparison_table(scrapes: Scrapes) -> list[str]:
    lines = [f"{'':<26}{'stable':>12}{'canary':>12}"]
    for title, query, fmt in ROWS:
        by_release = {
            dict(labels).get("release"): value for labels, value in evaluate(query, scrapes)
        }
        cells = [_cell(by_release.get(track), fmt) for track in ("stable", "canary")]
        lines.append(f"{title:<26}{cells[0]:>12}{cells[1]:>12}")
    return lines


def analysis_table(measurements: list[Measurement]) -> list[str]:
    lines = [f"{'metric':<28}{'result':>10}  {'success if':<20}{'failure if':<20}phase"]
    for m in measurements:
        result = _cell(m.result[0] if m.result else None, "{:.4g}")
        conditions = f"{m.success_condition:<20}{m.failure_condition:<20}"
        lines.append(f"{m.metric:<28}{result:>10}  {conditions}{m.phase}")
    return lines


def _cell(value: float | None, fmt: str) -> str:
    return "-" if value is None or math.isnan(value) else fmt.format(value)


def run(args: argparse.Namespace) -> int:
    stable = Instance(release="stable", version="v1")
    canary = Instance(release="canary", version="v2")
    if args.inject_error_rate > 0:
        canary.target = "benchmarks.canary_faulty:app"
        canary.extra_env["CANARY_FAULT_RATE"] = str(args.inject_error_rate)
    try:
        for instance in (stable, canary):
            instance.start()
        for instance in (stable, canary):
            instance.wait_ready()
        asyncio.run(_load(stable, canary, seconds=WARM_UP_SECONDS, workers=1))
        before, started = merged(scrape(stable), scrape(canary)), time.monotonic()
        asyncio.run(_load(stable, canary, seconds=args.duration, workers=args.workers))
        after = merged(scrape(stable), scrape(canary))
        scrapes = Scrapes(before, after, time.monotonic() - started)
    finally:
        for instance in (stable, canary):
            instance.stop()
    fault = (
        f"{args.inject_error_rate:.0%} of canary API requests" if args.inject_error_rate else "none"
    )
    measurements = [measure(metric, scrapes) for metric in load_metrics()]
    print(f"canary demo: {args.duration:g} s of mixed load, {args.workers} users per track")
    print(f"fault injected: {fault}\n")
    print("\n".join(comparison_table(scrapes)))
    print(f"\nanalysis ({TEMPLATE.name}, window = the whole run):")
    print("\n".join(analysis_table(measurements)))
    outcome = verdict(measurements)
    print(f"\nverdict: {outcome}")
    return ROLL_BACK_EXIT if outcome == "roll back" else 0


async def _load(stable: Instance, canary: Instance, *, seconds: float, workers: int) -> None:
    await asyncio.gather(
        drive(stable.base_url, seconds, workers), drive(canary.base_url, seconds, workers)
    )


if __name__ == "__main__":
    sys.exit(run(parse_args()))
