from __future__ import annotations

import asyncio
import logging
import sys
import time
from typing import Any, Literal, NamedTuple

import orjson
from pythonjsonlogger.orjson import OrjsonFormatter

from apps.auth.presentation.http.middleware import request_id_var


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class _OnePass(NamedTuple):
    fields: tuple[tuple[str, str], ...]
    static: dict[str, Any]
    skip: frozenset[str]
    timed: bool


class JsonLineFormatter(OrjsonFormatter):
    """python-json-logger's orjson formatter, whose `time` field (the logging module's own
    format, local time with milliseconds) has its date and time rendered once per second
    rather than once per line.

    A plain record (a text message, no exception or stack, which is every access-log line)
    is written in one pass: the same fields, names, order and encoding as the library's own
    `format`, without its per-field method calls. Any other record, and any option this
    service does not set (defaults, a timestamp field, kept missing renames, indentation),
    goes through the library.
    """

    _second: tuple[int, str] = (-1, "")

    # What the one pass writes, worked out from the formatter's public settings on its first
    # record: (record attribute, output name) per format field, the static fields by output
    # name, the record attributes never written as extras, and whether the time is a field.
    # False when the formatter is set up in a way the one pass does not cover.
    _plan: _OnePass | Literal[False] | None = None

    def _one_pass_plan(self) -> _OnePass | None:
        if self._plan is None:
            self._plan = self._plan_from_settings()
        return self._plan or None

    def _plan_from_settings(self) -> _OnePass | Literal[False]:
        if self.defaults or self.timestamp or self.rename_fields_keep_missing or self.json_indent:
            return False
        try:
            required = self.parse()
        except (RuntimeError, ValueError):
            return False
        rename = self.rename_fields
        return _OnePass(
            fields=tuple((field, rename.get(field, field)) for field in required),
            static={rename.get(key, key): value for key, value in self.static_fields.items()},
            skip=frozenset(required) | frozenset(self.reserved_attrs),
            timed="asctime" in required,
        )

    def format(self, record: logging.LogRecord) -> str:
        plan = self._one_pass_plan()
        if (
            plan is None
            or record.exc_info
            or record.exc_text
            or record.stack_info
            or isinstance(record.msg, dict)
        ):
            return super().format(record)
        record.message = record.getMessage()
        if plan.timed:
            record.asctime = self.formatTime(record, self.datefmt)
        attributes = record.__dict__
        line = {name: attributes.get(field) for field, name in plan.fields}
        line.update(plan.static)
        skip, rename = plan.skip, self.rename_fields
        for key, value in attributes.items():
            if key not in skip and not (isinstance(key, str) and key.startswith("_")):
                line[rename.get(key, key)] = value
        encoded = orjson.dumps(line, default=self.json_default, option=orjson.OPT_NON_STR_KEYS)
        return self.prefix + encoded.decode()

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


class LoopTurnStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that writes the lines of one event-loop turn with one flush.

    The logging module's stream handler flushes after every line, so each access-log line was
    a `write` of its own. Here a line is written to the stream's buffer and the stream is
    flushed once, when the running loop's current turn ends. A record at `flush_level` or above
    (warnings and errors), and any record logged where no loop runs (start-up, other
    threads), flushes at once; so does the logging module's own flush of every handler at
    exit. A process that is killed loses at most the lines of the turn it was in.
    """

    flush_level = logging.WARNING
    # The loop whose current turn ends with a flush, once a line is waiting for one.
    _due_on: asyncio.AbstractEventLoop | None = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.stream.write(self.format(record) + self.terminator)
            if record.levelno >= self.flush_level or not self._flush_later():
                self.flush()
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)

    def _flush_later(self) -> bool:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        if self._due_on is not loop:
            self._due_on = loop
            loop.call_soon(self._flush_due_lines)
        return True

    def _flush_due_lines(self) -> None:
        self._due_on = None
        self.flush()


def configure_logging(level: str, service: str, release: str) -> None:
    """One JSON object per line on stdout, for every logger including uvicorn's; the lines of
    one event-loop turn leave in one write (`LoopTurnStreamHandler`).

    Records skip the lookups that no field of ours prints (`skip_record_lookups`).
    """
    skip_record_lookups()
    handler = LoopTurnStreamHandler(sys.stdout)
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
