"""Run an investigation into its thread: read, correlate, post, chart, board.

Safe to run again (after a worker crash, or a manual requeue): the hypotheses are
stored once computed, and each posted message is recorded, so a retry continues where
the last run stopped instead of posting duplicates. Whatever fails is said in the
thread before the job fails."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from bot import feedback
from bot.answers import session_manifest
from bot.jobs.runtime import InvestigateFn, Runtime
from bot.scope import check_scope
from bot.session import Session, Tracked
from bot.slack import blocks
from bot.slack.board import post_hypothesis, refresh_board
from connectors import Context

if TYPE_CHECKING:
    from bot.investigate import Investigation

logger = logging.getLogger(__name__)


class InvestigationJob:
    def __init__(self, runtime: Runtime, channel: str, thread_ts: str) -> None:
        self.rt, self.channel, self.thread_ts = runtime, channel, thread_ts
        self.step = "loading the session"
        self._last_progress = 0.0
        self._drawing: threading.Thread | None = None  # the chart, drawn while posting

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
        steps: list[Any] = []
        if self.rt.model is not None:
            result = self._reason(result, context, steps)
        took = time.monotonic() - started
        self._drawing = threading.Thread(target=self._draw, args=(result,), daemon=True)
        self._drawing.start()
        if self.rt.contexts is not None:
            self.rt.contexts.remember(session, result)
        tracked = feedback.recall(
            self.rt.memory, session.team, [Tracked(hypothesis=h) for h in result.report.hypotheses]
        )
        feedback.initial_holds(tracked)
        return self._update(lambda s: _store_result(s, result, took, tracked, steps))

    def _reason(self, result: Investigation, context: Context, steps: list[Any]) -> Investigation:
        """The model's pass over the evidence pack (falls back to the engine by itself)."""
        from bot.llm import refine
        from bot.lookup import CaseLookup

        self.step = "reasoning over the evidence"
        lookup = CaseLookup(result.manifest, context)
        return refine(result, self.rt.settings, client=self.rt.model, audit=steps, lookup=lookup)

    def _draw(self, result: Investigation) -> None:
        """Draw the timeline and keep it beside the session: the hypotheses are posted
        meanwhile (drawing never delays the first one), and a job retried after a crash
        still posts the picture of the run that made them."""
        if not self.rt.chart or not result.report.hypotheses:
            return
        try:
            from bot.chart import render_timeline

            png = render_timeline(result.report, result.analysis)
            self.rt.store.put_chart(self.channel, self.thread_ts, png)
        except Exception:  # the picture is a bonus: say so, never fail the case for it
            logger.exception("timeline chart failed")

    def _post_chart(self) -> None:
        self.step = "drawing the timeline chart"
        if self._drawing is not None:
            self._drawing.join()
        session = self.rt.store.get(self.channel, self.thread_ts)
        if session is None or session.chart_posted:
            return
        chart = self.rt.store.chart(self.channel, self.thread_ts)
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
        self.rt.store.drop_chart(self.channel, self.thread_ts)

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
    session: Session,
    result: Investigation,
    took: float,
    tracked: list[Tracked],
    steps: Sequence[Any],
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
    for step in steps:  # the model's turns and tool calls (redacted), for "how did you get there?"
        session.log("llm", **step.as_dict())
