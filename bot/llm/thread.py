"""Adapter: :class:`LLMAnswerer` behind the Slack side's ``bot.answers.Answerer`` protocol.

The worker supplies ``context_for(session) -> AnswerContext`` (pack, hypotheses with
status, feedback lines, toolbox over ``CaseLookup``) and the offline answerer to fall
back on; a model failure never leaves a question unanswered.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from bot.answers import Answer as ThreadAnswer
from bot.answers import Answerer, session_manifest
from bot.engine.records import Record
from bot.errors import LLMError
from bot.llm.answer import AnswerContext, LLMAnswerer
from bot.llm.investigator import Limits
from bot.llm.refine import prepare_pack
from bot.llm.tools import ToolBox
from bot.session import FeedbackEntry, Session
from bot.settings import Settings
from connectors import Context

if TYPE_CHECKING:
    from bot.investigate import Investigation

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


class ThreadContexts:
    """``context_for(session)``: what the model may draw on to answer in a thread.

    The evidence pack needs the engine's analysis, which lives in the worker's memory,
    not in Redis: the investigation job hands it over with :meth:`remember`; a worker
    that did not run it re-runs the deterministic investigation once per thread
    (bounded LRU). Hypotheses and feedback always come from the Session, so rejected
    hypotheses are marked as such.
    """

    def __init__(
        self,
        settings: Settings,
        env: Mapping[str, str],
        *,
        size: int = 4,
        investigate: Callable[..., Investigation] | None = None,
    ) -> None:
        self.settings, self.env, self.size = settings, env, size
        self._investigate = investigate
        self._cache: OrderedDict[str, Investigation] = OrderedDict()

    def remember(self, session: Session, investigation: Investigation) -> None:
        key = _key(session)
        self._cache[key] = investigation
        self._cache.move_to_end(key)
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)

    def __call__(self, session: Session) -> AnswerContext:
        from bot.lookup import CaseLookup

        investigation = self._investigation(session)
        pack = prepare_pack(investigation, self.settings, tools=True)
        lookup = CaseLookup(investigation.manifest, self._context())
        limits = Limits.for_budget(self.settings.llm_budget)
        return AnswerContext(
            pack=pack,
            hypotheses=[
                t.hypothesis.model_copy(update={"status": t.status}) for t in session.hypotheses
            ],
            feedback=[_feedback_line(f) for f in session.feedback],
            toolbox=ToolBox(
                lookup, investigation.manifest, pack, per_call_tokens=limits.per_call_tokens
            ),
            connectors=investigation.connectors,
        )

    def _investigation(self, session: Session) -> Investigation:
        key = _key(session)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        investigate = self._investigate
        if investigate is None:
            from bot.investigate import investigate
        found = investigate(session_manifest(session), context=self._context())
        self.remember(session, found)
        return found

    def _context(self) -> Context:
        return Context(env=dict(self.env), max_records=self.settings.max_records_per_source)


def _key(session: Session) -> str:
    return f"{session.channel}:{session.thread_ts}"


def _feedback_line(entry: FeedbackEntry) -> str:
    line = f"{entry.user} {entry.status} {entry.hypothesis_id}"
    return f"{line}: {entry.reason}" if entry.reason else line
