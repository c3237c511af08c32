"""Metric series: a step at the onset, and a crossing of the limit the manifest set."""

from __future__ import annotations

from bot.engine import Engine
from bot.engine.records import Series, utc
from tests.engine.helpers import BASELINE, T0, WINDOW, config


def series(values_before: list[float], values_during: list[float], **kw) -> Series:
    step_before = BASELINE / len(values_before)
    step_during = WINDOW / len(values_during)
    points = [(T0 - BASELINE + i * step_before, v) for i, v in enumerate(values_before)]
    points += [(T0 + i * step_during, v) for i, v in enumerate(values_during)]
    return Series(
        source="metrics",
        expr="histogram_quantile(0.99, rate(x[5m]))",
        labels={},
        points=tuple(points),
        **kw,
    )


def metric_signals(*items: Series):
    engine = Engine(config())
    for item in items:
        engine.add(item)
    return [s for s in engine.finish().signals if s.kind == "metric"]


def test_a_crossing_of_the_manifest_limit_is_a_signal_citing_the_first_point_past_it() -> None:
    during = [0.8] * 10 + [1.4, 2.6, 3.1, 2.9] + [0.9] * 6
    [signal] = metric_signals(series([0.8] * 12, during, threshold=2.0, label="p99 latency"))
    onset = T0 + 11 * WINDOW / len(during)  # 2.6 is the first value above 2.0
    assert signal.onset == onset and signal.detail["threshold"] == 2.0
    assert signal.title == (
        f"p99 latency (histogram_quantile(0.99, rate(x[5m]))) went above its limit 2 at "
        f"{utc(onset):%H:%M:%S} UTC (peak 3.1, 15% of the window)"
    )
    first, peak = signal.records
    assert first.ts == onset and first.meta["value"] == "2.6"
    assert peak.meta["value"] == "3.1"


def test_a_series_that_normally_sits_above_its_limit_crosses_downwards() -> None:
    during = [0.97] * 5 + [0.6, 0.55] + [0.97] * 5  # success ratio dropping below 0.9
    [signal] = metric_signals(series([0.98] * 12, during, threshold=0.9))
    assert "went below its limit 0.9" in signal.title and signal.detail["peak"] == 0.55


def test_a_limit_already_crossed_in_the_baseline_is_not_news() -> None:
    noisy = [2.5, 0.8] * 6  # half the baseline is over the limit already
    found = metric_signals(series(noisy, [2.5, 0.8] * 6, threshold=2.0))
    assert all("limit" not in s.title for s in found)


def test_without_a_limit_only_a_step_is_reported() -> None:
    [signal] = metric_signals(series([1.0] * 12, [1.0] * 4 + [9.0] * 8))
    assert "moved from 1 to 9" in signal.title and "threshold" not in signal.detail
