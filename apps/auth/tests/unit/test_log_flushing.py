"""Log lines of one event-loop turn leave with one flush at the end of the turn; warnings,
lines logged where no loop runs, and lines after a loop is gone leave at once."""

from __future__ import annotations

import asyncio
import logging

from apps.auth.setup.logging import LoopTurnStreamHandler


class Stream:
    """A stream that shows only what was flushed, and counts the flushes."""

    def __init__(self) -> None:
        self.pending = ""
        self.flushed: list[str] = []
        self.flushes = 0

    def write(self, text: str) -> int:
        self.pending += text
        return len(text)

    def flush(self) -> None:
        self.flushes += 1
        if self.pending:
            self.flushed.append(self.pending)
            self.pending = ""


def _logger(stream: Stream) -> logging.Logger:
    logger = logging.getLogger(f"auth.test-flushing.{id(stream)}")
    logger.handlers[:] = [LoopTurnStreamHandler(stream)]  # type: ignore[arg-type]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger


async def test_the_lines_of_one_loop_turn_leave_in_one_flush_when_the_turn_ends() -> None:
    stream = Stream()
    logger = _logger(stream)

    for index in range(3):
        logger.info("line %d", index)
    assert stream.flushed == []
    await asyncio.sleep(0)

    assert stream.flushed == ["line 0\nline 1\nline 2\n"]
    assert stream.flushes == 1
    logger.info("next turn")
    await asyncio.sleep(0)
    assert stream.flushed[1:] == ["next turn\n"]


async def test_a_warning_leaves_at_once_with_the_lines_before_it() -> None:
    stream = Stream()
    logger = _logger(stream)

    logger.info("first")
    logger.warning("trouble")

    assert stream.flushed == ["first\ntrouble\n"]


def test_lines_logged_where_no_loop_runs_leave_at_once() -> None:
    stream = Stream()
    logger = _logger(stream)

    logger.info("starting")

    assert stream.flushed == ["starting\n"]


def test_a_line_after_its_loop_closed_with_a_flush_due_leaves_at_once() -> None:
    stream = Stream()
    logger = _logger(stream)
    loop = asyncio.new_event_loop()

    def log_and_stop() -> None:
        logger.info("last of the loop")
        loop.stop()

    loop.call_soon(log_and_stop)
    loop.run_forever()
    loop.close()
    assert stream.flushed == []
    logger.info("after the loop")

    assert stream.flushed == ["last of the loop\nafter the loop\n"]
