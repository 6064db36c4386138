"""The strength of the HS256 secret: reported at start, and checked by an operator's command.

`python -m apps.auth.setup.secret_strength` reads `AUTH_JWT_SECRET` from the environment (run
it where the service runs, e.g. `kubectl exec` into a pod, so the secret never leaves the
cluster) and exits 0 when it passes the check the service applies at start, 1 when it is weak,
2 when it is unset. Neither the command nor the start-up report ever prints the secret.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping

from apps.auth.presentation.http.metrics import AuthMetrics
from apps.auth.setup.settings import Settings
from apps.auth.setup.settings_checks import MIN_SECRET_BYTES, guessable

VARIABLE = "AUTH_JWT_SECRET"
COMMAND = "python -m apps.auth.setup.secret_strength"
logger = logging.getLogger("auth.setup")


def weaknesses(secret: str) -> list[str]:
    """Why `secret` fails the strength check, in words that reveal nothing of its value."""
    found = []
    size = len(secret.encode())
    if size < MIN_SECRET_BYTES:
        found.append(f"{size} bytes, fewer than {MIN_SECRET_BYTES}")
    if guessable(secret):
        found.append(
            "guessable: a word, a repeat, a run, a small alphabet or too little entropy "
            "for its length"
        )
    return found


def report_at_start(settings: Settings, metrics: AuthMetrics) -> None:
    """Exports `auth_config_weak_secret` and, when it is 1, says so once in the log."""
    weak = settings.jwt_secret_weak
    metrics.weak_secret.set(1 if weak else 0)
    if weak:
        logger.warning(
            "AUTH_JWT_SECRET fails the strength check; it is shared with the running Eco² auth "
            "and the gateway, so the service runs with it: plan its rotation with the platform",
            extra={"check": COMMAND, "minimum_bytes": MIN_SECRET_BYTES},
        )


def main(environ: Mapping[str, str] | None = None) -> int:
    secret = (os.environ if environ is None else environ).get(VARIABLE, "")
    if not secret:
        print(f"{VARIABLE} is not set", file=sys.stderr)
        return 2
    found = weaknesses(secret)
    if found:
        print(f"{VARIABLE} is weak: " + "; ".join(found), file=sys.stderr)
        return 1
    print(f"{VARIABLE} passes the strength check")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
