"""Starting an investigation from a validated /logiq request: root, session, job.

Runs right after the command is acknowledged. The root message is posted here (not in
the worker) so the thread exists at once, even while every worker is busy.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.errors import LogIQError
from bot.manifest import Manifest
from bot.scope import check_scope
from bot.session import Session
from bot.slack import blocks
from bot.slack.catalog import load_cached
from bot.slack.command import Command, apply_overrides
from bot.slack.services import Services

logger = logging.getLogger(__name__)

INVESTIGATE_JOB = "bot.jobs.investigate_thread"
ANSWER_JOB = "bot.jobs.answer_thread"
FEEDBACK_JOB = "bot.jobs.follow_up_feedback"
PROPOSAL_JOB = "bot.jobs.decide_proposal"
REPORT_JOB = "bot.jobs.post_report"
JOB_TIMEOUT = 30 * 60


@dataclass(frozen=True, slots=True)
class Request:
    """A /logiq investigate that passed validation (before anything was posted)."""

    command: Command
    manifest: Manifest
    path: Path
    channel: str
    user: str
    team: str = ""


def validate(
    services: Services, command: Command, channel: str, user: str, team: str = ""
) -> Request:
    """Everything that can be checked before acking; raises LogIQError with the fix."""
    if reason := services.allowed(channel, user):
        raise LogIQError(reason)
    settings = services.settings
    path = services.catalog.find(command.manifest)
    manifest = apply_overrides(load_cached(path), command)
    roots: list[str | Path] = [*settings.allowed_roots] or [settings.manifest_dir]
    check_scope(manifest, roots=roots, hosts=settings.allowed_hosts)
    return Request(command, manifest, path, channel, user, team)


def start(services: Services, request: Request) -> Session:
    """Post the thread root, save the session, enqueue the job; returns the session."""
    manifest = request.manifest
    session = Session(
        channel=request.channel,
        thread_ts="pending",
        user=request.user,
        team=request.team,
        manifest_name=request.command.manifest,
        manifest_path=str(request.path.resolve()),
        case=manifest.case,
        title=manifest.title,
        symptom=manifest.symptom.strip(),
        window_start=_iso(manifest.window.start),
        window_end=_iso(manifest.window.end),
        timezone=manifest.timezone,
        sources=[s.name for s in manifest.sources],
    )
    ts = services.poster.post(
        request.channel, blocks.root_text(session), blocks=blocks.board_blocks(session)
    )
    session.thread_ts = ts
    session.job_id = job_id(services.settings.key_prefix, request.channel, ts)
    session.log("post", ts=ts, what="root")
    services.store.create(session)
    services.queue.enqueue(
        INVESTIGATE_JOB,
        request.channel,
        ts,
        job_id=session.job_id,
        job_timeout=JOB_TIMEOUT,
        result_ttl=3600,
        failure_ttl=7 * 86400,
    )
    logger.info("investigation %s queued for %s/%s", manifest.case, request.channel, ts)
    return session


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def job_id(prefix: str, channel: str, ts: str) -> str:
    """A stable RQ job id per thread (letters, digits, ``_`` and ``-`` only)."""
    scope = hashlib.sha1(prefix.encode()).hexdigest()[:8]
    return re.sub(r"[^A-Za-z0-9_-]", "_", f"investigate-{scope}-{channel}-{ts}")


def enqueue_answer(services: Services, session: Session, question: str, user: str, ts: str) -> None:
    services.queue.enqueue(
        ANSWER_JOB,
        session.channel,
        session.thread_ts,
        question,
        user,
        ts,
        job_timeout=300,
        result_ttl=600,
        failure_ttl=86400,
    )


def enqueue_follow_up(queue: Any, prefix: str) -> Any:
    """A FeedbackHook: the worker follows each verdict up (once per feedback entry)."""

    def hook(session: Session, event: Any) -> None:
        index = len(session.feedback) - 1
        queue.enqueue(
            FEEDBACK_JOB,
            session.channel,
            session.thread_ts,
            index,
            job_id=job_id(prefix, session.channel, session.thread_ts).replace(
                "investigate-", f"feedback{index}-", 1
            ),
            job_timeout=300,
            result_ttl=600,
            failure_ttl=86400,
        )

    return hook


def enqueue_simple(services: Services, func: str, *args: str) -> None:
    services.queue.enqueue(func, *args, job_timeout=300, result_ttl=600, failure_ttl=86400)
