from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class ProbeProblem(Exception):
    """The dependency answers, but is set up so that the service cannot keep its promises;
    the message names the setting and the value it needs."""


class ProbeNote(Exception):
    """The dependency answers and the service can run, but a setting production needs is
    missing; `/ready` stays ready and says so."""


NOTED = "ok, but "


class HealthProbe(Protocol):
    name: str

    async def check(self) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadinessResult:
    ready: bool
    checks: dict[str, str]


class ReadinessQuery:
    """Ready only when every backing store answers within the timeout; names the one that failed."""

    timeout_seconds = 2.0

    def __init__(self, *, probes: Sequence[HealthProbe]) -> None:
        self._probes = probes
        self._timeout = self.timeout_seconds

    async def execute(self) -> ReadinessResult:
        results = await asyncio.gather(*(self._run(p) for p in self._probes))
        checks = dict(results)
        ready = all(v == "ok" or v.startswith(NOTED) for v in checks.values())
        return ReadinessResult(ready=ready, checks=checks)

    async def _run(self, probe: HealthProbe) -> tuple[str, str]:
        try:
            await asyncio.wait_for(probe.check(), self._timeout)
        except ProbeProblem as problem:
            return probe.name, str(problem)
        except ProbeNote as note:
            return probe.name, NOTED + str(note)
        except Exception:
            return probe.name, "unavailable"
        return probe.name, "ok"
