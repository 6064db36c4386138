"""Log lines keep the logging module's own `time` format although the formatter renders the
date and time once per second."""

from __future__ import annotations

import logging

import orjson
import pytest

from apps.auth.setup.logging import JsonLineFormatter, skip_record_lookups


def _formatter() -> JsonLineFormatter:
    return JsonLineFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        static_fields={"service": "auth", "release": "stable"},
    )


def _record(created: float) -> logging.LogRecord:
    record = logging.LogRecord("auth.access", logging.INFO, __file__, 1, "request", (), None)
    record.created = created
    record.msecs = (created - int(created)) * 1000
    record.status = 201
    return record


def test_the_time_field_is_what_the_logging_module_writes_across_seconds():
    ours, stdlib = _formatter(), logging.Formatter()
    moments = [
        1_796_000_000.0,
        1_796_000_000.999,
        1_796_000_001.0004,
        1_796_000_001.5,
        1_796_000_000.25,  # an earlier second after a later one
        1_796_003_600.125,
    ]

    for created in moments:
        line = orjson.loads(ours.format(_record(created)))
        assert line["time"] == stdlib.formatTime(_record(created)), created


def test_a_line_carries_level_logger_message_static_and_extra_fields():
    line = orjson.loads(_formatter().format(_record(1_796_000_000.5)))

    assert line["level"] == "INFO"
    assert line["logger"] == "auth.access"
    assert line["message"] == "request"
    assert (line["service"], line["release"], line["status"]) == ("auth", "stable", 201)


def test_an_explicit_date_format_is_honoured():
    record = _record(1_796_000_000.5)

    assert _formatter().formatTime(record, "%Y") == logging.Formatter().formatTime(record, "%Y")


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_records_skip_the_caller_thread_and_process_lookups(monkeypatch: pytest.MonkeyPatch):
    # The switches are module globals: monkeypatch puts them back after the test.
    for name in ("_srcfile", "logThreads", "logProcesses", "logMultiprocessing"):
        monkeypatch.setattr(logging, name, getattr(logging, name))
    logger = logging.getLogger("auth.test-lookups")
    kept = _Kept()
    logger.addHandler(kept)
    logger.propagate = False
    try:
        logger.warning("before")
        skip_record_lookups()
        logger.warning("after")
    finally:
        logger.removeHandler(kept)

    before, after = kept.records
    assert before.funcName == "test_records_skip_the_caller_thread_and_process_lookups"
    assert before.thread is not None and before.process is not None
    assert (after.funcName, after.lineno) == ("(unknown function)", 0)
    assert (after.thread, after.process, after.processName) == (None, None, None)
