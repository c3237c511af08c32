"""The identifier index: one-off identifiers are held cheaply, recurring ones tracked."""

from __future__ import annotations

import random

from bot.engine.records import Record
from bot.engine.state import IdIndex, Track


def _record(source: str, line: int, ts: float) -> Record:
    return Record(source, f"{source}.log", line, ts, None, f"m{line}", f"m{line}")


def _sightings(seed: int, count: int = 400) -> list[tuple[str, Record, int, float | None, int]]:
    r = random.Random(seed)
    out = []
    for line in range(1, count + 1):
        ident = f"vm-{r.randint(1, 60)}" if r.random() < 0.5 else f"req-{line}"
        source = r.choice(["broker", "hypervisor"])
        duration = r.choice([None, r.random() * 40])
        out.append(
            (
                ident,
                _record(source, line, 1000.0 + line * 0.5),
                r.choice([-1, 0, 1]),
                duration,
                r.randint(1, 6),
            )
        )
    return out


def _fields(track: Track) -> tuple:
    return tuple(getattr(track, name) for name in Track.__slots__)


def _tracked(index: IdIndex) -> dict[tuple[str, str], tuple]:
    return {(i, s): _fields(t) for i, tracks in index.tracks.items() for s, t in tracks.items()}


def test_a_second_sighting_tracks_the_identifier_from_its_first():
    index = IdIndex()
    first, second = _record("broker", 1, 10.0), _record("broker", 2, 5.0)
    index.note("vm-1", first, -1, 31.0, key=3)
    assert index.tracks == {}
    index.note("vm-1", second, 1, None, key=4)
    track = index.tracks["vm-1"]["broker"]
    assert (track.count, track.first, track.fail, track.ok) == (2, second, first, second)
    assert (track.first_ts, track.last_ts, track.duration) == (5.0, 10.0, 31.0)
    assert (track.fail_keys, track.ok_keys) == ((3,), (4,))


def test_one_off_identifiers_never_starve_those_that_recur():
    index = IdIndex(cap=10)
    for line in range(1, 1000):
        index.note(f"req-{line}", _record("broker", line, float(line)), 0, None)
        if line % 100 == 0:
            index.note("vm-7", _record("broker", line, float(line)), 0, None)
            index.note("vm-7", _record("hypervisor", line, float(line)), 1, None)
    assert index.tracks["vm-7"]["broker"].count == 9
    assert len(index.once) + len(index.once_old) <= 10  # bounded
    assert index.dropped > 0  # the one-offs forgotten are counted


def test_parts_read_apart_and_absorbed_equal_one_read():
    whole, left, right = IdIndex(), IdIndex(), IdIndex()
    sightings = _sightings(seed=5)
    for n, (ident, record, outcome, duration, key) in enumerate(sightings):
        whole.note(ident, record, outcome, duration, key)
        (left if n < len(sightings) // 2 else right).note(ident, record, outcome, duration, key)
    left.absorb(right)
    assert _tracked(left) == _tracked(whole)
    assert {i for i, _ in left.sightings()} == {i for i, _ in whole.sightings()}
