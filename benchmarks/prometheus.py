"""A real Prometheus server on loopback, with its own data directory, queried over HTTP."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from benchmarks.servers import free_port

Sample = tuple[dict[str, str], float]


class Prometheus:
    """`prometheus` from PATH on a free loopback port, with its own data directory."""

    def __init__(
        self,
        scrape_jobs: list[dict[str, Any]] | None = None,
        rules: dict[str, Any] | None = None,
        data_dir: Path | None = None,
        interval: str = "1s",
    ) -> None:
        self._workdir = Path(tempfile.mkdtemp(prefix="prometheus-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir or self._workdir / "data"
        self.config: dict[str, Any] = {
            "global": {"scrape_interval": interval, "evaluation_interval": interval},
            "scrape_configs": scrape_jobs or [],
        }
        if rules is not None:
            (self._workdir / "rules.yml").write_text(yaml.safe_dump(rules, sort_keys=False))
            self.config["rule_files"] = [str(self._workdir / "rules.yml")]
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Prometheus:
        config = self._workdir / "prometheus.yml"
        config.write_text(yaml.safe_dump(self.config, sort_keys=False))
        command = [
            "prometheus",
            f"--config.file={config}",
            f"--storage.tsdb.path={self.data_dir}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=error",
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        self._wait_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"prometheus exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"prometheus did not become ready in {timeout} s")

    def query(self, expr: str, at: float | None = None) -> list[Sample]:
        """An instant query (`/api/v1/query`); a scalar comes back as one unlabelled sample."""
        params = {"query": expr} if at is None else {"query": expr, "time": f"{at:.3f}"}
        body = httpx.get(f"{self.url}/api/v1/query", params=params, timeout=10).json()
        if body["status"] != "success":
            raise RuntimeError(f"query failed: {body.get('error')}: {expr}")
        data = body["data"]
        if data["resultType"] == "scalar":
            return [({}, float(data["result"][1]))]
        return [(item["metric"], float(item["value"][1])) for item in data["result"]]

    def wait_for_scrapes_after(
        self, moment: float, job: str, targets: int, timeout: float = 15
    ) -> None:
        """Returns once `targets` targets of `job` are up and were scraped after `moment`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            stamps = [v for _, v in self.query(f'timestamp(up{{job="{job}"}} == 1)')]
            if len(stamps) == targets and min(stamps) > moment:
                return
            time.sleep(0.2)
        raise RuntimeError(f"prometheus did not scrape every {job} target in {timeout} s")

    def rules(self) -> list[dict[str, Any]]:
        """Every loaded rule with its `health` and, for alerts, `state` (`/api/v1/rules`)."""
        body = httpx.get(f"{self.url}/api/v1/rules", timeout=10).json()
        return [rule for group in body["data"]["groups"] for rule in group["rules"]]
