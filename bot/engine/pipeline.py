"""The engine: feed items one by one, then ``finish()`` for the analysis.

    records --> templates --> identifiers/measures --> (finish) alignment
            --> signals --> hypotheses --> context (notes, docs, tickets)

``add`` is the hot path (one call per record) and only updates bounded accumulators;
all judgement happens in ``finish`` over those accumulators.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.engine.alignment import estimate_offsets
from bot.engine.classify import ERROR, WARN, classify, exception_of, http_status, level_rank
from bot.engine.hypotheses import build_drafts
from bot.engine.identifiers import IdentifierExtractor
from bot.engine.masking import MASK_HOOKS
from bot.engine.measures import POINT_IN_TIME, duration_of, limit_of
from bot.engine.merging import merge_source
from bot.engine.model import Analysis
from bot.engine.records import Item, Passage, Record, Series
from bot.engine.signals import Observations, detect_signals
from bot.engine.speedups import native
from bot.engine.state import (
    BUCKET,
    BUCKET_SAMPLES,
    FIRST_SAMPLES,
    MAX_MEASURED_RECORDS,
    MAX_MEASURES,
    RECENT,
    IdIndex,
    SourceState,
    TemplateState,
    Track,
    absorb,
)
from bot.engine.templates import TemplateMiner

_MEASURE_HINT = re.compile(
    r"took|elapsed|duration|latency|time|\bin\b|after|spent|wait|ms\b|\d(?:s|ms)\b|<\*>|\bus\b",
    re.IGNORECASE,
)
_LIMIT_HINT = re.compile(r"time|expected|threshold", re.IGNORECASE)  # a limit may be stated
_PROBE = 20  # records of a template to look at before deciding it never carries ids/durations
_MAX_MESSAGE = 4096
_CAUSE_PROBE = 5  # multi-line records of a template searched for an exception line


@dataclass(frozen=True, slots=True)
class EngineConfig:
    start: float
    end: float
    baseline_start: float
    id_patterns: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    symptom: str = ""
    max_templates: int = 5000
    max_identifiers: int = 150_000


class Engine:
    """Streaming correlation engine (pure: no I/O)."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self._start, self._end = config.start, config.end
        self._hooks = self._native_hooks()
        self.ids = IdIndex(cap=config.max_identifiers)
        self.extractor = IdentifierExtractor(config.id_patterns)
        self.sources: dict[str, SourceState] = {}
        self.passages: list[Passage] = []
        self.series: list[Series] = []

    def __getstate__(self) -> dict[str, object]:
        """Pickled without the extractor's word cache (a parallel reader's result) and the
        C loops' hooks (functions)."""
        state = dict(self.__dict__)
        del state["extractor"], state["_hooks"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self.extractor = IdentifierExtractor(self.config.id_patterns)
        self._hooks = self._native_hooks()

    def _native_hooks(self) -> tuple[object, ...]:
        """What the C version of ``add_record`` is handed (the second item: what its
        ``_count`` needs)."""
        limits = (
            float(self.config.start),
            float(self.config.end),
            BUCKET,
            BUCKET_SAMPLES,
            FIRST_SAMPLES,
            RECENT,
            ERROR,
        )
        hooks = (
            Record,
            limits,
            _MAX_MESSAGE,
            _CAUSE_PROBE,
            WARN,
            level_rank,
            _status_severity,
            *MASK_HOOKS,
            _PROBE,
            duration_of,
            (POINT_IN_TIME, 2 * MAX_MEASURES, MAX_MEASURED_RECORDS),
            _note_limit,
            Track,
        )
        return hooks

    def add(self, item: Item) -> None:
        if type(item) is not Record:
            self._add_other(item)
        elif native is None:
            self.add_record(item)
        else:
            native.add_records(self, (item,), self._hooks)

    def add_all(self, items: Iterable[Item]) -> None:
        """:meth:`add` each item; in C, where the loops are built, a record at a time as
        :meth:`add_record` does (``_speedups.add_records``)."""
        if native is None:
            for item in items:
                self.add(item)
        else:
            native.add_records(self, items, self._hooks)

    def _add_other(self, item: Item) -> None:
        if isinstance(item, Passage):
            self.passages.append(item)
        elif isinstance(item, Series):
            self.series.append(item)

    def add_record(self, record: Record) -> None:
        """One record into the accumulators (the Python version of the hot path; the C one
        calls the same methods for what is rare: a new source or template, a record that
        may hold a stack trace, an access-log status, identifiers and durations)."""
        source = self.sources.get(record.source)
        if source is None:
            source = self._new_source(record.source)
        source.count += 1
        message = (
            record.message if len(record.message) <= _MAX_MESSAGE else record.message[:_MAX_MESSAGE]
        )
        words = message.split(" ")  # shared by the miner and the identifier scan
        tid = source.miner.add(message, words)
        state = source.templates.get(tid)
        if state is None:
            state = self._new_state(source, tid)
        severity = level_rank(record.level) if record.level else None
        if not state.cause and state.cause_probes < _CAUSE_PROBE and "\n" in record.text:
            self._probe_cause(source, state, record, severity)
        if state.meaning.http:
            state = self._status_variant(source, state, message)
        if state.status and (severity is None or severity < ERROR):
            severity = _status_severity(state.status)
        elif severity is None:
            severity = state.meaning.severity
        elif state.meaning.failure and severity < WARN:
            severity = WARN  # an INFO line whose words say something went wrong
        self._count(source, state, record, severity)
        if state.measure or state.extract_ids or state.meaning.timeout:
            self._correlate(state, record, message, words, severity)

    # ------------------------------------------------------------------ hot path parts

    def _new_source(self, name: str) -> SourceState:
        source = self.sources[name] = SourceState(
            name, miner=TemplateMiner(max_templates=self.config.max_templates)
        )
        return source

    @staticmethod
    def _new_state(source: SourceState, tid: int) -> TemplateState:
        state = source.templates[tid] = _new_template(tid, source.miner.template(tid))
        return state

    @staticmethod
    def _probe_cause(
        source: SourceState, state: TemplateState, record: Record, severity: int | None
    ) -> None:
        """A stack trace's exception line says what went wrong; it joins the template's
        words. Not for a trace logged at DEBUG: the writer chose not to surface it.
        (Probed in a template's first multi-line records: its first may be one-liners.)"""
        state.cause_probes += 1
        if severity is not None and severity < WARN:
            return
        state.cause = exception_of(record.text)
        if state.cause:
            state.judged = (source.miner.template(state.tid), state.cause)
            state.meaning = classify(*state.judged)

    def _status_variant(
        self, source: SourceState, state: TemplateState, message: str
    ) -> TemplateState:
        """Access-log lines share one template; their status class tells them apart."""
        status = http_status(message)
        if status is None:
            return state
        label = f"{status // 100}xx" if status not in (408, 429) else str(status)
        key = -(state.tid * 1000 + (status if label.isdigit() else status // 100))
        variant = source.templates.get(key)
        if variant is None:
            variant = source.templates[key] = TemplateState(
                key=key,
                tid=state.tid,
                meaning=state.meaning,
                judged=state.judged,
                measure=state.measure,
                limit_words=state.limit_words,
                status=label,
            )
        return variant

    def _count(
        self, source: SourceState, state: TemplateState, record: Record, severity: int
    ) -> None:
        """A record's share of the counters, histograms and samples (in C where the loops
        are built: ``_speedups.count_record``)."""
        ts = record.ts
        state.count += 1
        if severity > state.severity:
            state.severity = severity
        if ts is None:
            source.undated += 1
            if len(state.first) < FIRST_SAMPLES:
                state.first.append(record)
            state.last = record
            return
        bucket = int(ts // BUCKET)
        events = source.events
        count = events.get(bucket, 0)
        events[bucket] = count + 1
        if count < BUCKET_SAMPLES:
            source.samples.setdefault(bucket, []).append(record)
        if severity >= ERROR:
            source.errors[bucket] = source.errors.get(bucket, 0) + 1
        hist = state.hist
        hist[bucket] = hist.get(bucket, 0) + 1
        first_ts = source.first_ts
        if first_ts is None:
            source.first_ts = source.last_ts = ts
        elif ts < first_ts:
            source.first_ts = ts
        elif ts > source.last_ts:  # type: ignore[operator]
            source.last_ts = ts
        first_ts = state.first_ts
        if first_ts is None:
            state.first_ts = state.last_ts = ts
            state.last = record
        else:
            if ts < first_ts:
                state.first_ts = ts
            if ts >= state.last_ts:  # type: ignore[operator]
                state.last_ts = ts
                state.last = record
        first = state.first
        if len(first) < FIRST_SAMPLES:
            first.append(record)
        if len(state.in_window) < FIRST_SAMPLES and self._start <= ts <= self._end:
            state.in_window.append(record)
        if state.meaning.change:
            state.recent.append(record)
            if len(state.recent) > RECENT:
                del state.recent[0]

    def _correlate(
        self, state: TemplateState, record: Record, message: str, words: list[str], severity: int
    ) -> None:
        duration = None
        if state.measure:
            duration = duration_of(message)
            if duration is not None and record.ts is not None:
                _measure(state, record, duration)
            elif state.measure_seen == 0 and state.count >= _PROBE:
                state.measure = False  # this template never carries a duration
        if state.meaning.timeout or (state.measure and state.limit_words):
            _note_limit(state, message, duration)
        if not state.extract_ids:
            return
        idents = self.extractor.extract(message, words)
        if idents:
            state.id_hits += 1
        elif state.count >= _PROBE and state.id_hits == 0:
            state.extract_ids = False
            return
        if severity >= ERROR or state.meaning.failure:
            outcome = -1
        elif state.meaning.success or (state.status and state.status.startswith("2")):
            outcome = 1
        else:
            outcome = 0
        self.ids.note_all(idents, record, outcome, duration, state.key)

    # ------------------------------------------------------------------ judgement

    def absorb(self, other: Engine) -> None:
        """Take over what another engine read: other sources, or other parts of the same
        sources' files (parallel readers)."""
        keys: dict[str, dict[int, int]] = {}
        for name, source in other.sources.items():
            if name in self.sources:
                keys[name] = merge_source(self.sources[name], source)
            else:
                self.sources[name] = source
        self.ids.absorb(other.ids, keys)
        self.passages.extend(other.passages)
        self.series.extend(other.series)

    def finish(self, trusted_clocks: set[str] | frozenset[str] = frozenset()) -> Analysis:
        """Judge what was added. ``trusted_clocks`` names sources whose stamps carry their
        zone; when clocks disagree, those are the reference."""
        key_map: dict[tuple[str, int], int] = {}
        for name, source in self.sources.items():
            source.templates = _folded(name, source, key_map)
        offsets = estimate_offsets(
            self.ids, self.sources, (self.config.baseline_start, self.config.end), trusted_clocks
        )
        observations = Observations(
            config=self.config,
            sources=self.sources,
            ids=self.ids,
            offsets={o.source: o.seconds for o in offsets if o.applied},
            key_map=key_map,
            series=self.series,
        )
        signals = detect_signals(observations)
        drafts, notices = build_drafts(signals, observations, self.passages)
        return Analysis(
            drafts=drafts,
            signals=signals,
            templates=observations.template_stats(),
            timelines=observations.timelines(),
            offsets=[o.public() for o in offsets if o.reportable],
            passages=self.passages,
            series=self.series,
            notices=notices,
            counts={name: s.count for name, s in self.sources.items()},
            rates=observations.rates(),
        )


def _folded(
    name: str, source: SourceState, key_map: dict[tuple[str, int], int]
) -> dict[int, TemplateState]:
    """Merge states whose templates the miner merged since; re-judge their meaning."""
    miner = source.miner
    folded: dict[int, TemplateState] = {}
    for state in sorted(source.templates.values(), key=lambda s: s.key):
        tid = miner.resolve(state.tid)
        key = tid if state.key >= 0 else -(tid * 1000 + (-state.key) % 1000)
        key_map[(name, state.key)] = key
        if key in folded:
            host = folded[key]
            had = host.cause
            absorb(host, state)
            if host.cause != had:
                host.judged = (miner.template(tid), host.cause)
                host.meaning = classify(*host.judged)
            continue
        text = miner.template(tid)
        if state.judged != (text, state.cause):  # generalised since, or a cause found
            state.meaning, state.judged = classify(text, state.cause), (text, state.cause)
        state.tid, state.key = tid, key
        state.text = f"{text} [HTTP {state.status}]" if state.status else text
        folded[key] = state
    return folded


def _new_template(tid: int, text: str) -> TemplateState:
    measure = bool(_MEASURE_HINT.search(text))
    return TemplateState(
        key=tid,
        tid=tid,
        meaning=classify(text),
        judged=(text, ""),
        measure=measure,
        limit_words=measure and bool(_LIMIT_HINT.search(text)),
    )


def _note_limit(state: TemplateState, message: str, duration: float | None) -> None:
    """Count the limit a timeout (or a measured message that names one) states."""
    if state.meaning.timeout:
        limit = limit_of(message) or duration
    elif _LIMIT_HINT.search(message):
        limit = limit_of(message)
    else:
        return
    if limit:
        state.limits[limit] = state.limits.get(limit, 0) + 1


def _measure(state: TemplateState, record: Record, duration: float) -> None:
    """Keep every duration (up to a cap) and a decimated sample of the records."""
    if len(state.durations) < 2 * MAX_MEASURES:
        state.durations.extend((record.ts or 0.0, duration))
    state.measure_seen += 1
    if state.measure_seen % state.measure_stride == 0:
        state.measured.append((duration, record))
        if len(state.measured) > MAX_MEASURED_RECORDS:
            state.measured = state.measured[::2]
            state.measure_stride *= 2


def _status_severity(label: str) -> int:
    if label.startswith("5"):
        return ERROR
    if label in ("408", "429"):
        return WARN
    return 1
