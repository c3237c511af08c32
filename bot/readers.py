"""Large file sources read in worker processes, one engine per worker, merged by the caller.

Only what can matter crosses back. An identifier seen in one source alone never enters
a cross-source signal, yet a big source's unique request ids used to be most of what a
worker pickled. So a worker first reports the identifiers it holds, the parent answers
with those some other source saw too, and the worker sends its engine without the rest.

    parent                         worker (one per group of sources)
    ------                         ------
    start  ---------------------->  read its sources into an Engine
    read network sources locally    send ("ids", [identifiers])
    count identifiers across all <--
    send the shared ones  -------->  drop the others
                           <-------  send ("engine", engine, stats)
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from bot.engine import Engine
from connectors import SourceStats

ReadGroup = Callable[[list[str]], tuple[Engine, dict[str, SourceStats]]]
Result = tuple[Engine, dict[str, SourceStats]]


class WorkerError(RuntimeError):
    """A worker process failed or died; its traceback (if any) is the message."""


def balanced_groups(sizes: dict[str, int], workers: int) -> list[list[str]]:
    """Sources split into at most ``workers`` groups of similar byte totals (largest first)."""
    totals = [0] * max(1, workers)
    groups: list[list[str]] = [[] for _ in totals]
    for name in sorted(sizes, key=lambda n: (-sizes[n], n)):
        lightest = totals.index(min(totals))
        totals[lightest] += sizes[name]
        groups[lightest].append(name)
    return [names for names in groups if names]


class ParallelReaders:
    """Worker processes reading groups of sources; use as a context manager.

    ``read_group`` runs in the child and must be a module-level function (it is pickled
    when the platform starts processes by spawning)."""

    def __init__(self, read_group: ReadGroup, groups: list[list[str]]) -> None:
        self._read_group = read_group
        self._groups = groups
        self._workers: list[tuple[BaseProcess, Connection]] = []

    def __enter__(self) -> ParallelReaders:
        context = multiprocessing.get_context()
        for names in self._groups:
            mine, theirs = context.Pipe()
            process = context.Process(
                target=_serve, args=(theirs, self._read_group, names), daemon=True
            )
            process.start()
            theirs.close()  # so that recv() sees EOF if the worker dies
            self._workers.append((process, mine))
        return self

    def results(self, local_ids: Iterable[str] = ()) -> Iterator[Result]:
        """Each worker's engine and stats, keeping identifiers seen in two or more readers
        (``local_ids``: those the caller read itself)."""
        held = [_expect(conn, "ids")[0] for _, conn in self._workers]
        seen = Counter(local_ids)
        for idents in held:
            seen.update(idents)
        for (_, conn), idents in zip(self._workers, held, strict=True):
            conn.send({ident for ident in idents if seen[ident] > 1})
        for _, conn in self._workers:
            engine, stats = _expect(conn, "engine")
            yield engine, stats

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


def _serve(conn: Connection, read_group: ReadGroup, names: list[str]) -> None:
    try:
        engine, stats = read_group(names)
        conn.send(("ids", list(engine.ids.tracks)))
        engine.ids.keep_shared(conn.recv())
        conn.send(("engine", engine, stats))
    except EOFError:
        pass  # the parent went away: nothing to report to
    except Exception:  # reported to the parent, which raises it
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def worker_count(sources: int) -> int:
    return max(1, min(sources, os.cpu_count() or 1))
