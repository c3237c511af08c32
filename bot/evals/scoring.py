"""Scoring one investigation report against a scenario's ``truth.json``.

Independent of the engine on purpose: sources of locators come from the manifest's
globs, and citation validity is checked by reading the files here, not through the
connectors that produced the citations.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

from bot.manifest import Manifest
from bot.redact import redact
from bot.report import Evidence, Hypothesis, Report

LOG_KINDS = frozenset({"file", "loki", "elasticsearch"})
DOCUMENT_KINDS = frozenset({"notes", "docs"})


class Truth(BaseModel):
    """The answer key of one scenario (``truth.json``)."""

    scenario: str
    type: str
    root_cause: str
    proof: list[str] = Field(min_length=1)
    proof_sources: list[str] = Field(min_length=1)
    relevant: list[str]
    red_herrings: list[str] = Field(default_factory=list)


def load_truth(path: Path) -> Truth:
    return Truth.model_validate(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True, slots=True)
class Key:
    """Truth locators grouped by the source whose files hold them."""

    proof_by_source: dict[str, frozenset[str]]
    relevant: frozenset[str]

    @classmethod
    def build(cls, truth: Truth, manifest: Manifest) -> Key:
        owner = file_owners(manifest)
        grouped: dict[str, set[str]] = {}
        for locator in truth.proof:
            grouped.setdefault(owner.get(_path_of(locator), "?"), set()).add(locator)
        return cls({k: frozenset(v) for k, v in grouped.items()}, frozenset(truth.relevant))


def file_owners(manifest: Manifest) -> dict[str, str]:
    """Locator path (relative to the manifest folder) -> name of the source reading it."""
    owners: dict[str, str] = {}
    for source in manifest.sources:
        for pattern in getattr(source, "paths", ()):
            for path in manifest.resolve(pattern):
                owners.setdefault(manifest.relative(path), source.name)
    return owners


def _path_of(locator: str) -> str:
    path, _, line = locator.rpartition(":")
    return path if path and line.isdigit() else locator


# --------------------------------------------------------------------------- rank


def proves(hypothesis: Hypothesis, truth: Truth, key: Key) -> bool:
    """Does the hypothesis cite a proof line from every one of ``proof_sources``?"""
    cited = {e.locator for e in hypothesis.evidence}
    return all(cited & key.proof_by_source.get(s, frozenset()) for s in truth.proof_sources)


def correct_rank(report: Report, truth: Truth, key: Key) -> int | None:
    """1-based rank of the first proving hypothesis (by ``rank``), or None for a miss."""
    for position, hypothesis in enumerate(sorted(report.hypotheses, key=lambda h: h.rank), 1):
        if proves(hypothesis, truth, key):
            return position
    return None


# --------------------------------------------------------------------------- precision


def log_evidence(hypothesis: Hypothesis, kinds: dict[str, str]) -> list[Evidence]:
    """Evidence from log sources only (documents and tickets are not lines)."""
    return [e for e in hypothesis.evidence if kinds.get(e.source, "file") in LOG_KINDS]


def precision(hypothesis: Hypothesis, key: Key, kinds: dict[str, str]) -> float | None:
    """Share of the hypothesis's cited log lines that are relevant; None if it cites none."""
    lines = log_evidence(hypothesis, kinds)
    if not lines:
        return None
    return sum(e.locator in key.relevant for e in lines) / len(lines)


# --------------------------------------------------------------------------- validity


def invalid_citations(report: Report, manifest: Manifest) -> list[str]:
    """Locators of every cited line or passage that is not verbatim where it claims to be."""
    kinds = {s.name: s.kind for s in manifest.sources}
    bad: list[str] = []
    for hypothesis in report.hypotheses:
        for evidence in hypothesis.evidence:
            if not _valid(evidence, kinds.get(evidence.source), manifest.base_dir):
                bad.append(f"{hypothesis.id} {evidence.locator}")
    return bad


def _valid(evidence: Evidence, kind: str | None, base: Path) -> bool:
    if kind == "file":
        return _valid_line(evidence, base)
    if kind in DOCUMENT_KINDS:
        text = _read_text(str(_resolve(base, evidence.locator.split("#", 1)[0])))
        return text is not None and _matches_within(evidence.text, text)
    return kind is not None  # remote sources: verified by their connector, not re-readable here


def _valid_line(evidence: Evidence, base: Path) -> bool:
    path, _, line = evidence.locator.rpartition(":")
    if not line.isdigit() or int(line) < 1 or (evidence.line not in (None, int(line))):
        return False
    lines = _read_lines(str(_resolve(base, path)))
    if lines is None:
        return False
    start = int(line) - 1
    count = evidence.text.count("\n") + 1
    if start + count > len(lines):
        return False
    raw = "\n".join(lines[start : start + count])
    return evidence.text in (raw, redact(raw))


def _matches_within(cited: str, text: str) -> bool:
    return cited in text or cited in redact(text)


def _resolve(base: Path, path: str) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else base / candidate


@lru_cache(maxsize=64)
def _read_text(path: str) -> str | None:
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


@lru_cache(maxsize=64)
def _read_lines(path: str) -> tuple[str, ...] | None:
    """Lines as a reader sees them: CRLF, LF and bare CR all end a line."""
    text = _read_text(path)
    if text is None:
        return None
    return tuple(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def clear_cache() -> None:
    _read_text.cache_clear()
    _read_lines.cache_clear()
