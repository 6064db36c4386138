"""Line-level edits of platform files: each one changes exactly the lines it names.

The platform's files are edited as text, never parsed and dumped again, so comments, quoting
and key order survive and `git diff` shows only the lines that concern auth. Every edit first
checks that what it removes or anchors on is there exactly as often as expected; anything else
is a platform this tool does not know, and it stops.
"""

from __future__ import annotations


class HandoverError(Exception):
    """A refusal: one line that says what is wrong and what to do about it."""


def _find(lines: list[str], block: list[str]) -> list[int]:
    width = len(block)
    return [i for i in range(len(lines) - width + 1) if lines[i : i + width] == block]


def remove_block(text: str, block: str, *, count: int = 1, where: str) -> str:
    """Remove every occurrence of the consecutive lines `block`, which must occur `count` times."""
    lines = text.splitlines(keepends=True)
    wanted = block.splitlines(keepends=True)
    hits = _find(lines, wanted)
    if len(hits) != count:
        raise HandoverError(
            f"{where}: expected {count} occurrence(s) of {block.splitlines()[0].strip()!r}, "
            f"found {len(hits)}"
        )
    for start in reversed(hits):
        del lines[start : start + len(wanted)]
    return "".join(lines)


def _the_line(lines: list[str], wanted: str, *, where: str) -> int:
    """The index of the one line equal to `wanted` (without its newline)."""
    hits = [i for i, line in enumerate(lines) if line.rstrip("\n") == wanted]
    if len(hits) != 1:
        raise HandoverError(f"{where}: expected one line {wanted.strip()!r}, found {len(hits)}")
    return hits[0]


def replace_line(text: str, old: str, new: str, *, where: str) -> str:
    """Replace the one line equal to `old` (without its newline) by `new`."""
    lines = text.splitlines(keepends=True)
    at = _the_line(lines, old, where=where)
    lines[at] = new + "\n"
    return "".join(lines)


def insert_after(text: str, anchor: str, new: str, *, where: str) -> str:
    """Insert the lines `new` right after the one line equal to `anchor`."""
    lines = text.splitlines(keepends=True)
    at = _the_line(lines, anchor, where=where)
    lines[at + 1 : at + 1] = new.splitlines(keepends=True)
    return "".join(lines)


def cut_from(text: str, first: str, *, where: str) -> str:
    """Drop everything from the one line equal to `first` to the end, and the blank lines before."""
    lines = text.splitlines(keepends=True)
    at = _the_line(lines, first, where=where)
    kept = lines[:at]
    while kept and not kept[-1].strip():
        kept.pop()
    return "".join(kept)
