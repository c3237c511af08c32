"""Precursors: what changed or went wrong just before a story, in words it shares.

A story's own words (its template and first records) are matched by BM25 against the
templates of every source. A candidate must come *before* the story: a template new
in the window (or a change, or an INFO template whose volume jumped) that starts in
the minutes before, or an error logged earlier, even in the baseline, that shares
several distinctive words (a renewal that failed yesterday, a lock wait before the
lock timeouts). Generic log words ("error", "failed", "request") do not count.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from bot.engine.classify import WARN
from bot.engine.model import Signal
from bot.engine.observations import Observations
from bot.textsim import BM25, tokenize

if TYPE_CHECKING:
    from bot.engine.stories import Story

CLOSE = 120.0  # this close: a change, a shared word or the same source is enough
NEAR = 900.0  # up to 15 min before: two shared words
FAR = 1800.0  # up to 30 min before: a shared word in a source the story involves
PER_STORY = 3
FLAGGED = 1.5  # weight of a new one-off line that reads as a warning
SLACK = 5.0  # stamps from different machines are not perfectly ordered (stories.CAUSE_SLACK)
CANDIDATE_KINDS = {
    "new_info",
    "change",
    "volume",
    "load",
    "earlier_error",
    "new_template",
    "burst",
    "exhaustion",
    "metric",
    "latency",
    "latency_limit",
}
GENERIC = frozenset(
    [
        "error",
        "errors",
        "failed",
        "failure",
        "fail",
        "fails",
        "warn",
        "warning",
        "info",
        "debug",
        "notice",
        "exception",
        "exceptions",
        "request",
        "requests",
        "response",
        "responses",
        "could",
        "cannot",
        "unable",
        "with",
        "from",
        "that",
        "this",
        "while",
        "after",
        "before",
        "into",
        "will",
        "have",
        "been",
        "http",
        "https",
        "true",
        "false",
        "null",
        "none",
        "value",
        "status",
        "code",
        "message",
        "timeout",
        "timed",
        "time",
        "retry",
        "retrying",
        "attempt",
        "attempts",
        "connection",
        "client",
        "server",
        "service",
        "process",
        "thread",
        "main",
        "level",
        "logger",
        "host",
        "port",
        "user",
        "data",
        "result",
        "results",
        "returned",
        "return",
        "call",
        "called",
        "calling",
        "unknown",
        "internal",
        "example",
        "local",
        "default",
    ]
)


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


# Resource families: words that name the same resource in different components' logs
# (a GC log says "Pause Full", the kernel says "out of memory"). General operations
# vocabulary; a shared family counts like two shared words.
FAMILIES: dict[str, frozenset[str]] = {
    "@memory": frozenset(
        {
            "memory",
            "heap",
            "oom",
            "gc",
            "rss",
            "swap",
            "allocation",
            "allocate",
            "garbage",
            "metaspace",
        }
    ),
    "@disk": frozenset(
        {"disk", "space", "volume", "filesystem", "inode", "inodes", "mount", "enospc"}
    ),
    "@tls": frozenset({"certificate", "cert", "tls", "ssl", "x509", "handshake"}),
    "@dns": frozenset(
        {"dns", "resolve", "resolution", "resolver", "nxdomain", "lookup", "servfail"}
    ),
    "@lock": frozenset({"lock", "locks", "deadlock", "locked", "waiting"}),
    "@pool": frozenset({"pool", "slots", "clients", "max_connections", "hikari", "hikaripool"}),
}
_FAMILY_OF = {word: family for family, words in FAMILIES.items() for word in words}


def distinctive(text: str) -> set[str]:
    """Words that can tie two messages together: no generic log words, no numbers;
    ``AccessExclusiveLock`` also yields ``access``, ``exclusive`` and ``lock``, and a
    resource word adds its family (``gc`` -> ``@memory``)."""
    words = tokenize(_CAMEL.sub(" ", text)) + tokenize(text)
    found = {
        t for t in words if len(t) >= 4 and t not in GENERIC and not any(c.isdigit() for c in t)
    }
    found |= {_FAMILY_OF[t] for t in words if t in _FAMILY_OF}
    return found


class PrecursorIndex:
    def __init__(self, obs: Observations, signals: list[Signal]) -> None:
        self.obs = obs
        self.candidates = [s for s in signals if s.kind in CANDIDATE_KINDS and s.onset is not None]
        self._words = [distinctive(_text(s)) for s in self.candidates]
        self._changes = [s for s in self.candidates if s.kind == "change"]
        self._bm25 = BM25([sorted(w) for w in self._words]) if self.candidates else None
        df: dict[str, int] = {}
        for words in self._words:
            for word in words:
                df[word] = df.get(word, 0) + 1
        total = max(1, len(self._words))
        self._idf = {w: math.log(1 + total / n) for w, n in df.items()}

    def before(self, story: Story) -> list[Signal]:
        onset = story.onset
        if self._bm25 is None or onset is None:
            return []
        words = set()
        for signal in story.signals:
            words |= distinctive(_text(signal))
        present = {id(s) for s in story.signals} | {s.detail.get("origin") for s in story.signals}
        scored = []
        for index, score in self._bm25.top(sorted(words), k=20):
            candidate = self.candidates[index]
            if id(candidate) in present or candidate.onset is None or _successes(candidate):
                continue
            shared = words & self._words[index]
            if self._accept(story, candidate, onset, shared):
                if candidate.kind == "new_info" and (candidate.detail.get("severity") or 0) >= WARN:
                    score *= FLAGGED  # a new line whose own words warn ("no rate limit")
                scored.append((score, (onset - candidate.onset, 0), candidate))
        seen = {id(c) for _, _, c in scored}
        # a change just before, in the story's own log, shares no words with it (a reload)
        for candidate in self._changes:
            if id(candidate) in present or id(candidate) in seen:
                continue
            lead = onset - (candidate.onset or onset)
            if 0 < lead <= CLOSE and candidate.sources[0] in story.primary.sources:
                # the first of a burst of changes (a reload's signal, then its workers
                # exiting), by line when the stamps tie
                line = candidate.records[0].line if candidate.records else 0
                scored.append((0.0, (-lead, line), candidate))
        scored.sort(key=lambda x: (-x[0], x[1]))
        return [c.seen_as("precursor") for _, _, c in scored[:PER_STORY]]

    def _accept(self, story: Story, candidate: Signal, onset: float, shared: set[str]) -> bool:
        lead = onset - (candidate.onset or onset)
        if lead <= 0:
            return False
        if (
            lead <= SLACK
            and candidate.kind != "change"
            and candidate.sources[0] not in story.primary.sources
        ):
            return False  # another machine's stamp this close is not reliably *before*
        weight = sum(self._idf.get(w, 0.0) for w in shared)
        if candidate.kind == "earlier_error":
            return len(shared) >= 2 and weight >= 2.0
        involved = candidate.sources[0] in story.sources
        strength = len(shared) + sum(1 for w in shared if w.startswith("@"))
        if lead <= CLOSE:
            return bool(shared) or involved or candidate.kind == "change"
        if lead <= NEAR and strength >= 2:
            return True
        return lead <= FAR and involved and bool(shared)


_SUCCESS_STATUS = re.compile(r"\[HTTP [23]xx\]$")  # the status variant of a template


def _successes(signal: Signal) -> bool:
    """More successful responses are load (the load signal says so), not a precursor."""
    return signal.kind == "volume" and bool(
        _SUCCESS_STATUS.search(str(signal.detail.get("template", "")))
    )


def _text(signal: Signal) -> str:
    first = getattr(signal.records[0], "message", signal.records[0].text) if signal.records else ""
    return f"{signal.detail.get('template', signal.title)} {first}"
