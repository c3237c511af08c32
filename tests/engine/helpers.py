"""Build records by hand for engine tests (the engine is pure: no files needed)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.engine import Engine, EngineConfig
from bot.engine.model import Analysis
from bot.engine.records import Record

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC).timestamp()  # window start
WINDOW = 3600.0
BASELINE = 1800.0


def config(**overrides) -> EngineConfig:
    values = {"start": T0, "end": T0 + WINDOW, "baseline_start": T0 - BASELINE}
    values.update(overrides)
    return EngineConfig(**values)


class Log:
    """Accumulates records of one source with consecutive line numbers."""

    def __init__(self, source: str, offset: float = 0.0) -> None:
        self.source = source
        self.path = f"logs/{source}.log"
        self.offset = offset  # this source's clock error, in seconds
        self.records: list[Record] = []

    def add(self, at: float, level: str, message: str) -> Record:
        ts = T0 + at + self.offset
        stamp = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        record = Record(
            source=self.source,
            path=self.path,
            line=len(self.records) + 1,
            ts=ts,
            level=level,
            message=message,
            text=f"{stamp} {level} {message}",
        )
        self.records.append(record)
        return record


def analyse(*logs: Log, **overrides) -> Analysis:
    engine = Engine(config(**overrides))
    records = sorted((r for log in logs for r in log.records), key=lambda r: (r.source, r.line))
    for record in records:
        engine.add(record)
    return engine.finish()


def cited(analysis: Analysis, rank: int = 0) -> set[str]:
    return {c.item.locator for c in analysis.drafts[rank].citations}
