"""Incident memory: confirmed hypotheses remembered per workspace, rejections as priors.

Keys (all under ``prefix``, all with the memory TTL; workspaces never share keys)::

    {prefix}memory:{workspace}:item:{id}         JSON of one Memory
    {prefix}memory:{workspace}:index             ZSET id -> confirmed_at
    {prefix}memory:{workspace}:prior:{digest}    HASH pattern, rejected, confirmed
    {prefix}memory:{workspace}:why:{digest}      LIST of rejection records (JSON, newest first)

``similar`` ranks a workspace's memories by BM25 (:mod:`bot.textsim`); ``prior`` turns
past rejections of a pattern (kind + title shape, :func:`bot.rerank.pattern_of`) into a
confidence multiplier for the same pattern in later cases.
"""

from __future__ import annotations

import builtins
import hashlib
import logging
import re
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from bot.errors import ScopeError
from bot.report import Evidence, Hypothesis
from bot.rerank import pattern_of, shape
from bot.textsim import BM25

logger = logging.getLogger(__name__)

PRIOR_STEP = 0.7  # each net rejection of a pattern multiplies its confidence by this
PRIOR_FLOOR = 0.25  # ... but never below this: memory nudges, it does not silence
MAX_EVIDENCE = 8
MAX_REASONS = 20


class Refused(ScopeError):
    """The user may not do this (e.g. forget a memory they did not confirm)."""


class EvidenceLine(BaseModel):
    source: str
    locator: str
    text: str


class Why(BaseModel):
    """The source-of-truth record of a verdict: the evidence it rested on and the reason."""

    hypothesis_id: str
    confidence: float
    reason: str = ""
    sources_correlated: list[str] = Field(default_factory=list)
    evidence: list[EvidenceLine] = Field(default_factory=list)


class Memory(BaseModel):
    id: str
    workspace: str
    case: str
    title: str
    summary: str
    kind: str
    pattern: str
    templates: list[str] = Field(default_factory=list)
    identifiers: list[str] = Field(default_factory=list)
    evidence: list[EvidenceLine] = Field(default_factory=list)
    confirmed_by: str
    confirmed_at: float
    thread: str | None = None
    why: Why

    def document(self) -> str:
        """What ``similar`` searches."""
        return " ".join([self.title, self.summary, self.kind, *self.templates, *self.identifiers])


class Rejection(BaseModel):
    case: str
    pattern: str
    user: str
    at: float
    why: Why


_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{3,}$")


def thread_link(channel: str, ts: str) -> str:
    """Permalink-shaped link to a Slack thread root."""
    return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"


def context_line(memory: Memory) -> str:
    """``Matches INC-4821 (confirmed 2026-02-10 by @ana): <title>.``"""
    day = datetime.fromtimestamp(memory.confirmed_at, UTC).date().isoformat()
    who = memory.confirmed_by
    if _SLACK_USER.match(who):
        who = f"<@{who}>"  # a Slack user id: Slack renders it as @name
    elif not who.startswith("@"):
        who = f"@{who}"
    title = memory.title.rstrip(".")
    return f"Matches {memory.case} (confirmed {day} by {who}): {title}."


class MemoryStore:
    """Incident memory in Redis; the connection is passed in."""

    def __init__(
        self, redis, prefix: str, ttl_days: int = 180, clock: Callable[[], float] = time.time
    ):
        self._redis = redis
        self._prefix = prefix
        self.ttl = int(ttl_days * 86400)
        self._clock = clock

    # ------------------------------------------------------------------ memories

    def remember(
        self,
        workspace: str,
        case: str,
        hypothesis: Hypothesis,
        *,
        user: str,
        reason: str = "",
        thread: str | None = None,
        at: float | None = None,
    ) -> Memory:
        """Store a confirmed hypothesis as a memory (and count the confirmation on its prior)."""
        memory = build_memory(
            workspace,
            case,
            hypothesis,
            user=user,
            reason=reason,
            thread=thread,
            at=self._clock() if at is None else at,
        )
        self.save(memory)
        self._count(workspace, memory.pattern, "confirmed")
        return memory

    def save(self, memory: Memory) -> None:
        pipe = self._redis.pipeline()
        pipe.set(self._item(memory.workspace, memory.id), memory.model_dump_json(), ex=self.ttl)
        pipe.zadd(self._index(memory.workspace), {memory.id: memory.confirmed_at})
        pipe.expire(self._index(memory.workspace), self.ttl)
        pipe.execute()

    def get(self, workspace: str, memory_id: str) -> Memory | None:
        raw = self._redis.get(self._item(workspace, memory_id))
        return Memory.model_validate_json(raw) if raw else None

    def list(self, workspace: str) -> builtins.list[Memory]:
        """The workspace's memories, newest first (expired ones are dropped from the index)."""
        ids = [_text(i) for i in self._redis.zrevrange(self._index(workspace), 0, -1)]
        if not ids:
            return []
        raws = self._redis.mget([self._item(workspace, i) for i in ids])
        gone = [i for i, raw in zip(ids, raws, strict=True) if raw is None]
        if gone:
            self._redis.zrem(self._index(workspace), *gone)
        return [Memory.model_validate_json(raw) for raw in raws if raw is not None]

    def similar(self, workspace: str, text: str, k: int = 3) -> builtins.list[tuple[Memory, float]]:
        """The ``k`` memories of ``workspace`` most similar to ``text`` (BM25, score > 0)."""
        memories = self.list(workspace)
        if not memories:
            return []
        index = BM25([m.document() for m in memories])
        return [(memories[i], round(score, 4)) for i, score in index.top(text, k)]

    def forget(self, workspace: str, memory_id: str, user: str, admins: Iterable[str] = ()) -> bool:
        """Delete a memory; only its confirmer or an admin may. False when there is none."""
        memory = self.get(workspace, memory_id)
        if memory is None:
            return False
        if (
            user != memory.confirmed_by.lstrip("@")
            and user != memory.confirmed_by
            and user not in set(admins)
        ):
            raise Refused(
                f"only {memory.confirmed_by} (who confirmed it) or an admin can forget "
                f"{memory_id} ({memory.case})"
            )
        self._redis.delete(self._item(workspace, memory_id))
        self._redis.zrem(self._index(workspace), memory_id)
        logger.info("memory %s of %s forgotten by %s", memory_id, workspace, user)
        return True

    # ------------------------------------------------------------------ priors

    def reject(
        self,
        workspace: str,
        case: str,
        hypothesis: Hypothesis,
        *,
        user: str,
        reason: str = "",
        at: float | None = None,
    ) -> Rejection:
        """Record a rejection: a negative prior on the hypothesis's pattern, with its why."""
        rejection = Rejection(
            case=case,
            pattern=pattern_of(hypothesis),
            user=user,
            at=self._clock() if at is None else at,
            why=why_of(hypothesis, reason),
        )
        self._count(workspace, rejection.pattern, "rejected")
        key = self._why(workspace, rejection.pattern)
        pipe = self._redis.pipeline()
        pipe.lpush(key, rejection.model_dump_json())
        pipe.ltrim(key, 0, MAX_REASONS - 1)
        pipe.expire(key, self.ttl)
        pipe.execute()
        return rejection

    def note_reason(self, workspace: str, pattern: str, user: str, reason: str) -> bool:
        """Attach ``reason`` to ``user``'s latest rejection of ``pattern`` that has none."""
        key = self._why(workspace, pattern)
        for index, raw in enumerate(self._redis.lrange(key, 0, -1)):
            rejection = Rejection.model_validate_json(raw)
            if rejection.user == user and not rejection.why.reason:
                rejection.why.reason = reason
                self._redis.lset(key, index, rejection.model_dump_json())
                return True
        return False

    def prior(self, workspace: str, pattern: str) -> float:
        """Confidence multiplier for ``pattern``: 1.0 unless rejected more than confirmed."""
        raw = self._redis.hmget(self._prior(workspace, pattern), ["rejected", "confirmed"])
        rejected, confirmed = (int(v or 0) for v in raw)
        net = max(0, rejected - confirmed)
        return max(PRIOR_FLOOR, PRIOR_STEP**net) if net else 1.0

    def priors_for(self, workspace: str, hypotheses: Sequence[Hypothesis]) -> dict[str, float]:
        """``pattern -> multiplier`` for :func:`bot.rerank.rerank` / ``apply_priors``."""
        return {p: self.prior(workspace, p) for p in {pattern_of(h) for h in hypotheses}}

    def rejections(self, workspace: str, pattern: str) -> builtins.list[Rejection]:
        raws = self._redis.lrange(self._why(workspace, pattern), 0, -1)
        return [Rejection.model_validate_json(raw) for raw in raws]

    # ------------------------------------------------------------------ keys

    def _count(self, workspace: str, pattern: str, field: str) -> None:
        key = self._prior(workspace, pattern)
        pipe = self._redis.pipeline()
        pipe.hset(key, "pattern", pattern)
        pipe.hincrby(key, field, 1)
        pipe.expire(key, self.ttl)
        pipe.execute()

    def _base(self, workspace: str) -> str:
        if not workspace or ":" in workspace:
            raise ValueError(f"bad workspace id {workspace!r}")
        return f"{self._prefix}memory:{workspace}:"

    def _item(self, workspace: str, memory_id: str) -> str:
        return f"{self._base(workspace)}item:{memory_id}"

    def _index(self, workspace: str) -> str:
        return f"{self._base(workspace)}index"

    def _prior(self, workspace: str, pattern: str) -> str:
        return f"{self._base(workspace)}prior:{_digest(pattern)}"

    def _why(self, workspace: str, pattern: str) -> str:
        return f"{self._base(workspace)}why:{_digest(pattern)}"


# --------------------------------------------------------------------------- feedback hook


def memory_hook(
    store: MemoryStore, workspace_of: Callable[[Any], str]
) -> Callable[[Any, Any], None]:
    """A ``bot.feedback.FeedbackHook``: confirmations become memories, rejections priors.

    ``workspace_of(session)`` gives the Slack team id. Reopening a confirmed hypothesis
    forgets the memory it made (as its confirmer). Duck-typed on the session
    (``case``, ``channel``, ``thread_ts``, ``tracked(id).hypothesis``) and the event
    (``hypothesis_id``, ``previous``, ``status``, ``user``, ``at``).
    """

    def hook(session: Any, event: Any) -> None:
        tracked = session.tracked(event.hypothesis_id)
        if tracked is None:
            return
        workspace, hypothesis = workspace_of(session), tracked.hypothesis
        if event.status == "confirmed":
            link = thread_link(session.channel, session.thread_ts)
            store.remember(
                workspace, session.case, hypothesis, user=event.user, thread=link, at=event.at
            )
        elif event.status == "rejected":
            store.reject(workspace, session.case, hypothesis, user=event.user, at=event.at)
        elif event.previous == "confirmed":
            for memory in store.list(workspace):
                if memory.case == session.case and memory.why.hypothesis_id == hypothesis.id:
                    store.forget(workspace, memory.id, memory.confirmed_by)

    return hook


# --------------------------------------------------------------------------- building


def build_memory(
    workspace: str,
    case: str,
    hypothesis: Hypothesis,
    *,
    user: str,
    reason: str = "",
    thread: str | None = None,
    at: float,
) -> Memory:
    lines = _evidence_lines(hypothesis.evidence)
    return Memory(
        id=f"M{secrets.token_hex(4)}",
        workspace=workspace,
        case=case,
        title=hypothesis.title,
        summary=hypothesis.summary,
        kind=hypothesis.kind,
        pattern=pattern_of(hypothesis),
        templates=templates_of(hypothesis.evidence),
        identifiers=identifiers_of(hypothesis.evidence),
        evidence=lines,
        confirmed_by=user,
        confirmed_at=at,
        thread=thread,
        why=why_of(hypothesis, reason),
    )


def why_of(hypothesis: Hypothesis, reason: str = "") -> Why:
    return Why(
        hypothesis_id=hypothesis.id,
        confidence=hypothesis.confidence,
        reason=reason,
        sources_correlated=list(hypothesis.sources_correlated),
        evidence=_evidence_lines(hypothesis.evidence),
    )


def templates_of(evidence: Iterable[Evidence]) -> builtins.list[str]:
    """Distinct masked shapes of the cited lines (first line of each record)."""
    masked = (_mask(e.text.splitlines()[0] if e.text else "") for e in evidence)
    return [t for t in dict.fromkeys(masked) if t]


_IDENT = re.compile(r"\b([A-Za-z][A-Za-z_]*)[-_](\d+)\b")
_KEYED = re.compile(r"\b([A-Za-z_]+)[=:]\s?([0-9a-fA-F-]{6,})\b")


def identifiers_of(evidence: Iterable[Evidence]) -> builtins.list[str]:
    """Identifier families in the cited lines: ``vm-<n>``, ``session=<id>``."""
    found: dict[str, None] = {}
    for e in evidence:
        for m in _IDENT.finditer(e.text):
            found[f"{m.group(1).lower()}-<n>"] = None
        for m in _KEYED.finditer(e.text):
            if re.search(r"\d", m.group(2)):
                found[f"{m.group(1).lower()}=<id>"] = None
    return builtins.list(found)


def _evidence_lines(evidence: Sequence[Evidence]) -> builtins.list[EvidenceLine]:
    return [
        EvidenceLine(source=e.source, locator=e.locator, text=e.text)
        for e in evidence[:MAX_EVIDENCE]
    ]


_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?")


def _local_mask(text: str) -> str:
    return shape(_STAMP.sub(" ", text))


def _mask(text: str) -> str:
    try:
        from bot.engine.masking import mask
    except ImportError:  # the engine's masker is optional here
        return _local_mask(text)
    return mask(text)


def _digest(pattern: str) -> str:
    return hashlib.sha1(pattern.encode()).hexdigest()[:16]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
