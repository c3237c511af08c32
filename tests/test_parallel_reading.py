"""Large file sources are read in worker processes; the report must not change."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import bot.investigate as investigation
from bot.engine.records import Record
from bot.engine.state import IdIndex
from bot.investigate import investigate
from bot.manifest import load_manifest
from bot.readers import ParallelReaders, WorkerError, plan
from connectors import Context
from connectors.files.parts import FilePart

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "vm-timeout" / "case.yaml"


def _essence(report) -> list[tuple]:
    return [
        (h.title, h.confidence, [(e.source, e.locator, e.line) for e in h.evidence])
        for h in report.hypotheses
    ]


@pytest.mark.parametrize("split", [False, True], ids=["whole-sources", "file-parts"])
def test_worker_processes_give_the_serial_report(monkeypatch, split):
    manifest = load_manifest(EXAMPLE)
    serial = investigate(manifest)
    connectors = investigation.build_connectors(manifest, Context())
    assert investigation.parallel_plan(manifest, connectors) == []  # the example is small

    monkeypatch.setattr(investigation, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(investigation, "SPLIT_BYTES", 0 if split else 1 << 40)
    monkeypatch.setattr(investigation, "worker_count", lambda: 2)
    groups = investigation.parallel_plan(manifest, connectors)
    assert len(groups) == 2
    parts = [task for tasks in groups for task in tasks if task[1] is not None]
    assert bool(parts) == split
    parallel = investigate(manifest)

    assert _essence(parallel.report) == _essence(serial.report)
    assert {s.name: s.records for s in parallel.stats} == {s.name: s.records for s in serial.stats}
    assert parallel.analysis.timelines.keys() == serial.analysis.timelines.keys()
    if split:
        assert _templates(parallel) == _templates(serial)


def _templates(run) -> dict[tuple[str, str], tuple[int, int]]:
    """Templates per source with their counts (the miner of each part merged into one)."""
    return {
        (t.source, t.template): (t.window_count, t.baseline_count) for t in run.analysis.templates
    }


def test_work_is_planned_a_part_per_core_then_whole_sources_by_bytes():
    sizes = {"broker": 60, "edge": 36, "hypervisor": 24, "notes": 1}
    groups = plan(sizes, {"broker"}, 2)
    assert groups == [
        [("broker", FilePart(0, 2, 60)), ("edge", None)],
        [("broker", FilePart(1, 2, 60)), ("hypervisor", None), ("notes", None)],
    ]
    assert plan({"a": 5}, set(), 4) == [[("a", None)]]


def test_only_identifiers_seen_elsewhere_leave_a_worker():
    index = IdIndex()
    for ident, source in [("vm-1", "a"), ("vm-1", "b"), ("vm-2", "a"), ("req=9", "a")]:
        index.note(ident, Record(source, "f.log", 1, 1.0, None, ident, ident), 0, None)
    index.keep_shared({"req=9"})
    assert sorted(index.tracks) == ["vm-1"]
    assert sorted({ident for ident, _ in index.sightings()}) == ["req=9", "vm-1"]


def _raises(names: list[str]):
    raise ValueError(f"cannot read {names}")


def _dies(names: list[str]):
    os._exit(3)


@pytest.mark.parametrize(
    ("read_group", "message"),
    [(_raises, "ValueError: cannot read ['x']"), (_dies, "died before sending")],
)
def test_a_failing_worker_is_reported_not_hung(read_group, message):
    with (
        pytest.raises(WorkerError, match=re.escape(message)),
        ParallelReaders(read_group, [["x"]]) as readers,
    ):
        list(readers.results())


def test_reads_collect_garbage_rarely_and_restore_the_thresholds():
    import gc

    from bot.readers import sparse_gc

    before = gc.get_threshold()
    outer, inner = sparse_gc(), sparse_gc()
    outer.__enter__()
    assert gc.get_threshold()[0] > before[0]
    inner.__enter__()  # another read in another thread, ending after the first
    outer.__exit__(None, None, None)
    assert gc.get_threshold()[0] > before[0]  # one read is still under way
    inner.__exit__(None, None, None)
    assert gc.get_threshold() == before


def _shares_many(tasks: list[str]):
    """An engine whose identifiers every other worker's engine holds too, and whose body
    is larger than a pipe holds."""
    from bot.engine import Engine, EngineConfig
    from bot.engine.records import Passage

    engine = Engine(EngineConfig(start=0.0, end=1e9, baseline_start=0.0))
    for n in range(40_000):
        text = f"request req-{n} done"
        engine.add(Record(tasks[0], "f.log", n + 1, float(n), None, text, text))
    engine.add(Passage(tasks[0], "notes.md#big", "big", "x" * 2_000_000))
    return engine, {}, {}


@pytest.mark.timeout(60)
def test_many_shared_identifiers_and_large_engines_do_not_deadlock():
    """The answer (shared identifiers) is sent only once every worker's engine is taken: a
    worker still sending its engine cannot read it."""
    with ParallelReaders(_shares_many, [["a"], ["b"]]) as readers:
        parts = list(readers.results())
    assert [len(engine.ids.shared()) for engine, _, _ in parts] == [0, 0]  # one source each
    assert all(len(engine.ids.tracks) + len(engine.ids.once) == 40_000 for engine, _, _ in parts)
