"""Parts of one large plain file, so that several processes can read it at once.

The file is cut at line starts into ``count`` byte ranges of about equal size. Each part
knows the whole file's line numbers (it counts the line breaks before it), skips the
lines that continue the previous part's last record, and reads past its own end to
finish its last record: every record is read by exactly one part, whole, with the line
number a full read gives it. Only plain files (not ``.gz``) in an ASCII-compatible
encoding whose first lines end in ``\\n`` qualify: the cuts are made after a ``\\n``.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

_ASCII_COMPATIBLE = {"utf-8", "ascii", "latin-1", "iso8859-1", "cp1252", "iso8859-15"}
_BLOCK = 1 << 22


@dataclass(frozen=True, slots=True)
class FilePart:
    """Part ``index`` of ``count`` of a file source's one file, cut as if it had ``size``
    bytes: the planner's snapshot, so that every part cuts a growing log the same way
    (0: its size now)."""

    index: int
    count: int
    size: int = 0


@dataclass(frozen=True, slots=True)
class Span:
    """Where a part starts (byte offset, line number) and the line where the next begins
    (0 for the last part)."""

    offset: int
    line: int
    next_line: int


def splittable(path: Path, encoding: str) -> bool:
    """Whether ``path`` can be read in parts (see the module docstring)."""
    if path.name.endswith(".gz") or not path.is_file():
        return False
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    if name not in _ASCII_COMPATIBLE:
        return False
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    return b"\n" in head


def span_of(path: Path, part: FilePart) -> Span:
    """The byte offset and line numbers of ``part`` (the same cuts for every part)."""
    cuts = _cuts(path, part.count, part.size or path.stat().st_size)
    start, following = cuts[part.index], cuts[part.index + 1]
    last = part.index == part.count - 1
    return Span(
        offset=start,
        line=1 + _breaks(path, start),
        next_line=0 if last else 1 + _breaks(path, following),
    )


def _cuts(path: Path, count: int, size: int) -> list[int]:
    cuts = [0]
    with path.open("rb") as fh:
        for index in range(1, count):
            fh.seek(max(cuts[-1], size * index // count))
            if fh.tell():
                fh.readline()  # on to the next line start
            cuts.append(min(fh.tell(), size))
    cuts.append(max(size, path.stat().st_size))  # the last part reads what was appended
    return cuts


def _breaks(path: Path, end: int) -> int:
    """Line breaks before byte ``end``: ``\n``, ``\r\n`` and a bare ``\r``, as
    :func:`connectors.files.lines.decode` counts them."""
    count, done, after_cr = 0, 0, False
    with path.open("rb") as fh:
        while done < end:
            block = fh.read(min(_BLOCK, end - done))
            if not block:
                break
            count += block.count(b"\n")
            if b"\r" in block:  # rare: a scan for it is faster than a count
                count += block.count(b"\r") - block.count(b"\r\n")
            if after_cr and block.startswith(b"\n"):
                count -= 1  # a \r\n cut by the block boundary, counted twice
            after_cr = block.endswith(b"\r")
            done += len(block)
    return count
