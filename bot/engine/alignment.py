"""Clock alignment between sources, from identifiers both of them logged.

For every identifier seen in two sources, the difference between the first times each
source logged it is one observation of their relative clock (plus a little latency).
The median over many identifiers is robust to slow requests; a large, consistent
difference means the source's clock or time zone is off. Offsets near a multiple of
15 minutes are snapped to it: that is what a wrong time zone looks like.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from bot.engine.model import Offset
from bot.engine.state import BUCKET, IdIndex, SourceState

MIN_PAIRS = 3
APPLY_AT = 120.0  # seconds: smaller differences can be real latency; report, don't shift
ZONE_STEP = 900.0
MAX_SHIFT = 26 * 3600.0  # zones span UTC-12 to UTC+14: a larger difference is no clock


@dataclass(frozen=True, slots=True)
class OffsetEstimate:
    source: str
    reference: str
    seconds: float
    pairs: int
    applied: bool
    spread: float = 0.0  # median absolute deviation of the per-identifier differences

    @property
    def reportable(self) -> bool:
        """Applied, or so consistent that it is a clock and not request latency."""
        return self.applied or self.spread <= 1.0

    def public(self) -> Offset:
        return Offset(
            source=self.source, reference=self.reference, seconds=self.seconds, pairs=self.pairs
        )

    @property
    def zone_like(self) -> bool:
        return self.applied and abs(self.seconds) >= ZONE_STEP and self.seconds % ZONE_STEP == 0


def estimate_offsets(
    ids: IdIndex,
    sources: dict[str, SourceState],
    window: tuple[float, float],
    trusted: set[str] | frozenset[str] = frozenset(),
) -> list[OffsetEstimate]:
    """Offsets of sources against a reference: a source whose stamps carry their zone
    (``trusted``), else the one whose stamps fall in the case window most (the window
    is what the engineer asked about, so its clock wins)."""
    diffs: dict[tuple[str, str], list[float]] = {}
    for tracks in ids.shared({name: s.count for name, s in sources.items()}).values():
        names = sorted(tracks)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                diffs.setdefault((a, b), []).append(tracks[b].first_ts - tracks[a].first_ts)
    if not diffs:
        return []
    shared_counts: dict[str, int] = {}
    for (a, b), values in diffs.items():
        shared_counts[a] = shared_counts.get(a, 0) + len(values)
        shared_counts[b] = shared_counts.get(b, 0) + len(values)
    inside = {n: _records_between(sources[n], *window) for n in shared_counts}
    reference = max(
        sorted(shared_counts), key=lambda n: (n in trusted, inside[n], shared_counts[n])
    )
    estimates = []
    for name in sorted(shared_counts):
        if name == reference:
            continue
        if (reference, name) in diffs:
            values = diffs[(reference, name)]
        elif (name, reference) in diffs:
            values = [-v for v in diffs[(name, reference)]]
        else:
            continue
        estimate = _estimate(name, reference, values)
        if estimate and name in trusted and abs(estimate.seconds) > ZONE_STEP:
            continue  # stamps that carry their zone are not hours off: the pairs mislead
        if estimate:
            estimates.append(estimate)
    return estimates


def _estimate(source: str, reference: str, values: list[float]) -> OffsetEstimate | None:
    if len(values) < MIN_PAIRS:
        return None
    median = statistics.median(values)
    if abs(median) > MAX_SHIFT:  # stamps misread (a date inside the text), not a clock
        return None
    spread = statistics.median(abs(v - median) for v in values)
    consistent = spread <= max(60.0, abs(median) * 0.05)
    applied = consistent and abs(median) >= APPLY_AT
    if applied:
        snapped = round(median / ZONE_STEP) * ZONE_STEP
        if snapped and abs(snapped - median) <= 60.0:
            median = snapped
    if abs(median) < 1.0 and not applied:
        return None
    return OffsetEstimate(source, reference, round(median, 3), len(values), applied, spread)


def _records_between(source: SourceState, start: float, end: float) -> int:
    first, last = int(start // BUCKET), int(end // BUCKET)
    return sum(n for bucket, n in source.events.items() if first <= bucket <= last)
