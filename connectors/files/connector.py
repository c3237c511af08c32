"""The ``file`` connector: log records from local files (plain or ``.gz``).

Records are grouped line by line: a line with a timestamp (per the file's detected
:class:`~connectors.files.layout.Layout`) starts a record; lines without one (stack
traces, wrapped text) continue it. Lines before the first timestamped line are records of
their own with ``ts=None``. A record is capped at :data:`MAX_CONTINUATION` continuation
lines / :data:`MAX_CHARS` characters; what follows starts a new record (same ``ts``, no
level) so a runaway file cannot build one giant record.

Unreadable files: when every file of the source fails, ``read`` raises
:class:`ConnectorError`; when some fail, each failure is a line in ``stats.notes`` and the
others are read (``stats.error`` stays for a source that produced nothing).
"""

from __future__ import annotations

import bisect
import gzip
import logging
import sys
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from itertools import chain
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

from bot.engine.records import Record, iso
from bot.errors import ConnectorError
from bot.manifest import FileSource, Manifest
from connectors.base import Context, Scope, SourceStats
from connectors.files.layout import MESSAGE_CAP, NO_TS, Layout, RegexLayout, SecondStamps, detect
from connectors.files.lines import Chunk, iter_chunks, open_binary
from connectors.files.parts import FilePart, Span, span_of, splittable
from connectors.files.timestamps import YearFor, nearest_year
from connectors.files.zones import describe as describe_shift
from connectors.files.zones import guess_zone

logger = logging.getLogger(__name__)

MAX_CONTINUATION = 200  # continuation lines kept in one record
MAX_CHARS = 65_536  # characters of one record's text (a longer first line is cut in lines.py)
_CITE_READ = 1 << 16  # bytes read at a time when citing
_READ_ERRORS = (OSError, EOFError, zlib.error)


@dataclass(slots=True)
class _File:
    """One file of the source and what ``cite`` needs to find its lines again."""

    path: Path
    rel: str
    layout: Layout | None = None
    starts: array[int] = field(default_factory=lambda: array("Q"))  # first line of each chunk
    offsets: array[int] = field(default_factory=lambda: array("Q"))  # its byte offset
    second: SecondStamps | None = None  # stamps of another writer sharing the file
    first_stamp: int = 0  # number of the first line with a timestamp (0: none)
    complete: bool = False  # the index covers the whole file
    read_through: bool = False  # the last read reached the end of what it was to read


@dataclass(frozen=True, slots=True)
class LineIndex:
    """Where one read (of a whole file or of a part) found its chunks' first lines."""

    starts: array[int]
    offsets: array[int]
    first_stamp: int
    whole: bool  # the read was of the whole file, not of a part


class FileConnector:
    kind: ClassVar[str] = "file"

    def __init__(self, source: FileSource, manifest: Manifest, context: Context) -> None:
        self.name = source.name
        self.stats = SourceStats(name=source.name, kind=self.kind)
        self._source, self._manifest, self._context = source, manifest, context
        self._files: dict[str, _File] = {}
        self._scope: Scope | None = None

    # ------------------------------------------------------------------ read

    def splittable(self) -> Path | None:
        """The source's one file when it can be read in parts (:mod:`.parts`), else None."""
        files = self._list_files()
        if len(files) == 1 and splittable(files[0].path, self._source.encoding):
            return files[0].path
        return None

    def read(self, scope: Scope, part: FilePart | None = None) -> Iterator[Record]:
        """The records of the source's files; with ``part``, only that part of its one
        file (see :meth:`splittable`)."""
        self._scope = scope
        files = self._list_files()
        if not files:
            patterns = ", ".join(self._source.paths)
            raise ConnectorError(self.name, f"no file matches {patterns}")
        if part is not None and len(files) != 1:
            raise ValueError(f"source {self.name!r} has {len(files)} files: it cannot be split")
        span = span_of(files[0].path, part) if part is not None else None
        limit = self._source.max_records or self._context.max_records
        zone, year_for = self._zone(scope), nearest_year(scope.baseline_start, scope.end)
        failures: list[str] = []
        partial: list[str] = []
        for number, state in enumerate(files):
            try:
                yield from self._read_file(state, scope, zone, year_for, limit, span)
            except _READ_ERRORS as exc:
                if state.starts:  # part of it was read: keep that, say where it stopped
                    partial.append(
                        f"cannot read {state.rel} past line {_last_line(state)}: {_reason(exc)}"
                    )
                else:
                    failures.append(f"cannot read {state.rel}: {_reason(exc)}")
                logger.warning("source %s: %s", self.name, (partial + failures)[-1])
            if self.stats.records >= limit:
                left = len(files) - number - 1
                self.stats.notes.append(
                    f"stopped at {limit} records (max_records) in {state.rel}"
                    + (f"; {left} more file(s) not read" if left else "")
                )
                break
        if failures and len(failures) == len(files):
            raise ConnectorError(self.name, "; ".join(failures))
        self.stats.notes.extend(partial + failures)

    def _read_file(
        self,
        state: _File,
        scope: Scope,
        zone: tzinfo,
        year_for: YearFor,
        limit: int,
        span: Span | None = None,
    ) -> Iterator[Record]:
        window = f"{iso(scope.baseline_start)}/{iso(scope.end)}"
        with self.stats.timed(f"read {state.rel}", window) as audit, open_binary(state.path) as fh:
            chunks = iter_chunks(fh, self._source.encoding)
            first = next(chunks, None)
            if first is None:
                state.complete = True
                return
            state.layout = detect(first.lines, zone, year_for)
            dated = state.layout.name != "clock"  # a time alone tells no zone
            if not state.layout.zoned and self._source.timezone is None and dated:
                state.layout = self._rezoned(state, first.lines, scope, zone, year_for)
            self.stats.zoned = state.layout.zoned and self.stats.zoned is not False
            state.second = _second_stamps(state.layout, zone, year_for)
            state.starts, state.offsets = array("Q"), array("Q")
            before = self.stats.records
            if span is not None and span.offset:  # a later part: read from its own start
                fh.seek(span.offset)
                chunks = iter_chunks(fh, self._source.encoding, span.line, span.offset)
            else:
                chunks = chain([first], chunks)
            yield from self._records(chunks, state, scope, limit, span)
            audit.count = self.stats.records - before

    def _records(
        self,
        chunks: Iterable[Chunk],
        state: _File,
        scope: Scope,
        limit: int,
        span: Span | None = None,
    ) -> Iterator[Record]:
        assert state.layout is not None
        name, rel, stats = self.name, sys.intern(state.rel), self.stats
        stamp, fields = state.layout.stamp, state.layout.fields
        second = state.second.stamp if state.second else None
        second_fields = state.second.fields if state.second else fields
        cur_fields = fields
        # lines before the first stamp: a file without times may still have levels ([INFO])
        loose = fields if state.layout.name == "plain" else _unstamped
        lo, hi = scope.baseline_start, scope.end
        starts, offsets = state.starts, state.offsets
        records, out, first_stamp = stats.records, 0, 0
        cur: str | None = None  # first line of the open record
        cur_n, cur_ts, cur_head, extra, size = 0, None, False, None, 0
        skip = False  # the open record lies outside the window
        # a part of the file: its first lines may finish the previous part's last record;
        # its own last record ends where the next part's first begins
        leading = span is not None and span.offset > 0
        stop = span.next_line if span is not None and span.next_line else 0
        stopped = False
        for chunk in chunks:
            if stopped:
                break
            starts.append(chunk.lineno)
            offsets.append(chunk.offset)
            stats.odd_lines += chunk.odd
            n = chunk.lineno - 1
            for line in chunk.lines:
                n += 1
                ts = stamp(line)
                alt = False
                if ts is None and second is not None:  # another writer's line?
                    ts = second(line)
                    alt = ts is not None
                if leading:
                    if ts is None:
                        continue
                    leading = False
                if ts is not None:
                    if stop and n >= stop:  # the next part's first record
                        stopped = True
                        break
                    if cur is not None:
                        if extra is None and cur_head:  # the common case, inlined
                            level, message = cur_fields(cur)
                            yield Record(name, rel, cur_n, cur_ts, level, message, cur)
                        else:
                            yield _record(
                                name, rel, cur_n, cur_ts, cur_head, cur, extra, cur_fields
                            )
                        records += 1
                        if records >= limit:
                            stats.records, stats.out_of_window = records, stats.out_of_window + out
                            return
                        cur = None
                    if not first_stamp:
                        first_stamp = state.first_stamp = n
                    if ts is NO_TS:
                        ts = None
                    elif ts < lo or ts > hi:
                        out += 1
                        skip = True
                        continue
                    skip = False
                    cur, cur_n, cur_ts, cur_head, extra, size = line, n, ts, True, None, len(line)
                    cur_fields = second_fields if alt else fields
                elif skip:
                    continue
                elif cur is None:  # before the first timestamp: a record of its own
                    if line and not line.isspace():
                        level, message = loose(line)
                        yield Record(name, rel, n, None, level, message[:MESSAGE_CAP], line)
                        records += 1
                        if records >= limit:
                            stats.records, stats.out_of_window = records, stats.out_of_window + out
                            return
                elif size + len(line) < MAX_CHARS and (
                    extra is None or len(extra) < MAX_CONTINUATION
                ):
                    if extra is None:
                        extra = [line]
                    else:
                        extra.append(line)
                    size += len(line) + 1
                else:  # the record is full: the rest continues in a new record
                    if cur or (extra and any(extra)):
                        yield _record(name, rel, cur_n, cur_ts, cur_head, cur, extra, cur_fields)
                        records += 1
                        if records >= limit:
                            stats.records, stats.out_of_window = records, stats.out_of_window + out
                            return
                    cur, cur_n, cur_head, extra, size = line, n, False, None, len(line)
        if cur is not None and (cur or (extra and any(extra))):
            yield _record(name, rel, cur_n, cur_ts, cur_head, cur, extra, cur_fields)
            records += 1
        stats.records, stats.out_of_window = records, stats.out_of_window + out
        state.complete = span is None  # a part does not index the whole file
        state.read_through = True

    def _rezoned(
        self, state: _File, head: list[str], scope: Scope, zone: tzinfo, year_for: YearFor
    ) -> Layout:
        """The layout read in a guessed fixed zone when the file misses the window."""
        assert state.layout is not None
        window = (scope.baseline_start, scope.end)
        guess = guess_zone(state.layout, head, state.path, self._source.encoding, zone, window)
        if guess is None:
            return state.layout
        fixed, shift = guess
        self.stats.notes.append(f"{state.rel}: {describe_shift(shift, fixed)}")
        return detect(head, fixed, year_for)

    # ------------------------------------------------------------------ hand-off

    def handoff(self) -> dict[str, LineIndex]:
        """The line index of each file this connector read to its end (of a part, its
        part), for the connector that will cite from it in another process."""
        return {
            rel: LineIndex(state.starts, state.offsets, state.first_stamp, state.complete)
            for rel, state in self._files.items()
            if state.read_through
        }

    def take_over(self, handoffs: list[dict[str, LineIndex]]) -> None:
        """Adopt the line indexes that the readers of this source made: a file read whole,
        or read in parts that all reached their ends, is indexed without reading it again.
        (The planner gives every part of a file to some reader.)"""
        by_file: dict[str, list[LineIndex]] = {}
        for handoff in handoffs:
            for rel, index in handoff.items():
                by_file.setdefault(rel, []).append(index)
        parts = len(handoffs)
        for rel, indexes in by_file.items():
            if not any(index.whole for index in indexes) and len(indexes) < parts:
                continue  # a part did not reach its end
            state = self._file(rel)
            if state is None:
                continue
            chunks = sorted(
                {
                    (s, o)
                    for index in indexes
                    for s, o in zip(index.starts, index.offsets, strict=True)
                }
            )
            state.starts = array("Q", [start for start, _ in chunks])
            state.offsets = array("Q", [offset for _, offset in chunks])
            state.first_stamp = min((i.first_stamp for i in indexes if i.first_stamp), default=0)
            state.complete = True

    # ------------------------------------------------------------------ cite

    def cite(self, locator: str) -> str | None:
        """The record text starting at ``path:line``, exactly as ``read`` produced it."""
        rel, sep, number = locator.rpartition(":")
        if not sep or not number.isdigit() or int(number) < 1:
            return None
        state = self._file(rel)
        if state is None:
            return None
        try:
            return self._cite(state, int(number))
        except _READ_ERRORS as exc:
            logger.warning("source %s: cannot cite %s: %s", self.name, locator, _reason(exc))
            return None

    def _cite(self, state: _File, number: int) -> str | None:
        layout = self._index(state)
        at = bisect.bisect_right(state.starts, number) - 1
        if at < 0:
            return None
        lines = self._lines_from(state, at)
        line = next((text for n, text in lines if n == number), None)
        if line is None:
            return None
        starts = _record_start(layout, state.second)
        head = starts(line)
        if not head and (not state.first_stamp or number < state.first_stamp):
            return line if line and not line.isspace() else None
        extra: list[str] = []
        size = len(line)
        for _, more in lines:
            if starts(more):
                break
            if size + len(more) >= MAX_CHARS or len(extra) >= MAX_CONTINUATION:
                break
            extra.append(more)
            size += len(more) + 1
        text = "\n".join([line, *extra]).rstrip("\n") if extra else line
        return text or None

    def _index(self, state: _File) -> Layout:
        """Make sure ``state`` knows its layout, chunk offsets and first stamped line."""
        if state.layout is not None and state.complete:
            return state.layout
        zone, year_for = self._cite_clock()
        if state.complete and state.starts:  # indexed by the readers: its layout only
            with open_binary(state.path) as fh:
                first = next(iter_chunks(fh, self._source.encoding), None)
            state.layout = detect(first.lines, zone, year_for) if first else Layout()
            state.second = _second_stamps(state.layout, zone, year_for)
            return state.layout
        starts, offsets, first_stamp, layout = array("Q"), array("Q"), 0, state.layout
        record_start: Callable[[str], bool] | None = None
        with open_binary(state.path) as fh:
            for chunk in iter_chunks(fh, self._source.encoding):
                if layout is None:
                    layout = detect(chunk.lines, zone, year_for)
                if record_start is None:
                    state.second = _second_stamps(layout, zone, year_for)
                    record_start = _record_start(layout, state.second)
                starts.append(chunk.lineno)
                offsets.append(chunk.offset)
                if not first_stamp:
                    for n, line in enumerate(chunk.lines, chunk.lineno):
                        if record_start(line):
                            first_stamp = n
                            break
        state.layout = layout or Layout()
        state.starts, state.offsets, state.first_stamp = starts, offsets, first_stamp
        state.complete = True
        return state.layout

    def _cite_clock(self) -> tuple[tzinfo, YearFor]:
        """The zone and year rule for reading stamps when citing (of the last read, if any)."""
        scope = self._scope
        year_for = nearest_year(scope.baseline_start, scope.end) if scope else _this_year()
        return self._zone(scope), year_for

    def _file(self, rel: str) -> _File | None:
        """The file ``rel`` of this source (listed again if not seen yet)."""
        return self._files.get(rel) or {f.rel: f for f in self._list_files()}.get(rel)

    def _lines_from(self, state: _File, at: int) -> Iterator[tuple[int, str]]:
        with open_binary(state.path) as fh:
            fh.seek(state.offsets[at])
            chunks = iter_chunks(
                fh, self._source.encoding, state.starts[at], state.offsets[at], _CITE_READ
            )
            for chunk in chunks:
                yield from enumerate(chunk.lines, chunk.lineno)

    # ------------------------------------------------------------------ helpers

    def _list_files(self) -> list[_File]:
        seen: dict[str, _File] = {}
        for pattern in self._source.paths:
            for path in self._manifest.resolve(pattern):
                rel = self._manifest.relative(path)
                if rel not in seen:
                    seen[rel] = self._files.get(rel) or _File(path, rel)
        self._files.update(seen)
        return [seen[rel] for rel in sorted(seen)]

    def _zone(self, scope: Scope | None) -> tzinfo:
        name = self._source.timezone or (scope.timezone if scope else self._manifest.timezone)
        return ZoneInfo(name)


def _record_start(layout: Layout, second: SecondStamps | None) -> Callable[[str], bool]:
    """Whether a line starts a record: stamped by the file's layout or another writer's."""
    if second is None:
        return lambda line: layout.stamp(line) is not None
    return lambda line: layout.stamp(line) is not None or second.stamp(line) is not None


def _second_stamps(layout: Layout, zone: tzinfo, year_for: YearFor) -> SecondStamps | None:
    """Lines of another writer can only be told apart in a file whose own lines are dated."""
    if isinstance(layout, RegexLayout) and not layout.fmt.clock:
        return SecondStamps(layout, zone, year_for)
    return None


def _unstamped(line: str) -> tuple[str | None, str]:
    return None, line.strip()


def _record(
    name: str,
    rel: str,
    n: int,
    ts: float | None,
    head: bool,
    first: str,
    extra: list[str] | None,
    fields: Callable[[str], tuple[str | None, str]],
) -> Record:
    text = first if extra is None else "\n".join([first, *extra]).rstrip("\n")
    if head:
        level, message = fields(first)
    else:
        level, message = None, first.strip()[:MESSAGE_CAP]
    if extra and _header_only(message):
        message = _header_message(message, extra)
    return Record(name, rel, n, ts, level, message, text)


_HEADER_LINES = 6  # continuation lines a header-only first line takes its message from


def _header_only(message: str) -> bool:
    """No words, or one label (``Time:``): a header whose content is on the next lines."""
    words = [word for word in message.split() if any(c.isalnum() for c in word)]
    return not words or (len(words) == 1 and words[0].endswith(":"))


def _header_message(message: str, extra: list[str]) -> str:
    """A first line that is only a stamp and a word (MySQL's slow log ``# Time: ...``)
    says nothing itself: what the record is about follows in the next lines."""
    lines = [line.strip().lstrip("#").strip() for line in extra[:_HEADER_LINES]]
    return " ".join([message.strip().lstrip("#").strip(), *filter(None, lines)])[:MESSAGE_CAP]


def _this_year() -> YearFor:
    import time

    now = time.time()
    return nearest_year(now - 86_400, now)


def _last_line(state: _File) -> int:
    return state.starts[-1] if state.starts else 0


def _reason(exc: BaseException) -> str:
    if isinstance(exc, gzip.BadGzipFile):
        return "not a gzip file"
    if isinstance(exc, EOFError):
        return "truncated gzip file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__
