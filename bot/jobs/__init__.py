"""RQ job functions: what the Slack listeners enqueue (by dotted name) and workers run.

Jobs take only ids (channel, thread ts, ...); everything else is in the Session. Each
function looks up the process's :class:`Runtime` and hands over to one job class:

    investigate_thread  -> investigation.InvestigationJob
    answer_thread       -> answer.AnswerJob
    follow_up_feedback  -> followup.FeedbackJob
    decide_proposal     -> proposal.ProposalJob
    post_report         -> report.post_report_file
"""

from __future__ import annotations

from bot.jobs.answer import AnswerJob
from bot.jobs.followup import FeedbackJob
from bot.jobs.investigation import InvestigationJob
from bot.jobs.proposal import ProposalJob
from bot.jobs.report import post_report_file, session_report
from bot.jobs.runtime import Runtime, bind, build_runtime, current, split_env

__all__ = [
    "AnswerJob",
    "FeedbackJob",
    "InvestigationJob",
    "ProposalJob",
    "Runtime",
    "answer_thread",
    "bind",
    "build_runtime",
    "current",
    "decide_proposal",
    "follow_up_feedback",
    "investigate_thread",
    "post_report",
    "session_report",
    "split_env",
]


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
    return post_report_file(runtime, session, user)
