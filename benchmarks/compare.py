"""`make bench-compare REF=<commit>`: the API at another commit against this checkout's, in one run.

"Does not regress" is a claim about two versions on one machine at one time, which two
`make bench` runs on different days cannot settle (the machines this project runs on differ by a
factor of four). Here both versions run side by side, each on its own database migrated by its
own Alembic history, next to the bare endpoint; rounds alternate between them, so a drift in
the machine's speed falls on both. The other commit is served from a temporary git worktree
with this checkout's virtualenv, so its imports must be installed here.

Prints, per endpoint, the median over the rounds of requests/s, the ratio to bare and API CPU
ms/request for each version, and this checkout's figure divided by the other's.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.auth_bench import REFRESH_SCRIPT, api_env, logins
from benchmarks.results import commit
from benchmarks.servers import ROOT, Server, throwaway_database
from benchmarks.wrk import CONNECTIONS, DURATION, Figures, measured

# Each round's refresh run starts from sessions nobody has rotated yet: at least one per
# connection, so every connection has a chain of its own.
SESSIONS_PER_ROUND = max(100, CONNECTIONS + 16)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Median figures of one endpoint for both versions; `bare` is the same run's baseline."""

    endpoint: str
    bare_rps: float
    ref_rps: float
    head_rps: float
    ref_cpu_ms: float
    head_cpu_ms: float
    errors: int


@contextmanager
def worktree(ref: str, repository: Path = ROOT) -> Iterator[Path]:
    """`ref` checked out in a temporary, detached worktree; removed again on exit."""
    with tempfile.TemporaryDirectory(prefix="auth-bench-ref-") as parent:
        path = Path(parent) / "checkout"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "--quiet", str(path), ref],
            cwd=repository,
            check=True,
        )
        try:
            yield path
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(path)], cwd=repository, check=False
            )


def short_commit(ref: str) -> str:
    """`ref` as a 12-digit commit of this repository, or "" when it names none."""
    return subprocess.run(
        ["git", "rev-parse", "--short=12", ref],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()


def table(ref: str, head: str, rows: Sequence[Comparison]) -> list[str]:
    lines = [
        f"- ref: `{ref}`",
        f"- this: `{head}`",
        "",
        "| endpoint | bare requests/s | ref requests/s | this requests/s | ref × bare "
        "| this × bare | ref CPU ms/request | this CPU ms/request | requests/s, this ÷ ref "
        "| non-2xx/3xx |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row.endpoint} | {row.bare_rps:.0f} | {row.ref_rps:.0f} | {row.head_rps:.0f} "
            f"| {row.ref_rps / row.bare_rps:.2f} | {row.head_rps / row.bare_rps:.2f} "
            f"| {row.ref_cpu_ms:.3f} | {row.head_cpu_ms:.3f} | {row.head_rps / row.ref_rps:.2f} "
            f"| {row.errors} |"
        )
    return lines


def _median(runs: list[Figures], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def _verify(api: Server, access_token: str) -> Figures:
    url = f"{api.base_url}/api/v1/auth/verify"
    return measured(api, url, "-H", f"Authorization: Bearer {access_token}")


def _refresh(api: Server, refresh_tokens: list[str], chains: Path) -> Figures:
    chains.write_text("\n".join(refresh_tokens))
    url = f"{api.base_url}/api/v1/auth/refresh"
    return measured(api, url, "-s", str(REFRESH_SCRIPT), script_args=(str(chains),))


def measure(ref_root: Path, rounds: int) -> list[Comparison]:
    verify: dict[str, list[Figures]] = {"ref": [], "head": []}
    refresh: dict[str, list[Figures]] = {"ref": [], "head": []}
    bare_runs: list[Figures] = []
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        bare = stack.enter_context(Server("benchmarks.bare_app:app", {}))
        apis: dict[str, Server] = {}
        for side, root in (("ref", ref_root), ("head", ROOT)):
            database = stack.enter_context(throwaway_database(root))
            apis[side] = stack.enter_context(
                Server("apps.auth.setup.main:app", api_env(database), root=root)
            )
        sessions = {
            side: asyncio.run(logins(api.base_url, 1 + rounds * SESSIONS_PER_ROUND, 16))[0]
            for side, api in apis.items()
        }
        for index in range(rounds):
            bare_runs.append(measured(bare, f"{bare.base_url}/ping"))
            start = 1 + index * SESSIONS_PER_ROUND
            for side, api in apis.items():
                (access, _), *_ = sessions[side]
                unspent = [r for _, r in sessions[side][start : start + SESSIONS_PER_ROUND]]
                verify[side].append(_verify(api, access))
                refresh[side].append(_refresh(api, unspent, tmp / f"{side}-{index}.txt"))
    bare_rps = _median(bare_runs, "rps")
    return [
        Comparison(
            endpoint,
            bare_rps,
            _median(runs["ref"], "rps"),
            _median(runs["head"], "rps"),
            _median(runs["ref"], "cpu_ms"),
            _median(runs["head"], "cpu_ms"),
            int(sum(run["errors"] for side in runs.values() for run in side)),
        )
        for endpoint, runs in (("`GET /verify`", verify), ("`POST /refresh`", refresh))
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench-compare REF=<commit>")
    parser.add_argument("ref", help="the commit, tag or branch to compare this checkout with")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    short = short_commit(args.ref)
    if not short:
        print(f"bench-compare: {args.ref!r} is not a commit of this repository", file=sys.stderr)
        return 2
    with worktree(short) as ref_root:
        rows = measure(ref_root, args.rounds)
    head = commit()
    print(
        f"\n1 uvicorn worker per process, `wrk -t1 -c{CONNECTIONS} -d{DURATION}`, "
        f"median of {args.rounds} alternating rounds\n"
    )
    print("\n".join(table(short, head, rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
