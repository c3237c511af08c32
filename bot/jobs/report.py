"""The thread's hand-off write-up, uploaded as a markdown file."""

from __future__ import annotations

from bot.jobs.runtime import Runtime
from bot.report import Report, WindowOut
from bot.session import Session


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


def post_report_file(runtime: Runtime, session: Session, user: str) -> str:
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
