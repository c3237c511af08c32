"""Lines of a log file, read in large binary chunks and decoded once per chunk.

Line breaks are ``\\n``, ``\\r\\n`` and a bare ``\\r`` (the same three ``bytes.splitlines``
knows; Unicode separators such as U+2028 are *not* breaks, so line numbers agree with
``grep -n``). Bad input never raises: undecodable bytes become U+FFFD, NUL bytes become
U+FFFD, a line longer than :data:`LINE_CAP` characters is cut there, and each such line is
counted as odd. A runaway line (no break for :data:`RUNAWAY` bytes) is cut and the rest of
it skipped, so memory stays bounded whatever the file holds.

Every chunk carries its first line number and byte offset (in the decompressed stream for
``.gz``), which is the index ``cite`` uses to re-read one line without rescanning the file.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20  # bytes read at a time
LINE_CAP = 65_536  # characters of one line kept verbatim
RUNAWAY = 8 << 20  # bytes of one line held before it is cut
_BAD = "\ufffd"


@dataclass(frozen=True, slots=True)
class Chunk:
    lineno: int  # 1-based number of the first line
    offset: int  # byte offset of the chunk's first byte
    end: int  # byte offset just past the chunk
    lines: list[str]
    odd: int  # lines with NUL bytes, undecodable bytes or cut for length


def open_binary(path: Path) -> BinaryIO:
    """The file's bytes; ``.gz`` files are decompressed transparently."""
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def decode(data: bytes, encoding: str) -> tuple[list[str], int]:
    """Split and decode complete lines; returns the lines and how many were odd."""
    text = data.decode(encoding, "replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    odd = 0
    if "\x00" in text or _BAD in text:
        for i, line in enumerate(lines):
            if "\x00" in line:
                lines[i] = line = line.replace("\x00", _BAD)
            if _BAD in line:
                odd += 1
    if lines and max(map(len, lines)) > LINE_CAP:
        for i, line in enumerate(lines):
            if len(line) > LINE_CAP:
                lines[i] = line[:LINE_CAP]
                odd += 1
    return lines, odd


def iter_chunks(
    fh: BinaryIO, encoding: str = "utf-8", lineno: int = 1, offset: int = 0, size: int = CHUNK
) -> Iterator[Chunk]:
    """Chunks of whole lines from ``fh`` (positioned at ``offset``, a line start).

    The lines do not depend on ``size`` or on where reading started (as long as it is a
    line start), which is what lets ``cite`` re-read from any chunk offset.
    """
    buf = b""
    skipping = False  # inside a runaway line whose rest is discarded
    blocks = _blocks(fh, size)
    while True:
        data = next(blocks, b"")
        if skipping:
            if not data:
                return
            cut = _first_break(data)
            if cut < 0:
                offset += len(data)
                continue
            skipping = False
            offset += cut + 1
            data = data[cut + 1 :]
        if not data:
            if buf:
                lines, odd = decode(buf, encoding)
                yield Chunk(lineno, offset, offset + len(buf), lines, odd)
            return
        buf += data
        cut = buf.rfind(b"\n")
        if cut < 0:
            cut = buf.rfind(b"\r", 0, len(buf) - 1)
        if cut < 0:
            if len(buf) > RUNAWAY:
                lines, _ = decode(buf[: LINE_CAP * 4].replace(b"\r", b" "), encoding)
                yield Chunk(lineno, offset, offset + len(buf), [lines[0][:LINE_CAP]], 1)
                lineno, offset, buf, skipping = lineno + 1, offset + len(buf), b"", True
            continue
        part, buf = buf[: cut + 1], buf[cut + 1 :]
        lines, odd = decode(part, encoding)
        yield Chunk(lineno, offset, offset + len(part), lines, odd)
        lineno += len(lines)
        offset += len(part)


def _blocks(fh: BinaryIO, size: int) -> Iterator[bytes]:
    """Blocks of about ``size`` bytes; on a read error the bytes read before it come first.

    (A truncated ``.gz`` raises EOFError at its end; ``read(size)`` would drop everything
    decompressed in that call, ``read1`` pieces keep it.)
    """
    read1 = getattr(fh, "read1", None) or fh.read
    while True:
        parts: list[bytes] = []
        got = 0
        try:
            while got < size:
                piece = read1(size - got)
                if not piece:
                    break
                parts.append(piece)
                got += len(piece)
        except (OSError, EOFError, zlib.error):
            if parts:
                yield b"".join(parts)
            raise
        if not parts:
            return
        yield parts[0] if len(parts) == 1 else b"".join(parts)


def _first_break(data: bytes) -> int:
    """Index of the byte ending the current line (the ``\\n`` of a ``\\r\\n``), or -1."""
    nl, cr = data.find(b"\n"), data.find(b"\r")
    if cr < 0 or (0 <= nl < cr):
        return nl
    if cr + 1 < len(data) and data[cr + 1] == 0x0A:
        return cr + 1
    return cr
