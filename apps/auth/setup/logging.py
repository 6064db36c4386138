from __future__ import annotations

import logging
import sys
import time

from pythonjsonlogger.orjson import OrjsonFormatter

from apps.auth.presentation.http.middleware import request_id_var


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class JsonLineFormatter(OrjsonFormatter):
    """python-json-logger's orjson formatter, whose `time` field (the logging module's own
    format, local time with milliseconds) has its date and time rendered once per second
    rather than once per line."""

    _second: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        cached, text = self._second
        if cached != second:
            text = time.strftime(self.default_time_format, self.converter(second))
            self._second = (second, text)
        return f"{text},{int(record.msecs):03d}"


def skip_record_lookups() -> None:
    """The logging module's switches for what a record looks up and no field of ours prints:
    the caller's file, line and function, the thread and the process (the logging HOWTO,
    "Optimization"). `_srcfile` is the switch that section names for the caller."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def configure_logging(level: str, service: str, release: str) -> None:
    """One JSON object per line on stdout, for every logger including uvicorn's.

    Records skip the lookups that no field of ours prints (`skip_record_lookups`).
    """
    skip_record_lookups()
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonLineFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            static_fields={"service": service, "release": release},
        )
    )
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
