"""The read-only connector protocol shared by every data source.

A connector is built from one manifest source and reads it; it has no method that
writes. ``read`` streams items (log :class:`Record`, document :class:`Passage` or
metric :class:`Series`) for the scope; ``cite`` returns the verbatim text at a
locator it produced, re-read from the source where that is possible (files), so the
citation check compares against the data itself rather than against memory.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

from bot.engine.records import Item


@dataclass(frozen=True, slots=True)
class Scope:
    """What a connector may read: the window (epoch seconds, UTC) incl. the baseline."""

    start: float  # incident window start
    end: float  # incident window end
    baseline_start: float  # == start when there is no baseline
    timezone: str = "UTC"  # default zone for zone-less stamps (the manifest's)


@dataclass(slots=True)
class QueryAudit:
    """One query a connector made: kept for the thread audit and ``--verbose``."""

    source: str
    query: str
    window: str
    count: int
    duration_ms: float
    status: str = "ok"  # ok | error


@dataclass(slots=True)
class SourceStats:
    """What reading one source produced; shown in the report's ``sources`` list."""

    name: str
    kind: str
    records: int = 0  # items kept (records, passages or series)
    total: int | None = None  # items available when a cap cut them ("showing N of M")
    odd_lines: int = 0  # garbage/undecodable/oversized lines, replaced or skipped
    out_of_window: int = 0
    error: str | None = None  # set when the source failed; the rest is still analysed
    zoned: bool | None = None  # timestamps carried their zone (None: not known / not read)
    queries: list[QueryAudit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def absorb(self, other: SourceStats) -> None:
        """Add what the reader of another part of the same source's file found."""
        self.records += other.records
        self.odd_lines += other.odd_lines
        self.out_of_window += other.out_of_window
        self.error = self.error or other.error
        if other.zoned is not None:
            self.zoned = other.zoned if self.zoned is None else self.zoned and other.zoned
        self.queries.extend(other.queries)
        self.notes.extend(note for note in other.notes if note not in self.notes)

    def timed(self, query: str, window: str) -> _QueryTimer:
        return _QueryTimer(self, query, window)


class _QueryTimer:
    def __init__(self, stats: SourceStats, query: str, window: str) -> None:
        self._stats, self._query, self._window = stats, query, window
        self.count = 0

    def __enter__(self) -> _QueryTimer:
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        self._stats.queries.append(
            QueryAudit(
                source=self._stats.name,
                query=self._query,
                window=self._window,
                count=self.count,
                duration_ms=round((time.perf_counter() - self._t0) * 1000, 1),
                status="error" if exc_type else "ok",
            )
        )


@runtime_checkable
class Connector(Protocol):
    kind: ClassVar[str]
    name: str
    stats: SourceStats

    def read(self, scope: Scope) -> Iterator[Item]:
        """Stream the source's items inside ``scope``; raise ConnectorError on failure."""
        ...

    def cite(self, locator: str) -> str | None:
        """The verbatim text at ``locator`` (as produced by ``read``), or None if absent."""
        ...


@dataclass(frozen=True, slots=True)
class Context:
    """Deployment facts a connector needs besides its manifest entry.

    ``env`` is where credential variables named in the manifest are looked up (passed in,
    so tests and the worker control it); ``transport`` lets tests swap the network.
    """

    env: Mapping[str, str] = field(default_factory=dict)
    max_records: int = 200_000
    transport: Any = None  # httpx.BaseTransport | None
