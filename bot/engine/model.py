"""What the engine produces: signals, template statistics, drafts of hypotheses.

These are plain dataclasses (the engine stays free of pydantic and I/O). The
investigation layer turns drafts into report :class:`bot.report.Hypothesis` objects
after the citation check; the LLM layer reads the same :class:`Analysis`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Literal

from bot.engine.records import Passage, Record, Series

Role = Literal["supports", "contradicts"]
Cited = Record | Passage


@dataclass(slots=True)
class Citation:
    item: Cited
    role: Role = "supports"


@dataclass(slots=True)
class Signal:
    """One observation with the records that show it.

    ``kind`` is one of: burst, new_template, vanished_template, disagreement,
    latency_limit, ordering, exhaustion, silence, metric.
    ``score`` is the signal's own strength in [0, 1]; ``sources`` the sources involved.
    """

    kind: str
    title: str
    score: float
    sources: tuple[str, ...]
    records: list[Record]  # metric signals carry point passages (citable the same way)
    onset: float | None = None
    detail: dict[str, object] = field(default_factory=dict)
    series: Series | None = None

    def seen_as(self, role: str) -> Signal:
        """The same observation in another story's role (symptom, precursor, ...): a view;
        the original is shared by other stories and keeps its own role."""
        detail = {**self.detail, "role": role, "origin": id(self)}
        detail.pop("absorbed", None)
        return dataclasses.replace(self, detail=detail)

    @property
    def key(self) -> str:
        """Identity within one investigation: what re-ranking counts as "explained"."""
        digest = hashlib.sha1(f"{self.sources}|{self.title}".encode()).hexdigest()[:10]
        return f"{self.kind}:{digest}"


@dataclass(slots=True)
class TemplateStat:
    source: str
    template_id: int
    template: str
    window_count: int
    baseline_count: int
    level: str | None
    example: Record | None = None


@dataclass(slots=True)
class Draft:
    """A hypothesis before ranking ids, verification and rendering."""

    title: str
    summary: str
    confidence: float
    kind: str
    citations: list[Citation]
    sources_correlated: list[str]
    next_steps: list[str]
    signals: list[Signal] = field(default_factory=list)
    key: str = ""  # identity used for merging and for feedback priors (pattern, not case)
    onset: float | None = None  # when the story starts (reference clock)


@dataclass(slots=True)
class Offset:
    source: str
    reference: str
    seconds: float
    pairs: int
    applied: bool = False  # True when the engine shifted this source's clock by ``seconds``


@dataclass(slots=True)
class Analysis:
    drafts: list[Draft]
    signals: list[Signal]
    templates: list[TemplateStat]
    timelines: dict[str, list[Record]]  # identifier -> records across sources, by time
    offsets: list[Offset]
    passages: list[Passage]
    series: list[Series]
    notices: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # records per source
    # source -> [(bucket start on the reference clock, events, errors)], 60 s over the window
    rates: dict[str, list[tuple[float, int, int]]] = field(default_factory=dict)
