"""The AnalysisTemplate's metrics, judged the way Argo Rollouts judges one measurement.

Each metric's PromQL is answered by a Prometheus server (the caller's `Query`), its
`successCondition` and `failureCondition` are applied to `result` (the values of the
answer), and the run's phase follows Argo Rollouts: any Failed metric fails the run,
else any Inconclusive or Error one makes it Inconclusive.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

TEMPLATE = (
    Path(__file__).resolve().parents[1] / "workloads/domains/auth/analysis/analysis-template.yaml"
)
Query = Callable[[str], list[float]]
VERDICTS = {"Successful": "promote", "Inconclusive": "hold", "Failed": "roll back"}
_FLOOR = re.compile(r"clamp_min\(.*,\s*([\d.]+)\)\s*(?:or vector\(NaN\))?\s*$", re.DOTALL)
LATENCY_METRIC = "p99-latency-versus-stable"
_CONDITION = re.compile(r"^result\[(\d+)\]\s*(<=|>=|==|!=|<|>)\s*(-?[\d.]+(?:e-?\d+)?)$")
_OPERATORS = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}


@dataclass(frozen=True, slots=True)
class Measurement:
    metric: str
    result: list[float]
    success_condition: str
    failure_condition: str
    phase: str


def load_metrics(path: Path = TEMPLATE) -> list[dict[str, Any]]:
    template = yaml.safe_load(path.read_text())
    return list(template["spec"]["metrics"])


def latency_floor_seconds(metrics: list[dict[str, Any]]) -> float:
    """The floor the latency metric puts under stable's p99 (its `clamp_min`), in seconds."""
    [metric] = [m for m in metrics if m["name"] == LATENCY_METRIC]
    match = _FLOOR.search(metric["provider"]["prometheus"]["query"].strip())
    if match is None:
        raise ValueError(f"{LATENCY_METRIC} has no clamp_min floor the demo can read")
    return float(match.group(1))


def measure(metric: dict[str, Any], query: Query) -> Measurement:
    result = query(metric["provider"]["prometheus"]["query"])
    success = metric.get("successCondition", "")
    failure = metric.get("failureCondition", "")
    phase = phase_of(result, success, failure) if result else "Error"
    return Measurement(metric["name"], result, success, failure, phase)


def phase_of(result: list[float], success_condition: str, failure_condition: str) -> str:
    succeeded = bool(success_condition) and holds(success_condition, result)
    failed = bool(failure_condition) and holds(failure_condition, result)
    if success_condition and not failure_condition:
        failed = not succeeded
    elif failure_condition and not success_condition:
        succeeded = not failed
    elif not success_condition and not failure_condition:
        return "Successful"
    if failed:
        return "Failed"
    return "Successful" if succeeded else "Inconclusive"


def holds(condition: str, result: list[float]) -> bool:
    """The condition forms the template uses: `result[i] <op> <number>`, `true`, `false`."""
    condition = condition.strip()
    if condition in ("true", "false"):
        return condition == "true"
    match = _CONDITION.match(condition)
    if match is None:
        raise ValueError(f"condition the demo cannot evaluate: {condition!r}")
    index, op, bound = int(match.group(1)), match.group(2), float(match.group(3))
    value = result[index]
    return not math.isnan(value) and bool(_OPERATORS[op](value, bound))


def run_phase(measurements: list[Measurement]) -> str:
    phases = {m.phase for m in measurements}
    if "Failed" in phases:
        return "Failed"
    if phases - {"Successful"}:
        return "Inconclusive"
    return "Successful"


def verdict(measurements: list[Measurement]) -> str:
    return VERDICTS[run_phase(measurements)]
