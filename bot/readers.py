"""Large file sources read in worker processes, one engine per worker, merged by the caller.

The work is planned so that every core gets an equal share of the bytes: a large source
whose one file can be cut (:mod:`connectors.files.parts`) is read a part per worker, the
other sources whole, each by the least loaded worker. The caller merges the engines;
parts of the same source fold into one (:mod:`bot.engine.merging`).

Only what can matter crosses back. An identifier seen in one source alone never enters
a cross-source signal, yet a big source's unique request ids used to be most of what a
worker pickled. So a worker first reports the identifiers it holds, per source, and sends
its engine without them; the parent answers with those some other source saw too, and
the worker sends just those. The engines are pickled, sent and unpickled while the other
workers still read and the parent gathers identifiers.

    parent                           worker (one per core)
    ------                           ------
    start  ----------------------->  read its tasks into an Engine
    read network sources locally     send ("ids", {source: [identifiers]})
    take each worker's engine   <--  send ("engine", engine without its ids, stats, handoffs)
    count sources per identifier
    send the shared ones  --------->  keep those
                              <-----  send ("shared", its IdIndex)
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import cast

from bot.engine import Engine
from bot.engine.state import IdIndex
from connectors import SourceStats
from connectors.files.parts import FilePart

Task = tuple[str, FilePart | None]  # a source, whole or one part of its file
# An engine, each source's stats, and what each source's connector hands to the caller's
# connector of the same source (a file's line index, so citing need not read it again).
Result = tuple[Engine, dict[str, SourceStats], dict[str, object]]
ReadGroup = Callable[[list[Task]], Result]


class WorkerError(RuntimeError):
    """A worker process failed or died; its traceback (if any) is the message."""


def plan(sizes: dict[str, int], split: set[str], workers: int) -> list[list[Task]]:
    """Tasks per worker: part *i* of each source in ``split`` for worker *i* (cut by the
    size seen now), and the other sources whole, each to the worker with the fewest bytes
    so far (largest first)."""
    workers = max(1, workers)
    share = sum(sizes[name] for name in split) / workers
    totals = [share] * workers
    groups: list[list[Task]] = [
        [(name, FilePart(i, workers, sizes[name])) for name in sorted(split)]
        for i in range(workers)
    ]
    for name in sorted(set(sizes) - split, key=lambda n: (-sizes[n], n)):
        lightest = totals.index(min(totals))
        totals[lightest] += sizes[name]
        groups[lightest].append((name, None))
    return [tasks for tasks in groups if tasks]


class ParallelReaders:
    """Worker processes reading groups of sources; use as a context manager.

    ``read_group`` runs in the child and must be a module-level function (it is pickled
    when the platform starts processes by spawning)."""

    def __init__(self, read_group: ReadGroup, groups: list[list[Task]]) -> None:
        self._read_group = read_group
        self._groups = groups
        self._workers: list[tuple[BaseProcess, Connection]] = []

    def __enter__(self) -> ParallelReaders:
        context = multiprocessing.get_context()
        for tasks in self._groups:
            mine, theirs = context.Pipe()
            process = context.Process(
                target=_serve, args=(theirs, self._read_group, tasks), daemon=True
            )
            process.start()
            theirs.close()  # so that recv() sees EOF if the worker dies
            self._workers.append((process, mine))
        return self

    def results(self, local: Engine | None = None) -> Iterator[Result]:
        """Each worker's engine and stats, keeping identifiers seen in two or more sources
        (``local``: the engine of what the caller read itself)."""
        held: dict[Connection, dict[str, list[str]]] = {}
        parts: dict[Connection, Result] = {}
        waiting = [conn for _, conn in self._workers]
        while waiting:  # whoever is done first: its engine is taken while others read
            for ready in wait(waiting):
                conn = cast(Connection, ready)
                held[conn] = _expect(conn, "ids")[0]
                waiting.remove(conn)
                if waiting:
                    parts[conn] = _expect(conn, "engine")  # type: ignore[assignment]
        per_source: dict[str, set[str]] = {}
        for idents in [*held.values(), _idents_by_source(local)] if local else held.values():
            for source, names in idents.items():
                per_source.setdefault(source, set()).update(names)
        shared = _in_two_or_more(per_source.values())  # while the last engines are pickled
        for conn in held:
            if conn not in parts:  # taken before answering: a worker sending is not reading
                parts[conn] = _expect(conn, "engine")  # type: ignore[assignment]
        for conn, idents in held.items():
            conn.send(shared.intersection(chain.from_iterable(idents.values())))
        for _, conn in self._workers:
            engine, stats, handoffs = parts[conn]
            engine.ids = _expect(conn, "shared")[0]
            yield engine, stats, handoffs

    def __exit__(self, *exc_info: object) -> None:
        for process, conn in self._workers:
            conn.close()
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join()


def _expect(conn: Connection, kind: str) -> tuple:
    try:
        message = conn.recv()
    except EOFError:
        raise WorkerError("a reader process died before sending its results") from None
    if message[0] == "error":
        raise WorkerError(f"a reader process failed:\n{message[1]}")
    if message[0] != kind:
        raise WorkerError(f"a reader process sent {message[0]!r}, expected {kind!r}")
    return message[1:]


def _idents_by_source(engine: Engine) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for ident, source in engine.ids.sightings():
        out.setdefault(source, []).append(ident)
    return out


def _in_two_or_more(groups: Iterable[set[str]]) -> set[str]:
    seen: set[str] = set()
    shared: set[str] = set()
    for names in groups:
        shared |= seen & names
        seen |= names
    return shared


def _serve(conn: Connection, read_group: ReadGroup, tasks: list[Task]) -> None:
    try:
        with sparse_gc():  # up to the exit: a full collection after the read costs time
            engine, stats, handoffs = read_group(tasks)
            conn.send(("ids", _idents_by_source(engine)))
            ids, engine.ids = engine.ids, IdIndex(0)  # sent on its own, once filtered
            conn.send(("engine", engine, stats, handoffs))
            ids.keep_shared(conn.recv())
            conn.send(("shared", ids))
    except (EOFError, BrokenPipeError):
        pass  # the parent went away: nothing to report to
    except Exception:  # reported to the parent, which raises it
        with contextlib.suppress(OSError):
            conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


_SPARSE_GC = (1_000_000, 1000, 1000)
_gc_lock = threading.Lock()
_gc_readers = 0  # reads under way in this process (threads may run several)
_gc_before: tuple[int, ...] = ()


@contextlib.contextmanager
def sparse_gc() -> Iterator[None]:
    """Collect cyclic garbage rarely while reading: reading allocates millions of
    long-lived, acyclic objects (records, tracks), and the default thresholds re-scan
    them again and again (about a tenth of the read). Young cycles are still collected.
    The first read to start sets the thresholds, the last to end restores them."""
    global _gc_readers, _gc_before
    with _gc_lock:
        if _gc_readers == 0:
            _gc_before = gc.get_threshold()
            gc.set_threshold(*_SPARSE_GC)
        _gc_readers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_readers -= 1
            if _gc_readers == 0:
                gc.set_threshold(*_gc_before)


def worker_count() -> int:
    return max(1, os.cpu_count() or 1)
