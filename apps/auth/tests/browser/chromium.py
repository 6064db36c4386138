"""Debian's chromium driven by selenium, and the live service it talks to."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

from apps.auth.application.common.ports import Clock
from apps.auth.setup.app_factory import create_app
from apps.auth.setup.serve import server_config
from apps.auth.setup.settings import Settings
from apps.auth.tests.integration.redis_server import free_port

ROOT = Path(__file__).resolve().parents[4]
# `make screenshots` points this at docs/screenshots; a plain test run keeps the tree clean.
SCREENSHOTS = Path(
    os.environ.get("AUTH_SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "eco2-auth-screenshots"
)
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def require_chromium() -> None:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not found: run ./scripts/ci-tools.sh "
            "(installs Debian's chromium and chromium-driver)",
            pytrace=False,
        )


@contextmanager
def chromium(
    width: int = 1100, height: int = 900, *, language: str = "en-US"
) -> Iterator[webdriver.Chrome]:
    """A headless chromium with a profile of its own: its own cookies and local storage, and
    `language` as its Accept-Language (headless chromium's own is en-US)."""
    require_chromium()
    # Selenium must use the browser and driver given here and never fetch one of its own.
    os.environ["SE_OFFLINE"] = "true"
    with tempfile.TemporaryDirectory(prefix="eco2-chromium-") as profile:
        options = Options()
        options.binary_location = str(CHROMIUM)
        for flag in (
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--accept-lang={language}",
        ):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
        try:
            yield driver
        finally:
            driver.quit()


def screenshot(driver: webdriver.Chrome, state: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{state}.png"))


@contextmanager
def live_service(**env: str) -> Iterator[str]:
    """`python -m apps.auth.setup.serve` as `make run` starts it, on a free port."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "RELEASE_"))}
    variables = {
        "AUTH_ENVIRONMENT": "test",
        "AUTH_PUBLIC_BASE_URL": base,
        "AUTH_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    } | {f"AUTH_{name.upper()}": value for name, value in env.items()}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "apps.auth.setup.serve", "--port", str(port)],
            cwd=ROOT,
            env=clean | variables,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(base, process, log)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    process.wait(timeout=10)
    log.seek(0)
    raise RuntimeError(f"the service at {base} did not start:\n{log.read()[-3000:].decode()}")


@contextmanager
def service_in_process(clock: Clock, **settings: Any) -> Iterator[str]:
    """The service on uvicorn in this process, so a test can move its clock; `settings` add
    to the embedded test defaults."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    app = create_app(Settings(environment="test", public_base_url=base, **settings), clock=clock)
    server = uvicorn.Server(server_config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
            time.sleep(0.01)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()
