"""``refine(investigation, settings)``: the LLM pass over an engine investigation.

No key and no base URL configured: the investigation comes back unchanged and nothing
touches the network. Any model failure (timeout, HTTP error, answers outside the
schema twice, nothing backed by valid evidence): the engine's report comes back with a
notice, ``reasoner`` stays ``engine``. Otherwise the report's hypotheses are the
model's, each citation resolved to its raw item and re-read from its source.
"""

from __future__ import annotations

import dataclasses
import logging

from bot.errors import CitationError, LLMError
from bot.investigate import Investigation, to_hypothesis, verify_citation
from bot.llm.client import ChatModel, build_chat_model
from bot.llm.investigator import AuditStep, Limits
from bot.llm.pack import EvidencePack, build_pack
from bot.llm.reasoner import Reasoner, Verified
from bot.llm.tokens import count_tokens
from bot.llm.tools import Lookup, ToolBox
from bot.redact import Redactor
from bot.report import Hypothesis
from bot.settings import Settings
from connectors import Connector

logger = logging.getLogger(__name__)

PROMPT_RESERVE = 900  # system prompt + task text around the pack
TOOL_SHARE = 0.35  # of the budget kept free for tool results when tools are on


def pack_budget(budget: int, *, tools: bool) -> int:
    """Tokens the evidence pack may use inside one request of ``budget`` tokens."""
    room = budget - PROMPT_RESERVE - (int(budget * TOOL_SHARE) if tools else 0)
    return max(200, room)


def prepare_pack(investigation: Investigation, settings: Settings, *, tools: bool) -> EvidencePack:
    return build_pack(
        investigation.analysis,
        investigation.report,
        budget=pack_budget(settings.llm_budget, tools=tools),
        redactor=Redactor(settings.redact_patterns),
    )


def refine(
    investigation: Investigation,
    settings: Settings,
    *,
    client: ChatModel | None = None,
    audit: list[AuditStep] | None = None,
    lookup: Lookup | None = None,
) -> Investigation:
    """A new Investigation with the model's verified hypotheses, or the input (+ notice).

    ``lookup`` (a ``bot.lookup.CaseLookup``) switches on the investigator's tools.
    """
    model = client if client is not None else build_chat_model(settings)
    if model is None:
        return investigation
    pack = prepare_pack(investigation, settings, tools=lookup is not None)
    logger.info("evidence pack: %s items, %s tokens", len(pack.entries), count_tokens(pack.text))
    limits = Limits.for_budget(settings.llm_budget)
    toolbox = (
        ToolBox(lookup, investigation.manifest, pack, per_call_tokens=limits.per_call_tokens)
        if lookup is not None
        else None
    )
    manifest = investigation.manifest
    try:
        verified = Reasoner(model, limits).propose(
            pack,
            case=manifest.case,
            symptom=" ".join(filter(None, [manifest.title, manifest.symptom])),
            toolbox=toolbox,
            audit=audit,
        )
    except LLMError as exc:
        logger.warning("LLM reasoner failed: %s", exc)
        return with_notice(
            investigation, f"LLM reasoner unavailable ({exc}); showing the engine's hypotheses"
        )
    hypotheses, unverifiable = to_hypotheses(verified, investigation.connectors)
    notices = [n for n in (verified.notice(), _unverifiable(unverifiable)) if n]
    if not hypotheses:
        return with_notice(
            investigation,
            *notices,
            "the LLM proposed no hypothesis backed by "
            "valid evidence; showing the engine's hypotheses",
        )
    report = investigation.report.model_copy(
        update={
            "hypotheses": hypotheses,
            "reasoner": f"llm:{model.model}",
            "notices": [*investigation.report.notices, *notices],
        }
    )
    return dataclasses.replace(investigation, report=report)


def to_hypotheses(
    verified: Verified, connectors: dict[str, Connector]
) -> tuple[list[Hypothesis], int]:
    """Report hypotheses from verified drafts; citations failing the re-read are dropped.

    As with the pack check, the confidence is scaled by the share of citations that
    survived, and a hypothesis left without a supporting citation is discarded.
    """
    checked_drafts = []
    failed = 0
    for draft in verified.drafts:
        kept = []
        for citation in draft.citations:
            try:
                verify_citation(citation.item, connectors)
                kept.append(citation)
            except CitationError:
                logger.exception("LLM citation failed the source re-read")
                failed += 1
        if not any(c.role == "supports" for c in kept):
            verified.dropped_hypotheses += 1
            continue
        lost = len(draft.citations) - len(kept)
        confidence = draft.confidence * len(kept) / (len(kept) + lost)
        checked_drafts.append(
            dataclasses.replace(draft, citations=kept, confidence=round(confidence, 3))
        )
    checked_drafts.sort(key=lambda d: -d.confidence)
    out = [to_hypothesis(d, rank, connectors) for rank, d in enumerate(checked_drafts, 1)]
    return out, failed


def _unverifiable(count: int) -> str | None:
    return f"{count} LLM citation(s) failed the source re-read and were dropped" if count else None


def with_notice(investigation: Investigation, *notices: str) -> Investigation:
    report = investigation.report.model_copy(
        update={"notices": [*investigation.report.notices, *notices]}
    )
    return dataclasses.replace(investigation, report=report)


__all__ = ["pack_budget", "prepare_pack", "refine", "to_hypotheses", "with_notice"]
