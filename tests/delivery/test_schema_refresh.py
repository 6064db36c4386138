"""scripts/refresh-k8s-schemas.sh: the kept schemas again from the catalogue, or nothing."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import threading
from pathlib import Path

from tests.delivery.manifests import BUNDLED_SCHEMAS, REPO_ROOT


def _refresh(source: str, folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "K8S_SCHEMAS_SOURCE": source, "K8S_SCHEMAS_DIR": str(folder)}
    script = REPO_ROOT / "scripts" / "refresh-k8s-schemas.sh"
    return subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=60)


def test_refresh_script_replaces_every_kept_schema_from_the_catalogue(tmp_path):
    kept = tmp_path / "kept"
    shutil.copytree(BUNDLED_SCHEMAS, kept)
    catalogue = tmp_path / "catalogue"
    for path in [*kept.rglob("*.json"), kept / "LICENSE"]:
        served = catalogue / path.relative_to(kept)
        served.parent.mkdir(parents=True, exist_ok=True)
        served.write_text(f"refreshed {path.name}")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(catalogue))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            result = _refresh(f"http://127.0.0.1:{server.server_address[1]}", kept)
        finally:
            server.shutdown()

    assert result.returncode == 0, result.stderr
    assert "refreshed 8 schemas" in result.stdout
    assert (kept / "networking.istio.io/virtualservice_v1.json").read_text() == (
        "refreshed virtualservice_v1.json"
    )
    assert (kept / "LICENSE").read_text() == "refreshed LICENSE"


def test_refresh_script_changes_nothing_when_the_catalogue_cannot_be_reached(tmp_path):
    kept = tmp_path / "kept"
    shutil.copytree(BUNDLED_SCHEMAS, kept)
    before = {p: p.read_bytes() for p in kept.rglob("*") if p.is_file()}

    result = _refresh("http://127.0.0.1:9", kept)

    assert result.returncode == 1 and "nothing was changed" in result.stderr
    assert {p: p.read_bytes() for p in kept.rglob("*") if p.is_file()} == before
