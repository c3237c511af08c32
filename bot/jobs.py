"""RQ job functions: run an investigation into its thread; answer a thread question.

Jobs take only ids (channel, thread ts); everything else is in the Session. The
worker binds a :class:`Runtime` (settings, Redis, Slack client...) once with
:func:`bind`; a job run by a plain ``rq worker`` builds one from the environment.

An investigation job is safe to run again (after a worker crash, or a manual requeue):
the hypotheses are stored once computed, and each posted message is recorded, so a
retry continues where the last run stopped instead of posting duplicates. Whatever
fails is said in the thread before the job fails.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import redis as redis_lib
from slack_sdk import WebClient

from bot.answers import Answerer, LookupAnswerer, session_manifest
from bot.scope import check_scope
from bot.session import Session, SessionStore, Tracked
from bot.settings import Settings
from bot.slack import blocks
from bot.slack.board import refresh_board
from bot.slack.client import build_client
from bot.slack.poster import Pacer, Poster
from connectors import Context

if TYPE_CHECKING:
    from bot.investigate import Investigation

logger = logging.getLogger(__name__)

InvestigateFn = Callable[..., "Investigation"]
PROGRESS_EVERY = 3.0  # seconds between progress edits of the root (chat.update is Tier 3)


@dataclass
class Runtime:
    settings: Settings
    redis: redis_lib.Redis
    store: SessionStore
    poster: Poster
    answerer: Answerer
    env: Mapping[str, str] = field(default_factory=dict)
    investigate: InvestigateFn | None = None  # default: bot.investigate.investigate
    progress_every: float = PROGRESS_EVERY


def build_runtime(
    settings: Settings,
    *,
    redis: redis_lib.Redis | None = None,
    client: WebClient | None = None,
    env: Mapping[str, str] | None = None,
    answerer: Answerer | None = None,
) -> Runtime:
    redis = redis or redis_lib.Redis.from_url(settings.redis_url)
    client = client or build_client(settings)
    env = dict(env or {})
    return Runtime(
        settings=settings,
        redis=redis,
        store=SessionStore(redis, prefix=settings.key_prefix, ttl=settings.session_ttl),
        poster=Poster(
            client, Pacer(redis, prefix=settings.key_prefix, interval=settings.slack_pace)
        ),
        answerer=answerer or LookupAnswerer(_case_lookup(settings, env)),
        env=env,
    )


def _case_lookup(settings: Settings, env: Mapping[str, str]) -> Callable[[Any], Any]:
    def build(manifest: Any) -> Any:
        from bot.lookup import CaseLookup  # the lead's module; imported when first needed

        return CaseLookup(manifest, Context(env=env, max_records=settings.max_records_per_source))

    return build


_bound: Runtime | None = None


def bind(runtime: Runtime | None) -> None:
    """Set the runtime the job functions use in this process (the worker calls it)."""
    global _bound
    _bound = runtime


def current() -> Runtime:
    if _bound is None:  # a plain `rq worker bot.jobs...`: configure from the environment
        bind(build_runtime(Settings(), env=os.environ))
    assert _bound is not None
    return _bound


# --------------------------------------------------------------------------- job functions


def investigate_thread(channel: str, thread_ts: str) -> str:
    return InvestigationJob(current(), channel, thread_ts).run()


def answer_thread(channel: str, thread_ts: str, question: str, user: str, ts: str) -> str:
    return AnswerJob(current(), channel, thread_ts).run(question, user, ts)


# --------------------------------------------------------------------------- investigation


class InvestigationJob:
    def __init__(self, runtime: Runtime, channel: str, thread_ts: str) -> None:
        self.rt, self.channel, self.thread_ts = runtime, channel, thread_ts
        self.step = "loading the session"
        self._last_progress = 0.0

    def run(self) -> str:
        session = self.rt.store.get(self.channel, self.thread_ts)
        if session is None:
            logger.warning("no session for %s/%s (expired?)", self.channel, self.thread_ts)
            return "no-session"
        if session.state == "done":
            return "already-done"
        try:
            if not session.investigated:
                session = self._investigate(session)
            self._post_notices(session)
            self._post_hypotheses()
            self._finish()
        except Exception as exc:
            self._fail(exc)
            raise
        return "done"

    def _update(self, change: Callable[[Session], Any]) -> Session:
        return self.rt.store.update(self.channel, self.thread_ts, change)[0]

    def _investigate(self, session: Session) -> Session:
        self.step = "loading the manifest"
        session = self._update(
            lambda s: _set(s, state="investigating", progress="reading sources…")
        )
        refresh_board(self.rt.poster, session)
        manifest = session_manifest(session)
        settings = self.rt.settings
        check_scope(
            manifest,
            roots=settings.allowed_roots or [settings.manifest_dir],
            hosts=settings.allowed_hosts,
        )
        self.step = "reading and correlating the sources"
        started = time.monotonic()
        context = Context(env=self.rt.env, max_records=settings.max_records_per_source)
        result = _investigate_fn(self.rt)(manifest, context=context, progress=self._progress)
        took = time.monotonic() - started
        return self._update(lambda s: _store_result(s, result, took))

    def _progress(self, source: str, count: int) -> None:
        now = time.monotonic()
        if now - self._last_progress < self.rt.progress_every:
            return
        self._last_progress = now
        try:
            session = self._update(
                lambda s: _set(s, progress=f"reading {source}: {count:,} records")
            )
            refresh_board(self.rt.poster, session)
        except Exception:  # progress is cosmetic: never fail the investigation for it
            logger.exception("progress update failed")

    def _post_notices(self, session: Session) -> None:
        if session.notices_posted or (session.hypotheses and not session.notices):
            return
        self.step = "posting source notices"
        notices = session.notices or ["no hypothesis has enough evidence in this window"]
        text = (
            blocks.notices_text(notices)
            if session.hypotheses
            else ("No hypothesis has enough evidence.\n" + "\n".join(f"• {n}" for n in notices))
        )
        ts = self.rt.poster.post(self.channel, text, thread_ts=self.thread_ts)
        self._update(lambda s: _mark(s, notices_posted=True, ts=ts, what="notices"))

    def _post_hypotheses(self) -> None:
        session = self.rt.store.get(self.channel, self.thread_ts)
        assert session is not None
        for tracked in session.hypotheses:
            if tracked.ts:
                continue  # posted by an earlier run of this job
            self.step = f"posting {tracked.id}"
            ts = self.rt.poster.post(
                self.channel,
                blocks.hypothesis_text(tracked),
                thread_ts=self.thread_ts,
                blocks=blocks.hypothesis_blocks(tracked),
            )
            self.rt.store.index_message(self.channel, ts, self.thread_ts)
            self._update(partial(_posted, hypothesis_id=tracked.id, ts=ts))

    def _finish(self) -> None:
        self.step = "updating the hypothesis board"
        session = self._update(lambda s: _set(s, state="done"))
        refresh_board(self.rt.poster, session)

    def _fail(self, exc: Exception) -> None:
        logger.exception(
            "investigation %s/%s failed while %s", self.channel, self.thread_ts, self.step
        )
        message = f"⚠️ The investigation failed while {self.step}: {type(exc).__name__}: {exc}"
        try:
            self.rt.poster.post(self.channel, message, thread_ts=self.thread_ts)
            session = self._update(
                lambda s: _set(
                    s,
                    state="failed",
                    progress=message[:300],
                    audit=("error", {"step": self.step, "error": str(exc)}),
                )
            )
            refresh_board(self.rt.poster, session)
        except Exception:
            logger.exception("could not report the failure in the thread")


def _investigate_fn(runtime: Runtime) -> InvestigateFn:
    if runtime.investigate is not None:
        return runtime.investigate
    from bot.investigate import investigate  # the engine loads in the worker only

    return investigate


def _set(session: Session, audit: tuple[str, dict[str, Any]] | None = None, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(session, name, value)
    if audit:
        session.log(audit[0], **audit[1])  # type: ignore[arg-type]


def _mark(session: Session, *, notices_posted: bool, ts: str, what: str) -> None:
    session.notices_posted = notices_posted
    session.log("post", ts=ts, what=what)


def _posted(session: Session, hypothesis_id: str, ts: str) -> None:
    tracked = session.tracked(hypothesis_id)
    if tracked is not None:
        tracked.ts = ts
        session.messages[ts] = hypothesis_id
    session.log("post", ts=ts, what=hypothesis_id)


def _store_result(session: Session, result: Investigation, took: float) -> None:
    report = result.report
    session.hypotheses = [Tracked(hypothesis=h) for h in report.hypotheses]
    session.notices = list(report.notices)
    session.investigated = True
    session.state = "posting"
    records = sum(s.records for s in report.sources)
    session.progress = (
        f"{len(report.hypotheses)} hypotheses from {records:,} records "
        f"in {len(report.sources)} sources ({took:.1f}s)"
    )
    for stats in result.stats:
        for q in stats.queries:
            session.log(
                "query",
                source=q.source,
                query=q.query,
                window=q.window,
                count=q.count,
                duration_ms=q.duration_ms,
                status=q.status,
            )
        if stats.error:
            session.log("error", source=stats.name, error=stats.error)


# --------------------------------------------------------------------------- answers


class AnswerJob:
    def __init__(self, runtime: Runtime, channel: str, thread_ts: str) -> None:
        self.rt, self.channel, self.thread_ts = runtime, channel, thread_ts

    def run(self, question: str, user: str, ts: str) -> str:
        try:
            session = self.rt.store.update(
                self.channel,
                self.thread_ts,
                lambda s: s.log("question", user=user, ts=ts, text=question),
            )[0]
        except KeyError:
            return "no-session"
        try:
            answer = self.rt.answerer.answer(session, question)
            text = answer.text
            extra = (
                blocks.cited_answer_blocks(answer.text, answer.lines()) if answer.records else None
            )
        except Exception as exc:
            logger.exception("answering %r failed", question)
            text, extra = f"⚠️ I could not answer that: {type(exc).__name__}: {exc}", None
        posted = self.rt.poster.post(self.channel, text, thread_ts=self.thread_ts, blocks=extra)
        self.rt.store.update(
            self.channel,
            self.thread_ts,
            lambda s: s.log("answer", ts=posted, question_ts=ts, records=len(extra or [])),
        )
        return posted
