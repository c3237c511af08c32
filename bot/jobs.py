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

import json
import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import redis as redis_lib
from slack_sdk import WebClient

from bot import feedback
from bot.actions import (
    ProposalStore,
    actions_mode,
    approve_once,
    dismiss_stored,
    proposal_blocks,
    proposal_text,
    propose_issue,
)
from bot.answers import Answerer, LookupAnswerer, session_manifest
from bot.errors import LogIQError
from bot.memory import MemoryStore, memory_hook, thread_link
from bot.report import Report, WindowOut
from bot.scope import check_scope
from bot.session import Session, SessionStore, Tracked
from bot.settings import Settings
from bot.slack import blocks
from bot.slack.board import post_hypothesis, refresh_board, refresh_hypothesis
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
    memory: MemoryStore
    proposals: ProposalStore
    env: Mapping[str, str] = field(default_factory=dict)  # what read-only connectors see
    write_env: Mapping[str, str] = field(default_factory=dict)  # the approved actions' credential
    investigate: InvestigateFn | None = None  # default: bot.investigate.investigate
    progress_every: float = PROGRESS_EVERY
    chart: bool = True


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
    env, write_env = split_env(settings, env or {})
    return Runtime(
        settings=settings,
        redis=redis,
        store=SessionStore(redis, prefix=settings.key_prefix, ttl=settings.session_ttl),
        poster=Poster(
            client, Pacer(redis, prefix=settings.key_prefix, interval=settings.slack_pace)
        ),
        answerer=answerer or LookupAnswerer(_case_lookup(settings, env)),
        memory=MemoryStore(redis, settings.key_prefix, ttl_days=settings.memory_ttl_days),
        proposals=ProposalStore(redis, settings.key_prefix),
        env=env,
        write_env=write_env,
    )


def split_env(settings: Settings, env: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(env for read-only connectors, env for approved actions): the write credential
    named by ``JIRA_WRITE_TOKEN_ENV`` is only ever in the second."""
    name = settings.jira_write_token_env
    read = {k: v for k, v in env.items() if k != name}
    return read, ({name: env[name]} if name in env else {})


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


def follow_up_feedback(channel: str, thread_ts: str, index: int) -> str:
    return FeedbackJob(current(), channel, thread_ts).run(index)


def decide_proposal(
    channel: str, thread_ts: str, proposal_id: str, user: str, decision: str, message_ts: str
) -> str:
    return ProposalJob(current(), channel, thread_ts).run(proposal_id, user, decision, message_ts)


def post_report(channel: str, thread_ts: str, user: str) -> str:
    runtime = current()
    session = runtime.store.get(channel, thread_ts)
    if session is None:
        return "no-session"
    return _post_report(runtime, session, user)


# --------------------------------------------------------------------------- investigation


class InvestigationJob:
    def __init__(self, runtime: Runtime, channel: str, thread_ts: str) -> None:
        self.rt, self.channel, self.thread_ts = runtime, channel, thread_ts
        self.step = "loading the session"
        self._last_progress = 0.0
        self._result: Investigation | None = None  # this run's, for the chart

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
            self._post_chart()
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
        self._result = result
        tracked = feedback.recall(
            self.rt.memory, session.team, [Tracked(hypothesis=h) for h in result.report.hypotheses]
        )
        feedback.initial_holds(tracked)
        return self._update(lambda s: _store_result(s, result, took, tracked))

    def _draw(self, result: Investigation) -> bytes | None:
        if not self.rt.chart or not result.report.hypotheses:
            return None
        try:
            from bot.chart import render_timeline

            return render_timeline(result.report, result.analysis)
        except Exception:  # the picture is a bonus: say so, never fail the case for it
            logger.exception("timeline chart failed")
            return None

    def _post_chart(self) -> None:
        """After the hypotheses (so drawing never delays the first one)."""
        session = self.rt.store.get(self.channel, self.thread_ts)
        if self._result is None or session is None or session.chart_posted:
            return
        self.step = "drawing the timeline chart"
        chart = self._draw(self._result)
        if chart is None:
            return
        self.step = "uploading the timeline chart"
        self.rt.poster.upload(
            self.channel,
            self.thread_ts,
            chart,
            filename=f"{session.case}-timeline.png",
            title=f"{session.case} timeline",
            comment="Timeline: per-source rates on one clock-aligned axis, onset and "
            "the top hypothesis's cited lines marked",
        )
        self._update(lambda s: _set(s, chart_posted=True, audit=("post", {"what": "chart"})))

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
            if tracked.ts or tracked.held:
                continue  # posted by an earlier run of this job, or held back
            self.step = f"posting {tracked.id}"
            post_hypothesis(self.rt.poster, self.rt.store, session, tracked)

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


def _store_result(
    session: Session, result: Investigation, took: float, tracked: list[Tracked]
) -> None:
    report = result.report
    session.hypotheses = tracked
    session.report_sources = list(report.sources)
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

REPORT_WORDS = re.compile(r"^(?:<@\w+>\s*)?(?:/logiq\s+)?(?:report|write-?up)\W*$", re.I)


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
        if REPORT_WORDS.match(question.strip()):
            return _post_report(self.rt, session, user)
        pending = feedback.pending_rejection(session, user, time.time())
        if pending is not None and feedback.looks_like_reason(question):
            return self._note_reason(session, pending, question, user)
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

    def _note_reason(self, session: Session, index: int, reason: str, user: str) -> str:
        """The rejecter's reply: kept as why (session, memory), acknowledged in the thread."""
        entry = session.feedback[index]

        def note(s: Session) -> None:
            s.feedback[index].reason = reason
            s.log("feedback", hypothesis=entry.hypothesis_id, reason=reason, user=user)

        session = self.rt.store.update(self.channel, self.thread_ts, note)[0]
        tracked = session.tracked(entry.hypothesis_id)
        if session.team and tracked is not None:
            pattern = feedback.pattern_of(tracked.hypothesis)
            self.rt.memory.note_reason(session.team, pattern, user, reason)
        text = f"Noted why {entry.hypothesis_id} was rejected by <@{user}>: {reason}"
        return self.rt.poster.post(self.channel, text, thread_ts=self.thread_ts)


# --------------------------------------------------------------------------- feedback


class FeedbackJob:
    """After a verdict: memory, re-rank, the next candidate or next steps, a proposal."""

    def __init__(self, runtime: Runtime, channel: str, thread_ts: str) -> None:
        self.rt, self.channel, self.thread_ts = runtime, channel, thread_ts

    def run(self, index: int) -> str:
        session = self.rt.store.get(self.channel, self.thread_ts)
        if session is None or index >= len(session.feedback):
            return "no-session"
        now, then = feedback.outcome_for(session, index)
        session, fresh = self.rt.store.update(
            self.channel, self.thread_ts, lambda s: feedback.apply_outcome(s, now, index)
        )
        if not fresh:
            return "already-done"  # a retried job: this verdict was followed up
        entry = session.feedback[index]
        try:
            if session.team:
                memory_hook(self.rt.memory, lambda s: s.team)(
                    session, feedback.event_of(session, index)
                )
            self._say(session, entry.status, then)
        except Exception as exc:
            logger.exception("following up feedback %d on %s", index, self.thread_ts)
            self.rt.poster.post(
                self.channel,
                f"⚠️ Could not follow up {entry.hypothesis_id}: {type(exc).__name__}: {exc}",
                thread_ts=self.thread_ts,
            )
            raise
        return "done"

    def _say(self, session: Session, status: str, outcome: feedback.Outcome) -> None:
        if status == "open":
            refresh_board(self.rt.poster, session)
            return
        self.rt.poster.post(self.channel, outcome.message, thread_ts=self.thread_ts)
        candidate = outcome.next if status == "rejected" else None
        tracked = session.tracked(candidate.id) if candidate else None
        if tracked is not None and tracked.ts is None:
            post_hypothesis(self.rt.poster, self.rt.store, session, tracked)
        session = self.rt.store.get(self.channel, self.thread_ts) or session
        for t in session.hypotheses:
            if t.ts and t.status == "open":
                refresh_hypothesis(self.rt.poster, session, t.id)  # re-ranked confidences
        refresh_board(self.rt.poster, session)
        if status == "confirmed":
            self._propose(session, session.feedback[-1].user, outcome)

    def _propose(self, session: Session, user: str, outcome: feedback.Outcome) -> None:
        confirmed = next((h for h in outcome.hypotheses if h.status == "confirmed"), None)
        if confirmed is None:
            return
        try:
            proposal = propose_issue(
                session.case,
                confirmed,
                self.rt.settings,
                created_by=user,
                thread=thread_link(self.channel, self.thread_ts),
            )
        except LogIQError as exc:
            self.rt.poster.post(
                self.channel, f"⚠️ No Jira proposal: {exc}", thread_ts=self.thread_ts
            )
            return
        if proposal is None:
            return  # actions are off (the default)
        self.rt.proposals.save(proposal)
        mode = actions_mode(self.rt.settings)
        self.rt.poster.post(
            self.channel,
            proposal_text(proposal),
            thread_ts=self.thread_ts,
            blocks=proposal_blocks(proposal, mode),
        )
        self.rt.store.update(
            self.channel,
            self.thread_ts,
            lambda s: s.log("action", proposal=proposal.id, outcome="proposed", user=user),
        )


# --------------------------------------------------------------------------- proposals


class ProposalJob:
    """An Approve/Dismiss click: carried out at most once, shown, audited in the Session."""

    def __init__(self, runtime: Runtime, channel: str, thread_ts: str) -> None:
        self.rt, self.channel, self.thread_ts = runtime, channel, thread_ts

    def run(self, proposal_id: str, user: str, decision: str, message_ts: str) -> str:
        settings, store = self.rt.settings, self.rt.proposals
        if decision == "approve":
            result = approve_once(store, proposal_id, user, settings, self.rt.write_env)
        else:
            result = dismiss_stored(store, proposal_id, user, settings)
        if result is None:
            self.rt.poster.post(
                self.channel, f"⚠️ No proposal {proposal_id} (expired?)", thread_ts=self.thread_ts
            )
            return "no-proposal"
        if result.outcome == "refused":
            self.rt.poster.ephemeral(self.channel, user, result.message, thread_ts=self.thread_ts)
        else:
            mode = actions_mode(settings)
            self.rt.poster.update(
                self.channel,
                message_ts,
                proposal_text(result.proposal),
                proposal_blocks(result.proposal, mode),
            )
            self.rt.poster.post(
                self.channel,
                result.message,
                thread_ts=self.thread_ts,
                blocks=_request_blocks(result) if result.outcome == "dry-run" else None,
            )
        audit = result.audit.model_dump(mode="json")
        audit["proposal_kind"] = audit.pop("kind")
        try:
            self.rt.store.update(self.channel, self.thread_ts, lambda s: s.log("action", **audit))
        except KeyError:
            logger.warning("proposal %s: session expired; audit only in the log", proposal_id)
        return result.outcome


def _request_blocks(result: Any) -> list[dict[str, Any]]:
    """Dry run: exactly the request that would be sent (method, URL, JSON body)."""
    request = result.request
    body = json.dumps(request.body, indent=2, ensure_ascii=False)
    return [
        blocks.section(blocks.escape(result.message)),
        *blocks.code_sections([request.describe(), *body.splitlines()]),
    ]


# --------------------------------------------------------------------------- report


def session_report(session: Session) -> Report:
    """The thread as a :class:`Report` (statuses as set in the thread)."""
    return Report(
        case=session.case,
        title=session.title,
        symptom=session.symptom,
        window=WindowOut(start=session.window_start, end=session.window_end),
        sources=session.report_sources,
        hypotheses=[t.hypothesis for t in session.hypotheses],
        notices=session.notices,
    )


def _post_report(runtime: Runtime, session: Session, user: str) -> str:
    from bot.render.markdown import render_markdown

    if not session.investigated:
        text = "The investigation is still running; ask for the report when it is done."
        return runtime.poster.post(session.channel, text, thread_ts=session.thread_ts)
    markdown = render_markdown(session_report(session), board=session.feedback)
    runtime.poster.upload(
        session.channel,
        session.thread_ts,
        markdown.encode(),
        filename=f"{session.case}-report.md",
        title=f"{session.case} report",
        comment=f"Report for {session.case}, as asked by <@{user}>",
    )
    runtime.store.update(
        session.channel, session.thread_ts, lambda s: s.log("post", what="report", user=user)
    )
    return "report"
