"""Latency against a limit: durations parsed from messages that grow (with load) and
cross a timeout that some source logged or configured.

The limit may come from another source than the durations — a caller logs its
timeout, the callee logs how long it took — which is exactly the shape of a race.
"""

from __future__ import annotations

import statistics
from array import array
from itertools import pairwise

from bot.engine.model import Signal
from bot.engine.observations import Observations
from bot.engine.records import Record
from bot.engine.state import SourceState, TemplateState, record_order

MIN_MEASURES = 5
MIN_NEW_MEASURES = 3  # a new operation far slower than anything before needs fewer samples
SLOW = 1.0  # seconds: a new operation this slow (median) is worth a look


def latency_signals(obs: Observations) -> list[Signal]:
    limits = _limits(obs)
    linked = _linked_sources(obs)
    fired = _fired(obs)
    usual: dict[str, float] = {}  # per source, when first needed
    splits = _Splits(obs)
    signals = []
    for source, state in obs.templates():
        if len(state.durations) < 2 * MIN_COINCIDE or _cumulative(
            state.durations, len(splits(source.name, state)[1])
        ):
            continue
        signal = None
        if len(state.durations) >= 2 * MIN_NEW_MEASURES:
            related = [
                lim for lim in limits if lim[2] == source.name or (source.name, lim[2]) in linked
            ]
            if source.name not in usual:
                usual[source.name] = _usual(source, splits)
            signal = _judge(obs, source, state, related, usual[source.name], splits)
        if signal is None or signal.kind != "latency_limit":
            unlinked = [
                f for f in fired if f[1] != source.name and (source.name, f[1]) not in linked
            ]
            signal = _coinciding(obs, source, state, unlinked, splits) or signal
        if signal:
            signals.append(signal)
    return signals


def _cumulative(durations: array, before: int) -> bool:
    """A "duration" that only ever grows, from the baseline through the window, is a
    running total (Go's ``wait_duration`` in pool stats, uptime), not how long anything
    took. (Durations that climb only inside the window are what load does to latency.)
    ``before``: how many of them were logged in the baseline."""
    if before < 10 or len(durations) // 2 - before < 10:
        return False
    points = sorted(zip(durations[::2], durations[1::2], strict=True))
    if points[-1][1] <= 2 * max(points[0][1], 1e-9):
        return False
    falls_allowed = 0.02 * (len(points) - 1)  # rises >= 98% of the steps
    falls = 0
    for (_, a), (_, b) in pairwise(points):
        if b < a:
            falls += 1
            if falls > falls_allowed:
                return False
    return True


# ---------------------------------------------------------------- limits that fire elsewhere

COINCIDE = 5.0  # seconds: clock slack between a limit firing and the slow operation
MIN_COINCIDE = 2  # moments where both agree before two unlinked sources are related

Fired = tuple[float, str, list[tuple[float, Record]]]


def _fired(obs: Observations) -> list[Fired]:
    """Limits that *fired*: failure templates stating a limit (``timeout of 6000ms
    exceeded``), each with the aligned times of its sampled records."""
    out: list[Fired] = []
    for source, state in obs.templates():
        if not state.limits or not state.meaning.failure:
            continue
        pool = {id(r): r for r in (*state.first, *state.in_window, *state.recent, state.last) if r}
        moments = sorted(
            (t, r)
            for r in pool.values()
            if (t := obs.aligned(source.name, r.ts)) is not None
            and obs.in_window(source.name, r.ts)
        )
        if len(moments) < MIN_COINCIDE:
            continue
        for value in state.limits:
            out.append((value, source.name, moments))
    return out


def _coinciding(
    obs: Observations,
    source: SourceState,
    state: TemplateState,
    fired: list[Fired],
    splits: _Splits,
) -> Signal | None:
    """Durations in one source that outlast a limit another source enforces, at the very
    moments that source reports the limit firing: a 10 s pause here, a 6 s session
    timeout expiring there, with no identifier in common.

    An operation logged at ``t`` that took ``d`` ran over ``[t - d, t]``; a limit ``L``
    counted from its start fires about ``t - d + L`` (the other side may have last heard
    of it a little before it began). Two or more such moments, covering most of the
    sampled firings, are needed, so a limit that fires all the time matches nothing."""
    window, _ = splits(source.name, state)
    best = None
    for seconds, limit_source, moments in fired:
        over = [(t, v) for t, v in window if v > seconds]
        if not over or len(over) > 50:
            continue
        spans = [
            ((obs.aligned(source.name, t) or 0.0) - v, obs.aligned(source.name, t) or 0.0)
            for t, v in over
        ]
        hits = [
            (t, r)
            for t, r in moments
            if any(a + 0.5 * seconds - COINCIDE <= t <= b + COINCIDE for a, b in spans)
        ]
        matched = sum(
            1
            for a, b in spans
            if any(a + 0.5 * seconds - COINCIDE <= t <= b + COINCIDE for t, _ in moments)
        )
        if min(len(hits), matched) < MIN_COINCIDE or 2 * len(hits) < len(moments):
            continue
        if best is None or matched > best[0]:
            best = (matched, seconds, limit_source, over, hits)
    if best is None:
        return None
    matched, seconds, limit_source, over, hits = best
    text = obs.template_text(state)
    records = [r for v, r in sorted(state.measured, key=_measured_order) if v > seconds][:3]
    records += [r for _, r in hits[:2]]
    values = [v for _, v in over]
    began = min(t - v for t, v in over)
    return Signal(
        kind="latency_limit",
        title=(
            f"{source.name}: '{text[:70]}' lasts past the {seconds:g}s limit {limit_source} "
            f"enforces, as {limit_source} reports it firing"
        ),
        score=round(min(0.85, 0.55 + 0.08 * matched), 3),
        sources=(source.name, limit_source),
        records=records,
        onset=obs.aligned(source.name, began),
        detail={
            "template": text,
            "key": state.key,
            "limit": seconds,
            "limit_source": limit_source,
            "coincide": matched,
            "over": len(over),
            "measured": len(window),
            "p95": _quantile(values, 0.95),
            "max": max(values),
            "baseline_p50": None,
            "trend": 0.0,
            "since": None,
            "ordinal": 0,
            "points": [(obs.aligned(source.name, t), v) for t, v in window[:2000]],
        },
    )


def _linked_sources(obs: Observations, at_least: int = 3) -> set[tuple[str, str]]:
    """Pairs of sources that share identifiers: a limit stated by one applies to the other."""
    counts: dict[tuple[str, str], int] = {}
    for tracks in obs.shared_ids().values():
        names = sorted(tracks)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                counts[(a, b)] = counts.get((a, b), 0) + 1
    pairs = {pair for pair, n in counts.items() if n >= at_least}
    return pairs | {(b, a) for a, b in pairs}


Limit = tuple[float, int, str, "Record | None", "float | None"]


def _limits(obs: Observations) -> list[Limit]:
    """Every stated limit: (seconds, times seen, source, a record stating it, since), most
    seen first. ``since``: when a limit no source stated before the window first shows
    (a timeout just lowered), else None."""
    found: dict[float, tuple[int, str, Record | None]] = {}
    since: dict[float, float | None] = {}
    for source, state in obs.templates():
        for value, count in state.limits.items():
            first = obs.aligned(source.name, state.first_ts)
            if first is None or first < obs.config.start:
                since[value] = None
            elif value not in since or (since[value] is not None and first < (since[value] or 0.0)):
                since[value] = first
            seen, _, _ = found.get(value, (0, "", None))
            example = (obs.window_records(source.name, state, 1) or state.first or [None])[0]
            if count > seen:
                found[value] = (count, source.name, example)
    return sorted(
        ((v, c, s, r, since.get(v)) for v, (c, s, r) in found.items()), key=lambda x: (-x[1], x[0])
    )


def _applies(
    obs: Observations,
    source: str,
    lim: Limit,
    window: list[tuple[float, float]],
    base_p50: float | None,
) -> list[tuple[float, float]] | None:
    """The window's durations a limit applies to, when they cross it. An old limit must
    sit above the baseline's durations and below some in the window; a new one applies
    from when it first shows, whatever the durations were before."""
    seconds, since = lim[0], lim[4]
    if since is None:
        values = [v for _, v in window]
        if (
            max(values) > seconds
            and min(values) < seconds
            and (base_p50 is None or base_p50 < seconds)
        ):
            return window
        return None
    after = [(t, v) for t, v in window if (obs.aligned(source, t) or 0.0) >= since]
    if len(after) >= MIN_MEASURES and max(v for _, v in after) > seconds:
        return after
    return None


Split = tuple[list[tuple[float, float]], list[float]]  # window (ts, value), sorted; baseline


class _Splits:
    """Each template's durations split into the window's and the baseline's, made once
    (several judgements read them)."""

    def __init__(self, obs: Observations) -> None:
        self._obs = obs
        self._made: dict[tuple[str, int], Split] = {}

    def __call__(self, source: str, state: TemplateState) -> Split:
        key = (source, state.key)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = _split(self._obs, source, state)
        return made


def _split(obs: Observations, source: str, state: TemplateState) -> Split:
    window: list[tuple[float, float]] = []
    baseline: list[float] = []
    values = state.durations
    # obs.in_window / obs.in_baseline, inlined: up to MAX_MEASURES values per template
    shift = obs.offsets.get(source, 0.0)
    start, end, base = obs.config.start, obs.config.end, obs.config.baseline_start
    for ts, value in zip(values[0::2], values[1::2], strict=True):
        t = ts - shift
        if start <= t <= end:
            window.append((ts, value))
        elif base <= t < start:
            baseline.append(value)
    window.sort()
    return window, baseline


def _judge(
    obs: Observations,
    source: SourceState,
    state: TemplateState,
    limits: list,
    usual: float,
    splits: _Splits,
) -> Signal | None:
    """``usual``: the p95 of the source's baseline durations (see :func:`_usual`)."""
    window, baseline = splits(source.name, state)
    if len(window) < MIN_MEASURES:
        return _new_slow(obs, source, state, window, baseline, usual)
    values = [v for _, v in window]
    p95 = _quantile(values, 0.95)
    base_p50 = statistics.median(baseline) if baseline else None
    limit, applied = None, window
    for lim in limits:
        crossed = _applies(obs, source.name, lim, window, base_p50)
        if crossed is not None:
            limit, applied = lim, crossed
            break
    trend = _rank_correlation(values)
    text = obs.template_text(state)
    if limit is None and not baseline:
        signal = _new_slow(obs, source, state, window, baseline, usual)
        if signal is not None:
            return signal
    if limit is None:
        high = 3 * max(_quantile(baseline, 0.95), 1e-3) if baseline else 0.0
        if base_p50 and p95 >= high and trend > 0.3:
            # since durations got that high for good: the window's first is just where we
            # look, and a routine outlier (one in the baseline too) is no rise
            highs = [(ts, v) for ts, v in window if v >= high]
            rose = _dense_onset(highs, baseline, high, obs) if highs else window[0][0]
            return Signal(
                "latency",
                f"{source.name}: durations of '{text[:70]}' rose to p95 {p95:.3g}s "
                f"(baseline p50 {base_p50:.3g}s)",
                round(0.35 + 0.2 * trend, 3),
                (source.name,),
                _evidence(state, None),
                obs.aligned(source.name, rose),
                {"template": text, "p95": p95, "baseline_p50": base_p50, "trend": trend},
            )
        return None
    seconds, _, limit_source, limit_record, since = limit
    window = applied
    over = [(ts, v) for ts, v in window if v > seconds]
    ordinal = _ordinal_in_burst(window, seconds)
    share = len(over) / len(window)
    records = _evidence(state, seconds, window[0][0] if since is not None else None)
    if limit_record is not None and limit_record.source != source.name:
        records.append(limit_record)
    return Signal(
        kind="latency_limit",
        title=(
            f"{source.name}: '{text[:70]}' durations cross the {seconds:g}s limit "
            f"from the {ordinal_text(ordinal)} request of a burst on"
        ),
        score=round(min(0.9, 0.45 + 0.25 * share + 0.2 * max(0.0, trend)), 3),
        sources=tuple(dict.fromkeys((source.name, limit_source))),
        records=records,
        onset=obs.aligned(source.name, _dense_onset(over, baseline, seconds, obs)),
        detail={
            "template": text,
            "limit": seconds,
            "limit_source": limit_source,
            "ordinal": ordinal,
            "over": len(over),
            "measured": len(window),
            "p95": p95,
            "baseline_p50": base_p50,
            "trend": trend,
            "since": since,  # a limit first stated in the window (lowered), else None
            "points": [(obs.aligned(source.name, t), v) for t, v in window[:2000]],
        },
    )


def _new_slow(
    obs: Observations,
    source: SourceState,
    state: TemplateState,
    window: list[tuple[float, float]],
    baseline: list[float],
    usual: float,
) -> Signal | None:
    """An operation never seen in the baseline that takes seconds. A duration is logged
    when the operation ends, so it began ``duration`` seconds before its line: that is
    the onset of a slow success (a 9 s pause logged at its end started before what it
    caused)."""
    if len(window) < MIN_NEW_MEASURES or baseline or not _is_new(obs, source, state):
        return None
    values = [v for _, v in window]
    median = statistics.median(values)
    if median < SLOW or median < ALSO_SLOW * usual:
        return None
    # a failure (a wait cut off by a timeout) is known when it is logged; only an operation
    # that completed slowly is dated back to its start
    began = window[0][0] if state.meaning.failure else min(ts - value for ts, value in window)
    text = obs.template_text(state)
    # a successful operation of a source that logged nothing in the baseline (a job that
    # starts in the window) is new because everything there is new, not because it slowed
    unbaselined = not state.meaning.failure and not any(
        obs.baseline_buckets(source.name, source.events)
    )
    return Signal(
        "latency",
        f"{source.name}: new slow '{text[:70]}' (median {median:.3g}s)",
        round(min(0.6, 0.35 + 0.05 * median), 3),
        (source.name,),
        _evidence(state, None),
        obs.aligned(source.name, began),
        {
            "template": text,
            "key": state.key,
            "p95": _quantile(values, 0.95),
            "baseline_p50": None,
            "trend": _rank_correlation(values),
            "unbaselined": unbaselined,
        },
    )


ALSO_SLOW = 1.0  # a new operation is slow when its median passes the source's usual p95


def _usual(source: SourceState, splits: _Splits) -> float:
    """The p95 of every duration the source logged in the baseline (0 without enough): a
    build that is new in the window only because its outcome word is new (``completed:
    UNSTABLE``) takes as long as the builds before it."""
    values = [v for state in source.templates.values() for v in splits(source.name, state)[1]]
    return _quantile(values, 0.95) if len(values) >= MIN_MEASURES else 0.0


def _is_new(obs: Observations, source: SourceState, state: TemplateState) -> bool:
    window, baseline = obs.counts(source.name, state.hist)
    return window > 0 and baseline == 0 and obs.baseline_seconds > 0


def _evidence(
    state: TemplateState, limit: float | None, since: float | None = None
) -> list[Record]:
    """The last sample under the limit, the first over it, and the slowest one (from the
    raw time ``since`` on, when the limit is new)."""
    samples = sorted(state.measured, key=_measured_order)
    if since is not None:
        samples = [s for s in samples if (s[1].ts or 0.0) >= since]
    if limit is None:
        return [max(samples, key=lambda s: s[0])[1]] if samples else []
    first_over = next((i for i, (v, _) in enumerate(samples) if v > limit), None)
    if first_over is None:
        return []
    chosen = [samples[first_over][1]]
    if first_over > 0:
        chosen.insert(0, samples[first_over - 1][1])
    slowest = max(samples, key=lambda s: s[0])[1]
    if slowest not in chosen:
        chosen.append(slowest)
    return chosen


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _rank_correlation(values: list[float]) -> float:
    """Spearman correlation of the values with their order: do they grow over time?"""
    n = len(values)
    if n < 3:
        return 0.0
    order = sorted(range(n), key=lambda i: values[i])
    ranks = [0] * n
    for rank, i in enumerate(order):
        ranks[i] = rank
    d2 = sum((ranks[i] - i) ** 2 for i in range(n))
    return 1 - 6 * d2 / (n * (n * n - 1))


DENSE_SPAN = 300.0  # seconds over which crossings are counted against the baseline's rate


def _dense_onset(
    over: list[tuple[float, float]], baseline: list[float], limit: float, obs: Observations
) -> float:
    """When durations began to cross the limit for good. Routine slow outliers (a nightly
    report) cross an old limit now and then in the baseline too; the incident crosses it
    again and again. So the onset is the first crossing that starts a run denser than the
    baseline's crossings (three times their rate, and at least three, within
    ``DENSE_SPAN``) and is itself followed closely (within that run's mean gap), else the
    first crossing."""
    crossings = sum(1 for value in baseline if value > limit)
    if not crossings or obs.baseline_seconds <= 0:
        return over[0][0]
    need = max(3.0, 3 * crossings / obs.baseline_seconds * DENSE_SPAN)
    end = 0
    for start, (ts, _) in enumerate(over):
        end = max(end, start)
        while end < len(over) and over[end][0] <= ts + DENSE_SPAN:
            end += 1
        close = start + 1 < len(over) and over[start + 1][0] - ts <= DENSE_SPAN / need
        if end - start >= need and close:
            return ts
    return over[0][0]


def _ordinal_in_burst(window: list[tuple[float, float]], limit: float) -> int:
    """At which request of a burst durations first exceed the limit (median over bursts).

    Requests closer together than the limit itself can pile up on each other, so a gap
    longer than the limit starts a new burst.
    """
    ordinals = []
    index, previous = 0, None
    crossed = False
    for ts, value in window:
        if previous is not None and ts - previous > limit:
            index, crossed = 0, False
        index += 1
        previous = ts
        if value > limit and not crossed:
            ordinals.append(index)
            crossed = True
    return int(statistics.median(ordinals)) if ordinals else 0


def ordinal_text(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _measured_order(sample: tuple[float, Record]) -> tuple[float, int]:
    return record_order(sample[1])
