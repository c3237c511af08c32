"""Fold what another engine read of the *same* source (another part of its file) in.

Each part was mined by its own template miner, so the other part's templates are first
taken into this source's miner (:meth:`TemplateMiner.adopt`) and its template states,
identifier tracks and samples are re-keyed to the ids found there. Counts add up;
samples keep the earliest; what a part saw first or last stays first or last.
"""

from __future__ import annotations

from bot.engine.state import BUCKET_SAMPLES, SourceState, absorb, least, most, record_order


def merge_source(into: SourceState, other: SourceState) -> dict[int, int]:
    """Fold ``other`` into ``into``; returns ``other``'s template keys -> keys in ``into``."""
    into.count += other.count
    into.undated += other.undated
    into.first_ts = least(into.first_ts, other.first_ts)
    into.last_ts = most(into.last_ts, other.last_ts)
    _add_counts(into.events, other.events)
    _add_counts(into.errors, other.errors)
    for bucket, records in other.samples.items():
        mine = into.samples.get(bucket, [])
        into.samples[bucket] = sorted([*mine, *records], key=record_order)[:BUCKET_SAMPLES]
    keys: dict[int, int] = {}
    tids: dict[int, int] = {}
    for key in sorted(other.templates, key=lambda k: (k < 0, abs(k))):
        state = other.templates[key]
        theirs = other.miner.resolve(state.tid)  # states of one cluster are adopted once
        tid = tids.get(theirs)
        if tid is None:
            text = other.miner.template(theirs)
            tid = tids[theirs] = into.miner.adopt(text, other.miner.count(theirs))
        new_key = tid if key >= 0 else -(tid * 1000 + (-key) % 1000)
        keys[key] = new_key
        state.tid, state.key = tid, new_key
        host = into.templates.get(new_key)
        if host is None:
            into.templates[new_key] = state
            continue
        absorb(host, state)
        host.measure = host.measure or state.measure
        host.extract_ids = host.extract_ids or state.extract_ids
        host.cause_probes += state.cause_probes
    return keys


def _add_counts(into: dict[int, int], other: dict[int, int]) -> None:
    for bucket, n in other.items():
        into[bucket] = into.get(bucket, 0) + n
