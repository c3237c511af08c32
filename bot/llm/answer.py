"""Follow-up questions in the incident thread, answered by the model with checked citations.

``LLMAnswerer.answer(question, context) -> Answer(text, citations)``. The context holds
the session's hypotheses (with their status: rejected ones are shown as REJECTED and
must not be proposed again), the engineers' feedback, the evidence pack and optionally
the read-only tools. Citations are resolved and quote-checked like the reasoner's, then
re-read from their sources when connectors are given.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.engine.model import Citation
from bot.errors import CitationError
from bot.investigate import verify_citation
from bot.llm.client import ChatModel
from bot.llm.investigator import AuditStep, Conversation, Limits
from bot.llm.pack import EvidencePack
from bot.llm.prompts import INVESTIGATOR_TOOLS_NOTE, answer_messages
from bot.llm.reasoner import resolve
from bot.llm.schema import AnswerOut
from bot.llm.tools import ToolBox
from bot.report import Hypothesis
from connectors import Connector

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class AnswerContext:
    """What one answer may draw on; built per question by the worker from the Session."""

    pack: EvidencePack
    hypotheses: Sequence[Hypothesis] = ()
    feedback: Sequence[str] = ()  # e.g. "U123 rejected H2", "U456: ignore the hypervisor"
    toolbox: ToolBox | None = None
    connectors: dict[str, Connector] | None = None  # re-read check of citations when given
    audit: list[AuditStep] | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    citations: list[Citation] = field(default_factory=list)
    dropped: int = 0  # citations dropped (unknown id, misquote, failed re-read)


def describe(hypothesis: Hypothesis, pack: EvidencePack) -> str:
    """One line per hypothesis, with status and the pack ids of its evidence."""
    ids = [e.id for ev in hypothesis.evidence if (e := pack.find(ev.source, ev.locator))]
    status = (
        "REJECTED (do not propose again)"
        if hypothesis.status == "rejected"
        else (hypothesis.status.upper())
    )
    cites = f" evidence {', '.join(ids)}" if ids else ""
    return (
        f"{hypothesis.id} [{status}, confidence {hypothesis.confidence:.2f}] "
        f"{hypothesis.title}{cites}"
    )


class LLMAnswerer:
    """Answers thread questions; implements the Slack side's ``Answerer`` protocol."""

    def __init__(self, model: ChatModel, limits: Limits) -> None:
        self.model, self.limits = model, limits

    def answer(self, question: str, context: AnswerContext) -> Answer:
        pack = context.pack
        note = ""
        if context.toolbox is not None:
            note = INVESTIGATOR_TOOLS_NOTE.format(
                steps=self.limits.max_steps, per_call=self.limits.per_call_tokens
            )
        messages = answer_messages(
            question,
            pack,
            hypotheses=[describe(h, pack) for h in context.hypotheses],
            feedback=context.feedback,
            tools_note=note,
        )
        out = Conversation(self.model, self.limits, context.audit).run(
            messages, AnswerOut, context.toolbox
        )
        citations, dropped = resolve(out.evidence, pack)
        if context.connectors is not None:
            citations, failed = _reread(citations, context.connectors)
            dropped += failed
        return Answer(
            text=pack.redactor.redact(out.answer.strip()), citations=citations, dropped=dropped
        )


def _reread(
    citations: list[Citation], connectors: dict[str, Connector]
) -> tuple[list[Citation], int]:
    kept = []
    for citation in citations:
        try:
            verify_citation(citation.item, connectors)
            kept.append(citation)
        except CitationError:
            logger.exception("answer citation failed the source re-read")
    return kept, len(citations) - len(kept)
