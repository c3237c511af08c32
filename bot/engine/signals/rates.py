"""Rate signals per source and template: bursts, new and vanished templates, changes,
resource exhaustion, and sources going silent.

A template is judged against its own baseline: a source that is equally loud before
the incident is not a cause, however loud it is.
"""

from __future__ import annotations

import math

from bot.engine.classify import ERROR, FATAL, WARN, names_exhaustion
from bot.engine.model import Signal
from bot.engine.observations import Observations
from bot.engine.records import Record
from bot.engine.state import SourceState, TemplateState

MIN_BURST = 3
VOLUME_FACTOR = 5  # an INFO template this many times its baseline rate
VOLUME_EXTRA = 30  # and this many more lines is a jump in load
LOAD_FACTOR = 3.0  # a source logging this many times its median baseline minute...
LOAD_EXTRA = 20  # ...and at least this many more lines a minute...
LOAD_MINUTES = 3  # ...for this many minutes in a row has new load


def rate_signals(obs: Observations) -> list[Signal]:
    signals: list[Signal] = []
    for source, state in obs.templates():
        window, baseline = obs.counts(source.name, state.hist)
        signal = _judge(obs, source, state, window, baseline)
        if signal:
            signals.append(signal)
    signals.extend(_silences(obs))
    signals.extend(_load_jumps(obs))
    return signals


def _expected(obs: Observations, baseline: int) -> float | None:
    if obs.baseline_seconds <= 0:
        return None
    return baseline * obs.window_seconds / obs.baseline_seconds


def _judge(
    obs: Observations, source: SourceState, state: TemplateState, window: int, baseline: int
) -> Signal | None:
    expected = _expected(obs, baseline)
    text = obs.template_text(state)
    if window == 0:
        return _absent(obs, source, state, text, baseline, expected)
    records = obs.window_records(source.name, state)
    if not records:
        return None
    onset = obs.aligned(source.name, records[0].ts)
    new = baseline == 0 and (expected is not None or _late_start(obs, source, state))
    detail = {
        "template": text,
        "key": state.key,
        "window": window,
        "baseline": baseline,
        "expected": expected,
        "severity": state.severity,
        "witness": _witness(state),
        "last": obs.aligned(source.name, state.last_ts),
    }
    if state.cause:
        detail["cause"] = state.cause
    if state.status:
        detail["status"] = state.status  # an access-log status class ("5xx", "429")

    def signal(kind: str, title: str, score: float) -> Signal:
        return Signal(kind, title, score, (source.name,), records, onset, detail)

    exhausted = state.meaning.exhaustion or (state.severity >= ERROR and names_exhaustion(text))
    if exhausted and (new or _is_burst(window, expected)):
        return signal(
            "exhaustion",
            f"{source.name}: {_short(text)}",
            _score(window, expected, state.severity, 0.25),
        )
    if new and state.severity < WARN and _refused_now(obs, source, state, window):
        detail["severity"] = WARN
        return signal(
            "new_template",
            f"{source.name}: new HTTP {state.status} '{_short(text)}'",
            _score(window, expected, WARN, 0.1),
        )
    if state.severity >= WARN:
        if new and (window >= 2 or state.severity >= FATAL):
            return signal(
                "new_template",
                f"{source.name}: new {_level(state)} '{_short(text)}'",
                _score(window, expected, state.severity, 0.1),
            )
        if new and window == 1:  # a one-off new warning: not a story, maybe a precursor
            return signal("new_info", f"{source.name}: new {_level(state)} '{_short(text)}'", 0.1)
        if _is_burst(window, expected):
            rise = _rise(obs, source, state, baseline)
            if rise is not None and rise[0] - (onset or rise[0]) > RISE_LATER:
                onset, records = rise  # a trickle seen all along, then a burst: date the burst
            return signal(
                "burst",
                f"{source.name}: '{_short(text)}' ×{window} (baseline ≈{expected or 0:.0f})",
                _score(window, expected, state.severity, 0.0),
            )
        return None
    if state.meaning.change and new and window <= 20:
        return signal("change", f"{source.name}: '{_short(text)}'", 0.3)
    if new:
        return signal("new_info", f"{source.name}: new '{_short(text)}'", 0.1)
    if _is_burst(window, expected) and window >= VOLUME_FACTOR * (expected or 0) + VOLUME_EXTRA:
        return signal(
            "volume",
            f"{source.name}: '{_short(text)}' ×{window} (baseline ≈{expected or 0:.0f})",
            0.15,
        )
    return None


REFUSED_SHARE = 0.2  # of a request's answers in the window, now 4xx where all were 2xx


def _refused_now(obs: Observations, source: SourceState, state: TemplateState, window: int) -> bool:
    """Requests answered 2xx through the baseline now get a 4xx (a moved health check, a
    rotated key, a tightened allow-list): a client error that is new for those requests,
    and a large share of them, is a failure even though each 4xx alone is routine."""
    if not (state.status or "").startswith("4") or window < 2:
        return False
    ok = source.templates.get(-(state.tid * 1000 + 2))
    if ok is None:
        return False
    ok_window, ok_baseline = obs.counts(source.name, ok.hist)
    return ok_baseline > 0 and window >= REFUSED_SHARE * (window + ok_window)


def _absent(
    obs: Observations,
    source: SourceState,
    state: TemplateState,
    text: str,
    baseline: int,
    expected: float | None,
) -> Signal | None:
    """A template seen before the window and not in it: stopped, or an earlier error."""
    last = [state.last] if state.last is not None else []
    detail = {
        "template": text,
        "key": state.key,
        "window": 0,
        "baseline": baseline,
        "expected": expected,
        "severity": state.severity,
    }
    if expected is not None and expected >= 10 and baseline >= 10:
        return Signal(
            "vanished_template",
            f"{source.name}: '{_short(text)}' stopped (about {expected:.0f} expected in the window)",
            min(0.6, 0.2 + 0.05 * math.log2(1 + expected)),
            (source.name,),
            last,
            obs.aligned(source.name, state.last_ts),
            detail,
        )
    if state.severity >= ERROR and last:
        return Signal(
            "earlier_error",
            f"{source.name}: earlier '{_short(text)}'",
            0.1,
            (source.name,),
            last,
            obs.aligned(source.name, state.last_ts),
            detail,
        )
    return None


RISE_LATER = 120.0  # a burst rising this long after the window's first record is dated by the rise


def _rise(
    obs: Observations, source: SourceState, state: TemplateState, baseline: int
) -> tuple[float, list[Record]] | None:
    """When a template that trickles along in the baseline starts to burst: the first
    window minute well above its baseline rate, and its sampled records from then on."""
    minutes = max(1.0, obs.baseline_seconds / 60.0)
    per_minute = baseline / minutes
    high = max(3.0, 3 * per_minute + 2 * math.sqrt(per_minute + 1))
    buckets = obs.window_buckets(source.name, state.hist)
    index = next((i for i, n in enumerate(buckets) if n >= high), None)
    if index is None:
        return None
    start = obs.bucket_time(source.name, index)
    pool = {id(r): r for r in (*state.in_window, *(r for _, r in state.measured), state.last) if r}
    later = sorted(
        (r for r in pool.values() if (obs.aligned(source.name, r.ts) or 0.0) >= start),
        key=lambda r: (r.ts or 0.0, r.line),
    )
    if not later:
        return None
    return obs.aligned(source.name, later[0].ts) or start, later[:3]


def _witness(state: TemplateState) -> bool:
    """The source reports another party failing: a refused or failed connection, an
    upstream error, a relayed 5xx in an access log."""
    return state.meaning.dependency or (state.status or "").startswith("5")


def _mostly_witness(obs: Observations, source: SourceState, window: int) -> bool:
    """Most of the source's window records report another party failing: its new
    volume is the echo of someone else's failure, not load of its own."""
    echoes = sum(
        obs.counts(source.name, s.hist)[0] for s in source.templates.values() if _witness(s)
    )
    return window > 0 and 2 * echoes >= window


def _late_start(obs: Observations, source: SourceState, state: TemplateState) -> bool:
    """Without a baseline: a template that first shows up well after its source began."""
    if source.first_ts is None or state.first_ts is None:
        return False
    return state.first_ts - source.first_ts > 0.05 * obs.window_seconds


def _is_burst(window: int, expected: float | None) -> bool:
    if expected is None:
        return False
    return window >= MIN_BURST and window >= 3 * expected + 2 * math.sqrt(expected + 1)


def _score(window: int, expected: float | None, severity: int, bonus: float) -> float:
    """Strength in [0, 1]: how far above baseline, how many, how severe."""
    ratio = (window + 1) / ((expected or 0) + 1)
    surprise = min(1.0, math.log10(ratio) / 2.0)
    volume = min(1.0, math.log10(1 + window) / 2.0)
    severity_weight = {WARN: 0.75, ERROR: 0.9, FATAL: 1.0}.get(severity, 0.5)
    return round(min(0.95, (0.35 + 0.4 * surprise + 0.25 * volume) * severity_weight + bonus), 3)


def _silences(obs: Observations) -> list[Signal]:
    """A source that logged steadily in the baseline and stops inside the window."""
    signals = []
    for source in obs.sources.values():
        window, baseline = obs.counts(source.name, source.events)
        expected = _expected(obs, baseline)
        last = obs.aligned(source.name, source.last_ts)
        if expected is None or expected < 20 or last is None:
            continue
        quiet = obs.config.end - last
        if quiet < max(300.0, 0.15 * obs.window_seconds):
            continue
        last_record = max(
            (
                s.last
                for s in source.templates.values()
                if s.last is not None and s.last.ts is not None
            ),
            key=lambda r: (r.ts, r.line),
            default=None,
        )
        if last_record is None:
            continue
        signals.append(
            Signal(
                kind="silence",
                title=f"{source.name} went silent (no records for the last {quiet / 60:.0f} min of the window)",
                score=min(0.7, 0.3 + quiet / obs.window_seconds),
                sources=(source.name,),
                records=[last_record],
                onset=last,
                detail={"quiet_seconds": quiet, "expected": expected, "window": window},
            )
        )
    return signals


def _level(state: TemplateState) -> str:
    return {WARN: "warning", ERROR: "error", FATAL: "fatal error"}.get(state.severity, "message")


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _load_jumps(obs: Observations) -> list[Signal]:
    """A source whose volume jumps well above its baseline rate and stays there: new
    load (a batch job, a retry storm, a crawler) that may exhaust something downstream."""
    signals = []
    for name, source in obs.sources.items():
        baseline = obs.baseline_buckets(name, source.events)
        window = obs.window_buckets(name, source.events)
        if len(baseline) < 5 or not window:
            continue
        normal = max(1.0, sorted(baseline)[len(baseline) // 2])
        high = max(LOAD_FACTOR * normal, normal + LOAD_EXTRA)
        start = next(
            (
                i
                for i in range(len(window) - LOAD_MINUTES + 1)
                if all(c >= high for c in window[i : i + LOAD_MINUTES])
            ),
            None,
        )
        if start is None:
            continue
        after = window[start:]
        ratio = sum(after) / len(after) / normal
        errors = obs.window_buckets(name, source.errors)[start:]
        records = obs.bucket_records(name, start)
        if not records:
            continue
        onset = obs.aligned(name, records[0].ts)
        driver = _driver(obs, source, sum(window) - normal * len(window), onset)
        if driver is not None:  # its line first: the title quotes it
            records = [driver[1], *(r for r in records if r is not driver[1])]
        signals.append(
            Signal(
                kind="load",
                title=f"{name}: volume jumped to {ratio:.1f}× its baseline rate",
                score=round(min(0.6, 0.3 + 0.1 * math.log2(ratio)), 3),
                sources=(name,),
                records=records,
                onset=onset,
                detail={
                    "ratio": ratio,
                    "baseline_per_minute": normal,
                    "template": f"{name} volume",
                    "witness": _mostly_witness(obs, source, sum(window)),
                    # the new volume is mostly the source's own errors: the errors
                    # tell what happened, the jump only counts them
                    "failing": 2 * sum(errors) >= sum(after),
                    "driver": driver[0] if driver else None,
                },
            )
        )
    return signals


def _driver(
    obs: Observations, source: SourceState, extra: float, since: float | None
) -> tuple[str, Record] | None:
    """The template that makes most (over half) of a jump in volume: what the new load
    is (lower-priority adverts once a second, a crawler's requests), with its first
    sampled record from the jump (``since``) on."""
    if extra <= 0 or obs.baseline_seconds <= 0:
        return None
    scale = obs.window_seconds / obs.baseline_seconds
    best, most = None, 0.0
    for state in source.templates.values():
        window, baseline = obs.counts(source.name, state.hist)
        grew = window - baseline * scale
        if grew > most:
            best, most = state, grew
    if best is None or most < 0.5 * extra:
        return None
    records = obs.window_records(source.name, best)
    later = [r for r in records if (obs.aligned(source.name, r.ts) or 0.0) >= (since or 0.0)]
    chosen = later or records
    return (obs.template_text(best), chosen[0]) if chosen else None
