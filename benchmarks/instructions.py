"""`make bench-instructions [REF=<commit>]`: the instructions the API executes per `/refresh`.

CPU time per request is a property of the machine as much as of the code: the machines this
project runs on differ by a factor of four, and one machine halved its speed within an hour.
The number of instructions a request executes does not move with them: callgrind counts it,
the same to about a tenth of a percent from one run to the next, whatever else the machine
is doing. So a change's effect on the work per refresh can be stated exactly, on any machine.

The app runs in-process under valgrind, driven through its ASGI interface by
`instructions_driver.py` (no uvicorn and no HTTP parsing on the API's side, so the count is the
app's own work: middleware, the use case, tokens, and the Redis and Postgres clients), on its
own database migrated by its own history and the shared Redis. Instrumentation is switched on
for the measured refreshes alone, after sign-ins and a warm-up.

What it does not say: valgrind's virtual CPU lacks instruction-set extensions OpenSSL uses for
P-256, so the two ES256 signatures of a refresh weigh about a third of the count here against
about a tenth of the CPU under `make bench`. Compare counts with counts.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.auth_bench import api_env
from benchmarks.compare import short_commit, worktree
from benchmarks.results import commit
from benchmarks.servers import ROOT, throwaway_database

DRIVER = Path(__file__).resolve().parent / "instructions_driver.py"
_COLLECTED = re.compile(r"^==\d+== Collected : (\d+)$", re.MULTILINE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Count:
    version: str
    refreshes: int
    instructions: int

    @property
    def per_refresh(self) -> float:
        return self.instructions / self.refreshes


def collected(valgrind_log: str) -> int:
    """The instructions callgrind counted while instrumentation was on, from its log."""
    found = _COLLECTED.findall(valgrind_log)
    if len(found) != 1:
        raise ValueError("callgrind reported no single 'Collected' total")
    return int(found[0])


def count(root: Path, version: str, *, refreshes: int, users: int, warm: int) -> Count:
    """Runs the driver under callgrind against `root`'s code and database."""
    with throwaway_database(root) as database, tempfile.TemporaryDirectory() as tmp:
        outcome_file = Path(tmp) / "outcome.json"
        env = {
            **os.environ,
            **api_env(database),
            "AUTH_PUBLIC_BASE_URL": "http://127.0.0.1:8000",
            "PYTHONPATH": str(root),
            "PYTHONHASHSEED": "0",
        }
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={tmp}/callgrind.out.%p",
            sys.executable,
            str(DRIVER),
            f"--refreshes={refreshes}",
            f"--users={users}",
            f"--warm={warm}",
            f"--out={outcome_file}",
        ]
        run = subprocess.run(
            command,
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        if run.returncode != 0 or not outcome_file.exists():
            tail = "\n".join(run.stderr.splitlines()[-20:])
            raise RuntimeError(f"the driver failed for {version} ({run.returncode}):\n{tail}")
        outcome = json.loads(outcome_file.read_text())
        return Count(
            version=version, refreshes=outcome["refreshes"], instructions=collected(run.stderr)
        )


def table(counts: Sequence[Count]) -> list[str]:
    lines = [
        "| version | refreshes | instructions per refresh | × the first |",
        "|---|---:|---:|---:|",
    ]
    first = counts[0].per_refresh
    for item in counts:
        lines.append(
            f"| `{item.version}` | {item.refreshes} | {item.per_refresh:,.0f} "
            f"| {item.per_refresh / first:.3f} |"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench-instructions [REF=<commit>]")
    parser.add_argument("ref", nargs="?", help="another commit to count first, side by side")
    parser.add_argument("--refreshes", type=int, default=300)
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--warm", type=int, default=300)
    args = parser.parse_args(argv)
    sizes = {"refreshes": args.refreshes, "users": args.users, "warm": args.warm}
    counts = []
    if args.ref:
        short = short_commit(args.ref)
        if not short:
            print(f"bench-instructions: {args.ref!r} is not a commit here", file=sys.stderr)
            return 2
        with worktree(short) as ref_root:
            counts.append(count(ref_root, short, **sizes))
    counts.append(count(ROOT, commit(), **sizes))
    print(
        f"\n`POST /refresh` (ES256) in-process under callgrind, {args.refreshes} refreshes by "
        f"16 clients over {args.users} sessions after {args.warm} to warm up\n"
    )
    print("\n".join(table(counts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
