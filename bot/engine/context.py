"""Supporting context: notes, runbooks and tickets that tell the same story.

Passages are ranked by BM25 against the words of a hypothesis (its title, the
templates and identifiers it rests on). A passage must share several distinctive
words with the hypothesis, not just a source name, to be cited.

Tickets resolved before the incident are *precedents*: the best-matching one (ranked
against the hypothesis and the case's symptom) is named with the sentence of the
ticket or its comments that says how it was resolved ("seen before in VMS-112 …").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.engine.records import Passage
from bot.textsim import BM25, tokenize

MIN_SHARED_TERMS = 2
MIN_SCORE = 1.5
PER_HYPOTHESIS = 2
MAX_SENTENCE = 200

# How a ticket says what ended it: general remediation verbs, not any system's words.
_REMEDY = re.compile(
    r"\b(?:fix(?:ed|es)?|resolv(?:ed|es)|work-?around|mitigat\w*|root cause|rais(?:ed|ing)"
    r"|increas(?:ed|ing)|lower(?:ed|ing)|reduc(?:ed|ing)|revert(?:ed|ing)?|roll(?:ed)? ?back"
    r"|fail(?:ed)? ?over|restart(?:ed)?|patch(?:ed)?|upgrad(?:ed|ing)|renew(?:ed)?"
    r"|rotat(?:ed|ing)|scal(?:ed|ing) (?:up|out)|added|disabled|enabled)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")  # "0.5 s" and "v1.2" stay whole
_UNRESOLVED = {"", "unresolved", "none", "won't fix", "won't do", "duplicate", "cannot reproduce"}


@dataclass(frozen=True, slots=True)
class Precedent:
    """A past ticket like this story, and the passage that says how it was resolved."""

    ticket: Passage
    remedy: Passage  # the ticket itself or one of its comments
    sentence: str  # the remediation sentence, verbatim from ``remedy``

    def line(self) -> str:
        meta = self.ticket.meta
        when = (meta.get("resolved") or "")[:10]
        status = ", ".join(
            p for p in (meta.get("resolution", ""), when and f"resolved {when}") if p
        )
        return f"Seen before in {self.ticket.locator} ({status}): “{self.sentence}”"


class ContextIndex:
    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = list(passages)
        self._index = (
            BM25([f"{p.title} {p.text}" for p in self.passages]) if self.passages else None
        )
        self._terms = [set(tokenize(f"{p.title} {p.text}")) for p in self.passages]

    def matching(
        self, query: str, limit: int = PER_HYPOTHESIS, exclude: set[str] | None = None
    ) -> list[Passage]:
        return [self.passages[i] for i in self._ranked(query, limit, exclude)]

    def precedent(self, query: str, before: float) -> Precedent | None:
        """The best-matching ticket resolved before ``before`` that says how."""
        # BM25 scores are small when there are few passages: require shared words instead.
        for index in self._ranked(query, len(self.passages), min_score=0.0, min_shared=3):
            ticket = self.passages[index]
            if not _resolved_before(ticket, before):
                continue
            found = self._remedy(ticket)
            if found is not None:
                return Precedent(ticket, *found)
        return None

    def _ranked(
        self,
        query: str,
        limit: int,
        exclude: set[str] | None = None,
        *,
        min_score: float = MIN_SCORE,
        min_shared: int = MIN_SHARED_TERMS,
    ) -> list[int]:
        if self._index is None:
            return []
        terms = {t for t in tokenize(query) if len(t) >= 4 and not t.isdigit()}
        found = []
        for index, score in self._index.top(sorted(terms), k=limit * 3):
            passage = self.passages[index]
            shared = terms & self._terms[index]
            if score < min_score or len(shared) < min_shared:
                continue
            if exclude and passage.locator in exclude:
                continue
            found.append(index)
            if len(found) == limit:
                break
        return found

    def _remedy(self, ticket: Passage) -> tuple[Passage, str] | None:
        """The last remediation sentence among the ticket's comments, else its text."""
        comments = [p for p in self.passages if p.meta.get("issue") == ticket.locator]
        for passage in [*sorted(comments, key=lambda p: p.ts or 0.0, reverse=True), ticket]:
            body = passage.text.partition("\n\n")[2] if passage is ticket else passage.text
            sentence = _remedy_sentence(body)  # the ticket's head lines are fields, not prose
            if sentence:
                return passage, sentence
        return None


def _resolved_before(ticket: Passage, before: float) -> bool:
    if "resolution" not in ticket.meta or ticket.meta["resolution"].lower() in _UNRESOLVED:
        return False
    resolved = ticket.meta.get("resolved") or ""
    try:
        at = datetime.fromisoformat(resolved.replace("Z", "+00:00")).timestamp()
    except ValueError:
        at = ticket.ts  # no resolution date: the ticket must at least predate the incident
    return at is not None and at < before


def _remedy_sentence(text: str) -> str | None:
    for part in _SENTENCE_END.split(text):
        sentence = part.strip()
        if _REMEDY.search(sentence) and len(sentence.split()) >= 3:
            return sentence if len(sentence) <= MAX_SENTENCE else sentence[: MAX_SENTENCE - 1] + "…"
    return None
