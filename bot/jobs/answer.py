"""Answer a human reply in an investigation thread (or note why a verdict was given)."""

from __future__ import annotations

import logging
import re
import time

from bot import feedback
from bot.jobs.report import post_report_file
from bot.jobs.runtime import Runtime
from bot.session import Session
from bot.slack import blocks

logger = logging.getLogger(__name__)


REPORT_WORDS = re.compile(r"^(?:<@\w+>\s*)?(?:/logiq\s+)?(?:report|write-?up)\W*$", re.I)
HOW_WORDS = re.compile(
    r"\bhow did you (?:get|come|arrive|find|reach|decide)\b"
    r"|\bshow (?:me )?(?:your |the )?(?:work|steps|reasoning|audit)\b"
    r"|\bwhat did you (?:read|query|look at)\b",
    re.I,
)


class AnswerJob:
    def __init__(self, runtime: Runtime, channel: str, thread_ts: str) -> None:
        self.rt, self.channel, self.thread_ts = runtime, channel, thread_ts

    def run(self, question: str, user: str, ts: str) -> str:
        try:
            session = self.rt.store.update(
                self.channel,
                self.thread_ts,
                lambda s: s.log("question", user=user, ts=ts, text=question),
            )[0]
        except KeyError:
            return "no-session"
        if REPORT_WORDS.match(question.strip()):
            return post_report_file(self.rt, session, user)
        if HOW_WORDS.search(question):
            text = explain_session(session)
            return self.rt.poster.post(self.channel, text, thread_ts=self.thread_ts)
        pending = feedback.pending_rejection(session, user, time.time())
        if pending is not None and feedback.looks_like_reason(question):
            return self._note_reason(session, pending, question, user)
        try:
            answer = self.rt.answerer.answer(session, question)
            text = answer.text
            extra = (
                blocks.cited_answer_blocks(answer.text, answer.lines()) if answer.records else None
            )
        except Exception as exc:
            logger.exception("answering %r failed", question)
            text, extra = f"⚠️ I could not answer that: {type(exc).__name__}: {exc}", None
        posted = self.rt.poster.post(self.channel, text, thread_ts=self.thread_ts, blocks=extra)
        self.rt.store.update(
            self.channel,
            self.thread_ts,
            lambda s: s.log("answer", ts=posted, question_ts=ts, records=len(extra or [])),
        )
        return posted

    def _note_reason(self, session: Session, index: int, reason: str, user: str) -> str:
        """The rejecter's reply: kept as why (session, memory), acknowledged in the thread."""
        entry = session.feedback[index]

        def note(s: Session) -> None:
            s.feedback[index].reason = reason
            s.log("feedback", hypothesis=entry.hypothesis_id, reason=reason, user=user)

        session = self.rt.store.update(self.channel, self.thread_ts, note)[0]
        tracked = session.tracked(entry.hypothesis_id)
        if session.team and tracked is not None:
            pattern = feedback.pattern_of(tracked.hypothesis)
            self.rt.memory.note_reason(session.team, pattern, user, reason)
        text = f"Noted why {entry.hypothesis_id} was rejected by <@{user}>: {reason}"
        return self.rt.poster.post(self.channel, text, thread_ts=self.thread_ts)


def explain_session(session: Session) -> str:
    """ "How did you get there?": every query the investigation made, then each model
    turn and tool call (or that the deterministic engine alone produced the hypotheses)."""
    from bot.llm import explain

    reads = [
        f"• {d.get('source')}: {d.get('query')} [{d.get('window')}] → {d.get('count')} "
        f"({d.get('status')}, {float(d.get('duration_ms') or 0):.0f} ms)"
        for d in (e.detail for e in session.audit if e.kind == "query")
    ]
    steps = [e.detail for e in session.audit if e.kind == "llm"]
    head = ["What I read:", *reads] if reads else ["I have not read any source yet."]
    return "\n".join([*head, "", explain(steps)])
