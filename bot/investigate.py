"""One investigation: manifest -> scope guard -> connectors -> engine -> verified report.

This is the seam every front end uses (CLI, Slack worker, eval). It performs I/O
through connectors only; the engine it drives stays pure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from bot.engine import Engine, EngineConfig
from bot.engine.model import Analysis, Draft
from bot.engine.records import Item, Passage, Record, iso
from bot.errors import CitationError, ConnectorError, LogIQError
from bot.manifest import Manifest
from bot.readers import ParallelReaders, Task, plan, sparse_gc, worker_count
from bot.redact import redact
from bot.report import ClockOffset, Evidence, Hypothesis, Report, SourceOut, WindowOut
from connectors import Connector, Context, Scope, SourceStats, build_connector

logger = logging.getLogger(__name__)

Progress = Callable[[str, int], None]  # (source name, items read so far)
_NETWORK_KINDS = {"jira", "loki", "elasticsearch", "prometheus"}
_PROGRESS_EVERY = 50_000
PARALLEL_BYTES = 64 * 1024 * 1024  # below this, one process reads faster than several start
SPLIT_BYTES = 8 * 1024 * 1024  # a file this large is read a part per core


@dataclass
class Investigation:
    """Everything one run produced: the report, and what it was built from."""

    manifest: Manifest
    report: Report
    analysis: Analysis
    connectors: dict[str, Connector] = field(default_factory=dict)

    @property
    def stats(self) -> list[SourceStats]:
        return [c.stats for c in self.connectors.values()]


def scope_of(manifest: Manifest) -> Scope:
    window = manifest.window
    return Scope(
        start=window.start.timestamp(),
        end=window.end.timestamp(),
        baseline_start=window.baseline_start.timestamp(),
        timezone=manifest.timezone,
    )


def engine_config(manifest: Manifest) -> EngineConfig:
    scope = scope_of(manifest)
    return EngineConfig(
        start=scope.start,
        end=scope.end,
        baseline_start=scope.baseline_start,
        id_patterns=tuple(manifest.correlate.ids),
        keywords=tuple(manifest.correlate.keywords),
        symptom=" ".join(filter(None, [manifest.title, manifest.symptom])),
    )


def build_connectors(manifest: Manifest, context: Context) -> dict[str, Connector]:
    return {s.name: build_connector(s, manifest, context) for s in manifest.sources}


def investigate(
    manifest: Manifest,
    *,
    context: Context | None = None,
    progress: Progress | None = None,
) -> Investigation:
    """Run the deterministic investigation of ``manifest`` and return a verified report."""
    context = context or Context()
    connectors = build_connectors(manifest, context)
    with sparse_gc():
        engine = _read_sources(manifest, connectors, context, progress)
        analysis = engine.finish(trusted_clocks=trusted_clocks(manifest, connectors))
        report = build_report(manifest, analysis, connectors)
    return Investigation(manifest=manifest, report=report, analysis=analysis, connectors=connectors)


def _read_sources(
    manifest: Manifest,
    connectors: dict[str, Connector],
    context: Context,
    progress: Progress | None,
) -> Engine:
    """Every source read into one engine: large files by worker processes, the rest
    here meanwhile. The connectors' stats are those of the reads."""
    engine = Engine(engine_config(manifest))
    scope = scope_of(manifest)
    groups = parallel_plan(manifest, connectors)
    in_workers = {name for tasks in groups for name, _ in tasks}
    rest = {name: c for name, c in connectors.items() if name not in in_workers}
    read_group = partial(
        _read_group, manifest, scope, Context(env={}, max_records=context.max_records)
    )
    with ParallelReaders(read_group, groups) as readers:
        engine.add_all(read_all(rest, scope, progress))  # while the workers read theirs
        read: dict[str, SourceStats] = {}
        handed: dict[str, list[object]] = {}
        for part, stats, handoffs in readers.results(engine):
            engine.absorb(part)
            for name, source_stats in stats.items():
                if name in read:
                    read[name].absorb(source_stats)  # another part of the same file
                else:
                    read[name] = source_stats
            for name, handoff in handoffs.items():
                handed.setdefault(name, []).append(handoff)
        for name, source_stats in read.items():
            connectors[name].stats = source_stats
            if name in handed:
                connectors[name].take_over(handed[name])  # type: ignore[attr-defined]
            if progress:
                progress(name, source_stats.records)
    return engine


def parallel_plan(manifest: Manifest, connectors: dict[str, Connector]) -> list[list[Task]]:
    """File sources worth reading in worker processes, as tasks per worker: on a machine
    with several cores, with enough bytes that starting processes pays off. A large
    source whose one file can be cut is read a part per core. Their citations are re-read
    from disk, so only files qualify."""
    workers = worker_count()
    files = [s for s in manifest.sources if s.kind == "file"]
    if not files or workers < 2:
        return []
    sizes = {
        s.name: sum(_size(path) for pattern in s.paths for path in manifest.resolve(pattern))
        for s in files
    }
    if sum(sizes.values()) < PARALLEL_BYTES:
        return []
    split = {
        name
        for name, size in sizes.items()
        if size >= SPLIT_BYTES and getattr(connectors[name], "splittable", lambda: None)()
    }
    if len(files) < 2 and not split:
        return []
    return plan(sizes, split, workers)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _read_group(
    manifest: Manifest, scope: Scope, context: Context, tasks: list[Task]
) -> tuple[Engine, dict[str, SourceStats], dict[str, object]]:
    """What one worker process does: read its tasks into an engine of its own."""
    engine = Engine(engine_config(manifest))
    stats, handoffs = {}, {}
    for name, part in tasks:
        connector = build_connector(manifest.source(name), manifest, context)
        records = connector.read(scope, part) if part else connector.read(scope)  # type: ignore[call-arg]
        engine.add_all(_guarded(connector, records, None))
        stats[name] = connector.stats
        handoffs[name] = connector.handoff()  # type: ignore[attr-defined]
    return engine, stats, handoffs


def trusted_clocks(manifest: Manifest, connectors: dict[str, Connector]) -> set[str]:
    """Sources whose stamps need no assumption: zoned stamps, API epochs, or a zone the
    manifest states. Clock alignment measures the others against these."""
    trusted = set()
    for source in manifest.sources:
        stats = connectors[source.name].stats
        if source.kind in _NETWORK_KINDS or stats.zoned or getattr(source, "timezone", None):
            trusted.add(source.name)
    return trusted


def read_all(
    connectors: dict[str, Connector], scope: Scope, progress: Progress | None = None
) -> Iterator[Item]:
    """Items from every source; network sources are fetched concurrently.

    A failing source is recorded on its stats (``error``) and skipped: one bad source
    never sinks the investigation.
    """
    remote = [c for c in connectors.values() if c.kind in _NETWORK_KINDS]
    local = [c for c in connectors.values() if c.kind not in _NETWORK_KINDS]
    with ThreadPoolExecutor(max_workers=max(1, min(8, len(remote)))) as pool:
        futures = [(c, pool.submit(_collect, c, scope)) for c in remote]
        for connector in local:
            yield from _guarded(connector, connector.read(scope), progress)
        for connector, future in futures:
            yield from _guarded(connector, iter(future.result()), progress)


def _collect(connector: Connector, scope: Scope) -> list[Item]:
    items: list[Item] = []
    try:
        items.extend(connector.read(scope))
    except LogIQError as exc:
        connector.stats.error = _reason(exc)
    except Exception as exc:  # a connector bug must not sink the other sources
        logger.exception("source %s failed", connector.name)
        connector.stats.error = f"unexpected error: {type(exc).__name__}: {exc}"
    return items


def _guarded(
    connector: Connector, items: Iterable[Item], progress: Progress | None
) -> Iterator[Item]:
    count = 0
    try:
        for item in items:
            count += 1
            if progress and count % _PROGRESS_EVERY == 0:
                progress(connector.name, count)
            yield item
    except LogIQError as exc:
        connector.stats.error = _reason(exc)
    except Exception as exc:
        logger.exception("source %s failed", connector.name)
        connector.stats.error = f"unexpected error: {type(exc).__name__}: {exc}"
    if progress:
        progress(connector.name, count)


def _reason(exc: LogIQError) -> str:
    return exc.reason if isinstance(exc, ConnectorError) else str(exc)


# --------------------------------------------------------------------------- report


def build_report(
    manifest: Manifest, analysis: Analysis, connectors: dict[str, Connector]
) -> Report:
    hypotheses = [
        to_hypothesis(draft, rank, connectors) for rank, draft in enumerate(analysis.drafts, 1)
    ]
    notices = list(analysis.notices)
    for connector in connectors.values():
        notices.extend(f"source {connector.name!r}: {note}" for note in connector.stats.notes)
        if connector.stats.error:
            notices.append(f"source {connector.name!r} failed: {connector.stats.error}")
        if connector.stats.total is not None and connector.stats.total > connector.stats.records:
            notices.append(
                f"source {connector.name!r}: showing {connector.stats.records} "
                f"of {connector.stats.total} records (cap reached)"
            )
    return Report(
        case=manifest.case,
        title=manifest.title,
        symptom=manifest.symptom.strip(),
        window=WindowOut(
            start=iso(manifest.window.start.timestamp()) or "",
            end=iso(manifest.window.end.timestamp()) or "",
            baseline_start=iso(manifest.window.baseline_start.timestamp())
            if manifest.window.baseline
            else None,
        ),
        sources=[_source_out(c.stats) for c in connectors.values()],
        hypotheses=hypotheses,
        clock_offsets=[
            ClockOffset(
                source=o.source, reference=o.reference, offset_seconds=o.seconds, pairs=o.pairs
            )
            for o in analysis.offsets
        ],
        notices=[redact(n) for n in notices],
    )


def _source_out(stats: SourceStats) -> SourceOut:
    return SourceOut(
        name=stats.name,
        kind=stats.kind,
        records=stats.records,
        total=stats.total,
        odd_lines=stats.odd_lines,
        error=redact(stats.error) if stats.error else None,
    )


def to_hypothesis(draft: Draft, rank: int, connectors: dict[str, Connector]) -> Hypothesis:
    evidence = [_evidence(c.item, c.role, connectors) for c in draft.citations]
    return Hypothesis(
        id=f"H{rank}",
        rank=rank,
        title=redact(draft.title),
        summary=redact(draft.summary),
        confidence=round(draft.confidence, 2),
        evidence=evidence,
        sources_correlated=draft.sources_correlated,
        next_steps=[redact(step) for step in draft.next_steps],
        kind=draft.kind,
        signals=[signal.key for signal in draft.signals],
    )


def _evidence(item: Record | Passage, role: str, connectors: dict[str, Connector]) -> Evidence:
    verify_citation(item, connectors)
    if isinstance(item, Record):
        return Evidence(
            source=item.source,
            locator=item.locator,
            line=item.line or None,
            timestamp=iso(item.ts),
            text=redact(item.text),
            role=role,  # type: ignore[arg-type]
        )
    return Evidence(
        source=item.source,
        locator=item.locator,
        timestamp=iso(item.ts),
        text=redact(item.text),
        role=role,  # type: ignore[arg-type]
    )


def verify_citation(item: Record | Passage, connectors: dict[str, Connector]) -> None:
    """Re-read the cited text from its source; a mismatch is a bug and fails loudly."""
    connector = connectors.get(item.source)
    if connector is None:
        raise CitationError(f"{item.locator}: cited from unknown source {item.source!r}")
    found = connector.cite(item.locator)
    if found != item.text:
        raise CitationError(
            f"{item.locator}: cited text is not verbatim at its locator "
            f"(cited {item.text[:80]!r}, found {str(found)[:80]!r})"
        )
