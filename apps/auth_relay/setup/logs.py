from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter


def configure_logging(level: str) -> None:
    """One JSON object per line on stdout, for every logger of the process."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            static_fields={"service": "auth-relay"},
            timestamp="time",
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The worker logs each outage once with its cause; the clients would log every attempt.
    for name in ("aio_pika", "aiormq", "redis"):
        logging.getLogger(name).setLevel(max(logging.CRITICAL, root.level))
    # The probe server's start and stop lines add nothing to the relay's own.
    logging.getLogger("uvicorn").setLevel(max(logging.WARNING, root.level))
