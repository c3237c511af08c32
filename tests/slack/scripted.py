"""Hand-written investigation results for the worker tests (the engine is tested apart).

``scripted(hypotheses=..., notices=...)`` returns a function with the signature of
:func:`bot.investigate.investigate` that reports the manifest it was given and the
hypotheses written here, and records each call (so a test can count re-runs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.engine.model import Analysis
from bot.engine.records import iso
from bot.investigate import Investigation
from bot.manifest import Manifest
from bot.report import Evidence, Hypothesis, Report, SourceOut, WindowOut
from connectors import QueryAudit, SourceStats


def hypothesis(n: int, lines: int = 2, title: str | None = None) -> Hypothesis:
    evidence = [
        Evidence(
            source="api",
            locator=f"logs/api.log:{i + 1}",
            line=i + 1,
            text=f"2026-03-01T10:0{i % 10}:00Z ERROR order-{i} payment timeout after 30s",
        )
        for i in range(lines)
    ]
    return Hypothesis(
        id=f"H{n}",
        rank=n,
        title=title or f"Hypothesis number {n}: payments ack after timeout",
        summary=f"Summary {n}",
        confidence=round(0.9 - n * 0.1, 2),
        evidence=evidence,
        sources_correlated=["api", "payments"],
        next_steps=[f"check step {n}"],
    )


@dataclass
class _Source:
    stats: SourceStats


@dataclass
class Scripted:
    hypotheses: list[Hypothesis]
    notices: list[str] = field(default_factory=list)
    failed_source: str | None = None
    raise_error: Exception | None = None
    calls: list[Manifest] = field(default_factory=list)

    def __call__(
        self, manifest: Manifest, *, context: Any = None, progress: Any = None
    ) -> Investigation:
        self.calls.append(manifest)
        if progress:
            progress("api", 2)
        if self.raise_error:
            raise self.raise_error
        sources = {
            s.name: _Source(SourceStats(name=s.name, kind=s.kind, records=2))
            for s in manifest.sources
        }
        for name, source in sources.items():
            source.stats.queries.append(QueryAudit(name, f"read {name}", "10:00-11:00", 2, 1.5))
        notices = list(self.notices)
        if self.failed_source:
            sources[self.failed_source].stats.error = "HTTP 500 from the server"
            notices.append(f"source {self.failed_source!r} failed: HTTP 500 from the server")
        report = Report(
            case=manifest.case,
            title=manifest.title,
            symptom=manifest.symptom,
            window=WindowOut(
                start=iso(manifest.window.start.timestamp()) or "",
                end=iso(manifest.window.end.timestamp()) or "",
            ),
            sources=[
                SourceOut(name=n, kind=s.stats.kind, records=s.stats.records, error=s.stats.error)
                for n, s in sources.items()
            ],
            hypotheses=self.hypotheses,
            notices=notices,
        )
        return Investigation(
            manifest=manifest,
            report=report,
            analysis=Analysis([], [], [], {}, [], [], []),
            connectors=sources,
        )  # type: ignore[arg-type]


def scripted(count: int = 2, **kw: Any) -> Scripted:
    return Scripted(hypotheses=[hypothesis(n) for n in range(1, count + 1)], **kw)
