"""BM25 text similarity: pure, dependency-free, reusable.

Used by incident memory (``similar``) and by the engine to rank tickets and documents
against a symptom. Okapi BM25 with the usual ``k1``/``b``; IDF is the non-negative
variant ``log(1 + (N - n + 0.5) / (n + 0.5))`` so that a term present in every document
still counts a little instead of going negative.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

_TOKEN = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "will",
        "with",
        "after",
        "before",
    ]
)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens without stop words; ``vm-21`` also yields ``vm`` and ``21``."""
    tokens: list[str] = []
    for match in _TOKEN.finditer(text.lower()):
        word = match.group()
        if word in _STOP:
            continue
        tokens.append(word)
        if "-" in word or "_" in word:
            tokens.extend(p for p in re.split(r"[-_]", word) if p and p not in _STOP)
    return tokens


@dataclass(slots=True)
class BM25:
    """An index over a fixed list of documents (strings or token lists)."""

    documents: Sequence[str | Sequence[str]]
    k1: float = 1.5
    b: float = 0.75
    _terms: list[Counter[str]] = field(init=False, repr=False)
    _lengths: list[int] = field(init=False, repr=False)
    _df: Counter[str] = field(init=False, repr=False)
    _avg: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._terms = [Counter(_tokens(doc)) for doc in self.documents]
        self._lengths = [sum(c.values()) for c in self._terms]
        self._df = Counter(term for c in self._terms for term in c)
        self._avg = (sum(self._lengths) / len(self._lengths)) if self._lengths else 0.0

    def __len__(self) -> int:
        return len(self._terms)

    def idf(self, term: str) -> float:
        n = self._df.get(term, 0)
        return math.log(1.0 + (len(self._terms) - n + 0.5) / (n + 0.5))

    def scores(self, query: str | Sequence[str]) -> list[float]:
        """One score per document, in document order (0.0 when nothing matches)."""
        terms = set(_tokens(query))
        return [self._score(i, terms) for i in range(len(self._terms))]

    def top(self, query: str | Sequence[str], k: int = 3) -> list[tuple[int, float]]:
        """``(document index, score)`` of the ``k`` best documents with a positive score."""
        ranked = sorted(enumerate(self.scores(query)), key=lambda p: (-p[1], p[0]))
        return [(i, s) for i, s in ranked[:k] if s > 0.0]

    def _score(self, index: int, terms: Iterable[str]) -> float:
        counts = self._terms[index]
        norm = self.k1 * (1 - self.b + self.b * self._lengths[index] / (self._avg or 1.0))
        total = 0.0
        for term in terms:
            tf = counts.get(term, 0)
            if tf:
                total += self.idf(term) * tf * (self.k1 + 1) / (tf + norm)
        return total


def _tokens(doc: str | Sequence[str]) -> list[str]:
    return tokenize(doc) if isinstance(doc, str) else list(doc)


def similarity(query: str, documents: Sequence[str], k: int = 3) -> list[tuple[int, float]]:
    """Shortcut: the ``k`` documents most similar to ``query`` by BM25."""
    return BM25(documents).top(query, k)
