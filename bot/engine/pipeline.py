"""Engine pipeline (first cut; being written)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.model import Analysis
from bot.engine.records import Item


@dataclass(frozen=True, slots=True)
class EngineConfig:
    start: float
    end: float
    baseline_start: float
    id_patterns: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    symptom: str = ""


class Engine:
    def __init__(self, config: EngineConfig) -> None:
        self.config = config

    def add(self, item: Item) -> None:
        pass

    def finish(self) -> Analysis:
        return Analysis([], [], [], {}, [], [], [])
