"""Streaming accumulators: what the engine remembers about each source, template and id.

Everything here is bounded: per template a few sample records and a minute histogram;
per identifier one small track per source; caps on identifiers and measurements. Raw
timestamps are kept (alignment is decided at the end and applied then).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.engine.classify import Meaning
from bot.engine.records import Record
from bot.engine.speedups import native
from bot.engine.templates import TemplateMiner

BUCKET = 60.0  # seconds per histogram bucket
FIRST_SAMPLES = 3
MAX_MEASURES = 20_000
MAX_MEASURED_RECORDS = 256
RECENT = 5
BUCKET_SAMPLES = 3


@dataclass(slots=True)
class TemplateState:
    """One (source, template) pair."""

    key: int  # template id, or a derived key for access-log status classes
    tid: int
    meaning: Meaning
    severity: int = 0  # highest severity seen
    count: int = 0
    hist: dict[int, int] = field(default_factory=dict)  # bucket -> count (raw time)
    first: list[Record] = field(default_factory=list)  # earliest records
    in_window: list[Record] = field(default_factory=list)  # earliest records in raw window
    last: Record | None = None
    first_ts: float | None = None
    last_ts: float | None = None
    id_hits: int = 0
    extract_ids: bool = True
    measure: bool = False
    limit_words: bool = False  # its text says time/expected/threshold: a limit may be stated
    durations: array = field(default_factory=lambda: array("d"))  # ts, value pairs
    measured: list[tuple[float, Record]] = field(default_factory=list)  # decimated samples
    measure_stride: int = 1
    measure_seen: int = 0
    limits: dict[float, int] = field(default_factory=dict)  # limit seconds -> times seen
    status: str = ""  # "5xx" etc. for access-log keys
    text: str = ""  # the template as finally mined (set when the engine finishes)
    recent: list[Record] = field(default_factory=list)  # last few records (change templates)
    cause: str = ""  # the exception line of its first multi-line record, if any
    cause_probes: int = 0  # multi-line records searched for that line so far
    judged: tuple[str, str] = ("", "")  # (template text, cause) ``meaning`` was judged on


@dataclass(slots=True)
class SourceState:
    name: str
    count: int = 0
    undated: int = 0
    first_ts: float | None = None
    last_ts: float | None = None
    events: dict[int, int] = field(default_factory=dict)  # bucket -> records
    errors: dict[int, int] = field(default_factory=dict)  # bucket -> records >= ERROR
    samples: dict[int, list[Record]] = field(default_factory=dict)  # bucket -> first records
    templates: dict[int, TemplateState] = field(default_factory=dict)
    miner: TemplateMiner = field(default_factory=TemplateMiner)  # templates are per source


@dataclass(slots=True)
class Track:
    """What one source says about one identifier."""

    first_ts: float
    last_ts: float
    count: int = 1
    first: Record | None = None
    fail: Record | None = None  # first failure-looking record (the cause, not the echoes)
    fail_ts: float = 0.0  # when it last looked failed
    ok: Record | None = None  # latest success-looking record
    fail_keys: tuple[int, ...] = ()  # templates of its failure records (a few)
    ok_keys: tuple[int, ...] = ()
    duration: float | None = None  # largest duration reported for it

    def rekey(self, keys: dict[int, int]) -> None:
        """Template keys of another reader's miner -> this engine's (``keys``)."""
        if keys:
            self.fail_keys = tuple(keys.get(k, k) for k in self.fail_keys)
            self.ok_keys = tuple(keys.get(k, k) for k in self.ok_keys)

    def merge(self, other: Track) -> None:
        """Fold another part's track of the same identifier in the same source in (its
        keys already re-keyed)."""
        self.count += other.count
        if other.first_ts < self.first_ts:
            self.first_ts, self.first = other.first_ts, other.first
        self.last_ts = max(self.last_ts, other.last_ts)
        if other.fail is not None and (
            self.fail is None or record_order(other.fail) < record_order(self.fail)
        ):
            self.fail = other.fail
        self.fail_ts = max(self.fail_ts, other.fail_ts)
        if other.ok is not None and (
            self.ok is None or record_order(other.ok) > record_order(self.ok)
        ):
            self.ok = other.ok
        self.fail_keys = tuple(dict.fromkeys([*self.fail_keys, *other.fail_keys]))[:4]
        self.ok_keys = tuple(dict.fromkeys([*self.ok_keys, *other.ok_keys]))[:4]
        if other.duration is not None and (self.duration is None or other.duration > self.duration):
            self.duration = other.duration


Sighting = tuple[Record, int, float | None, int]  # record, outcome, duration, template key


class IdIndex:
    """identifier -> {source -> Track}, capped.

    Most identifiers in a busy log are seen once (one request id per line) and can only
    matter if another source names them too. Their first sighting is kept as a plain
    tuple; a second sighting, in any source, makes it a :class:`Track` (the first one
    replayed, so the result is as if it had been tracked from the start). Sightings seen
    once are held in two generations of ``cap // 2``: when the young one fills, the old
    one is forgotten, so a flood of one-off ids never starves the identifiers that recur.
    Tracked identifiers beyond ``cap`` are not tracked (``dropped`` counts both losses).
    """

    def __init__(self, cap: int = 150_000) -> None:
        self.cap = cap
        self.tracks: dict[str, dict[str, Track]] = {}
        self.once: dict[str, Sighting] = {}
        self.once_old: dict[str, Sighting] = {}
        self.dropped = 0

    def note(
        self, ident: str, record: Record, outcome: int, duration: float | None, key: int = 0
    ) -> None:
        """outcome: -1 failure, 1 success, 0 neutral."""
        per_source = self.tracks.get(ident)
        if per_source is None:
            first = self._pop_once(ident)
            if first is None:
                self._note_once(ident, (record, outcome, duration, key))
                return
            if len(self.tracks) >= self.cap:
                self.dropped += 2
                return
            per_source = self.tracks[ident] = {}
            _apply(per_source, *first)
        _apply(per_source, record, outcome, duration, key)

    def note_all(
        self, idents: list[str], record: Record, outcome: int, duration: float | None, key: int
    ) -> None:
        """:meth:`note` each identifier of one record (in C, where the loops are built,
        up to the first second sighting: ``_speedups.note_sightings``)."""
        if native is not None:
            idents = native.note_sightings(self, idents, record, outcome, duration, key, Track)
        for ident in idents:
            self.note(ident, record, outcome, duration, key)

    def _pop_once(self, ident: str) -> Sighting | None:
        return self.once.pop(ident, None) or self.once_old.pop(ident, None)

    def _note_once(self, ident: str, sighting: Sighting) -> None:
        if len(self.once) >= max(1, self.cap // 2):
            self.dropped += len(self.once_old)
            self.once_old, self.once = self.once, {}
        self.once[ident] = sighting

    def sightings(self) -> Iterator[tuple[str, str]]:
        """(identifier, source) for everything held, tracked or seen once."""
        for ident, tracks in self.tracks.items():
            for source in tracks:
                yield ident, source
        for held in (self.once, self.once_old):
            for ident, (record, *_) in held.items():
                yield ident, record.source

    def absorb(self, other: IdIndex, keys: dict[str, dict[int, int]] | None = None) -> None:
        """Add another index built by a parallel reader. ``keys``: for each source both
        read (parts of its file), the other reader's template keys -> this one's."""
        keys = keys or {}
        for ident, tracks in other.tracks.items():
            self._merge(ident, tracks, keys)
        for held in (other.once_old, other.once):
            for ident, (record, outcome, duration, key) in held.items():
                key = keys.get(record.source, {}).get(key, key)
                if ident in self.tracks or ident in self.once or ident in self.once_old:
                    tracks: dict[str, Track] = {}
                    _apply(tracks, record, outcome, duration, key)
                    self._merge(ident, tracks, {})
                else:  # seen once in all: still once
                    self.once[ident] = (record, outcome, duration, key)
        self.dropped += other.dropped

    def _merge(self, ident: str, tracks: dict[str, Track], keys: dict[str, dict[int, int]]) -> None:
        mine = self.tracks.get(ident)
        if mine is None:
            mine = self.tracks[ident] = {}
            first = self._pop_once(ident)
            if first is not None:
                _apply(mine, *first)
        for source, track in tracks.items():
            track.rekey(keys.get(source, {}))
            if source in mine:
                mine[source].merge(track)
            else:
                mine[source] = track

    def keep_shared(self, elsewhere: set[str]) -> None:
        """Forget identifiers seen in one source only, unless ``elsewhere`` names them
        (another reader saw them): only shared identifiers feed the signals."""
        self.tracks = {
            ident: tracks
            for ident, tracks in self.tracks.items()
            if len(tracks) > 1 or ident in elsewhere
        }
        self.once = {
            i: s for held in (self.once_old, self.once) for i, s in held.items() if i in elsewhere
        }
        self.once_old = {}

    def shared(self, records: dict[str, int] | None = None) -> dict[str, dict[str, Track]]:
        """Identifiers seen in at least two sources. Given ``records`` (per source), not
        those a source logs on a large share of its records: that is the source's own
        label (its host, pod or service name), not a unit of work. A label never ends in
        success or failure, and its first sighting is where the log starts, not an event."""
        shared = {i: t for i, t in self.tracks.items() if len(t) > 1}
        if not records:
            return shared
        return {
            ident: tracks
            for ident, tracks in shared.items()
            if not any(is_label(track, records.get(name, 0)) for name, track in tracks.items())
        }


def _apply(
    per_source: dict[str, Track], record: Record, outcome: int, duration: float | None, key: int
) -> None:
    """Fold one sighting into the identifier's track for the record's source."""
    ts = record.ts if record.ts is not None else 0.0
    track = per_source.get(record.source)
    if track is None:
        track = per_source[record.source] = Track(first_ts=ts, last_ts=ts, first=record)
    else:
        track.count += 1
        if ts < track.first_ts:
            track.first_ts, track.first = ts, record
        track.last_ts = max(track.last_ts, ts)
    if outcome < 0:
        if track.fail is None:
            track.fail = record
        track.fail_ts = max(track.fail_ts, ts)
        if key not in track.fail_keys and len(track.fail_keys) < 4:
            track.fail_keys += (key,)
    elif outcome > 0:
        track.ok = record
        if key not in track.ok_keys and len(track.ok_keys) < 4:
            track.ok_keys += (key,)
    if duration is not None and (track.duration is None or duration > track.duration):
        track.duration = duration


LABEL_SHARE = 0.05  # an identifier on this share of a source's records labels the source
LABEL_MIN = 50  # ... once it is on this many records


def is_label(track: Track, records: int) -> bool:
    """Whether an identifier this source logs ``track.count`` times of ``records`` is the
    source's label rather than one unit of its work."""
    return track.count >= LABEL_MIN and track.count >= LABEL_SHARE * records


def absorb(into: TemplateState, other: TemplateState) -> None:
    """Fold ``other`` (a template the miner later merged into ``into``) into ``into``."""
    into.count += other.count
    into.severity = max(into.severity, other.severity)
    for bucket, n in other.hist.items():
        into.hist[bucket] = into.hist.get(bucket, 0) + n
    into.first = sorted([*into.first, *other.first], key=record_order)[:FIRST_SAMPLES]
    into.in_window = sorted([*into.in_window, *other.in_window], key=record_order)[:FIRST_SAMPLES]
    if other.last is not None and (
        into.last is None or record_order(other.last) > record_order(into.last)
    ):
        into.last = other.last
    into.first_ts = least(into.first_ts, other.first_ts)
    into.last_ts = most(into.last_ts, other.last_ts)
    into.id_hits += other.id_hits
    into.durations.extend(other.durations)
    into.measured.extend(other.measured)  # unordered: readers sort it (one sort, not one per fold)
    into.measure_seen += other.measure_seen
    for value, n in other.limits.items():
        into.limits[value] = into.limits.get(value, 0) + n
    into.recent = sorted([*into.recent, *other.recent], key=record_order)[-RECENT:]
    into.cause = into.cause or other.cause


def record_order(record: Record) -> tuple[float, int]:
    """Records in the order their source wrote them."""
    return (record.ts or 0.0, record.line)


def least(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def most(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)
