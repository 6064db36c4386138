"""What `make canary-demo` prints: the tracks side by side, the analysis, the rules."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from typing import Any

from benchmarks.canary_analysis import Measurement
from benchmarks.prometheus import Sample
from benchmarks.prometheus_config import PROMETHEUS_RULE

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


P99_TITLE = "p99 latency (ms)"
JUDGED_TITLE = "p99 canary/judged stable"


def comparison_table(query: Callable[[str], list[Sample]], *, floor_ms: float) -> list[str]:
    """The rows side by side, then the p99 ratio the analysis judges: canary's p99 over
    stable's p99 raised to `floor_ms` (the template's floor), so the two cannot disagree."""
    lines = [f"{'':<26}{'stable':>12}{'canary':>12}"]
    p99: dict[str | None, float] = {}
    for title, expr, fmt in ROWS:
        by_release = {labels.get("release"): value for labels, value in query(expr)}
        if title == P99_TITLE:
            p99 = by_release
        cells = [_cell(by_release.get(track), fmt) for track in ("stable", "canary")]
        lines.append(f"{title:<26}{cells[0]:>12}{cells[1]:>12}")
    stable, canary = p99.get("stable"), p99.get("canary")
    judged = None if stable is None or math.isnan(stable) else max(stable, floor_ms)
    ratio = None if judged is None or canary is None else canary / judged
    lines.append(f"{'p99 stable as judged (ms)':<26}{_cell(judged, '{:.1f}'):>12}{'':>12}")
    lines.append(f"{JUDGED_TITLE:<26}{'':>12}{_cell(ratio, '{:.4g}'):>12}")
    lines.append(
        f"(the analysis counts stable's p99 as at least {floor_ms:g} ms: below that a "
        "difference is noise, so two fast tracks never roll back)"
    )
    return lines


def rules_line(rules: list[dict[str, Any]]) -> str:
    health = Counter(rule["health"] for rule in rules)
    active = [
        f"{r['name']} ({r['state']})" for r in rules if r.get("state") not in (None, "inactive")
    ]
    summary = ", ".join(f"{count} {state}" for state, count in sorted(health.items()))
    alerts = ", ".join(active) or "none"
    return f"rules of {PROMETHEUS_RULE.name}: {summary}; active alerts: {alerts}"


def analysis_table(measurements: list[Measurement]) -> list[str]:
    lines = [f"{'metric':<28}{'result':>10}  {'success if':<20}{'failure if':<20}phase"]
    for m in measurements:
        result = _cell(m.result[0] if m.result else None, "{:.4g}")
        conditions = f"{m.success_condition:<20}{m.failure_condition:<20}"
        lines.append(f"{m.metric:<28}{result:>10}  {conditions}{m.phase}")
    return lines


def _cell(value: float | None, fmt: str) -> str:
    return "-" if value is None or math.isnan(value) else fmt.format(value)
