"""Investigation sessions in Redis: one per Slack thread, pydantic models stored as JSON.

Keys (``prefix`` is ``settings.key_prefix``):

- ``{prefix}session:{channel}:{thread_ts}`` -> the :class:`Session` JSON, with a TTL
- ``{prefix}msg:{channel}:{ts}``            -> the session key of the thread that message is in

Every change goes through :meth:`SessionStore.update`, an optimistic WATCH/MULTI loop, so
concurrent writers (two reactions, a job and a button) never lose each other's changes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Literal, TypeVar

import redis
from pydantic import BaseModel, Field

from bot.errors import LogIQError
from bot.report import Hypothesis, SourceOut, Status

logger = logging.getLogger(__name__)

T = TypeVar("T")
State = Literal["queued", "investigating", "posting", "done", "failed"]
AuditKind = Literal[
    "query", "post", "question", "answer", "feedback", "error", "job", "memory", "action", "llm"
]
_MAX_AUDIT = 2000
_MAX_ATTEMPTS = 50


class Tracked(BaseModel):
    """A hypothesis of this thread, its Slack message and the feedback on it."""

    hypothesis: Hypothesis
    ts: str | None = None  # the thread message showing it, once posted
    status: Status = "open"
    set_by: str | None = None
    set_at: float | None = None
    score: float | None = None  # confidence after re-ranking on feedback (None: as reported)
    held: bool = False  # not posted yet: a candidate for when a posted one is rejected
    memory: str = ""  # "Matches INC-4821 (confirmed ... by @ana): ..." from incident memory
    prior: float = 1.0  # multiplier from past rejections of the same pattern

    @property
    def confidence(self) -> float:
        return self.hypothesis.confidence if self.score is None else self.score

    @property
    def id(self) -> str:
        return self.hypothesis.id


class AuditEntry(BaseModel):
    at: float
    kind: AuditKind
    detail: dict[str, Any] = Field(default_factory=dict)


class FeedbackEntry(BaseModel):
    """One human verdict, oldest first (the history re-ranking and memory read)."""

    hypothesis_id: str
    status: Status
    user: str
    at: float
    reason: str = ""  # the rejecter's reply in the thread, when they gave one


class Session(BaseModel):
    """Everything the bot knows about one investigation thread."""

    channel: str
    thread_ts: str
    user: str
    team: str = ""  # Slack workspace id: incident memory never crosses workspaces
    manifest_name: str
    manifest_path: str
    case: str
    title: str = ""
    symptom: str = ""
    window_start: str  # ISO 8601, after --since/--from/--to overrides
    window_end: str
    timezone: str = "UTC"
    sources: list[str] = Field(default_factory=list)
    state: State = "queued"
    progress: str = "queued"
    job_id: str | None = None
    hypotheses: list[Tracked] = Field(default_factory=list)
    investigated: bool = False  # hypotheses are final (a retried job re-uses them)
    notices: list[str] = Field(default_factory=list)
    notices_posted: bool = False
    chart_posted: bool = False
    report_sources: list[SourceOut] = Field(default_factory=list)
    followed_up: list[int] = Field(default_factory=list)  # feedback entries handled
    messages: dict[str, str] = Field(default_factory=dict)  # message ts -> hypothesis id
    feedback: list[FeedbackEntry] = Field(default_factory=list)
    audit: list[AuditEntry] = Field(default_factory=list)
    created_at: float = Field(default_factory=time.time)

    def tracked(self, hypothesis_id: str) -> Tracked | None:
        return next((t for t in self.hypotheses if t.id == hypothesis_id), None)

    def log(self, kind: AuditKind, /, **detail: Any) -> None:
        self.audit.append(AuditEntry(at=time.time(), kind=kind, detail=detail))
        del self.audit[:-_MAX_AUDIT]


class SessionStore:
    """Sessions under ``prefix`` with a sliding TTL of ``ttl`` seconds."""

    def __init__(self, client: redis.Redis, *, prefix: str, ttl: int) -> None:
        self._redis = client
        self._prefix = prefix
        self._ttl = ttl

    def key(self, channel: str, thread_ts: str) -> str:
        return f"{self._prefix}session:{channel}:{thread_ts}"

    def _chart_key(self, channel: str, thread_ts: str) -> str:
        return f"{self._prefix}chart:{channel}:{thread_ts}"

    def put_chart(self, channel: str, thread_ts: str, png: bytes) -> None:
        """The thread's timeline picture, kept until it is posted (a retried job finds it)."""
        self._redis.set(self._chart_key(channel, thread_ts), png, ex=self._ttl)

    def chart(self, channel: str, thread_ts: str) -> bytes | None:
        data = self._redis.get(self._chart_key(channel, thread_ts))
        return data if isinstance(data, bytes) else None

    def drop_chart(self, channel: str, thread_ts: str) -> None:
        self._redis.delete(self._chart_key(channel, thread_ts))

    def _msg_key(self, channel: str, ts: str) -> str:
        return f"{self._prefix}msg:{channel}:{ts}"

    def create(self, session: Session) -> None:
        key = self.key(session.channel, session.thread_ts)
        with self._redis.pipeline() as pipe:
            pipe.set(key, session.model_dump_json(), ex=self._ttl)
            pipe.set(self._msg_key(session.channel, session.thread_ts), key, ex=self._ttl)
            pipe.set(self._latest_key(session.channel), key, ex=self._ttl)
            pipe.execute()

    def _latest_key(self, channel: str) -> str:
        return f"{self._prefix}latest:{channel}"

    def latest(self, channel: str) -> Session | None:
        """The most recent investigation started in ``channel`` (for channel-level commands)."""
        key = self._redis.get(self._latest_key(channel))
        return self._load(self._redis.get(key)) if key else None

    def get(self, channel: str, thread_ts: str) -> Session | None:
        return self._load(self._redis.get(self.key(channel, thread_ts)))

    def find_by_message(self, channel: str, ts: str) -> Session | None:
        """The session of the thread containing message ``ts`` (root or bot reply)."""
        key = self._redis.get(self._msg_key(channel, ts))
        return self._load(self._redis.get(key)) if key else None

    def index_message(self, channel: str, ts: str, thread_ts: str) -> None:
        self._redis.set(self._msg_key(channel, ts), self.key(channel, thread_ts), ex=self._ttl)

    def update(
        self, channel: str, thread_ts: str, change: Callable[[Session], T]
    ) -> tuple[Session, T]:
        """Apply ``change`` to the stored session atomically; returns (session, result).

        ``change`` may run more than once (on contention) and must only touch the session.
        Raises KeyError when the session does not exist (expired or never created).
        """
        key = self.key(channel, thread_ts)
        for _ in range(_MAX_ATTEMPTS):
            with self._redis.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    session = self._load(pipe.get(key))
                    if session is None:
                        raise KeyError(key)
                    result = change(session)
                    pipe.multi()
                    pipe.set(key, session.model_dump_json(), ex=self._ttl)
                    pipe.execute()
                    return session, result
                except redis.WatchError:
                    logger.debug("session %s changed concurrently; retrying", key)
        raise LogIQError(f"session {key}: too much contention; try again")

    @staticmethod
    def _load(raw: bytes | str | None) -> Session | None:
        return None if raw is None else Session.model_validate_json(raw)
