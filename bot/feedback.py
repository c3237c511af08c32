"""Human feedback on hypotheses: confirm, reject, reopen — the one place it is decided.

Reactions and buttons both end here. :func:`apply_feedback` changes a session in
memory (pure, so it runs inside the store's atomic update); :func:`record_feedback`
does the atomic update and then calls the registered hooks, which is where re-ranking
and incident memory plug in later (``FeedbackHook``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.memory import Memory, MemoryStore, context_line, identifiers_of, templates_of
from bot.report import Hypothesis, Status
from bot.rerank import POST_BAR, Feedback, Outcome, apply_priors, pattern_of, rerank
from bot.session import FeedbackEntry, Session, SessionStore, Tracked
from bot.textsim import tokenize

logger = logging.getLogger(__name__)

REACTIONS: dict[str, Status] = {"white_check_mark": "confirmed", "x": "rejected"}
ACTIONS: dict[str, Status] = {
    "logiq_confirm": "confirmed",
    "logiq_reject": "rejected",
    "logiq_reopen": "open",
}


@dataclass(frozen=True, slots=True)
class FeedbackEvent:
    """What changed: ``previous`` -> ``status`` on ``hypothesis_id``, by ``user``."""

    hypothesis_id: str
    previous: Status
    status: Status
    user: str
    at: float

    @property
    def changed(self) -> bool:
        return self.previous != self.status


class FeedbackHook(Protocol):
    def __call__(self, session: Session, event: FeedbackEvent) -> None: ...


def apply_feedback(
    session: Session, hypothesis_id: str, status: Status, user: str, at: float | None = None
) -> FeedbackEvent | None:
    """Set a hypothesis status in ``session``; None when the id is not in this thread."""
    tracked = session.tracked(hypothesis_id)
    if tracked is None:
        return None
    event = FeedbackEvent(hypothesis_id, tracked.status, status, user, at or time.time())
    tracked.status = status
    tracked.hypothesis.status = status
    tracked.set_by, tracked.set_at = (None, None) if status == "open" else (user, event.at)
    session.feedback.append(
        FeedbackEntry(hypothesis_id=hypothesis_id, status=status, user=user, at=event.at)
    )
    session.log(
        "feedback", hypothesis=hypothesis_id, status=status, previous=event.previous, user=user
    )
    return event


def status_for_removed(session: Session, hypothesis_id: str, reaction: str) -> Status | None:
    """Removing the reaction that set the current status reopens; anything else is a no-op."""
    tracked = session.tracked(hypothesis_id)
    if tracked is None or REACTIONS.get(reaction) != tracked.status:
        return None
    return "open"


def record_feedback(
    store: SessionStore,
    session: Session,
    hypothesis_id: str,
    status: Status,
    user: str,
    hooks: Sequence[FeedbackHook] = (),
) -> tuple[Session, FeedbackEvent | None]:
    """Atomically apply feedback to the stored session, then run the hooks."""
    updated, event = store.update(
        session.channel,
        session.thread_ts,
        lambda s: apply_feedback(s, hypothesis_id, status, user),
    )
    if event is not None and event.changed:
        for hook in hooks:
            try:
                hook(updated, event)
            except Exception:  # a hook must never lose the user's feedback
                logger.exception("feedback hook %r failed", hook)
    return updated, event


# --------------------------------------------------------------------------- after feedback
# Runs in the worker (the listener only records the verdict and edits two messages):
# incident memory, re-ranking, the next candidate, next steps, an action proposal.

REASON_WINDOW = 15 * 60  # a rejecter's reply within this is taken as the reason
INITIAL_POSTS = 3  # hypotheses posted at first; the rest wait for a rejection


def previous_status(session: Session, index: int) -> Status:
    entry = session.feedback[index]
    earlier = [f for f in session.feedback[:index] if f.hypothesis_id == entry.hypothesis_id]
    return earlier[-1].status if earlier else "open"


def event_of(session: Session, index: int) -> FeedbackEvent:
    entry = session.feedback[index]
    return FeedbackEvent(
        entry.hypothesis_id, previous_status(session, index), entry.status, entry.user, entry.at
    )


def outcome_for(session: Session, index: int, bar: float = POST_BAR) -> tuple[Outcome, Outcome]:
    """(ranking after the whole history, ranking and message as of entry ``index``)."""
    originals = [t.hypothesis for t in session.hypotheses]
    posted = {t.id for t in session.hypotheses if t.ts}
    history = [
        Feedback(f.hypothesis_id, f.status, _mention(f.user), f.reason, f.at)
        for f in session.feedback
    ]
    now = rerank(originals, history, posted=posted, bar=bar)
    then = rerank(originals, history[: index + 1], posted=posted, bar=bar)
    return now, then


def apply_outcome(session: Session, outcome: Outcome, index: int) -> bool:
    """Store re-ranked confidences and claim entry ``index``; False if already handled."""
    if index in session.followed_up:
        return False
    session.followed_up.append(index)
    scores = {h.id: h.confidence for h in outcome.hypotheses}
    for tracked in session.hypotheses:
        tracked.score = scores.get(tracked.id, tracked.score)
    return True


def initial_holds(tracked: Sequence[Tracked], bar: float = POST_BAR) -> None:
    """Post the best few that clear the bar (always the top one); hold back the rest."""
    shown = 0
    for index, t in enumerate(tracked):
        post = index == 0 or (t.confidence >= bar and shown < INITIAL_POSTS)
        t.held = not post
        shown += post


def pending_rejection(session: Session, user: str, now: float) -> int | None:
    """Index of this user's latest rejection still waiting for a reason, if recent."""
    for index in range(len(session.feedback) - 1, -1, -1):
        entry = session.feedback[index]
        if entry.user != user:
            continue
        recent = now - entry.at <= REASON_WINDOW
        return index if entry.status == "rejected" and not entry.reason and recent else None
    return None


def looks_like_reason(text: str) -> bool:
    """A statement, not a question: 'it was the DNS change' (vs 'what about vm-21?')."""
    stripped = text.strip()
    return bool(stripped) and not stripped.endswith("?")


def recall(memory: MemoryStore, team: str, tracked: Sequence[Tracked]) -> list[Tracked]:
    """Priors from past rejections and matching confirmed incidents, for a new case."""
    if not team or not tracked:
        return list(tracked)
    hyps = [t.hypothesis for t in tracked]
    priors = memory.priors_for(team, hyps)
    ranked = apply_priors(hyps, priors)
    out = []
    for h in ranked:
        match = _best_match(memory, team, h)
        out.append(
            Tracked(
                hypothesis=h,
                prior=round(priors.get(pattern_of(h), 1.0), 3),
                memory=context_line(match) if match else "",
            )
        )
    return out


def _best_match(memory: MemoryStore, team: str, h: Hypothesis) -> Memory | None:
    """BM25 retrieves; a match needs the same kind and most of the remembered title's words."""
    query = " ".join([h.title, h.summary, *templates_of(h.evidence), *identifiers_of(h.evidence)])
    for found, _score in memory.similar(team, query, k=3):
        words = set(tokenize(found.title))
        if (
            found.kind == h.kind
            and words
            and len(words & set(tokenize(h.title))) / len(words) >= MATCH_OVERLAP
        ):
            return found
    return None


MATCH_OVERLAP = 0.6


def _mention(user: str) -> str:
    return user if user.startswith("<@") or user.startswith("@") else f"<@{user}>"
