"""After a verdict (reaction or button): memory, re-rank, next candidate or next steps, proposal."""

from __future__ import annotations

import logging

from bot import feedback
from bot.actions import (
    actions_mode,
    proposal_blocks,
    proposal_text,
    propose_issue,
)
from bot.errors import LogIQError
from bot.jobs.runtime import Runtime
from bot.memory import memory_hook, thread_link
from bot.session import Session
from bot.slack.board import post_hypothesis, refresh_board, refresh_hypothesis

logger = logging.getLogger(__name__)


class FeedbackJob:
    """After a verdict: memory, re-rank, the next candidate or next steps, a proposal."""

    def __init__(self, runtime: Runtime, channel: str, thread_ts: str) -> None:
        self.rt, self.channel, self.thread_ts = runtime, channel, thread_ts

    def run(self, index: int) -> str:
        session = self.rt.store.get(self.channel, self.thread_ts)
        if session is None or index >= len(session.feedback):
            return "no-session"
        now, then = feedback.outcome_for(session, index)
        session, fresh = self.rt.store.update(
            self.channel, self.thread_ts, lambda s: feedback.apply_outcome(s, now, index)
        )
        if not fresh:
            return "already-done"  # a retried job: this verdict was followed up
        entry = session.feedback[index]
        try:
            if session.team:
                memory_hook(self.rt.memory, lambda s: s.team)(
                    session, feedback.event_of(session, index)
                )
            self._say(session, entry.status, then)
        except Exception as exc:
            logger.exception("following up feedback %d on %s", index, self.thread_ts)
            self.rt.poster.post(
                self.channel,
                f"⚠️ Could not follow up {entry.hypothesis_id}: {type(exc).__name__}: {exc}",
                thread_ts=self.thread_ts,
            )
            raise
        return "done"

    def _say(self, session: Session, status: str, outcome: feedback.Outcome) -> None:
        if status == "open":
            refresh_board(self.rt.poster, session)
            return
        self.rt.poster.post(self.channel, outcome.message, thread_ts=self.thread_ts)
        candidate = outcome.next if status == "rejected" else None
        tracked = session.tracked(candidate.id) if candidate else None
        if tracked is not None and tracked.ts is None:
            post_hypothesis(self.rt.poster, self.rt.store, session, tracked)
        session = self.rt.store.get(self.channel, self.thread_ts) or session
        for t in session.hypotheses:
            if t.ts and t.status == "open":
                refresh_hypothesis(self.rt.poster, session, t.id)  # re-ranked confidences
        refresh_board(self.rt.poster, session)
        if status == "confirmed":
            self._propose(session, session.feedback[-1].user, outcome)

    def _propose(self, session: Session, user: str, outcome: feedback.Outcome) -> None:
        confirmed = next((h for h in outcome.hypotheses if h.status == "confirmed"), None)
        if confirmed is None:
            return
        try:
            proposal = propose_issue(
                session.case,
                confirmed,
                self.rt.settings,
                created_by=user,
                thread=thread_link(self.channel, self.thread_ts),
            )
        except LogIQError as exc:
            self.rt.poster.post(
                self.channel, f"⚠️ No Jira proposal: {exc}", thread_ts=self.thread_ts
            )
            return
        if proposal is None:
            return  # actions are off (the default)
        self.rt.proposals.save(proposal)
        mode = actions_mode(self.rt.settings)
        self.rt.poster.post(
            self.channel,
            proposal_text(proposal),
            thread_ts=self.thread_ts,
            blocks=proposal_blocks(proposal, mode),
        )
        self.rt.store.update(
            self.channel,
            self.thread_ts,
            lambda s: s.log("action", proposal=proposal.id, outcome="proposed", user=user),
        )
