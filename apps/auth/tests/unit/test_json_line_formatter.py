"""Log lines keep the logging module's own `time` format although the formatter renders the
date and time once per second."""

from __future__ import annotations

import logging
import sys

import orjson
import pytest
from pythonjsonlogger.orjson import OrjsonFormatter

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


class _Opaque:
    def __str__(self) -> str:
        return "opaque"


def _library_formatter() -> OrjsonFormatter:
    return OrjsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        static_fields={"service": "auth", "release": "stable"},
    )


def _plain_records() -> list[logging.LogRecord]:
    access = _record(1_796_000_000.5)
    for name, value in {"request_id": "r-1", "method": "POST", "duration_ms": 1.25}.items():
        setattr(access, name, value)
    formatted = logging.LogRecord(
        "auth.setup", logging.ERROR, "", 0, "%s is %d", ("redis", 3), None
    )
    hidden = _record(1_796_000_001.0)
    hidden._private = "never written"
    hidden.level = "an extra named like a renamed field"
    odd = _record(1_796_000_002.0)
    odd.payload = {"nested": [1, 2], "object": _Opaque(), "raw": b"\x00\xff"}
    return [access, formatted, hidden, odd]


@pytest.mark.parametrize("index", range(4))
def test_a_plain_record_is_written_exactly_as_the_library_writes_it(index: int):
    ours, library = _formatter(), _library_formatter()
    record = _plain_records()[index]
    expected = library.format(record)

    assert ours.format(record) == expected
    assert orjson.loads(expected)["service"] == "auth"


def test_records_with_an_exception_or_a_stack_go_through_the_library():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        failure = logging.LogRecord("auth", logging.ERROR, "", 0, "failed", (), sys.exc_info())
    stacked = _record(1_796_000_000.0)
    stacked.stack_info = "Stack (most recent call last):\n  here"
    as_dict = logging.LogRecord("auth", logging.INFO, "", 0, {"event": "x"}, (), None)

    for record in (failure, stacked, as_dict):
        assert _formatter().format(record) == _library_formatter().format(record)
    assert "RuntimeError: boom" in orjson.loads(_formatter().format(failure))["exc_info"]


def test_options_the_one_pass_does_not_cover_are_left_to_the_library():
    options: dict[str, object] = {"timestamp": True, "defaults": {"zone": "a"}}
    settings = {
        "fmt": "%(levelname)s %(message)s",
        "rename_fields": {"levelname": "level"},
        **options,
    }
    record = _plain_records()[0]

    ours = JsonLineFormatter(**settings).format(record)  # type: ignore[arg-type]

    assert ours == OrjsonFormatter(**settings).format(record)  # type: ignore[arg-type]
    assert {"timestamp", "zone"} <= orjson.loads(ours).keys()


def test_a_format_given_as_a_sequence_of_fields_is_left_to_the_library():
    settings: dict[str, object] = {"fmt": ["levelname", "message"], "static_fields": {"a": 1}}
    record = _plain_records()[0]

    ours = JsonLineFormatter(**settings).format(record)  # type: ignore[arg-type]

    assert ours == OrjsonFormatter(**settings).format(record)  # type: ignore[arg-type]
