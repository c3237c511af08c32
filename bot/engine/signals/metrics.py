"""Metric signals: a series that steps up (or down) at the incident onset, or crosses
the limit the manifest set for it.

A crossing that the baseline already showed as often is routine, not news: its score
drops with the share of baseline points already past the limit.
"""

from __future__ import annotations

import statistics

from bot.engine.model import Signal
from bot.engine.observations import Observations
from bot.engine.records import Series, prom_point_passage, utc

MIN_POINTS = 4


def metric_signals(obs: Observations) -> list[Signal]:
    signals = []
    for series in obs.series:
        signal = _crossing(obs, series) if series.threshold is not None else None
        signal = signal or _step(obs, series)
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
        title=f"{_name(series)} moved from {base:.3g} to {peak:.3g} ({factor:.1f}×)",
        score=round(min(0.6, 0.3 + 0.05 * min(6.0, abs(change) / 6)), 3),
        sources=(series.source,),
        records=[prom_point_passage(series, onset), prom_point_passage(series, peak_t)],
        onset=onset,
        detail={"baseline": base, "peak": peak, "peak_time": peak_t, "onset_time": onset},
        series=series,
    )


def _crossing(obs: Observations, series: Series) -> Signal | None:
    """The first point in the window past the manifest's limit (above it, or below it for
    a series that normally sits above: free space, success ratio)."""
    limit = series.threshold
    assert limit is not None
    before = [v for t, v in series.points if t < obs.config.start]
    during = [(t, v) for t, v in series.points if obs.config.start <= t <= obs.config.end]
    if not during:
        return None
    usual = statistics.median(before) if before else during[0][1]
    upward = usual <= limit
    past = [(t, v) for t, v in during if (v > limit if upward else v < limit)]
    if not past:
        return None
    onset = past[0][0]
    peak_t, peak = max(past, key=lambda p: p[1]) if upward else min(past, key=lambda p: p[1])
    routine = sum(1 for v in before if (v > limit if upward else v < limit)) / max(1, len(before))
    if routine >= 0.5:
        return None  # past the limit half the baseline already: the limit is not news
    share = len(past) / len(during)
    word = "above" if upward else "below"
    return Signal(
        kind="metric",
        title=(
            f"{_name(series)} went {word} its limit {limit:g} at "
            f"{utc(onset):%H:%M:%S} UTC (peak {peak:.3g}, {share:.0%} of the window)"
        ),
        score=round((0.45 + 0.15 * min(1.0, share * 2)) * (1.0 - routine), 3),
        sources=(series.source,),
        records=[prom_point_passage(series, onset), prom_point_passage(series, peak_t)],
        onset=onset,
        detail={
            "baseline": usual,
            "peak": peak,
            "peak_time": peak_t,
            "onset_time": onset,
            "threshold": limit,
            "baseline_share_past": routine,
        },
        series=series,
    )


def _name(series: Series) -> str:
    return f"{series.label} ({series.name})" if series.label else series.name
