#!/usr/bin/env bash
# Dependency gate: audits the locked dependency set (uv.lock, every group) with pip-audit.
#
# Known advisories are let through only when listed in .pip-audit-exceptions.toml with a
# reason and an unexpired date; an expired entry fails the gate. When the vulnerability
# service cannot be reached, or answers for none of the packages, the audit did not happen:
# that fails in CI (CI=true) or with PIP_AUDIT_STRICT=1, and is a loud warning elsewhere so
# `make lint` still works offline.
set -euo pipefail

# The project's directory: this repository's root, or where PIP_AUDIT_PROJECT_DIR says (in
# eco2-team/backend the project and its lock live in apps/auth).
cd "${PIP_AUDIT_PROJECT_DIR:-$(dirname "$0")/..}"
VENV="${VENV:-.venv}"
UV="${UV:-$VENV/bin/uv}"
EXCEPTIONS="${PIP_AUDIT_EXCEPTIONS:-.pip-audit-exceptions.toml}"
STRICT=0
if [ "${CI:-}" = "true" ] || [ "${PIP_AUDIT_STRICT:-0}" = "1" ]; then
  STRICT=1
fi

workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT

"$VENV/bin/python" - "$EXCEPTIONS" >"$workdir/ignored" <<'PY'
import datetime
import sys
import tomllib
from pathlib import Path

path = Path(sys.argv[1])
entries = tomllib.loads(path.read_text()).get("exception", []) if path.exists() else []
today = datetime.date.today()
failed = False
for entry in entries:
    missing = [key for key in ("id", "package", "reason", "expires") if not entry.get(key)]
    if missing:
        print(f"pip-audit: {path}: exception {entry.get('id', '?')} lacks {missing}", file=sys.stderr)
        failed = True
        continue
    if not isinstance(entry["expires"], datetime.date):
        print(f"pip-audit: {path}: {entry['id']} expires must be a date", file=sys.stderr)
        failed = True
    elif entry["expires"] < today:
        print(
            f"pip-audit: exception {entry['id']} ({entry['package']}) expired on "
            f"{entry['expires']}: fix the dependency or renew the entry with a new reason",
            file=sys.stderr,
        )
        failed = True
    else:
        print(entry["id"])
sys.exit(1 if failed else 0)
PY

"$UV" export --frozen --no-hashes --no-emit-project --format requirements-txt \
  --output-file "$workdir/requirements.txt" --quiet

ignore_args=()
while IFS= read -r id; do
  ignore_args+=(--ignore-vuln "$id")
done <"$workdir/ignored"

status=0
"$VENV/bin/pip-audit" --requirement "$workdir/requirements.txt" --no-deps --disable-pip \
  --progress-spinner off --format json --output "$workdir/report.json" \
  "${ignore_args[@]}" 2>"$workdir/stderr" || status=$?

"$VENV/bin/python" - "$workdir/report.json" "$workdir/stderr" "$status" "$STRICT" <<'PY'
import json
import sys
from pathlib import Path

report_path, stderr_path, status, strict = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
try:
    report = json.loads(Path(report_path).read_text())
except (OSError, json.JSONDecodeError):
    report = None
dependencies = (report or {}).get("dependencies", [])
audited = [d for d in dependencies if "skip_reason" not in d]
vulnerable = [d for d in audited if d.get("vulns")]
for dependency in vulnerable:
    for vuln in dependency["vulns"]:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix released"
        print(f"pip-audit: {dependency['name']} {dependency['version']}: {vuln['id']} ({fixes})")
if vulnerable:
    sys.exit(1)
if report is None or not audited:
    reasons = [d["skip_reason"] for d in dependencies if "skip_reason" in d]
    reasons += Path(stderr_path).read_text().strip().splitlines()[-1:] or ["no report"]
    print(
        "pip-audit: NOT AUDITED - the vulnerability service could not be used "
        f"({len(dependencies)} packages, none audited; e.g. {reasons[0][:160]})",
        file=sys.stderr,
    )
    sys.exit(1 if strict else 0)
if status != 0:
    print(Path(stderr_path).read_text(), file=sys.stderr)
    sys.exit(status)
skipped = [d["name"] for d in dependencies if "skip_reason" in d]
note = f", {len(skipped)} skipped: {', '.join(skipped)}" if skipped else ""
print(f"pip-audit: {len(audited)} locked packages audited, no known vulnerabilities{note}")
if skipped and strict:
    sys.exit(1)
PY
