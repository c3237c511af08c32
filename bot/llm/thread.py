"""Adapter: :class:`LLMAnswerer` behind the Slack side's ``bot.answers.Answerer`` protocol.

The worker supplies ``context_for(session) -> AnswerContext`` (pack, hypotheses with
status, feedback lines, toolbox over ``CaseLookup``) and the offline answerer to fall
back on; a model failure never leaves a question unanswered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.answers import Answer as ThreadAnswer
from bot.answers import Answerer
from bot.engine.records import Record
from bot.errors import LLMError
from bot.llm.answer import AnswerContext, LLMAnswerer
from bot.session import Session

logger = logging.getLogger(__name__)


class LLMThreadAnswerer:
    def __init__(
        self, llm: LLMAnswerer, context_for: Callable[[Session], AnswerContext], fallback: Answerer
    ) -> None:
        self.llm, self.context_for, self.fallback = llm, context_for, fallback

    def answer(self, session: Session, question: str) -> ThreadAnswer:
        try:
            out = self.llm.answer(question, self.context_for(session))
        except LLMError as exc:
            logger.warning("LLM answer failed, answering offline: %s", exc)
            return self.fallback.answer(session, question)
        records = tuple(c.item for c in out.citations if isinstance(c.item, Record))
        passages = [c.item.locator for c in out.citations if not isinstance(c.item, Record)]
        return ThreadAnswer(
            text=out.text,
            records=records,
            total=len(records),
            kind="llm",
            meta={"dropped_citations": out.dropped, "passages": passages},
        )
