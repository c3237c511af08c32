"""A human reply in an investigation thread becomes a question for the answer job."""

from __future__ import annotations

from typing import Any

from bot.slack.services import CONTEXT_KEY, Services
from bot.slack.start import enqueue_answer


def handle_thread_reply(event: dict[str, Any], context: dict[str, Any]) -> None:
    route_question(context[CONTEXT_KEY], event)


def route_question(services: Services, event: dict[str, Any]) -> bool:
    """Enqueue an answer for a human thread message; False when it is not one for us.

    An @-mention arrives twice (``app_mention`` and ``message``): (channel, ts) is
    de-duplicated so it is answered once.
    """
    channel, ts, thread_ts = event.get("channel"), event.get("ts"), event.get("thread_ts")
    if event.get("bot_id") or not (channel and ts and thread_ts) or thread_ts == ts:
        return False
    user = event.get("user", "")
    if services.settings.allowed_users and user not in services.settings.allowed_users:
        return False
    session = services.store.get(channel, thread_ts)
    if session is None or not services.first_time("message", f"{channel}:{ts}"):
        return False
    enqueue_answer(services, session, event.get("text", ""), user, ts)
    return True
