"""Read-side view of the accumulators, with clock offsets applied.

Signal detectors ask questions here ("how often in the window, how often in the
baseline, when did it start?") instead of touching raw state, so alignment is applied
in exactly one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.engine.model import TemplateStat
from bot.engine.records import Record, Series
from bot.engine.state import BUCKET, IdIndex, SourceState, TemplateState, Track

if TYPE_CHECKING:
    from bot.engine.pipeline import EngineConfig

TIMELINE_IDS = 50


@dataclass
class Observations:
    config: EngineConfig
    sources: dict[str, SourceState]
    ids: IdIndex
    offsets: dict[str, float] = field(default_factory=dict)  # source -> seconds ahead
    series: list[Series] = field(default_factory=list)
    key_map: dict[tuple[str, int], int] = field(default_factory=dict)  # folded template keys

    def key(self, source: str, key: int) -> int:
        """A template key as recorded while streaming, after the miner's later merges."""
        return self.key_map.get((source, key), key)

    # ------------------------------------------------------------------ time

    @property
    def window_seconds(self) -> float:
        return max(1.0, self.config.end - self.config.start)

    @property
    def baseline_seconds(self) -> float:
        return max(0.0, self.config.start - self.config.baseline_start)

    def aligned(self, source: str, ts: float | None) -> float | None:
        return None if ts is None else ts - self.offsets.get(source, 0.0)

    def in_window(self, source: str, ts: float | None) -> bool:
        t = self.aligned(source, ts)
        return t is not None and self.config.start <= t <= self.config.end

    def in_baseline(self, source: str, ts: float | None) -> bool:
        t = self.aligned(source, ts)
        return t is not None and self.config.baseline_start <= t < self.config.start

    def _bucket_range(self, source: str) -> tuple[int, int, int]:
        shift = self.offsets.get(source, 0.0)
        first_window = int((self.config.start + shift) // BUCKET)
        last_window = int((self.config.end + shift) // BUCKET)
        first_baseline = int((self.config.baseline_start + shift) // BUCKET)
        return first_baseline, first_window, last_window

    def counts(self, source: str, hist: dict[int, int]) -> tuple[int, int]:
        """(window count, baseline count) of a minute histogram, aligned."""
        first_baseline, first_window, last_window = self._bucket_range(source)
        window = baseline = 0
        for bucket, n in hist.items():
            if first_window <= bucket <= last_window:
                window += n
            elif first_baseline <= bucket < first_window:
                baseline += n
        return window, baseline

    def window_buckets(self, source: str, hist: dict[int, int]) -> list[int]:
        """Counts per minute across the window, aligned, zeros included."""
        _, first_window, last_window = self._bucket_range(source)
        return [hist.get(b, 0) for b in range(first_window, last_window + 1)]

    def bucket_records(self, source: str, index: int) -> list[Record]:
        """The first records of the ``index``-th window bucket of a source."""
        _, first_window, _ = self._bucket_range(source)
        return list(self.sources[source].samples.get(first_window + index, ()))

    def baseline_buckets(self, source: str, hist: dict[int, int]) -> list[int]:
        first_baseline, first_window, _ = self._bucket_range(source)
        return [hist.get(b, 0) for b in range(first_baseline, first_window)]

    def bucket_time(self, source: str, index: int) -> float:
        """Aligned start time of the ``index``-th window bucket."""
        _, first_window, _ = self._bucket_range(source)
        return (first_window + index) * BUCKET - self.offsets.get(source, 0.0)

    # ------------------------------------------------------------------ templates

    def template_text(self, state: TemplateState) -> str:
        return state.text

    def templates(self) -> Iterator[tuple[SourceState, TemplateState]]:
        for source in self.sources.values():
            for state in source.templates.values():
                if state.count:
                    yield source, state

    def window_records(self, source: str, state: TemplateState, limit: int = 3) -> list[Record]:
        """The earliest sampled records of a template inside the (aligned) window."""
        pool = [r for r in (*state.in_window, *state.first, state.last) if r is not None]
        seen: set[int] = set()
        out = []
        for record in sorted(pool, key=lambda r: (r.ts or 0.0, r.line)):
            if id(record) in seen or not self.in_window(source, record.ts):
                continue
            seen.add(id(record))
            out.append(record)
        return out[:limit]

    def onset(self, source: str, state: TemplateState) -> float | None:
        records = self.window_records(source, state, limit=1)
        return self.aligned(source, records[0].ts) if records else None

    def template_stats(self) -> list[TemplateStat]:
        stats = []
        for source, state in self.templates():
            window, baseline = self.counts(source.name, state.hist)
            stats.append(
                TemplateStat(
                    source=source.name,
                    template_id=state.key,
                    template=self.template_text(state),
                    window_count=window,
                    baseline_count=baseline,
                    level=_LEVEL_NAMES.get(state.severity),
                    example=(self.window_records(source.name, state, 1) or state.first or [None])[
                        0
                    ],
                )
            )
        stats.sort(key=lambda s: (-s.window_count, s.source, s.template_id))
        return stats

    def rates(self) -> dict[str, list[tuple[float, int, int]]]:
        """Events and errors per minute across the window, per source, aligned."""
        out = {}
        for name, source in self.sources.items():
            events = self.window_buckets(name, source.events)
            errors = self.window_buckets(name, source.errors)
            out[name] = [
                (self.bucket_time(name, i), e, x)
                for i, (e, x) in enumerate(zip(events, errors, strict=True))
            ]
        return out

    # ------------------------------------------------------------------ identifiers

    def shared_ids(self) -> dict[str, dict[str, Track]]:
        """Identifiers two or more sources share, without the sources' own labels."""
        return self.ids.shared({name: s.count for name, s in self.sources.items()})

    def timelines(self) -> dict[str, list[Record]]:
        """Cross-source identifiers with failures first, each as records in time order."""
        ranked = sorted(
            self.shared_ids().items(),
            key=lambda item: (
                -sum(1 for t in item[1].values() if t.fail is not None),
                -len(item[1]),
                min(t.first_ts for t in item[1].values()),
                item[0],
            ),
        )
        out: dict[str, list[Record]] = {}
        for ident, tracks in ranked[:TIMELINE_IDS]:
            records = {id(r): r for t in tracks.values() for r in (t.first, t.fail, t.ok) if r}
            out[ident] = sorted(
                records.values(), key=lambda r: (self.aligned(r.source, r.ts) or 0.0, r.source)
            )
        return out


_LEVEL_NAMES = {0: "DEBUG", 1: "INFO", 2: "WARN", 3: "ERROR", 4: "FATAL"}
