"""The quick ``/logiq`` subcommands, answered in the ack: list, help, memory, forget, report.

Each returns the ephemeral text; nothing here does more than a few Redis reads or writes
(``report`` only enqueues the job that writes the report into the thread).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from bot.errors import LogIQError
from bot.memory import Memory
from bot.slack.command import USAGE, Command
from bot.slack.services import Services
from bot.slack.start import REPORT_JOB, enqueue_simple

MAX_LISTED = 25


def reply(services: Services, command: Command, channel: str, user: str, team: str) -> str:
    if command.action == "help":
        return USAGE
    if command.action == "list":
        return _listing(services)
    if reason := services.allowed(channel, user):
        raise LogIQError(reason)
    if command.action == "report":
        return _report(services, channel, user)
    if not team:
        raise LogIQError("this request carries no workspace id; memory is per workspace")
    if command.action == "memory":
        return _memories(services.memory.list(team), services.memory.ttl)
    admins = services.settings.admins
    if not services.memory.forget(team, command.manifest, user, admins):
        raise LogIQError(f"no memory {command.manifest!r} here; see `/logiq memory`")
    return f"Forgotten: {command.manifest}. New investigations will not cite it."


def _listing(services: Services) -> str:
    names = services.catalog.names()
    if not names:
        return f"No manifests in `{services.settings.manifest_dir}` yet."
    return "Manifests: " + ", ".join(f"`{n}`" for n in names) + "\n`/logiq investigate <name>`"


def _report(services: Services, channel: str, user: str) -> str:
    session = services.store.latest(channel)
    if session is None:
        raise LogIQError("no investigation in this channel yet: `/logiq investigate <manifest>`")
    enqueue_simple(services, REPORT_JOB, session.channel, session.thread_ts, user)
    return f"Writing the report of {session.case} into its thread."


def _memories(memories: list[Memory], ttl: int) -> str:
    if not memories:
        return "No confirmed incidents remembered in this workspace yet (✅ a hypothesis)."
    lines = [f"*Incident memory* ({len(memories)}, newest first)"]
    for m in memories[:MAX_LISTED]:
        day = datetime.fromtimestamp(m.confirmed_at, UTC).date().isoformat()
        left = max(0, int((m.confirmed_at + ttl - time.time()) // 86400))
        link = f" <{m.thread}|thread>" if m.thread else ""
        lines.append(
            f"• `{m.id}` {m.case}: {m.title} — confirmed {day} by <@{m.confirmed_by}>, "
            f"expires in {left} d{link}"
        )
    if len(memories) > MAX_LISTED:
        lines.append(f"… {len(memories) - MAX_LISTED} more")
    return "\n".join(lines)
