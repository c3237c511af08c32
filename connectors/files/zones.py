"""A zone for a file whose stamps carry none and miss the case window as read.

A server writing local time without a zone, read under the manifest's zone, lands whole
hours away from the window: every record would be skipped and the source would look
silent. When that happens, and shifting the file's time span by a whole-zone offset
(a multiple of 15 minutes, at most 14 hours) makes it cover the window, the file is read
in that fixed zone instead and the report says so. The engine's clock alignment then
refines the remaining offset from identifiers shared with other sources.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import BinaryIO

from connectors.files.layout import NO_TS, Layout
from connectors.files.lines import decode, open_binary

STEP = 900  # zones are whole quarter hours
MAX_SHIFT = 14 * 3600
TAIL_BYTES = 1 << 16
MIN_COVER = 0.5  # share of the window (or of the file's span, if shorter) to cover


def guess_zone(
    layout: Layout,
    head_lines: Sequence[str],
    path: Path,
    encoding: str,
    zone: tzinfo,
    scope: tuple[float, float],
) -> tuple[tzinfo, float] | None:
    """``(fixed zone, shift in seconds)`` to read ``path`` in, or None to keep ``zone``."""
    first = _first_stamp(layout, head_lines)
    if first is None:
        return None
    last = _last_stamp(layout, path, encoding)
    last = first if last is None or last < first else last
    lo, hi = scope
    if last >= lo and first <= hi:
        return None  # the file meets the window as read
    shift = _best_shift(first, last, lo, hi)
    if shift is None:
        return None
    local = datetime.fromtimestamp(first, UTC).replace(tzinfo=None)
    offset = (zone.utcoffset(local) or timedelta(0)) - timedelta(seconds=shift)
    return timezone(offset), float(shift)


def describe(shift: float, zone: tzinfo) -> str:
    hours = abs(shift) / 3600
    side = "before" if shift > 0 else "after"
    name = zone.tzname(None) or str(zone)
    return (
        f"its stamps carry no zone and lie {hours:g} h {side} the case window as read; "
        f"read as {name} (set `timezone:` on the source to say so)"
    )


def _best_shift(first: float, last: float, lo: float, hi: float) -> int | None:
    """The quarter-hour shift that makes [first, last] cover [lo, hi] most; among equals,
    a whole hour (most zones are), then the smallest. None when no shift covers at least
    half the window: a short file cannot be placed with any confidence."""
    best: tuple[tuple[float, bool, int], int] | None = None
    for quarter in range(-MAX_SHIFT // STEP, MAX_SHIFT // STEP + 1):
        shift = quarter * STEP
        cover = min(last + shift, hi) - max(first + shift, lo)
        key = (cover, shift % 3600 == 0, -abs(shift))
        if cover >= 0 and (best is None or key > best[0]):
            best = (key, shift)
    if best is None or best[0][0] < MIN_COVER * (hi - lo):
        return None
    return best[1] or None


def _first_stamp(layout: Layout, lines: Sequence[str]) -> float | None:
    for line in lines:
        ts = layout.stamp(line)
        if ts is not None and ts is not NO_TS:
            return ts
    return None


def _last_stamp(layout: Layout, path: Path, encoding: str) -> float | None:
    """The last stamp of the file, from its last 64 KiB (a ``.gz`` file is streamed)."""
    try:
        with open_binary(path) as fh:
            tail, cut = _tail(fh)
    except (OSError, EOFError, zlib.error):
        return None
    lines, _ = decode(tail, encoding)
    for line in reversed(lines[1:] if cut else lines):  # a cut first line is no line
        ts = layout.stamp(line)
        if ts is not None and ts is not NO_TS:
            return ts
    return None


def _tail(fh: BinaryIO) -> tuple[bytes, bool]:
    if fh.seekable() and not isinstance(fh, gzip.GzipFile):
        size = fh.seek(0, 2)
        fh.seek(max(0, size - TAIL_BYTES))
        return fh.read(), size > TAIL_BYTES
    tail, cut = b"", False
    while block := fh.read(1 << 20):
        tail = (tail + block)[-TAIL_BYTES:]
        cut = cut or len(block) >= TAIL_BYTES
    return tail, cut
