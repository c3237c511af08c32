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

from bot.report import Status
from bot.session import FeedbackEntry, Session, SessionStore

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
