"""Signal detectors: each looks at the observations and returns what stands out.

Every detector has the same shape, ``(Observations) -> list[Signal]``, and they are
run from one list, so adding a detector is adding one line.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.engine.model import Signal
from bot.engine.observations import Observations
from bot.engine.signals.crosssource import disagreement_signals
from bot.engine.signals.latency import latency_signals
from bot.engine.signals.metrics import metric_signals
from bot.engine.signals.rates import rate_signals

Detector = Callable[[Observations], list[Signal]]
DETECTORS: tuple[Detector, ...] = (
    rate_signals,
    disagreement_signals,
    latency_signals,
    metric_signals,
)


def detect_signals(obs: Observations) -> list[Signal]:
    signals = [signal for detector in DETECTORS for signal in detector(obs)]
    signals.sort(key=lambda s: (-s.score, s.onset or 0.0, s.title))
    return signals


__all__ = ["DETECTORS", "Observations", "detect_signals"]
