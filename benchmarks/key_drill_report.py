"""The drill's table: one row per step."""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.key_drill_population import Tally


@dataclass(frozen=True, slots=True, kw_only=True)
class StepResult:
    name: str
    waited: float
    alive: int
    tally: Tally


def table(title: str, results: list[StepResult]) -> str:
    head = ("step", "wait s", "alive", "forced sign-ins", "refusals", "revoked accepted",
            "refreshes", "checks", "errors")  # fmt: skip
    rows = [head] + [
        (r.name, f"{r.waited:.1f}", str(r.alive), str(r.tally.forced_sign_ins),
         str(r.tally.refusals), str(r.tally.revoked_accepted), str(r.tally.refreshes),
         str(r.tally.checks), str(r.tally.errors))
        for r in results
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join([title, *lines])
