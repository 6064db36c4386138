"""A test run leaves a clone as it found it: screenshots go to docs/ only when asked."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _recipe(target: str) -> str:
    makefile = (ROOT / "Makefile").read_text()
    return makefile.split(f"\n{target}:", 1)[1].split("\n\n", 1)[0]


def test_browser_screenshots_go_outside_the_checkout_unless_a_folder_is_given():
    probe = "from apps.auth.tests.browser.chromium import SCREENSHOTS; print(SCREENSHOTS)"
    env = {k: v for k, v in os.environ.items() if k != "AUTH_SCREENSHOTS_DIR"}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )

    folder = Path(result.stdout.strip())
    assert folder.is_absolute(), result.stderr
    assert not folder.resolve().is_relative_to(ROOT)


def test_only_make_screenshots_points_the_browser_tests_at_docs():
    assert "AUTH_SCREENSHOTS_DIR" not in _recipe("test")
    assert "AUTH_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots" in _recipe("screenshots")


def test_every_screenshot_the_docs_show_is_in_the_repository():
    shown = {
        name
        for page in DOCS.glob("*.md")
        for name in re.findall(r"\(screenshots/([\w.-]+\.png)\)", page.read_text())
    }

    assert len(shown) >= 15
    assert {name for name in shown if not (DOCS / "screenshots" / name).is_file()} == set()
