"""Structured hypotheses from the model, checked against the evidence pack.

Each cited id must exist in the pack and any quote must appear verbatim in what the
model was shown (or in the raw line). Bad citations are dropped and the hypothesis's
confidence scaled by the share of citations that survived; a hypothesis with no valid
evidence left is discarded. The result is engine-shaped :class:`Draft` objects, which
then pass the same source re-read check (``verify_citation``) as the engine's.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from bot.engine.model import Citation, Draft
from bot.llm.client import ChatModel
from bot.llm.investigator import AuditStep, Conversation, Limits
from bot.llm.pack import EvidencePack, PackEntry, render_entry
from bot.llm.prompts import INVESTIGATOR_TOOLS_NOTE, reasoner_messages
from bot.llm.schema import CitedEvidence, HypothesisSet, ProposedHypothesis
from bot.llm.tools import ToolBox

logger = logging.getLogger(__name__)

MAX_HYPOTHESES = 5
MAX_NEXT_STEPS = 5
_SPACE = re.compile(r"\s+")


@dataclass(slots=True)
class Verified:
    """Citations that survived, and counts of what was dropped."""

    drafts: list[Draft] = field(default_factory=list)
    dropped_citations: int = 0
    dropped_hypotheses: int = 0

    def notice(self) -> str | None:
        if not (self.dropped_citations or self.dropped_hypotheses):
            return None
        return (
            f"LLM output checked: {self.dropped_citations} citation(s) dropped (unknown "
            f"evidence id or misquoted line), {self.dropped_hypotheses} hypothesis(es) "
            "discarded for lack of valid evidence"
        )


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def quote_matches(quote: str | None, entry: PackEntry) -> bool:
    """True when ``quote`` is empty or appears verbatim (whitespace-normalised) in the
    text the model saw, the raw text, or the rendered pack line."""
    wanted = _norm(quote or "").strip("\"'`")
    if not wanted:
        return True
    return any(wanted in _norm(t) for t in (entry.shown, entry.item.text, render_entry(entry)))


def resolve(cited: list[CitedEvidence], pack: EvidencePack) -> tuple[list[Citation], int]:
    """Valid citations (deduplicated, in order) and how many were dropped."""
    kept: list[Citation] = []
    seen: set[str] = set()
    dropped = 0
    for evidence in cited:
        entry = pack.get(evidence.id)
        if entry is None or not quote_matches(evidence.quote, entry):
            logger.info("dropped citation %s (quote %r)", evidence.id, evidence.quote)
            dropped += 1
            continue
        if entry.id not in seen:
            seen.add(entry.id)
            kept.append(Citation(entry.item, evidence.role))
    return kept, dropped


def to_draft(proposal: ProposedHypothesis, citations: list[Citation], dropped: int) -> Draft:
    confidence = min(1.0, max(0.0, proposal.confidence))
    if dropped:
        confidence *= len(citations) / (len(citations) + dropped)
    sources = sorted({c.item.source for c in citations})
    return Draft(
        title=_norm(proposal.title)[:200],
        summary=proposal.summary.strip()[:2000],
        confidence=round(confidence, 3),
        kind="llm",
        citations=citations,
        sources_correlated=sources,
        next_steps=[s.strip() for s in proposal.next_steps if s.strip()][:MAX_NEXT_STEPS],
        key=f"llm:{_norm(proposal.title).lower()[:80]}",
    )


def verify(answer: HypothesisSet, pack: EvidencePack) -> Verified:
    out = Verified()
    for proposal in answer.hypotheses[:MAX_HYPOTHESES]:
        citations, dropped = resolve(proposal.evidence, pack)
        out.dropped_citations += dropped
        if not any(c.role == "supports" for c in citations):
            out.dropped_hypotheses += 1
            continue
        out.drafts.append(to_draft(proposal, citations, dropped))
    out.drafts.sort(key=lambda d: -d.confidence)
    return out


class Reasoner:
    """Asks the model for hypotheses over a pack (optionally with tools) and verifies them."""

    def __init__(self, model: ChatModel, limits: Limits) -> None:
        self.model, self.limits = model, limits

    def propose(
        self,
        pack: EvidencePack,
        *,
        case: str,
        symptom: str,
        toolbox: ToolBox | None = None,
        audit: list[AuditStep] | None = None,
    ) -> Verified:
        note = ""
        if toolbox is not None:
            note = INVESTIGATOR_TOOLS_NOTE.format(
                steps=self.limits.max_steps, per_call=self.limits.per_call_tokens
            )
        messages = reasoner_messages(pack, case=case, symptom=symptom, tools_note=note)
        answer = Conversation(self.model, self.limits, audit).run(messages, HypothesisSet, toolbox)
        return verify(answer, pack)
