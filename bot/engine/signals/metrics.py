"""Metric signals: a series that steps up (or down) at the incident onset."""

from __future__ import annotations

import statistics

from bot.engine.model import Signal
from bot.engine.observations import Observations
from bot.engine.records import Series, prom_point_passage

MIN_POINTS = 4


def metric_signals(obs: Observations) -> list[Signal]:
    signals = []
    for series in obs.series:
        signal = _step(obs, series)
        if signal:
            signals.append(signal)
    return signals


def _step(obs: Observations, series: Series) -> Signal | None:
    start = obs.config.start
    before = [v for t, v in series.points if t < start]
    during = [(t, v) for t, v in series.points if start <= t <= obs.config.end]
    if len(during) < MIN_POINTS or len(before) < MIN_POINTS:
        return None
    base = statistics.median(before)
    spread = statistics.median(abs(v - base) for v in before) or abs(base) * 0.05 or 1e-9
    peak_t, peak = max(during, key=lambda p: abs(p[1] - base))
    change = (peak - base) / spread
    if abs(change) < 6 or abs(peak - base) < 0.2 * max(abs(base), 1e-9):
        return None
    threshold = base + (peak - base) / 2
    onset = next(t for t, v in during if (v - threshold) * (peak - base) > 0)
    factor = peak / base if base else float("inf")
    return Signal(
        kind="metric",
        title=f"{series.name} moved from {base:.3g} to {peak:.3g} ({factor:.1f}×)",
        score=round(min(0.6, 0.3 + 0.05 * min(6.0, abs(change) / 6)), 3),
        sources=(series.source,),
        records=[prom_point_passage(series, onset), prom_point_passage(series, peak_t)],
        onset=onset,
        detail={"baseline": base, "peak": peak, "peak_time": peak_t, "onset_time": onset},
        series=series,
    )
