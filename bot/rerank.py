"""Re-ranking hypotheses on human feedback (pure).

``rerank(hypotheses, feedback)`` is a function of the report's *original* hypotheses and
the whole feedback history of the thread, so it is idempotent and a reopened hypothesis
gets its old confidence back. What changed is the difference between the ranking
before and after the latest feedback entry:

* a rejection drops the hypothesis and the signals only it explained, and discounts the
  others in proportion to how much of their support (engine signals, or cited lines for
  hypotheses without signals, such as a model's) they share with it;
* a confirmation marks the case explained and hands back the next steps to post;
* ``priors`` (pattern -> multiplier, from incident memory) lower the confidence of
  patterns that were rejected in earlier cases.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.report import Hypothesis

Verdict = Literal["confirmed", "rejected", "open"]

POST_BAR = 0.3  # a hypothesis below this confidence is not worth a new thread message
SHARED_DISCOUNT = 0.5  # an open hypothesis sharing *all* its evidence with a rejected one halves


@dataclass(frozen=True, slots=True)
class Feedback:
    """One human verdict on one hypothesis (reaction, button or command)."""

    hypothesis_id: str
    status: Verdict
    user: str
    reason: str = ""
    at: float | None = None  # epoch seconds


class FeedbackLike(Protocol):
    """Anything with these fields: :class:`Feedback`, ``bot.session.FeedbackEntry``."""

    @property
    def hypothesis_id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def user(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Change:
    hypothesis_id: str
    before: float
    after: float
    why: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """The ranking after all feedback, and what the latest feedback changed."""

    hypotheses: tuple[Hypothesis, ...]  # confirmed, then open by confidence, then rejected
    changes: tuple[Change, ...]
    next: Hypothesis | None  # best open hypothesis not yet posted that clears the bar
    explained: bool
    next_steps: tuple[str, ...]  # of the confirmed hypotheses, to post on confirmation
    message: str  # one line for the thread: "H2 rejected by @ana — next: H4 …"

    @property
    def top(self) -> Hypothesis | None:
        return next((h for h in self.hypotheses if h.status == "open"), None)


def rerank(
    hypotheses: Sequence[Hypothesis],
    feedback: Sequence[FeedbackLike],
    *,
    posted: frozenset[str] | set[str] = frozenset(),
    priors: Mapping[str, float] | None = None,
    bar: float = POST_BAR,
) -> Outcome:
    """Rank ``hypotheses`` (as first reported) under ``feedback`` (oldest first)."""
    touched = {f.hypothesis_id for f in feedback}
    original = [
        h.model_copy(update={"status": "open"}) if h.id in touched else h for h in hypotheses
    ]
    after = _ranked(original, feedback, priors)
    before = _ranked(original, feedback[:-1], priors) if feedback else after
    changes = _changes(before, after)
    confirmed = [h for h in after if h.status == "confirmed"]
    candidate = next(
        (h for h in after if h.status == "open" and h.id not in posted and h.confidence >= bar),
        None,
    )
    steps = tuple(dict.fromkeys(s for h in confirmed for s in h.next_steps))
    outcome = Outcome(tuple(after), changes, candidate, bool(confirmed), steps, "")
    return _with_message(outcome, feedback[-1] if feedback else None, bar)


def apply_priors(hypotheses: Sequence[Hypothesis], priors: Mapping[str, float]) -> list[Hypothesis]:
    """Hypotheses with their pattern's prior applied, re-ranked (before anything is posted)."""
    return list(rerank(hypotheses, [], priors=priors).hypotheses)


def latest(feedback: Sequence[FeedbackLike]) -> dict[str, FeedbackLike]:
    """The last verdict per hypothesis id."""
    return {f.hypothesis_id: f for f in feedback}


# --------------------------------------------------------------------------- patterns

_VARIABLE = re.compile(
    r"\b[0-9a-f]{8}-[0-9a-f-]{27,}\b"  # uuid
    r"|\b\d+(?:\.\d+)?\s?(?:ms|s|m|h|%)?(?![a-z])"  # numbers, durations, percents
    r"|\b[a-z]+-\d+\b"  # vm-21, VMS-112
    r"|\b0x[0-9a-f]+\b|\b[0-9a-f]{12,}\b",  # hex ids
    re.IGNORECASE,
)


def shape(text: str) -> str:
    """A title's shape: lower-case, variable parts as ``<*>``, whitespace collapsed."""
    masked = _VARIABLE.sub("<*>", text.lower())
    return " ".join(re.sub(r"[^\w<>*\s]", " ", masked).split())


def pattern_of(hypothesis: Hypothesis) -> str:
    """Identity of a hypothesis across cases: its kind plus its title's shape."""
    return f"{hypothesis.kind or 'hypothesis'}:{shape(hypothesis.title)}"


# --------------------------------------------------------------------------- internals


def _ranked(
    original: Sequence[Hypothesis],
    feedback: Sequence[FeedbackLike],
    priors: Mapping[str, float] | None,
) -> list[Hypothesis]:
    verdicts = latest(feedback)
    hyps = [_with_prior(h, priors) for h in original]
    hyps = [h.model_copy(update={"status": _status(h, verdicts)}) for h in hyps]
    rejected = [h for h in hyps if h.status == "rejected"]
    hyps = [_discounted(h, rejected) if h.status == "open" else h for h in hyps]
    order = {"confirmed": 0, "open": 1, "rejected": 2}
    hyps.sort(key=lambda h: (order[h.status], -h.confidence, h.rank))
    return [h.model_copy(update={"rank": i}) for i, h in enumerate(hyps, 1)]


def _status(h: Hypothesis, verdicts: Mapping[str, FeedbackLike]) -> str:
    verdict = verdicts.get(h.id)
    return verdict.status if verdict else h.status


def _with_prior(h: Hypothesis, priors: Mapping[str, float] | None) -> Hypothesis:
    factor = (priors or {}).get(pattern_of(h), 1.0)
    if factor >= 1.0 or h.status != "open":
        return h
    return h.model_copy(update={"confidence": round(h.confidence * max(factor, 0.0), 3)})


def _discounted(h: Hypothesis, rejected: Sequence[Hypothesis]) -> Hypothesis:
    """Lower ``h`` by the share of its support that rejected hypotheses rested on too:
    the engine's signals when both name them, else their cited lines."""
    if not rejected:
        return h
    own, basis = (set(h.signals), _signals) if h.signals else (_locators(h), _locators)
    if not own:
        return h
    shared = set().union(*(basis(r) for r in rejected)) & own
    if not shared:
        return h
    factor = 1.0 - SHARED_DISCOUNT * len(shared) / len(own)
    return h.model_copy(update={"confidence": round(h.confidence * factor, 3)})


def _signals(h: Hypothesis) -> set[str]:
    return set(h.signals)


def _locators(h: Hypothesis) -> set[str]:
    return {e.locator for e in h.evidence if e.role == "supports"}


def _changes(before: Sequence[Hypothesis], after: Sequence[Hypothesis]) -> tuple[Change, ...]:
    old = {h.id: h for h in before}
    changes = []
    for h in after:
        prev = old.get(h.id)
        if prev is None:
            continue
        if prev.status != h.status:
            changes.append(
                Change(h.id, prev.confidence, h.confidence, f"{prev.status} → {h.status}")
            )
        elif prev.confidence != h.confidence:
            why = "rests on what a rejected hypothesis explained"
            if h.confidence > prev.confidence:
                why = "no longer rests on a rejected hypothesis"
            changes.append(Change(h.id, prev.confidence, h.confidence, why))
    return tuple(changes)


def _with_message(outcome: Outcome, last: FeedbackLike | None, bar: float) -> Outcome:
    if last is None:
        return outcome
    who = last.user if last.user.startswith(("@", "<@")) else f"@{last.user}"
    head = f"{last.hypothesis_id} {_verb(last.status)} by {who}"
    reason = getattr(last, "reason", "")
    if reason:
        head += f" ({reason})"
    if last.status == "confirmed":
        tail = "case explained"
        if outcome.next_steps:
            tail += ". Next steps: " + "; ".join(outcome.next_steps)
    elif outcome.next is not None:
        tail = f"next: {outcome.next.id} {outcome.next.title} ({outcome.next.confidence:.2f})"
    elif outcome.top is not None:
        tail = f"top open: {outcome.top.id} {outcome.top.title} ({outcome.top.confidence:.2f})"
    else:
        tail = f"no open hypothesis clears {bar:.2f}; widen the window or add sources"
    discounted = [c.hypothesis_id for c in outcome.changes if c.after < c.before]
    discounted = [i for i in discounted if i != last.hypothesis_id]
    if discounted:
        tail += f" (lowered: {', '.join(discounted)})"
    message = f"{head} — {tail}"
    return Outcome(
        outcome.hypotheses,
        outcome.changes,
        outcome.next,
        outcome.explained,
        outcome.next_steps,
        message,
    )


def _verb(status: str) -> str:
    return {"confirmed": "confirmed", "rejected": "rejected", "open": "reopened"}[status]
