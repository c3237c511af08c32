"""Supporting context: notes, runbooks and tickets that tell the same story.

Passages are ranked by BM25 against the words of a hypothesis (its title, the
templates and identifiers it rests on). A passage must share several distinctive
words with the hypothesis, not just a source name, to be cited.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine.records import Passage
from bot.textsim import BM25, tokenize

MIN_SHARED_TERMS = 2
MIN_SCORE = 1.5
PER_HYPOTHESIS = 2


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
        if self._index is None:
            return []
        terms = {t for t in tokenize(query) if len(t) >= 4 and not t.isdigit()}
        found = []
        for index, score in self._index.top(sorted(terms), k=limit * 3):
            passage = self.passages[index]
            shared = terms & self._terms[index]
            if score < MIN_SCORE or len(shared) < MIN_SHARED_TERMS:
                continue
            if exclude and passage.locator in exclude:
                continue
            found.append(passage)
            if len(found) == limit:
                break
        return found
