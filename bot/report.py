"""The investigation report: the JSON contract of DESIGN.md as pydantic models.

``Report.model_dump(mode="json")`` is exactly what ``logiq investigate --format json``
prints. Fields beyond the contract (``notices``, ``clock_offsets``...) are additive.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Role = Literal["supports", "contradicts"]
Status = Literal["open", "confirmed", "rejected"]


class Evidence(BaseModel):
    source: str
    locator: str  # PATH:LINE, or VMS-112 / docs/runbook.md#timeouts / es:index/id ...
    line: int | None = None  # 1-based for line-addressed sources
    timestamp: str | None = None  # ISO 8601 UTC
    text: str  # verbatim (secrets redacted on the way out)
    role: Role = "supports"


class Hypothesis(BaseModel):
    id: str
    rank: int
    title: str
    summary: str
    confidence: float = Field(ge=0.0, le=1.0)
    status: Status = "open"
    evidence: list[Evidence]
    sources_correlated: list[str]
    next_steps: list[str]
    kind: str = ""  # the signal family that produced it (disagreement, exhaustion, ...)
    signals: list[str] = Field(default_factory=list)  # keys of the engine signals it explains


class WindowOut(BaseModel):
    start: str
    end: str
    baseline_start: str | None = None


class SourceOut(BaseModel):
    name: str
    kind: str
    records: int
    total: int | None = None  # set when a cap applied: "showing records of total"
    odd_lines: int = 0
    error: str | None = None


class ClockOffset(BaseModel):
    source: str
    reference: str
    offset_seconds: float
    pairs: int  # identifiers seen in both sources that the estimate rests on


class Report(BaseModel):
    case: str
    title: str = ""
    symptom: str = ""
    window: WindowOut
    sources: list[SourceOut]
    hypotheses: list[Hypothesis]
    clock_offsets: list[ClockOffset] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)  # "no strong hypothesis", fallbacks...
    reasoner: str = "engine"  # engine | llm:<model>
