"""Cross-source disagreement: one source says an identifier failed, another says it
succeeded — and, worse, said so *after* the first had given up (an ordering violation).

This is the signal LogIQ exists for: each source looks fine on its own; only the pair
shows the bug.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.engine.identifiers import id_kind
from bot.engine.model import Signal
from bot.engine.observations import Observations
from bot.engine.records import Record
from bot.engine.state import Track

MIN_IDS = 2
EVIDENCE_IDS = 3
ROUTINE = 1.5  # a disagreement at most this much more frequent than in the baseline is routine
MIXED_SIGHTINGS = 10  # a failing identifier seen this often that also succeeded serves many


@dataclass
class _Pair:
    failed: str
    succeeded: str
    window: list[tuple[str, Record, Record, bool]] = field(default_factory=list)
    baseline: int = 0
    keys: set[tuple[str, int]] = field(default_factory=set)  # templates on either side


def disagreement_signals(obs: Observations) -> list[Signal]:
    pairs: dict[tuple[str, str], _Pair] = {}
    for ident, tracks in obs.shared_ids().items():
        fails = {s: t.fail for s, t in tracks.items() if _ends_failed(t)}
        oks = {s: t.ok for s, t in tracks.items() if _ends_ok(t)}
        for a, failed in fails.items():
            for b, succeeded in oks.items():
                if a == b or failed is None or succeeded is None:
                    continue
                pair = pairs.setdefault((a, b), _Pair(a, b))
                t_fail = obs.aligned(a, failed.ts) or 0.0
                t_ok = obs.aligned(b, succeeded.ts) or 0.0
                if obs.in_window(a, failed.ts) or obs.in_window(b, succeeded.ts):
                    pair.window.append((ident, failed, succeeded, t_ok > t_fail))
                    pair.keys.update((a, obs.key(a, k)) for k in tracks[a].fail_keys)
                    pair.keys.update((b, obs.key(b, k)) for k in tracks[b].ok_keys)
                elif obs.in_baseline(a, failed.ts) or obs.in_baseline(b, succeeded.ts):
                    pair.baseline += 1
    shared_in_window = _shared_in_window(obs)
    return [
        _signal(obs, pair, shared_in_window)
        for pair in pairs.values()
        if len(pair.window) >= MIN_IDS
    ]


def _ends_failed(track: Track) -> bool:
    return (
        track.fail is not None
        and (track.ok is None or track.fail_ts >= (track.ok.ts or 0))
        and not _serves_many(track)
    )


def _serves_many(track: Track) -> bool:
    """Seen often, now succeeding, now failing: an entity that serves many units of work
    (a build agent, a node), not one unit whose outcome the sources disagree on."""
    return track.count >= MIXED_SIGHTINGS and track.ok is not None


def _ends_ok(track: Track) -> bool:
    return track.ok is not None and (track.fail is None or (track.ok.ts or 0) > track.fail_ts)


def _shared_in_window(obs: Observations) -> int:
    return sum(
        1
        for tracks in obs.shared_ids().values()
        if any(obs.in_window(s, t.first_ts) for s, t in tracks.items())
    )


def _signal(obs: Observations, pair: _Pair, shared: int) -> Signal:
    pair.window = _distinct(pair.window)
    hits = sorted(pair.window, key=lambda h: (not h[3], obs.aligned(pair.failed, h[1].ts) or 0.0))
    late = sum(1 for h in pair.window if h[3])
    n = len(pair.window)
    kinds = _kinds(h[0] for h in pair.window)
    records: list[Record] = []
    for _, failed, succeeded, _ in sorted(hits[:EVIDENCE_IDS], key=lambda h: h[1].ts or 0.0):
        records.extend([failed, succeeded])
    onset = min(obs.aligned(pair.failed, h[1].ts) or 0.0 for h in pair.window)
    share = n / max(1, shared)
    baseline_rate = pair.baseline / max(1.0, obs.baseline_seconds)
    window_rate = n / obs.window_seconds
    surprise = (
        1.0 if pair.baseline == 0 else min(1.0, math.log10(1 + window_rate / baseline_rate) / 2)
    )
    score = 0.45 + 0.2 * min(1.0, math.log10(1 + n) / 1.5) + 0.15 * surprise + 0.15 * (late / n)
    if pair.baseline and window_rate <= ROUTINE * baseline_rate:
        score *= 0.5  # it disagreed as often before the incident: the systems' usual way
    what = "after" if late else "while"
    return Signal(
        kind="disagreement",
        title=(
            f"{pair.succeeded} reports success for {n} {_ids_of(kinds)} {what} "
            f"{pair.failed} reports failure"
        ),
        score=round(min(0.97, score * (0.6 + 0.4 * min(1.0, share * 4))), 3),
        sources=(pair.failed, pair.succeeded),
        records=records,
        onset=onset,
        detail={
            "failed_source": pair.failed,
            "succeeded_source": pair.succeeded,
            "ids": [h[0] for h in hits],
            "count": n,
            "late": late,
            "baseline": pair.baseline,
            "id_kinds": kinds,
            "keys": sorted(pair.keys),
            "failure_example": hits[0][1].message,
            "success_example": hits[0][2].message,
        },
    )


def _ids_of(kinds: list[str]) -> str:
    """``vm ids``, ``vm/session ids``; plain ``id`` kinds are just ``ids``."""
    joined = "/".join(kinds)
    return "ids" if joined == "id" else f"{joined} ids"


def _kinds(idents: Iterable[str]) -> list[str]:
    """The readable kinds of identifiers involved; named kinds (``vm``) over plain ``id``."""
    counts: dict[str, int] = {}
    for ident in idents:
        kind = id_kind(ident)
        counts[kind] = counts.get(kind, 0) + 1
    named = [k for k in counts if k != "id"]
    return sorted(named or list(counts), key=lambda k: (-counts[k], k))[:2]


def _distinct(
    hits: list[tuple[str, Record, Record, bool]],
) -> list[tuple[str, Record, Record, bool]]:
    """One hit per pair of records: ``vm-21`` and its session id are the same event."""
    best: dict[tuple[str, str], tuple[str, Record, Record, bool]] = {}
    for hit in sorted(hits, key=lambda h: (id_kind(h[0]) == "id", h[0])):
        best.setdefault((hit[1].locator, hit[2].locator), hit)
    return list(best.values())
